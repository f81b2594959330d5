import { CUSTOM_FIELD_TYPES } from '../customFieldCatalog';
import { embedded, useSandboxApi, validationErrors } from './fixtures';

const { sandbox, api } = useSandboxApi({ rateLimit: false, customersMode: 'segments' });

type Enum = { id: number; value: string; sort: number };
type Definition = { id: number; name: string; type: string; code: string | null; enums: Enum[] | null } & Record<string, unknown>;

const definitions = async (kind: string): Promise<Definition[]> => embedded<Definition>(await api('GET', `/api/v4/${kind}/custom_fields?limit=50`), 'custom_fields');
const fieldOf = async (kind: string, type: string): Promise<Definition> => {
  const field = (await definitions(kind)).find((candidate) => candidate.type === type);
  if (!field) throw new Error(`no ${type} field on ${kind}`);
  return field;
};
const enumId = (field: Definition, value: string): number => {
  const option = field.enums?.find((candidate) => candidate.value === value);
  if (!option) throw new Error(`no enum ${value} on ${field.name}`);
  return option.id;
};
/** Write one field on lead 1000003 (which has none) and read back its custom_fields_values. */
const writeAndRead = async (field: Definition, values: unknown): Promise<{ status: number; stored: unknown; response: Awaited<ReturnType<typeof api>> }> => {
  const response = await api('PATCH', '/api/v4/leads/1000003', { custom_fields_values: [{ field_id: field.id, values }] });
  const lead = (await api('GET', '/api/v4/leads/1000003')).json<{ custom_fields_values: unknown }>();
  return { status: response.status, stored: lead.custom_fields_values, response };
};

// 2025-03-16 00:00 in New York (EDT, UTC-4) and 15:30 UTC that day.
const MARCH_16_NY = Date.UTC(2025, 2, 16, 4) / 1000;
const MARCH_16_1530Z = Date.UTC(2025, 2, 16, 15, 30) / 1000;

