/**
 * The list filter: what a step's `filter` JSON becomes on the wire, which objects satisfy it, and
 * the clear errors for keys and values Kommo would misread or ignore.
 */
import { KommoConfigError } from '../../lib/client/errors';
import { encodeQuery } from '../../lib/client/query';
import { parseFieldDefinition } from '../../lib/entities/customFields';
import { assertSatisfied, checkFilterFields, KommoFilterIgnoredError, parseListFilter } from '../../lib/entities/listFilter';
import { OBJECT_TYPES } from '../../lib/entities/registry';

const leads = OBJECT_TYPES.leads;
const tasks = OBJECT_TYPES.tasks;

/** What `encodeQuery` sends for a filter, decoded for reading. */
const wire = (filter: unknown, type = leads): string => decodeURIComponent(encodeQuery({ filter: parseListFilter(type, filter).query }));

describe('parseListFilter: what is sent', () => {
  it.each([
    ['ids as a list', { id: [1, '2'] }, 'filter[id][]=1&filter[id][]=2'],
    ['one id', { id: 7 }, 'filter[id][]=7'],
    ['a name', { name: ' Acme ' }, 'filter[name]=Acme'],
    ['names', { name: ['a', 'b'] }, 'filter[name][]=a&filter[name][]=b'],
    ['an exact price', { price: 2000 }, 'filter[price]=2000'],
    ['a price range', { price: { from: 1, to: '99.5' } }, 'filter[price][from]=1&filter[price][to]=99.5'],
    ['ISO dates, to Unix seconds', { updated_at: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T03:00:00+03:00' } }, 'filter[updated_at][from]=1767225600&filter[updated_at][to]=1767225600'],
    ['a plain date, as "from"', { created_at: 1767225600 }, 'filter[created_at][from]=1767225600'],
    ['Unix seconds as text', { closed_at: { to: '1767225600' } }, 'filter[closed_at][to]=1767225600'],
    ['stages', { statuses: [{ pipeline_id: 1, status_id: '2' }, { pipeline_id: 3 }] }, 'filter[statuses][0][pipeline_id]=1&filter[statuses][0][status_id]=2&filter[statuses][1][pipeline_id]=3'],
    ['custom fields', { custom_fields_values: { 123: ['x', 5], 124: { from: '2026-01-01T00:00:00Z' } } }, 'filter[custom_fields_values][123][]=x&filter[custom_fields_values][123][]=5&filter[custom_fields_values][124][from]=1767225600'],
    ['JSON text', '{"pipeline_id": [7000001]}', 'filter[pipeline_id][]=7000001'],
  ])('%s', (_name, filter, expected) => {
    expect(wire(filter)).toBe(expected);
  });

  it.each([
    ['a boolean', { is_completed: 'false' }, 'filter[is_completed]=0'],
    ['an entity type', { entity_type: 'leads' }, 'filter[entity_type]=leads'],
    ['a task type (ids)', { task_type: [1, 2] }, 'filter[task_type][]=1&filter[task_type][]=2'],
  ])('tasks: %s', (_name, filter, expected) => {
    expect(wire(filter, tasks)).toBe(expected);
  });

  it.each([undefined, null, '', '  ', {}])('%p is no filter', (filter) => {
    expect(parseListFilter(leads, filter).query).toBeUndefined();
  });
});

describe('parseListFilter: bad filters are clear errors', () => {
  it('an unknown key names the keys the type supports', () => {
    const error = (() => {
      try {
        parseListFilter(leads, { status_id: 142, id: 1 });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(KommoConfigError);
    expect((error as Error).message).toBe('Filter key "status_id" is not supported for leads; the keys leads can be filtered by are '
      + `${Object.keys(leads.filters).join(', ')}.`);
  });

  it.each([
    ['not JSON', '{id: 1', /not JSON/],
    ['a list', [1], /must be an object/],
    ['an id that is text', { id: ['abc'] }, /filter\.id cannot hold text; it takes an id or a list of ids/],
    ['a negative id', { id: -3 }, /filter\.id cannot hold number -3/],
    ['an empty list', { id: [] }, /filter\.id is an empty list/],
    ['a price that is text', { price: 'cheap' }, /filter\.price cannot be text; it takes a number or \{"from"/],
    ['an unknown bound', { price: { min: 1 } }, /filter\.price has "min"; a range has only "from" and "to"/],
    ['no bound', { price: {} }, /filter\.price has neither "from" nor "to"/],
    ['from after to', { price: { from: 5, to: 1 } }, /filter\.price has "from" after "to"/],
    ['a date without an offset', { updated_at: { from: '2026-01-01T00:00:00' } }, /filter\.updated_at from cannot be text; it takes a date \(ISO 8601 with an offset/],
    ['a day alone', { updated_at: '2026-01-01' }, /filter\.updated_at cannot be text/],
    ['a fractional Unix time', { updated_at: 1.5 }, /filter\.updated_at cannot be number/],
    ['a stage object alone in a list without ids', { statuses: [{}] }, /filter\.statuses \[0\] names neither a pipeline nor a stage/],
    ['a stage with a stray key', { statuses: [{ pipeline: 1 }] }, /filter\.statuses \[0\] has "pipeline"/],
    ['a custom field keyed by name', { custom_fields_values: { Source: ['x'] } }, /has the key "Source"; keys are custom field ids/],
    ['a custom field value that is an object in a list', { custom_fields_values: { 1: [{ a: 1 }] } }, /filter\.custom_fields_values\.1 cannot hold an object/],
    ['null', { name: null }, /filter\.name cannot hold null/],
  ])('%s', (_name, filter, message) => {
    expect(() => parseListFilter(leads, filter)).toThrow(KommoConfigError);
    expect(() => parseListFilter(leads, filter)).toThrow(message);
  });

  it.each([
    ['a boolean that is not one', { is_completed: 'maybe' }, /filter\.is_completed cannot be text; it takes true or false/],
    ['an entity type Kommo does not have', { entity_type: 'deals' }, /filter\.entity_type cannot hold "deals"; it takes one of leads, contacts, companies, customers/],
    ['a lead filter on tasks', { price: 1 }, /Filter key "price" is not supported for tasks/],
  ])('tasks: %s', (_name, filter, message) => {
    expect(() => parseListFilter(tasks, filter)).toThrow(message);
  });

  it('custom fields the account does not have are an error naming them', () => {
    const filter = parseListFilter(leads, { custom_fields_values: { 710001: ['Website'], 999: ['x'] } });
    const fields = [parseFieldDefinition({ id: 710001, name: 'Deal source', type: 'select' })!];
    expect(() => checkFilterFields(leads, filter, fields)).toThrow(/names a custom field 999 that leads in this Kommo account does not have; its fields include 710001 "Deal source" \(select\)/);
    expect(() => checkFilterFields(leads, parseListFilter(leads, { custom_fields_values: { 710001: 'Website' } }), fields)).not.toThrow();
  });
});

describe('parseListFilter: which objects satisfy it', () => {
  const lead = {
    id: 11, name: 'Acme Deal', price: 500, status_id: 20, pipeline_id: 2, responsible_user_id: 9, updated_at: 1767225600, closed_at: null,
    custom_fields_values: [
      { field_id: 1, values: [{ value: 'Website', enum_id: 501 }] },
      { field_id: 2, values: [{ value: '42' }] },
      { field_id: 3, values: [{ value: true }] },
    ],
  };

  it.each([
    [{ id: [11, 12] }, []],
    [{ id: 12 }, ['id']],
    [{ name: 'acme deal ' }, []],
    [{ name: 'Acme' }, ['name']],
    [{ price: 500 }, []],
    [{ price: { from: 501 } }, ['price']],
    [{ updated_at: { from: '2026-01-01T00:00:00Z', to: 1767225600 } }, []],
    [{ updated_at: { from: 1767225601 } }, ['updated_at']],
    [{ closed_at: { from: 1 } }, ['closed_at']],
    [{ statuses: [{ pipeline_id: 1 }, { pipeline_id: 2, status_id: 20 }] }, []],
    [{ statuses: [{ pipeline_id: 2, status_id: 21 }] }, ['statuses']],
    [{ responsible_user_id: [9], pipeline_id: 3 }, ['pipeline_id']],
    [{ custom_fields_values: { 1: ['website'] } }, []],
    [{ custom_fields_values: { 1: [501] } }, []],
    [{ custom_fields_values: { 1: ['Referral'] } }, ['custom_fields_values']],
    [{ custom_fields_values: { 2: { from: 40, to: 42 } } }, []],
    [{ custom_fields_values: { 2: { from: 43 } } }, ['custom_fields_values']],
    [{ custom_fields_values: { 3: true } }, []],
    [{ custom_fields_values: { 3: false } }, ['custom_fields_values']],
    [{ custom_fields_values: { 4: ['x'] } }, ['custom_fields_values']],
  ])('%j fails %j', (filter, failed) => {
    expect(parseListFilter(leads, filter).failedKeys(lead)).toEqual(failed);
  });

  it('tasks: task_type is checked against task_type_id, is_completed as a boolean', () => {
    const task = { id: 1, task_type_id: 2, is_completed: false, entity_type: 'leads' };
    expect(parseListFilter(tasks, { task_type: 2, is_completed: false, entity_type: ['leads', 'contacts'] }).failedKeys(task)).toEqual([]);
    expect(parseListFilter(tasks, { task_type: 1, is_completed: true, entity_type: 'contacts' }).failedKeys(task)).toEqual(['task_type', 'is_completed', 'entity_type']);
  });
});

describe('assertSatisfied', () => {
  const filter = parseListFilter(leads, { price: { from: 100 }, name: 'secret person' });

  it('passes a page that satisfies the filter', () => {
    expect(() => assertSatisfied(leads, filter, [{ id: 1, price: 100, name: 'Secret Person' }])).not.toThrow();
  });

  it('fails with the ids and keys of the objects that do not, never their values', () => {
    const objects = [{ id: 1, price: 100, name: 'Secret Person' }, { id: 2, price: 5, name: 'Secret Person' }, { id: 3, price: 500, name: 'Other' }];
    let error: unknown;
    try {
      assertSatisfied(leads, filter, objects, 250);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KommoFilterIgnoredError);
    const failure = error as KommoFilterIgnoredError;
    expect(failure.message).toMatch(/^Kommo answered 2 leads that do not satisfy the filter, e\.g\. lead 2 \(price\), lead 3 \(name\): this Kommo account seems to ignore API filters/);
    expect(failure.message).toContain('250 matching leads were emitted before this page');
    expect(failure.failures).toEqual([{ id: 2, keys: ['price'] }, { id: 3, keys: ['name'] }]);
    expect(JSON.stringify({ message: failure.message, failures: failure.failures }).toLowerCase()).not.toContain('secret');
  });
});
