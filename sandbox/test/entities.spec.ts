import { call, type RawResponse } from './client';
import { useSandbox } from './fixtures';

const { clock, sandbox } = useSandbox({ rateLimit: false });

const api = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
  call(sandbox().baseUrl, method, path, { token: sandbox().accessToken, body });

type ListBody = { _page: number; _links: Record<string, { href: string }>; _embedded: Record<string, Array<Record<string, unknown>>> };
const ids = (response: RawResponse, kind = 'leads'): unknown[] => response.json<ListBody>()._embedded[kind].map((item) => item.id);
const nowSeconds = (): number => Math.floor(clock.ms / 1000);

function leads(count: number, extra: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, index) => ({ name: `Bulk ${index}`, request_id: `r${index}`, ...extra }));
}

describe('list (docs/kommo-api.md §5)', () => {
  it('returns a HAL page of the seeded leads with self links', async () => {
    const response = await api('GET', '/api/v4/leads');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/hal+json');
    const body = response.json<ListBody>();
    expect(body._page).toBe(1);
    expect(body._links.self.href).toBe(`${sandbox().baseUrl}/api/v4/leads`);
    expect(body._links.next).toBeUndefined();
    expect(body._embedded.leads).toHaveLength(5);
    expect(body._embedded.leads[0]._links).toEqual({ self: { href: `${sandbox().baseUrl}/api/v4/leads/1000001` } });
  });

  it.each(['leads', 'contacts', 'companies', 'tasks'])('serves seeded %s', async (kind) => {
    const response = await api('GET', `/api/v4/${kind}`);
    expect(response.status).toBe(200);
    expect(ids(response, kind).length).toBe(sandbox().entities(kind as 'leads').length);
  });

  it('pages with page/limit and links next, first and prev from the request host', async () => {
    const page2 = await api('GET', '/api/v4/leads?limit=2&page=2');
    const body = page2.json<ListBody>();
    expect(ids(page2)).toEqual([1000003, 1000004]);
    expect(body._page).toBe(2);
    expect(body._links.next.href).toBe(`${sandbox().baseUrl}/api/v4/leads?limit=2&page=3`);
    expect(body._links.prev.href).toBe(`${sandbox().baseUrl}/api/v4/leads?limit=2&page=1`);
    expect(body._links.first.href).toBe(`${sandbox().baseUrl}/api/v4/leads?limit=2&page=1`);
    expect(ids(await api('GET', '/api/v4/leads?limit=2&page=3'))).toEqual([1000005]);
  });

  it('links next from a full last page, which then answers 204 (docs/kommo-api.md §10.2)', async () => {
    const full = await api('GET', '/api/v4/leads?limit=5');
    expect(full.json<ListBody>()._links.next).toBeDefined();
    const past = await api('GET', '/api/v4/leads?limit=5&page=2');
    expect(past.status).toBe(204);
    expect(past.text).toBe('');
    expect(past.headers['content-type']).toBeUndefined();
  });

  it('answers 204 with an empty body when nothing matches', async () => {
    const response = await api('GET', '/api/v4/leads?query=no-such-thing-anywhere');
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
  });

  it('defaults to 50 per page and clamps limits above 250 to 250', async () => {
    await api('POST', '/api/v4/leads', leads(250));
    const defaultPage = await api('GET', '/api/v4/leads');
    expect(ids(defaultPage)).toHaveLength(50);
    const clamped = await api('GET', '/api/v4/leads?limit=500');
    expect(ids(clamped)).toHaveLength(250);
    expect(clamped.json<ListBody>()._links.next.href).toContain('limit=250');
  });

  it.each(['page=0', 'limit=-1', 'limit=abc'])('rejects %s with 400', async (query) => {
    const response = await api('GET', `/api/v4/leads?${query}`);
    expect(response.status).toBe(400);
    expect(response.json()).toHaveProperty('validation-errors');
  });

  it.each([
    ['filter[id]=1000002', [1000002]],
    ['filter[id]=1000002&filter[id]=1000004', [1000002, 1000004]],
    ['filter[id][]=1000001&filter[id][]=1000003', [1000001, 1000003]],
    ['filter[id][0]=1000005', [1000005]],
    ['filter[pipeline_id]=7000001', [1000001, 1000002, 1000003, 1000004, 1000005]],
    ['filter[pipeline_id]=7000002', []],
    ['filter%5Bid%5D%5B%5D=1000003', [1000003]],
    ['filter[no_such_field]=1', [1000001, 1000002, 1000003, 1000004, 1000005]],
  ])('filters %s', async (query, expected) => {
    const response = await api('GET', `/api/v4/leads?${query}`);
    expect(response.status === 204 ? [] : ids(response)).toEqual(expected);
  });

  it('filters updated_at by range and by the single-value "since" form', async () => {
    // Seeded leads were updated 10, 6, 3, 2 and 1 days ago.
    const day = 86400;
    const from = nowSeconds() - 4 * day;
    const to = nowSeconds() - 2 * day;
    expect(ids(await api('GET', `/api/v4/leads?filter[updated_at][from]=${from}&filter[updated_at][to]=${to}`))).toEqual([1000003, 1000004]);
    expect(ids(await api('GET', `/api/v4/leads?filter[updated_at]=${from}`))).toEqual([1000003, 1000004, 1000005]);
    expect((await api('GET', `/api/v4/leads?filter[updated_at][from]=${nowSeconds() + 1}`)).status).toBe(204);
  });

  it.each([
    ['order[id]=desc', [1000005, 1000004, 1000003, 1000002, 1000001]],
    ['order[id]=asc', [1000001, 1000002, 1000003, 1000004, 1000005]],
    ['order[updated_at]=desc', [1000005, 1000004, 1000003, 1000002, 1000001]],
    ['order[created_at]=asc', [1000004, 1000001, 1000002, 1000003, 1000005]],
  ])('orders by %s', async (query, expected) => {
    expect(ids(await api('GET', `/api/v4/leads?${query}`))).toEqual(expected);
  });

  it('orders by updated_at ascending after an update moves a lead to the end', async () => {
    clock.advance(1000);
    await api('PATCH', '/api/v4/leads/1000001', { price: 1 });
    expect(ids(await api('GET', '/api/v4/leads?order[updated_at]=asc')).at(-1)).toBe(1000001);
  });

  it.each([
    ['leads', 'acme', [1000001]],
    ['leads', 'ERP-5521', [1000001]],
    ['contacts', '+15550100202', [2000002]],
    ['contacts', 'GLOBEX.example', [2000003]],
    ['companies', 'globex', [3000002]],
    ['tasks', 'demo meeting', [4000002]],
  ])('searches %s for "%s" in names and custom field values', async (kind, query, expected) => {
    expect(ids(await api('GET', `/api/v4/${kind}?query=${encodeURIComponent(query)}`), kind)).toEqual(expected);
  });
});