describe('definitions: GET /{entity}/custom_fields (docs/kommo-fidelity.md #8)', () => {
  it.each(['leads', 'contacts', 'companies', 'customers'])('%s has a field of every Kommo type', async (kind) => {
    const types = new Set((await definitions(kind)).map((field) => field.type));
    expect([...CUSTOM_FIELD_TYPES].filter((type) => !types.has(type))).toEqual([]);
  });

  it('items carry Kommo’s keys and a self link', async () => {
    const field = await fieldOf('leads', 'select');
    expect(field).toMatchObject({
      account_id: 31000001,
      group_id: null,
      required_statuses: [],
      is_deletable: true,
      is_predefined: false,
      remind: null,
      entity_type: 'leads',
      enums: [expect.objectContaining({ id: expect.any(Number), value: 'Website', sort: expect.any(Number) }), expect.anything(), expect.anything()],
      _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads/custom_fields/${field.id}` } },
    });
    expect((await api('GET', `/api/v4/leads/custom_fields/${field.id}`)).json()).toEqual(field);
  });

  it('pages at most 50 per page, then answers 204', async () => {
    sandbox().configure({ extraCustomFields: { leads: 94 } });
    const page = async (n: number, limit = 250) => api('GET', `/api/v4/leads/custom_fields?page=${n}&limit=${limit}`);
    const first = await page(1);
    expect(first.json()).toMatchObject({ _total_items: 120, _page: 1, _page_count: 3 });
    expect(embedded(first, 'custom_fields')).toHaveLength(50);
    expect(embedded(await page(2), 'custom_fields')).toHaveLength(50);
    expect(embedded(await page(3), 'custom_fields')).toHaveLength(20);
    expect((await page(4)).status).toBe(204);
    expect(embedded(await api('GET', '/api/v4/leads/custom_fields'), 'custom_fields')).toHaveLength(50);
  });

  it('extra fields are distinct, have their own enums and go away on reset()', async () => {
    sandbox().configure({ extraCustomFields: { contacts: 10 } });
    const fields = await definitions('contacts');
    const extras = fields.filter((field) => field.name.startsWith('Extra'));
    expect(extras).toHaveLength(10);
    expect(new Set(fields.map((field) => field.id)).size).toBe(fields.length);
    expect(extras.filter((field) => field.type === 'select').every((field) => field.enums?.length === 3)).toBe(true);
    sandbox().reset();
    expect((await definitions('contacts')).some((field) => field.name.startsWith('Extra'))).toBe(false);
  });

  it.each([
    ['contacts', 'PHONE', ['WORK', 'WORKDD', 'MOB', 'FAX', 'HOME', 'OTHER']],
    ['contacts', 'EMAIL', ['WORK', 'PRIV', 'OTHER']],
    ['companies', 'PHONE', ['WORK', 'WORKDD', 'MOB', 'FAX', 'HOME', 'OTHER']],
    ['companies', 'EMAIL', ['WORK', 'PRIV', 'OTHER']],
  ])('%s %s has its own enums %j (docs/kommo-fidelity.md #9)', async (kind, code, values) => {
    const field = (await definitions(kind)).find((candidate) => candidate.code === code);
    expect(field).toMatchObject({ type: 'multitext', is_predefined: true, is_deletable: false });
    expect(field?.enums?.map((option) => option.value)).toEqual(values);
  });

  it('no two fields share an enum id', async () => {
    const all = (await Promise.all(['leads', 'contacts', 'companies', 'customers'].map(definitions))).flat();
    const ids = all.flatMap((field) => (field.enums ?? []).map((option) => option.id));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('values by type: write, then read back (docs/kommo-api.md §7)', () => {
  it.each<[string, (field: Definition) => unknown, (field: Definition) => unknown]>([
    ['text', () => [{ value: 'REF-1' }], () => [{ value: 'REF-1' }]],
    ['text', () => [{ value: 42 }], () => [{ value: '42' }]],
    ['numeric', () => [{ value: 12.5 }], () => [{ value: '12.5' }]],
    ['numeric', () => [{ value: '7' }], () => [{ value: '7' }]],
    ['checkbox', () => [{ value: true }], () => [{ value: true }]],
    ['select', (f) => [{ enum_id: enumId(f, 'Referral') }], (f) => [{ value: 'Referral', enum_id: enumId(f, 'Referral'), enum_code: null }]],
    ['select', () => [{ value: 'Trade show' }], (f) => [{ value: 'Trade show', enum_id: enumId(f, 'Trade show'), enum_code: null }]],
    ['multiselect', (f) => [{ enum_id: enumId(f, 'CRM') }, { value: 'Support' }], (f) => [
      { value: 'CRM', enum_id: enumId(f, 'CRM'), enum_code: null },
      { value: 'Support', enum_id: enumId(f, 'Support'), enum_code: null },
    ]],
    ['multitext', () => [{ value: '+1555', enum_code: 'FAX' }, { value: '+1666' }], (f) => [
      { value: '+1555', enum_id: enumId(f, 'FAX'), enum_code: 'FAX' },
      { value: '+1666', enum_id: enumId(f, 'WORK'), enum_code: 'WORK' },
    ]],
    ['date', () => [{ value: '2025-03-16' }], () => [{ value: MARCH_16_NY }]],
    ['date', () => [{ value: MARCH_16_1530Z }], () => [{ value: MARCH_16_NY }]],
    ['date', () => [{ value: '2025-03-16T15:30:00+00:00' }], () => [{ value: MARCH_16_NY }]],
    ['birthday', () => [{ value: String(MARCH_16_1530Z) }], () => [{ value: MARCH_16_NY }]],
    ['date_time', () => [{ value: '2025-03-16T15:30:00Z' }], () => [{ value: MARCH_16_1530Z }]],
    ['url', () => [{ value: 'https://example.com/x' }], () => [{ value: 'https://example.com/x' }]],
    ['textarea', () => [{ value: 'line 1\nline 2' }], () => [{ value: 'line 1\nline 2' }]],
    ['radiobutton', () => [{ value: 'High' }], (f) => [{ value: 'High', enum_id: enumId(f, 'High'), enum_code: null }]],
    ['category', (f) => [{ enum_id: enumId(f, 'Services') }], (f) => [{ value: 'Services', enum_id: enumId(f, 'Services'), enum_code: null }]],
    ['streetaddress', () => [{ value: '1 Main St' }], () => [{ value: '1 Main St' }]],
    ['smart_address', () => [{ value: 'Springfield', enum_code: 'city' }], (f) => [{ value: 'Springfield', enum_id: enumId(f, 'city'), enum_code: 'city' }]],
    ['legal_entity', () => [{ value: { name: 'Acme LLC', vat_id: 'US1' } }], () => [{ value: { name: 'Acme LLC', vat_id: 'US1' } }]],
    ['price', () => [{ value: 99.9 }], () => [{ value: '99.9' }]],
    ['monetary', () => [{ value: '150.25' }], () => [{ value: '150.25' }]],
    ['items', () => [{ value: { sku: 'A1', quantity: 2, unit_price: 10 } }], () => [{ value: { sku: 'A1', quantity: 2, unit_price: 10 } }]],
    ['tracking_data', () => [{ value: 'newsletter' }], () => [{ value: 'newsletter' }]],
    ['linked_entity', () => [{ value: { entity_id: 2000001, entity_type: 'contacts', name: 'Maria' } }], () => [
      { value: { entity_id: 2000001, entity_type: 'contacts', name: 'Maria' } },
    ]],
    ['org_legal_name', () => [{ value: 'Acme Holdings Ltd' }], () => [{ value: 'Acme Holdings Ltd' }]],
    ['chained_list', () => [{ catalog_id: 8800001, catalog_element_id: 5 }], () => [{ catalog_id: 8800001, catalog_element_id: 5 }]],
    ['file', () => [{ value: { file_uuid: 'f-1', version_uuid: 'v-1', file_name: 'a.pdf', file_size: 10 } }], () => [
      { value: { file_uuid: 'f-1', version_uuid: 'v-1', file_name: 'a.pdf', file_size: 10 } },
    ]],
    ['payer', () => [{ value: { name: 'Acme', entity_type: 'companies', entity_id: 3000001 } }], () => [
      { value: { name: 'Acme', entity_type: 'companies', entity_id: 3000001 } },
    ]],
    ['supplier', () => [{ value: { name: 'Us Inc' } }], () => [{ value: { name: 'Us Inc' } }]],
  ])('%s: writes %#', async (type, write, read) => {
    const field = await fieldOf('leads', type);
    const { status, stored } = await writeAndRead(field, write(field));
    expect(status).toBe(200);
    expect(stored).toEqual([{ field_id: field.id, field_name: field.name, field_code: field.code, field_type: type, values: read(field) }]);
  });

  it('values: null clears a field and the entity reads custom_fields_values: null', async () => {
    const field = await fieldOf('leads', 'text');
    await writeAndRead(field, [{ value: 'x' }]);
    expect((await writeAndRead(field, null)).stored).toBeNull();
  });

  it('stores date fields as 00:00 of the day in the configured time zone', async () => {
    sandbox().configure({ timezone: 'Europe/Moscow' });
    const field = await fieldOf('leads', 'date');
    expect((await writeAndRead(field, [{ value: '2025-03-16' }])).stored).toEqual([expect.objectContaining({ values: [{ value: Date.UTC(2025, 2, 15, 21) / 1000 }] })]);
  });

  it.each([
    ['the day as text', '2018-11-04'],
    ['an instant of that day', Date.UTC(2018, 10, 4, 15) / 1000],
  ])('a day whose midnight DST skipped starts when the clocks jump, never the evening before (%s)', async (_, value) => {
    // São Paulo went from 00:00 -03:00 to 01:00 -02:00 on 2018-11-04: the day begins at 03:00Z.
    sandbox().configure({ timezone: 'America/Sao_Paulo' });
    const field = await fieldOf('leads', 'date');
    expect((await writeAndRead(field, [{ value }])).stored).toEqual([expect.objectContaining({ values: [{ value: Date.UTC(2018, 10, 4, 3) / 1000 }] })]);
  });
});

describe('invalid values by type: validation-errors with Kommo’s codes and index paths (docs/kommo-api.md §4)', () => {
  it.each<[string, (field: Definition) => unknown, string, string]>([
    ['text', () => [{ value: { a: 1 } }], 'InvalidType', 'custom_fields_values.0.values.0.value'],
    ['numeric', () => [{ value: 'twelve' }], 'InvalidType', 'custom_fields_values.0.values.0.value'],
    ['checkbox', () => [{ value: 'yes' }], 'InvalidType', 'custom_fields_values.0.values.0.value'],
    ['select', () => [{ value: 'Carrier pigeon' }], 'NotSupportedChoice', 'custom_fields_values.0.values.0.value'],
    ['select', () => [{ enum_id: 1 }], 'NotSupportedChoice', 'custom_fields_values.0.values.0.enum_id'],
    ['select', (f) => [{ enum_id: enumId(f, 'Website') }, { enum_id: enumId(f, 'Referral') }], 'InvalidType', 'custom_fields_values.0.values'],
    ['multiselect', () => [{ value: 'CRM' }, { value: 'Fax machines' }], 'NotSupportedChoice', 'custom_fields_values.0.values.1.value'],
    ['radiobutton', () => [{ enum_id: 'High' }], 'InvalidType', 'custom_fields_values.0.values.0.enum_id'],
    ['multitext', () => [{ value: '+1555', enum_code: 'PRIV' }], 'NotSupportedChoice', 'custom_fields_values.0.values.0.enum_code'],
    ['multitext', () => [{ value: 15550100 }], 'InvalidType', 'custom_fields_values.0.values.0.value'],
    ['date', () => [{ value: 'next tuesday' }], 'InvalidType', 'custom_fields_values.0.values.0.value'],
    ['birthday', () => [{ value: true }], 'InvalidType', 'custom_fields_values.0.values.0.value'],
    ['date_time', () => [{ value: 1.5 }], 'InvalidType', 'custom_fields_values.0.values.0.value'],
    ['smart_address', () => [{ value: 'Springfield' }], 'NotSupportedChoice', 'custom_fields_values.0.values.0.enum_code'],
    ['legal_entity', () => [{ value: 'Acme' }], 'InvalidType', 'custom_fields_values.0.values.0.value'],
    ['legal_entity', () => [{ value: { vat_id: 'x' } }], 'InvalidType', 'custom_fields_values.0.values.0.value.name'],
    ['items', () => [{ value: { sku: 'A', quantity: 'two' } }], 'InvalidType', 'custom_fields_values.0.values.0.value.quantity'],
    ['linked_entity', () => [{ value: { entity_type: 'contacts' } }], 'InvalidType', 'custom_fields_values.0.values.0.value.entity_id'],
    ['chained_list', () => [{ catalog_id: 1, catalog_element_id: 2 }], 'NotSupportedChoice', 'custom_fields_values.0.values.0.catalog_id'],
    ['file', () => [{ value: { file_name: 'a.pdf' } }], 'InvalidType', 'custom_fields_values.0.values.0.value.file_uuid'],
    ['price', () => [{ value: [] }], 'InvalidType', 'custom_fields_values.0.values.0.value'],
    ['payer', () => [{ value: { name: 7 } }], 'InvalidType', 'custom_fields_values.0.values.0.value.name'],
  ])('%s refuses %#', async (type, write, code, path) => {
    const field = await fieldOf('leads', type);
    const { status, stored, response } = await writeAndRead(field, write(field));
    expect(status).toBe(400);
    expect(validationErrors(response)).toEqual([['0', code, path]]);
    expect(stored).toBeNull();
  });

  it('indexes the path by the field’s position in the request (docs/kommo-fidelity.md #11)', async () => {
    const fields = await definitions('leads');
    const items = fields.slice(0, 6).map((field) => ({ field_id: field.id, values: null }));
    const select = fields.find((field) => field.type === 'select') as Definition;
    const response = await api('PATCH', '/api/v4/leads/1000003', { custom_fields_values: [...items, { field_id: select.id, values: [{ value: 'Nope' }] }] });
    expect(validationErrors(response)).toEqual([['0', 'NotSupportedChoice', 'custom_fields_values.6.values.0.value']]);
  });

  it('refuses a field of another kind', async () => {
    const response = await api('PATCH', '/api/v4/leads/1000003', { custom_fields_values: [{ field_id: 720001, values: [{ value: '+1' }] }] });
    expect(validationErrors(response)).toEqual([['0', 'NotSupportedChoice', 'custom_fields_values.0.field_id']]);
  });
});
