import { embedded, useSandboxApi, validationErrors } from './fixtures';

const { sandbox, api } = useSandboxApi({ rateLimit: false });

describe('customers behind customers_mode (docs/kommo-api.md §6)', () => {
  it.each(['disabled', 'unavailable'] as const)('answers 403 problem+json on every /customers route when %s', async (mode) => {
    sandbox().configure({ customersMode: mode });
    for (const [method, path] of [
      ['GET', '/api/v4/customers'],
      ['GET', '/api/v4/customers/5000001'],
      ['POST', '/api/v4/customers'],
      ['GET', '/api/v4/customers/custom_fields'],
      ['GET', '/api/v4/customers/notes'],
    ]) {
      const response = await api(method, path, method === 'POST' ? [{ name: 'x' }] : undefined);
      expect([path, response.status, response.headers['content-type']]).toEqual([path, 403, 'application/problem+json']);
      expect(response.json()).toMatchObject({ status: 403, detail: expect.stringContaining(mode) });
    }
    expect(sandbox().entities('customers')).toHaveLength(2);
  });

  it.each(['periodicity', 'segments'] as const)('serves customers when %s', async (mode) => {
    sandbox().configure({ customersMode: mode });
    const customers = embedded<{ id: number; next_price: number; _embedded: Record<string, unknown> }>(await api('GET', '/api/v4/customers'), 'customers');
    expect(customers.map((customer) => customer.id)).toEqual([5000001, 5000002]);
    expect(customers[0]._embedded).toEqual({ tags: [], segments: [] });
  });

  it('creates, updates and links customers with custom fields when on', async () => {
    sandbox().configure({ customersMode: 'periodicity' });
    const field = embedded<{ id: number; type: string }>(await api('GET', '/api/v4/customers/custom_fields'), 'custom_fields').find((f) => f.type === 'numeric');
    const created = await api('POST', '/api/v4/customers', [
      { name: 'Retainer', next_price: 300, custom_fields_values: [{ field_id: field?.id, values: [{ value: 3 }] }], _embedded: { contacts: [{ id: 2000002 }] } },
    ]);
    const [customer] = embedded<{ id: number }>(created, 'customers');
    expect(customer.id).toBe(5000003);
    const read = (await api('GET', '/api/v4/customers/5000003?with=contacts')).json<{ custom_fields_values: Array<{ values: unknown }>; _embedded: { contacts: Array<{ id: number; is_main: boolean }> } }>();
    expect(read.custom_fields_values[0].values).toEqual([{ value: '3' }]);
    expect(read._embedded.contacts.map((contact) => [contact.id, contact.is_main])).toEqual([[2000002, true]]);
    expect((await api('PATCH', '/api/v4/customers/5000003', { next_price: 400 })).status).toBe(200);
  });

  it('requires a name on create', async () => {
    sandbox().configure({ customersMode: 'periodicity' });
    expect(validationErrors(await api('POST', '/api/v4/customers', [{ next_price: 1 }]))).toEqual([['0', 'NotBlank', 'name']]);
  });

  it('is off again after reset()', async () => {
    sandbox().configure({ customersMode: 'periodicity' });
    sandbox().reset();
    expect((await api('GET', '/api/v4/customers')).status).toBe(403);
  });
});
