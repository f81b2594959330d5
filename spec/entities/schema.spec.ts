import { KommoConfigError } from '../../lib/client/errors';
import { OBJECT_TYPE_NAMES, OBJECT_TYPES } from '../../lib/entities/registry';
import {
  buildLookupInSchema, buildObjectOutSchema, buildUpsertInSchema, buildWriteSchema, type EioProperty, type EioSchema,
} from '../../lib/entities/schema';
import { FIELDS } from './fixtures';

/** Every property of a schema, nested ones included, with its path. */
function walk(property: EioProperty | EioSchema, path = ''): Array<[string, EioProperty | EioSchema]> {
  const nested = Object.entries(property.properties ?? {}).flatMap(([key, child]) => walk(child, `${path}.${key}`));
  const items = 'items' in property && property.items ? walk(property.items, `${path}[]`) : [];
  return [[path, property], ...nested, ...items];
}

function expectEioDialect(schema: EioSchema): void {
  expect(schema.type).toBe('object');
  for (const [path, property] of walk(schema)) {
    expect(['string', 'number', 'boolean', 'object', 'array']).toContain(property.type);
    const required = (property as { required?: unknown }).required;
    if (path !== '' && !path.endsWith('[]')) expect([path, typeof required]).toEqual([path, 'boolean']);
    expect((property as { additionalProperties?: unknown }).additionalProperties).toBeUndefined();
  }
}

describe('object out schema', () => {
  const schema = buildObjectOutSchema(OBJECT_TYPES.leads, FIELDS);
  const custom = schema.properties.custom_fields_by_id.properties!;

  it('is in elastic.io\'s dialect: boolean required on every property, no integer, other keys allowed', () => {
    for (const name of OBJECT_TYPE_NAMES) expectEioDialect(buildObjectOutSchema(OBJECT_TYPES[name], FIELDS));
  });

  it('has the core fields, Kommo\'s custom_fields_values, custom_fields_by_id and _embedded', () => {
    expect(Object.keys(schema.properties)).toEqual([
      ...OBJECT_TYPES.leads.coreFields.map((field) => field.name), 'custom_fields_values', 'custom_fields_by_id', '_embedded',
    ]);
    expect(schema.properties.id).toEqual({ type: 'number', title: 'ID', required: true });
    expect(schema.properties.price).toEqual({ type: 'number', title: 'Sale value', required: false });
  });

  it('has one property per custom field, keyed by id and titled with its name', () => {
    expect(Object.keys(custom)).toEqual(FIELDS.map((field) => String(field.id)));
    for (const field of FIELDS) expect(custom[String(field.id)].title).toBe(field.name);
  });

  it.each<[number, Partial<EioProperty>]>([
    [100, { type: 'string' }],
    [101, { type: 'string' }],
    [102, { type: 'string' }],
    [103, { type: 'string' }],
    [104, { type: 'number' }],
    [105, { type: 'number' }],
    [106, { type: 'number' }],
    [107, { type: 'boolean' }],
    [108, { type: 'string' }],
    [109, { type: 'string' }],
    [110, { type: 'string' }],
    [111, { type: 'string', enum: ['Website', 'Referral', 'Trade show'] }],
    [112, { type: 'string', enum: ['S', 'M'] }],
    [113, { type: 'array', items: { type: 'string', enum: ['Cars', 'Boats', 'Planes'] } }],
    [114, {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          value: { type: 'string', title: 'Value', required: true },
          enum_code: { type: 'string', title: 'Kind', required: false, enum: ['WORK', 'WORKDD', 'MOB', 'FAX', 'HOME', 'OTHER'] },
        },
      },
    }],
    [115, { type: 'array', items: expect.objectContaining({ properties: expect.objectContaining({ enum_code: expect.objectContaining({ enum: ['WORK', 'PRIV', 'OTHER'] }) }) }) }],
    [116, { type: 'array', items: { type: 'object' } }],
    [117, { type: 'array', items: { type: 'object' } }],
  ])('custom field %i → %p', (fieldId, expected) => {
    expect(custom[String(fieldId)]).toMatchObject({ ...expected, required: false });
  });

  it.each<[number, string]>([
    [108, '"YYYY-MM-DD"'],
    [110, '"2026-03-01T15:30:00+03:00"'],
    [104, 'Kommo requires it when an object is created.'],
    [111, 'Kommo requires it when a lead enters stage 9001.'],
    [114, 'Custom field 114 (multitext, PHONE).'],
  ])('custom field %i is described: %s', (fieldId, text) => {
    expect(custom[String(fieldId)].description).toContain(text);
  });

  it('tasks have no custom fields', () => {
    const tasks = buildObjectOutSchema(OBJECT_TYPES.tasks, FIELDS);
    expect(tasks.properties).not.toHaveProperty('custom_fields_by_id');
    expect(tasks.properties).not.toHaveProperty('custom_fields_values');
  });
});

