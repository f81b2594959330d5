/**
 * The schema builder on the sandbox account's real field definitions: what a `getMetaModel` of an
 * object step shows under `custom_fields_by_id` (one property per custom field, titled with its
 * name, typed by docs/design.md "How an object looks in a message", selects as `enum` of labels,
 * a boolean `required` everywhere), and what the metadata pass costs in Kommo requests. Expected
 * definitions are read from the sandbox with plain `fetch`, independently of the code under test.
 */
import { createKommoClient, type KommoClient } from '../../lib/client/KommoClient';
import { accountModelFor } from '../../lib/entities/accountModel';
import { OBJECT_TYPES } from '../../lib/entities/registry';
import { buildObjectOutSchema, buildUpsertInSchema, type EioProperty, type EioSchema } from '../../lib/entities/schema';
import { recordingContext } from '../helpers';
import { useSandbox } from './sandboxSuite';

const { sandbox, cfg } = useSandbox();
let client: KommoClient;

beforeEach(async () => {
  client = await createKommoClient(cfg({ retries: 0 }), { logger: recordingContext().logger, rateLimiter: null });
});

interface RawField {
  id: number;
  name: string;
  type: string;
  code: string | null;
  enums: Array<{ id: number; value: string }> | null;
}

/** Every definition of a kind, all pages, read directly from the sandbox. */
async function rawFields(kind: string): Promise<RawField[]> {
  const fields: RawField[] = [];
  for (let page = 1; ; page += 1) {
    const response = await fetch(`${sandbox.baseUrl}/api/v4/${kind}/custom_fields?page=${page}&limit=50`, { headers: { authorization: `Bearer ${sandbox.accessToken}` } });
    if (response.status === 204) break;
    fields.push(...(await response.json() as { _embedded: { custom_fields: RawField[] } })._embedded.custom_fields);
  }
  sandbox.requestLog.length = 0;
  return fields;
}

/** Every `required` in a schema, with where it is. */
function requiredFlags(schema: EioSchema | EioProperty, at = ''): Array<[string, unknown]> {
  const flags: Array<[string, unknown]> = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    flags.push([`${at}${name}`, property.required]);
    flags.push(...requiredFlags(property, `${at}${name}.`));
    if (property.items) flags.push(...requiredFlags(property.items, `${at}${name}[].`));
  }
  return flags;
}

/** The JSON shape docs/design.md gives each field type in `custom_fields_by_id`. */
function expectedShape(field: RawField): Partial<EioProperty> {
  const labels = (field.enums ?? []).map((option) => option.value);
  switch (field.type) {
    case 'text': case 'textarea': case 'url': case 'streetaddress': case 'date': case 'birthday': case 'date_time':
      return { type: 'string' };
    case 'numeric': case 'price': case 'monetary':
      return { type: 'number' };
    case 'checkbox':
      return { type: 'boolean' };
    case 'select': case 'radiobutton':
      return { type: 'string', enum: labels };
    case 'multiselect':
      return { type: 'array', items: { type: 'string', enum: labels } };
    case 'multitext':
      return { type: 'array', items: expect.objectContaining({ type: 'object', properties: expect.objectContaining({ enum_code: expect.objectContaining({ enum: labels }) }) }) };
    default:
      return { type: 'array', items: { type: 'object' } };
  }
}

const metadataRequests = () => sandbox.requestLog.map((entry) => `${entry.method} ${decodeURIComponent(entry.path)}`);

describe.each(['leads', 'contacts', 'companies'] as const)('%s: custom_fields_by_id from the sandbox account', (kind) => {
  const type = OBJECT_TYPES[kind];

  it.each([
    ['out schema', (fields: Parameters<typeof buildObjectOutSchema>[1]) => buildObjectOutSchema(type, fields)],
    ['upsert in schema', (fields: Parameters<typeof buildObjectOutSchema>[1]) => buildUpsertInSchema(type, fields, 'id')],
  ])('%s: one property per field, titled by name, typed by the design table; one pass over the field pages', async (_, build) => {
    const expected = await rawFields(kind);
    const schema = build(await accountModelFor(client).customFields(type));
    expect(metadataRequests()).toEqual([`GET /api/v4/${kind}/custom_fields?page=1&limit=50`]);
    const byId = schema.properties.custom_fields_by_id;
    expect(byId).toMatchObject({ type: 'object', required: false });
    expect(Object.keys(byId.properties ?? {})).toEqual(expected.map((field) => String(field.id)));
    for (const field of expected) {
      expect([field.id, byId.properties?.[field.id]]).toEqual([field.id, expect.objectContaining({ title: field.name, required: false, ...expectedShape(field) })]);
    }
  });

  it('the enum labels of every select, radiobutton and multiselect are exactly the sandbox\'s option labels, in its order', async () => {
    const expected = (await rawFields(kind)).filter((field) => ['select', 'radiobutton', 'multiselect'].includes(field.type));
    const properties = buildUpsertInSchema(type, await accountModelFor(client).customFields(type), 'id').properties.custom_fields_by_id.properties ?? {};
    expect(expected.length).toBeGreaterThanOrEqual(3);
    for (const field of expected) {
      const property = properties[field.id];
      expect([field.id, property.enum ?? property.items?.enum]).toEqual([field.id, (field.enums ?? []).map((option) => option.value)]);
    }
  });

  it('every required in both schemas is a boolean (elastic.io\'s dialect), and nothing custom is required in an upsert', async () => {
    const fields = await accountModelFor(client).customFields(type);
    for (const schema of [buildObjectOutSchema(type, fields), buildUpsertInSchema(type, fields, 'id')]) {
      const flags = requiredFlags(schema);
      expect(flags.length).toBeGreaterThan(fields.length);
      expect(flags.filter(([, flag]) => typeof flag !== 'boolean')).toEqual([]);
    }
    const upsert = buildUpsertInSchema(type, fields, 'id');
    expect(requiredFlags(upsert).filter(([where, flag]) => where.startsWith('custom_fields_by_id.') && flag === true && !where.includes('[]'))).toEqual([]);
  });
});

describe('what the metadata pass costs', () => {
  it('leads with 120 custom fields: 3 field pages, 120 properties, whichever schemas are built from them', async () => {
    const seeded = (await rawFields('leads')).length;
    sandbox.configure({ extraCustomFields: { leads: 120 - seeded } });
    const model = accountModelFor(client);
    const fields = await model.customFields(OBJECT_TYPES.leads);
    const schemas = [buildObjectOutSchema(OBJECT_TYPES.leads, fields), buildUpsertInSchema(OBJECT_TYPES.leads, fields, 'name')];
    await model.customFields(OBJECT_TYPES.leads);
    for (const schema of schemas) expect(Object.keys(schema.properties.custom_fields_by_id.properties ?? {})).toHaveLength(120);
    expect(metadataRequests()).toEqual([1, 2, 3].map((page) => `GET /api/v4/leads/custom_fields?page=${page}&limit=50`));
  });

  it('an upsert by a custom field: the criterion property first, typed by the field', async () => {
    const fields = await accountModelFor(client).customFields(OBJECT_TYPES.contacts);
    const position = fields.find((field) => field.code === 'POSITION');
    const schema = buildUpsertInSchema(OBJECT_TYPES.contacts, fields, `cf_${position?.id}`);
    expect(Object.keys(schema.properties)[0]).toBe(`cf_${position?.id}`);
    expect(schema.properties[`cf_${position?.id}`]).toMatchObject({ type: 'string', title: 'Position', required: false });
  });
});
