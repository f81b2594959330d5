import type { EntityChange } from '..';
import { useSandboxApi, validationErrors } from './fixtures';

const { sandbox, api } = useSandboxApi({ rateLimit: false });

type ComplexResult = { id: number; contact_id: number | null; company_id: number | null; request_id: string[]; merged: boolean };
const count = (kind: 'leads' | 'contacts' | 'companies'): number => sandbox().entities(kind).length;
const linked = (kind: 'leads' | 'contacts', id: number, key: string): unknown => (sandbox().entities(kind).find((entity) => entity.id === id)?._embedded as Record<string, unknown>)[key];

const newContact = (phone: string) => ({ first_name: 'Nina', last_name: 'Park', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: phone, enum_code: 'MOB' }] }] });

describe('POST /leads/complex (docs/kommo-fidelity.md #6)', () => {
  it('creates lead, contact and company together and answers a plain array', async () => {
    const response = await api('POST', '/api/v4/leads/complex', [
      { name: 'Complex 1', price: 10, request_id: 'c1', _embedded: { contacts: [newContact('+15559990001')], companies: [{ name: 'Park & Co' }] } },
    ]);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json<ComplexResult[]>()).toEqual([{ id: 1000006, contact_id: 2000005, company_id: 3000003, request_id: ['c1'], merged: false }]);
    expect(linked('leads', 1000006, 'contacts')).toEqual([{ id: 2000005, is_main: true }]);
    expect(linked('leads', 1000006, 'companies')).toEqual([{ id: 3000003 }]);
    expect(linked('contacts', 2000005, 'companies')).toEqual([{ id: 3000003 }]);
  });

  it('links an existing contact given by id; request_id defaults to the index', async () => {
    const [result] = (await api('POST', '/api/v4/leads/complex', [{ name: 'For Maria', _embedded: { contacts: [{ id: 2000001 }] } }])).json<ComplexResult[]>();
    expect(result).toMatchObject({ contact_id: 2000001, company_id: null, request_id: ['0'], merged: false });
    expect(count('contacts')).toBe(4);
  });

  it('merges a contact whose phone digits match an existing one (duplicate control)', async () => {
    const [result] = (await api('POST', '/api/v4/leads/complex', [{ name: 'Dup', _embedded: { contacts: [newContact('+1 (555) 010-0201')] } }])).json<ComplexResult[]>();
    expect(result).toMatchObject({ contact_id: 2000001, merged: true });
    expect(count('contacts')).toBe(4);
    expect(count('leads')).toBe(6);
  });

  it('merges duplicates within one request and by email, case-insensitively', async () => {
    const results = (
      await api('POST', '/api/v4/leads/complex', [
        { name: 'A', _embedded: { contacts: [newContact('+15559990002')] } },
        { name: 'B', _embedded: { contacts: [newContact('+1 555 999 0002')] } },
        { name: 'C', _embedded: { contacts: [{ name: 'Aiko', custom_fields_values: [{ field_id: 720002, values: [{ value: 'AIKO@GLOBEX.EXAMPLE' }] }] }] } },
      ])
    ).json<ComplexResult[]>();
    expect(results.map((result) => [result.contact_id, result.merged])).toEqual([
      [2000005, false],
      [2000005, true],
      [2000003, true],
    ]);
  });

  it('creates the duplicate when duplicate control is off', async () => {
    sandbox().configure({ duplicateControl: false });
    const [result] = (await api('POST', '/api/v4/leads/complex', [{ _embedded: { contacts: [newContact('+15550100201')] } }])).json<ComplexResult[]>();
    expect(result).toMatchObject({ contact_id: 2000005, merged: false });
  });

  it('accepts 50 leads and refuses 51 with 422 "Limit 50 per page"', async () => {
    const leads = (n: number) => Array.from({ length: n }, (_, index) => ({ name: `Bulk ${index}` }));
    expect((await api('POST', '/api/v4/leads/complex', leads(50))).status).toBe(200);
    const refused = await api('POST', '/api/v4/leads/complex', leads(51));
    expect(refused.status).toBe(422);
    expect(refused.json()).toMatchObject({ status: 422, detail: 'Limit 50 per page' });
    expect(count('leads')).toBe(55);
  });

  it.each<[string, Record<string, unknown>, Array<[string, string, string]>]>([
    ['two contacts', { _embedded: { contacts: [{ id: 2000001 }, { id: 2000002 }] } }, [['0', 'InvalidType', '_embedded.contacts']]],
    ['an unknown contact id', { _embedded: { contacts: [{ id: 42 }] } }, [['0', 'NotFound', '_embedded.contacts.0.id']]],
    ['a bad contact field', { _embedded: { contacts: [{ custom_fields_values: [{ field_id: 1, values: [] }] }] } }, [['0', 'NotSupportedChoice', '_embedded.contacts.0.custom_fields_values.0.field_id']]],
    ['a bad company name', { _embedded: { companies: [{ name: 5 }] } }, [['0', 'InvalidType', '_embedded.companies.0.name']]],
    ['a bad lead price', { price: 'free' }, [['0', 'InvalidType', 'price']]],
  ])('refuses %s and creates nothing', async (_label, item, expected) => {
    const response = await api('POST', '/api/v4/leads/complex', [{ name: 'ok', _embedded: { contacts: [newContact('+15559990003')] } }, item]);
    expect(response.status).toBe(400);
    expect(validationErrors(response)).toEqual(expected.map(([, code, path]) => ['1', code, path]));
    expect([count('leads'), count('contacts'), count('companies')]).toEqual([5, 4, 2]);
  });

  it('publishes the contact, company and lead adds and their links after the whole request', async () => {
    const changes: EntityChange[] = [];
    const stop = sandbox().changes.subscribe((change) => changes.push(change));
    await api('POST', '/api/v4/leads/complex', [{ name: 'Fed', _embedded: { contacts: [newContact('+15559990004')], companies: [{ name: 'Feed Co' }] } }]);
    stop();
    expect(changes.filter((change) => change.action === 'add').map((change) => change.kind)).toEqual(['contacts', 'companies', 'leads']);
    expect(changes.filter((change) => change.action === 'link').map((change) => `${change.kind}→${change.link?.toKind}`).sort()).toEqual(
      ['companies→contacts', 'companies→leads', 'contacts→companies', 'contacts→leads', 'leads→companies', 'leads→contacts'].sort(),
    );
  });
});