describe('lookup in schema', () => {
  it.each<[string, boolean, EioProperty]>([
    ['id', false, { type: 'number', title: 'ID', required: true }],
    ['email', false, { type: 'string', title: 'Email', required: true }],
    ['phone', true, { type: 'string', title: 'Phone', required: false }],
    ['name', false, { type: 'string', title: 'Name', required: true }],
    ['cf_100', false, { type: 'string', title: 'External ID', required: true, description: 'Matched exactly against custom field 100.' }],
    ['cf_104', true, { type: 'number', title: 'Budget', required: false, description: 'Matched exactly against custom field 104.' }],
  ])('by %s (criteria may be omitted: %s)', (key, omittable, property) => {
    const schema = buildLookupInSchema(OBJECT_TYPES.contacts, FIELDS, key, { allowCriteriaToBeOmitted: omittable });
    expect(schema).toEqual({ type: 'object', properties: { [key]: property } });
    expectEioDialect(schema);
  });

  it('a criterion the type does not offer is a configuration error', () => {
    expect(() => buildLookupInSchema(OBJECT_TYPES.leads, FIELDS, 'email')).toThrow(KommoConfigError);
    expect(() => buildLookupInSchema(OBJECT_TYPES.leads, FIELDS, 'email')).toThrow('Lookup criterion "email" is not available for leads');
  });
});

describe('upsert in schema', () => {
  it('criterion first, then writable core fields, custom fields, raw values and tags; nothing required', () => {
    const schema = buildUpsertInSchema(OBJECT_TYPES.contacts, FIELDS, 'email');
    expect(Object.keys(schema.properties)).toEqual([
      'email', 'name', 'first_name', 'last_name', 'responsible_user_id', 'custom_fields_by_id', 'custom_fields_values', 'tags_to_add', 'tags_to_delete',
    ]);
    expectEioDialect(schema);
    for (const [, property] of walk(schema).filter(([path]) => !path.includes('enum_code') && !path.includes('.value'))) {
      if ('required' in property) expect(property.required).toBe(false);
    }
    expect(schema.properties.email.description).toContain('when none matches, a new object is created');
    expect(Object.keys(schema.properties.custom_fields_by_id.properties!)).toHaveLength(FIELDS.length);
    expect(schema.properties.tags_to_add).toMatchObject({ type: 'array', items: { type: 'string' } });
  });

  it('by name: one name property, both criterion and field', () => {
    const schema = buildUpsertInSchema(OBJECT_TYPES.leads, FIELDS, 'name');
    expect(Object.keys(schema.properties).filter((key) => key === 'name')).toHaveLength(1);
    expect(Object.keys(schema.properties)[0]).toBe('name');
    expect(schema.properties.name).toMatchObject({ type: 'string', title: 'Name', required: false });
  });

  it('by id: the id to update; read-only fields are not offered', () => {
    const schema = buildUpsertInSchema(OBJECT_TYPES.leads, FIELDS, 'id');
    expect(schema.properties.id).toMatchObject({ type: 'number', required: false, description: 'The object to update; without it a new object is created.' });
    expect(schema.properties).not.toHaveProperty('created_at');
    expect(schema.properties).not.toHaveProperty('account_id');
  });

  it('tasks: core fields only (no custom fields, no tags); what Kommo needs on create is described', () => {
    const schema = buildUpsertInSchema(OBJECT_TYPES.tasks, FIELDS, 'id');
    expect(schema.properties).not.toHaveProperty('custom_fields_by_id');
    expect(schema.properties).not.toHaveProperty('tags_to_add');
    expect(schema.properties.text).toEqual({ type: 'string', title: 'Task text', required: false, description: 'Kommo requires it when an object is created.' });
  });

  it('a create-only write schema marks what Kommo needs on create as required', () => {
    const tasks = buildWriteSchema(OBJECT_TYPES.tasks, FIELDS, { requireForCreate: true });
    expect(Object.entries(tasks.properties).filter(([, p]) => p.required).map(([key]) => key)).toEqual(['text', 'complete_till']);
    const leads = buildWriteSchema(OBJECT_TYPES.leads, FIELDS, { requireForCreate: true });
    const custom = leads.properties.custom_fields_by_id.properties!;
    expect(Object.keys(custom).filter((key) => custom[key].required)).toEqual(['104']);
  });
});

describe('fresh objects on every call', () => {
  it('changing one result changes neither the next result nor the account model', () => {
    const fieldsBefore = JSON.stringify(FIELDS);
    const first = buildUpsertInSchema(OBJECT_TYPES.leads, FIELDS, 'cf_100');
    const expected = JSON.stringify(buildUpsertInSchema(OBJECT_TYPES.leads, FIELDS, 'cf_100'));
    first.properties.cf_100.title = 'changed';
    first.properties.custom_fields_by_id.properties!['111'].enum!.push('Injected');
    first.properties.custom_fields_by_id.properties!['113'].items!.enum!.length = 0;
    first.properties.name.required = true;
    expect(JSON.stringify(buildUpsertInSchema(OBJECT_TYPES.leads, FIELDS, 'cf_100'))).toBe(expected);
    const out = buildObjectOutSchema(OBJECT_TYPES.leads, FIELDS);
    out.properties.id.title = 'changed';
    expect(buildObjectOutSchema(OBJECT_TYPES.leads, FIELDS).properties.id.title).toBe('ID');
    expect(JSON.stringify(FIELDS)).toBe(fieldsBefore);
  });
});