describe('get by id', () => {
  it('returns the entity with its self link and null custom fields when none are set', async () => {
    const response = await api('GET', '/api/v4/leads/1000003');
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({
      id: 1000003,
      name: 'Pilot: 20 licences',
      price: 1999.99,
      custom_fields_values: null,
      _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads/1000003` } },
    });
  });

  it('returns tasks with their task fields', async () => {
    const task = (await api('GET', '/api/v4/tasks/4000001')).json();
    expect(task).toMatchObject({ entity_type: 'leads', entity_id: 1000001, task_type_id: 1, is_completed: false, text: expect.any(String) });
    expect(task.complete_till).toEqual(expect.any(Number));
  });

  it.each(['/api/v4/leads/999', '/api/v4/contacts/1000001', '/api/v4/users/1', '/api/v4/leads/pipelines/5'])('answers 404 problem+json for %s', async (path) => {
    const response = await api('GET', path);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json()).toMatchObject({ status: 404, type: 'https://httpstatus.es/404' });
  });
});

describe('batch create (docs/kommo-api.md §6)', () => {
  it('creates items in order and echoes request_id', async () => {
    const response = await api('POST', '/api/v4/leads', [{ name: 'A', price: 10, request_id: 'first' }, { name: 'B', request_id: 'second' }]);
    expect(response.status).toBe(200);
    const created = response.json<ListBody>()._embedded.leads;
    expect(created).toEqual([
      { id: 1000006, request_id: 'first', _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads/1000006` } } },
      { id: 1000007, request_id: 'second', _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads/1000007` } } },
    ]);
    const stored = sandbox().entities('leads').find((lead) => lead.id === 1000006);
    expect(stored).toMatchObject({ name: 'A', price: 10, created_at: nowSeconds(), updated_at: nowSeconds(), created_by: 9000001, custom_fields_values: null });
  });

  it('uses the item index as request_id when none is sent', async () => {
    const created = (await api('POST', '/api/v4/contacts', [{ first_name: 'Ana', last_name: 'Lima' }, {}])).json<ListBody>()._embedded.contacts;
    expect(created.map((item) => item.request_id)).toEqual(['0', '1']);
    expect(sandbox().entities('contacts').at(-2)).toMatchObject({ name: 'Ana Lima' });
  });

  it('stores custom field values in the read shape', async () => {
    await api('POST', '/api/v4/contacts', [
      { name: 'Zoe', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+1555', enum_code: 'MOB' }] }] },
    ]);
    const phone = (await api('GET', '/api/v4/contacts/custom_fields/720001')).json<{ enums: Array<{ id: number; value: string }> }>();
    const mob = phone.enums.find((option) => option.value === 'MOB')?.id;
    expect(mob).toEqual(expect.any(Number));
    expect(sandbox().entities('contacts').at(-1)?.custom_fields_values).toEqual([
      { field_id: 720001, field_name: 'Phone', field_code: 'PHONE', field_type: 'multitext', values: [{ value: '+1555', enum_id: mob, enum_code: 'MOB' }] },
    ]);
  });

  it('creates tasks', async () => {
    const response = await api('POST', '/api/v4/tasks', [{ text: 'Call back', complete_till: nowSeconds() + 3600, entity_type: 'leads', entity_id: 1000002 }]);
    expect(response.status).toBe(200);
    expect(sandbox().entities('tasks').at(-1)).toMatchObject({ text: 'Call back', entity_id: 1000002, is_completed: false, task_type_id: 1 });
  });

  it('accepts 250 items and refuses 251 with 422 "Limit 250 per page" (docs/kommo-api.md §0)', async () => {
    expect((await api('POST', '/api/v4/leads', leads(250))).status).toBe(200);
    const before = sandbox().entities('leads').length;
    const refused = await api('POST', '/api/v4/leads', leads(251));
    expect(refused.status).toBe(422);
    expect(refused.json()).toMatchObject({ status: 422, detail: 'Limit 250 per page' });
    expect(sandbox().entities('leads')).toHaveLength(before);
  });

  it.each<[string, unknown, string]>([
    ['an empty array', [], 'Request data can not be empty'],
    ['no body', undefined, 'Request data can not be empty'],
    ['an object', { name: 'x' }, 'Request data should be an array of entities'],
  ])('refuses %s with 400', async (_label, body, detail) => {
    const response = await api('POST', '/api/v4/leads', body);
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ status: 400, detail });
  });

  it('refuses invalid JSON with 400', async () => {
    const response = await call(sandbox().baseUrl, 'POST', '/api/v4/leads', {
      token: sandbox().accessToken,
      headers: { 'content-type': 'application/json' },
      raw: '[{"name": ',
    });
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ detail: 'Request body is not valid JSON' });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['a string price', { price: '100' }, 'price', 'InvalidType'],
    ['a numeric name', { name: 42 }, 'name', 'InvalidType'],
    ['an unknown status', { status_id: 1 }, 'status_id', 'NotSupportedChoice'],
    ['custom fields as an object', { custom_fields_values: { field_id: 710003 } }, 'custom_fields_values', 'InvalidType'],
    ['a custom field without id or code', { custom_fields_values: [{ values: [{ value: 'x' }] }] }, 'custom_fields_values.0.field_id', 'NotBlank'],
    ['an unknown custom field', { custom_fields_values: [{ field_id: 1, values: [{ value: 'x' }] }] }, 'custom_fields_values.0.field_id', 'NotSupportedChoice'],
    ['custom field values not an array', { custom_fields_values: [{ field_id: 710003, values: 'x' }] }, 'custom_fields_values.0.values', 'InvalidType'],
    ['a bad select enum', { custom_fields_values: [{ field_id: 710001, values: [{ enum_id: 1 }] }] }, 'custom_fields_values.0.values.0.enum_id', 'NotSupportedChoice'],
  ])('refuses %s with validation-errors and creates nothing (docs/kommo-api.md §4)', async (_label, item, path, code) => {
    const before = sandbox().entities('leads').length;
    const response = await api('POST', '/api/v4/leads', [{ name: 'fine', request_id: 'ok' }, { name: 'bad', ...item, request_id: 'bad' }]);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json()).toMatchObject({
      status: 400,
      'validation-errors': [{ request_id: 'bad', errors: [{ code, path, detail: expect.any(String) }] }],
    });
    expect(sandbox().entities('leads')).toHaveLength(before);
  });

  it('requires text and complete_till on tasks', async () => {
    const response = await api('POST', '/api/v4/tasks', [{ entity_type: 'leads', entity_id: 1000001 }]);
    const errors = response.json<{ 'validation-errors': Array<{ errors: Array<{ path: string }> }> }>()['validation-errors'][0].errors;
    expect(errors.map((error) => error.path).sort()).toEqual(['complete_till', 'text']);
  });
});

describe('update', () => {
  it('PATCH /leads/{id} changes fields and bumps updated_at and updated_by', async () => {
    clock.advance(60_000);
    const response = await api('PATCH', '/api/v4/leads/1000002', { price: 5000, name: 'Renamed' });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ id: 1000002, updated_at: nowSeconds(), _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads/1000002` } } });
    expect(sandbox().entities('leads').find((lead) => lead.id === 1000002)).toMatchObject({ price: 5000, name: 'Renamed', updated_at: nowSeconds(), updated_by: 9000001 });
  });

  it('PATCH /leads (batch) updates each item and echoes request_id', async () => {
    clock.advance(60_000);
    const response = await api('PATCH', '/api/v4/leads', [{ id: 1000001, price: 1, request_id: 'a' }, { id: 1000003, status_id: 142 }]);
    expect(response.status).toBe(200);
    expect(response.json<ListBody>()._embedded.leads).toEqual([
      { id: 1000001, updated_at: nowSeconds(), request_id: 'a', _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads/1000001` } } },
      { id: 1000003, updated_at: nowSeconds(), request_id: '1', _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads/1000003` } } },
    ]);
    const stored = sandbox().entities('leads');
    expect(stored.find((lead) => lead.id === 1000001)).toMatchObject({ price: 1, updated_at: nowSeconds() });
    expect(stored.find((lead) => lead.id === 1000003)).toMatchObject({ status_id: 142, closed_at: nowSeconds() });
  });

  it('merges custom fields: omitted stay, values:null clears, none left reads null (docs/kommo-api.md §7)', async () => {
    await api('PATCH', '/api/v4/leads/1000001', { custom_fields_values: [{ field_id: 710003, values: [{ value: 'ERP-9' }] }] });
    const merged = sandbox().entities('leads').find((lead) => lead.id === 1000001)?.custom_fields_values as Array<Record<string, unknown>>;
    expect(merged.map((field) => field.field_id)).toEqual([710001, 710003]);
    expect(merged[1].values).toEqual([{ value: 'ERP-9' }]);
    await api('PATCH', '/api/v4/leads/1000001', { custom_fields_values: [{ field_id: 710001, values: null }, { field_id: 710003, values: null }] });
    expect(sandbox().entities('leads').find((lead) => lead.id === 1000001)?.custom_fields_values).toBeNull();
  });

  it('completes a task', async () => {
    await api('PATCH', '/api/v4/tasks/4000001', { is_completed: true, result: { text: 'Done' } });
    expect(sandbox().entities('tasks')[0]).toMatchObject({ is_completed: true, result: { text: 'Done' } });
  });

  it('answers 404 for PATCH of an unknown id and 400 for an unknown id in a batch', async () => {
    expect((await api('PATCH', '/api/v4/leads/42', { price: 1 })).status).toBe(404);
    const batch = await api('PATCH', '/api/v4/leads', [{ id: 1000001, price: 2 }, { id: 42, price: 1 }]);
    expect(batch.status).toBe(400);
    expect(batch.json()).toMatchObject({ 'validation-errors': [{ request_id: '1', errors: [{ code: 'NotFound', path: 'id' }] }] });
    expect(sandbox().entities('leads')[0].price).toBe(12000);
  });

  it('refuses a batch item without id', async () => {
    expect((await api('PATCH', '/api/v4/leads', [{ price: 2 }])).status).toBe(400);
  });

  it('refuses an invalid single update and leaves the entity alone', async () => {
    const response = await api('PATCH', '/api/v4/leads/1000001', { price: 'lots' });
    expect(response.status).toBe(400);
    expect(sandbox().entities('leads')[0].price).toBe(12000);
  });
});

