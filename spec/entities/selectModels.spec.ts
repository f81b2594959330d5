import { KommoConfigError } from '../../lib/client/errors';
import { AccountModel } from '../../lib/entities/accountModel';
import { parseFieldDefinition } from '../../lib/entities/customFields';
import { OBJECT_TYPES, type ObjectTypeName } from '../../lib/entities/registry';
import { buildObjectOutSchema, buildUpsertInSchema } from '../../lib/entities/schema';
import {
  chosenObjectType, criteriaFor, criteriaModel, EVENT_TYPES, eventTypesModel, linkedObjectsModel, objectTypesFor, objectTypesModel,
} from '../../lib/entities/selectModels';
import { fakeReader, FIELDS, manyKommoFields } from './fixtures';

function accountReader(customersMode: string, leadFields: unknown[] = []): ReturnType<typeof fakeReader> {
  return fakeReader({
    resources: { account: { id: 1, subdomain: 'acme', customers_mode: customersMode, _embedded: { datetime_settings: { timezone: 'UTC' } } } },
    lists: { 'leads/custom_fields': { embeddedKey: 'custom_fields', items: leadFields, maxPageSize: 50 } },
  });
}

describe('getObjectTypes', () => {
  it.each([
    [true, { leads: 'Leads', contacts: 'Contacts', companies: 'Companies', tasks: 'Tasks', customers: 'Customers' }],
    [false, { leads: 'Leads', contacts: 'Contacts', companies: 'Companies', tasks: 'Tasks' }],
  ])('customers enabled %s → %p', (enabled, model) => {
    expect(objectTypesModel(enabled)).toEqual(model);
  });

  it.each([['segments', true], ['periodicity', true], ['disabled', false], ['unavailable', false]])(
    'reads customers_mode %s with one request', async (mode, customers) => {
      const reader = accountReader(mode);
      expect('customers' in await objectTypesFor(new AccountModel(reader))).toBe(customers);
      expect(reader.requests.map((request) => request.path)).toEqual(['account']);
    },
  );
});

describe('getLookupCriteria / getUpsertCriteria', () => {
  it.each<[ObjectTypeName, Record<string, string>]>([
    ['leads', { id: 'ID', name: 'Name', cf_100: 'External ID', cf_102: 'Website', cf_104: 'Budget' }],
    ['contacts', { id: 'ID', name: 'Name', email: 'Email', phone: 'Phone', cf_100: 'External ID', cf_102: 'Website', cf_104: 'Budget' }],
    ['tasks', { id: 'ID' }],
  ])('%s → %p', (type, model) => {
    expect(criteriaModel(OBJECT_TYPES[type], FIELDS)).toEqual(model);
  });

  it('labels that would read the same carry the field id', () => {
    const fields = [
      { id: 1, name: 'Ref', type: 'text' }, { id: 2, name: 'ref', type: 'numeric' }, { id: 3, name: 'Email', type: 'url' }, { id: 4, name: 'Code', type: 'text' },
    ].map((field) => parseFieldDefinition(field)!);
    expect(criteriaModel(OBJECT_TYPES.companies, fields)).toEqual({
      id: 'ID', name: 'Name', email: 'Email', phone: 'Phone',
      cf_1: 'Ref (field 1)', cf_2: 'ref (field 2)', cf_3: 'Email (field 3)', cf_4: 'Code',
    });
  });

  it('for leads with 120 custom fields: 3 requests (one pass over the field pages)', async () => {
    const reader = accountReader('disabled', manyKommoFields(120));
    const model = await criteriaFor({ objectType: 'leads' }, new AccountModel(reader));
    expect(Object.keys(model)).toHaveLength(2 + 120);
    expect(reader.requests.map((request) => request.path)).toEqual(['leads/custom_fields', 'leads/custom_fields', 'leads/custom_fields']);
  });

  it('customers need the account too, and are refused where not enabled', async () => {
    const reader = accountReader('disabled');
    await expect(criteriaFor({ objectType: 'customers' }, new AccountModel(reader))).rejects.toThrow(KommoConfigError);
    await expect(chosenObjectType('customers', new AccountModel(reader))).rejects.toThrow('not enabled in this Kommo account (customers_mode "disabled")');
    expect(reader.requests.map((request) => request.path)).toEqual(['account', 'account']);
  });

  it('an unknown object type is a configuration error before any request', async () => {
    const reader = accountReader('disabled');
    await expect(criteriaFor({ objectType: 'deals' }, new AccountModel(reader))).rejects.toThrow('Object type must be one of');
    expect(reader.requests).toEqual([]);
  });
});

describe('a metadata call', () => {
  it('for leads with 120 custom fields costs 3 requests: one pass over the field pages, nothing else', async () => {
    const reader = accountReader('disabled', manyKommoFields(120));
    const model = new AccountModel(reader);
    const type = await chosenObjectType('leads', model);
    const fields = await model.customFields(type);
    const meta = { in: buildUpsertInSchema(type, fields, 'cf_500000'), out: buildObjectOutSchema(type, fields) };
    expect(Object.keys(meta.out.properties.custom_fields_by_id.properties!)).toHaveLength(120);
    expect(reader.requests).toHaveLength(3);
  });
});

describe('getLinkedObjects', () => {
  it.each<[ObjectTypeName, Record<string, string>]>([
    ['leads', {
      contacts: 'Contacts', catalog_elements: 'Linked list elements (products)', loss_reason: 'Loss reason details',
      source_id: 'Source ID', is_price_modified_by_robot: 'Whether a robot last changed the sale value',
    }],
    ['companies', { leads: 'Leads', contacts: 'Contacts', customers: 'Customers', catalog_elements: 'Linked list elements (products)' }],
    ['tasks', {}],
  ])('%s → %p', (type, model) => {
    expect(linkedObjectsModel(OBJECT_TYPES[type])).toEqual(model);
  });
});

describe('getEventTypes', () => {
  it('lists Kommo\'s codes with readable titles', () => {
    const model = eventTypesModel();
    expect(model).toEqual(EVENT_TYPES);
    expect(model).not.toBe(EVENT_TYPES);
    expect(model.lead_status_changed).toBe('Lead stage changed');
    for (const [code, title] of Object.entries(model)) {
      expect(code).toMatch(/^[a-z_]+$/);
      expect(title).not.toBe(code);
    }
  });

  it.each<[ObjectTypeName, string, string]>([
    ['leads', 'lead_status_changed', 'contact_added'],
    ['contacts', 'contact_added', 'lead_added'],
    ['tasks', 'task_completed', 'company_added'],
  ])('for %s: its own codes (%s) and shared ones, not others (%s)', (type, own, other) => {
    const model = eventTypesModel(OBJECT_TYPES[type]);
    expect(model).toHaveProperty(own);
    expect(model).toHaveProperty('entity_tag_added');
    expect(model).not.toHaveProperty(other);
  });
});
