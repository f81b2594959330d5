import { KommoConfigError } from '../../lib/client/errors';
import {
  availableObjectTypes, isObjectTypeName, linkedWithOptions, OBJECT_TYPE_NAMES, OBJECT_TYPES, objectType,
  objectTypeBySingular, writableCoreFields, type ObjectTypeName,
} from '../../lib/entities/registry';

describe('the object registry', () => {
  it.each<[ObjectTypeName, string, string, string, string, string | undefined]>([
    ['leads', 'Leads', 'leads', 'lead', 'leads', undefined],
    ['contacts', 'Contacts', 'contacts', 'contact', 'contacts', 'contact'],
    ['companies', 'Companies', 'companies', 'company', 'contacts', 'company'],
    ['tasks', 'Tasks', 'tasks', 'task', 'task', undefined],
    ['customers', 'Customers', 'customers', 'customer', 'customers', undefined],
  ])('%s: title %s, path and embedded key %s, singular %s, webhook key %s (type %s)', (name, title, path, singular, webhookKey, contactsType) => {
    const type = OBJECT_TYPES[name];
    expect(type).toMatchObject({ name, title, path, embeddedKey: path, singular });
    expect(type.webhook.key).toBe(webhookKey);
    expect(type.webhook.contactsType).toBe(contactsType);
    expect(type.webhook.events.every((code) => code.endsWith(`_${singular}`))).toBe(true);
    expect(objectTypeBySingular(singular)).toBe(type);
  });

  it.each(OBJECT_TYPE_NAMES)('%s: unique core fields, a read-only id, order keys include id and created_at', (name) => {
    const type = OBJECT_TYPES[name];
    const names = type.coreFields.map((field) => field.name);
    expect(new Set(names).size).toBe(names.length);
    expect(type.coreFields.find((field) => field.name === 'id')).toMatchObject({ type: 'number', writable: false });
    expect(type.orderKeys).toEqual(expect.arrayContaining(['id', 'created_at']));
    expect(type.criteria[0].key).toBe('id');
    for (const field of type.coreFields) if (field.requiredOnCreate) expect(field.writable).toBe(true);
  });

  it.each<[ObjectTypeName, string[]]>([
    ['leads', []],
    ['contacts', []],
    ['companies', []],
    ['tasks', ['text', 'complete_till']],
    ['customers', ['name']],
  ])('%s requires %p on create', (name, required) => {
    expect(OBJECT_TYPES[name].coreFields.filter((field) => field.requiredOnCreate).map((field) => field.name)).toEqual(required);
  });

  it.each<[ObjectTypeName, boolean, boolean, boolean, string[]]>([
    ['leads', true, true, true, ['id', 'name']],
    ['contacts', true, true, true, ['id', 'name', 'email', 'phone']],
    ['companies', true, true, true, ['id', 'name', 'email', 'phone']],
    ['tasks', false, false, false, ['id']],
    ['customers', true, true, true, ['id', 'name']],
  ])('%s: custom fields %s, query %s, tags %s, criteria %p', (name, customFields, query, tags, criteria) => {
    const type = OBJECT_TYPES[name];
    expect([type.hasCustomFields, type.supportsQuery, type.supportsTags]).toEqual([customFields, query, tags]);
    expect(type.criteria.map((criterion) => criterion.key)).toEqual(criteria);
  });

  it('email and phone criteria read the EMAIL and PHONE multitext fields', () => {
    expect(OBJECT_TYPES.contacts.criteria.filter((c) => c.fieldCode).map((c) => [c.key, c.fieldCode])).toEqual([['email', 'EMAIL'], ['phone', 'PHONE']]);
  });

  it.each<[ObjectTypeName, string[]]>([
    ['leads', ['contacts', 'catalog_elements', 'loss_reason', 'source_id', 'is_price_modified_by_robot']],
    ['contacts', ['leads', 'customers', 'catalog_elements']],
    ['companies', ['leads', 'contacts', 'customers', 'catalog_elements']],
    ['tasks', []],
    ['customers', ['contacts', 'companies', 'catalog_elements']],
  ])('%s offers linked objects %p (only_deleted is not one)', (name, values) => {
    expect(linkedWithOptions(OBJECT_TYPES[name]).map((option) => option.value)).toEqual(values);
  });

  it('leads filter by statuses and custom fields; tasks by entity; unknown keys are absent', () => {
    expect(OBJECT_TYPES.leads.filters).toMatchObject({ id: 'ids', statuses: 'statuses', custom_fields_values: 'customFields', price: 'numberRange', updated_at: 'dateRange' });
    expect(OBJECT_TYPES.tasks.filters).toMatchObject({ entity_type: 'entityType', entity_id: 'ids', is_completed: 'boolean' });
    expect(OBJECT_TYPES.tasks.filters).not.toHaveProperty('custom_fields_values');
    expect(OBJECT_TYPES.contacts.filters).not.toHaveProperty('statuses');
  });

  it('writable core fields exclude what Kommo sets itself', () => {
    expect(writableCoreFields(OBJECT_TYPES.leads).map((field) => field.name))
      .toEqual(['name', 'price', 'responsible_user_id', 'status_id', 'pipeline_id', 'loss_reason_id', 'closed_at']);
  });

  it.each([[true, OBJECT_TYPE_NAMES], [false, ['leads', 'contacts', 'companies', 'tasks']]])('customers enabled %s → %p', (enabled, names) => {
    expect(availableObjectTypes(enabled).map((type) => type.name)).toEqual(names);
  });

  it.each([[undefined, 'got nothing'], ['', 'got nothing'], ['deals', 'got "deals"'], [3, 'got "3"']])('objectType(%p) is a configuration error: %s', (value, got) => {
    expect(() => objectType(value)).toThrow(KommoConfigError);
    expect(() => objectType(value)).toThrow(`Object type must be one of leads, contacts, companies, tasks, customers; ${got}`);
  });

  it('objectType and isObjectTypeName accept the five names', () => {
    for (const name of OBJECT_TYPE_NAMES) {
      expect(objectType(name)).toBe(OBJECT_TYPES[name]);
      expect(isObjectTypeName(name)).toBe(true);
    }
    expect(isObjectTypeName('toString')).toBe(false);
  });
});