describe('routes and methods', () => {
  it.each(['/api/v4/leads', '/api/v4/leads/1000001', '/api/v4/contacts/2000001', '/api/v4/tasks'])('answers DELETE %s with 405: Kommo has no delete (docs/kommo-api.md §6)', async (path) => {
    const response = await api('DELETE', path);
    expect(response.status).toBe(405);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json()).toMatchObject({ status: 405, type: 'https://httpstatus.es/405' });
    expect(sandbox().entities('leads')).toHaveLength(5);
  });

  it.each([
    ['PUT', '/api/v4/leads/1000001', 405],
    ['POST', '/api/v4/account', 405],
    ['GET', '/api/v4/unknown', 404],
    ['GET', '/api/v4/leads/abc', 404],
    ['GET', '/nothing-here', 404],
  ])('%s %s → %d', async (method, path, status) => {
    const response = await api(method, path);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json');
  });

  it('serves pipelines with statuses 142 and 143, users and custom field definitions', async () => {
    const pipelines = (await api('GET', '/api/v4/leads/pipelines')).json<ListBody>()._embedded.pipelines;
    const statuses = (pipelines[0]._embedded as { statuses: Array<{ id: number }> }).statuses.map((status) => status.id);
    expect(statuses).toEqual(expect.arrayContaining([142, 143]));
    expect((await api('GET', '/api/v4/users')).json<ListBody>()._embedded.users).toHaveLength(3);
    expect((await api('GET', '/api/v4/users/9000002')).json()).toMatchObject({ name: 'Bianca Sales' });
    const fields = (await api('GET', '/api/v4/contacts/custom_fields')).json<ListBody>()._embedded.custom_fields;
    expect(fields.map((field) => field.code).slice(0, 4)).toEqual(['PHONE', 'EMAIL', 'POSITION', 'IM']);
  });

  it('reset() restores the seed and entities() returns copies', async () => {
    await api('POST', '/api/v4/leads', leads(3));
    const copy = sandbox().entities('leads');
    copy[0].name = 'mutated';
    expect(sandbox().entities('leads')[0].name).toBe('Website redesign for Acme');
    sandbox().reset();
    expect(sandbox().entities('leads')).toHaveLength(5);
    expect(sandbox().requestLog).toHaveLength(0);
  });
});
