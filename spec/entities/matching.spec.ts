import { KommoConfigError } from '../../lib/client/errors';
import {
  availableCriteria, confirmsMatch, criterionValue, isEmptyCriterionValue, resolveCriterion, searchPlan, strictMatches,
} from '../../lib/entities/matching';
import { OBJECT_TYPES, type ObjectTypeName } from '../../lib/entities/registry';
import { FIELDS } from './fixtures';

function multitext(code: 'EMAIL' | 'PHONE', ...values: string[]): Record<string, unknown> {
  return { field_id: code === 'EMAIL' ? 115 : 114, field_name: code, field_code: code, field_type: 'multitext', values: values.map((value) => ({ value, enum_code: 'WORK' })) };
}

function contact(id: number, name: string, ...fields: Array<Record<string, unknown>>): Record<string, unknown> {
  return { id, name, custom_fields_values: fields.length ? fields : null };
}

/** What a fuzzy `query=` search could return: the real match plus near misses. */
const CONTACTS = [
  contact(1, 'Anna Smith', multitext('EMAIL', 'anna@example.com'), multitext('PHONE', '+7 (912) 345-67-89')),
  contact(2, 'Anna Smithson', multitext('EMAIL', 'joanna@example.com'), multitext('PHONE', '+7 912 345-67-8')),
  contact(3, 'Bob', multitext('EMAIL', 'other@example.com', ' ANNA@EXAMPLE.COM '), multitext('PHONE', '8 912 345 67 89')),
  contact(4, ' anna SMITH '),
  contact(5, 'Carl', { field_id: 100, field_code: null, field_type: 'text', values: [{ value: 'anna@example.com +79123456789' }] }),
  contact(6, 'Dana', multitext('PHONE', '79123456789', '+1 555 0100')),
];

const LEADS = [
  { id: 10, name: 'EXT-9 deal', custom_fields_values: [{ field_id: 100, field_type: 'text', values: [{ value: 'EXT-9' }] }] },
  { id: 11, name: 'x', custom_fields_values: [{ field_id: 100, field_type: 'text', values: [{ value: 'EXT-90' }] }] },
  { id: 12, name: 'x', custom_fields_values: [{ field_id: 100, field_type: 'text', values: [{ value: 'ext-9' }] }] },
  { id: 13, name: 'x', custom_fields_values: [{ field_id: 101, field_type: 'textarea', values: [{ value: 'EXT-9' }] }] },
  { id: 14, name: 'x', custom_fields_values: [{ field_id: 104, field_type: 'numeric', values: [{ value: '415949' }] }] },
  { id: 15, name: 'x', custom_fields_values: [{ field_id: 104, field_type: 'numeric', values: [{ value: '4159490' }] }] },
  { id: 16, name: 'x', custom_fields_values: [{ field_id: 104, field_type: 'numeric', values: [{ value: '415949.0' }] }] },
  { id: 17, name: 'x', custom_fields_values: [{ field_id: 100, field_type: 'text', values: [{ value: ' EXT-9 ' }] }] },
  { id: 18, name: 'x', custom_fields_values: null },
];

function ids(type: ObjectTypeName, key: string, value: unknown, candidates: unknown[]): number[] {
  const criterion = resolveCriterion(OBJECT_TYPES[type], FIELDS, key);
  return strictMatches(criterion, value, candidates).map((object) => (object as { id: number }).id);
}

describe('strict matching confirms what a fuzzy search returned', () => {
  it.each<[string, unknown, number[]]>([
    ['email', 'anna@example.com', [1, 3]],
    ['email', '  Anna@Example.COM ', [1, 3]],
    ['email', 'nna@example.com', []],
    ['email', 'anna@example.co', []],
    ['email', 'joanna@example.com', [2]],
    ['phone', '+7 (912) 345-67-89', [1, 6]],
    ['phone', '79123456789', [1, 6]],
    ['phone', 79123456789, [1, 6]],
    ['phone', '912 345 67 89', []],
    ['phone', '+7 912 345-67-8', [2]],
    ['phone', '89123456789', [3]],
    ['phone', '+1 555 0100', [6]],
    ['name', 'Anna Smith', [1, 4]],
    ['name', ' ANNA smith', [1, 4]],
    ['name', 'Anna', []],
    ['name', 'Anna Smithso', []],
    ['id', 3, [3]],
    ['id', '3', [3]],
  ])('contacts by %s %p → %p', (key, value, expected) => {
    expect(ids('contacts', key, value, CONTACTS)).toEqual(expected);
  });

  it.each<[string, unknown, number[]]>([
    ['cf_100', 'EXT-9', [10, 17]],
    ['cf_100', ' EXT-9', [10, 17]],
    ['cf_100', 'EXT', []],
    ['cf_100', 'ext-9', [12]],
    ['cf_104', 415949, [14, 16]],
    ['cf_104', '415949', [14, 16]],
    ['cf_104', 41594, []],
    ['name', 'ext-9 DEAL', [10]],
  ])('leads by %s %p → %p (other fields holding the value do not count)', (key, value, expected) => {
    expect(ids('leads', key, value, LEADS)).toEqual(expected);
  });

  it('a candidate that is not an object never matches', () => {
    const criterion = resolveCriterion(OBJECT_TYPES.contacts, FIELDS, 'email');
    expect(confirmsMatch(criterion, 'a@b.example', null)).toBe(false);
    expect(confirmsMatch(criterion, 'a@b.example', 'a@b.example')).toBe(false);
  });
});

describe('search plans', () => {
  it.each<[ObjectTypeName, string, unknown, unknown]>([
    ['leads', 'id', 42, { kind: 'read', path: 'leads/42' }],
    ['tasks', 'id', ' 7 ', { kind: 'read', path: 'tasks/7' }],
    ['leads', 'name', '  Big deal ', { kind: 'search', path: 'leads', query: { query: 'Big deal' } }],
    ['contacts', 'email', ' Anna@Example.com ', { kind: 'search', path: 'contacts', query: { query: 'Anna@Example.com' } }],
    ['companies', 'phone', '+7 (912) 345-67-89', { kind: 'search', path: 'companies', query: { query: '79123456789' } }],
    ['leads', 'cf_100', 'EXT-9', { kind: 'search', path: 'leads', query: { query: 'EXT-9' } }],
    ['leads', 'cf_104', '1500.50', { kind: 'search', path: 'leads', query: { query: '1500.5' } }],
    ['customers', 'name', 'Acme', { kind: 'search', path: 'customers', query: { query: 'Acme' } }],
  ])('%s by %s %p → %p', (type, key, value, plan) => {
    expect(searchPlan(OBJECT_TYPES[type], resolveCriterion(OBJECT_TYPES[type], FIELDS, key), value)).toEqual(plan);
  });

  it.each<[string, unknown, string]>([
    ['id', 0, 'must be a positive whole number; got number'],
    ['id', -1, 'must be a positive whole number'],
    ['id', 1.5, 'must be a positive whole number'],
    ['id', 'abc', 'must be a positive whole number; got text'],
    ['id', null, 'The ID (id) to look up must be given; got nothing'],
    ['phone', 'n/a', 'must be a phone number with digits'],
    ['email', '   ', 'must be given; got empty text'],
    ['email', ['a@b.example'], 'must be text; got an array'],
    ['cf_104', 'lots', 'The Budget (cf_104) to look up must be a number'],
    ['cf_100', { a: 1 }, 'The External ID (cf_100) to look up must be text; got object'],
  ])('%s %p is refused before any request: %s', (key, value, message) => {
    const criterion = resolveCriterion(OBJECT_TYPES.contacts, FIELDS, key);
    expect(() => searchPlan(OBJECT_TYPES.contacts, criterion, value)).toThrow(KommoConfigError);
    expect(() => criterionValue(criterion, value)).toThrow(message);
  });

  it.each([[undefined, true], [null, true], ['', true], ['  ', true], [0, false], ['x', false], [false, false]])('isEmptyCriterionValue(%p) → %p', (value, empty) => {
    expect(isEmptyCriterionValue(value)).toBe(empty);
  });
});

describe('criteria per type', () => {
  it.each<[ObjectTypeName, string[]]>([
    ['leads', ['id', 'name', 'cf_100', 'cf_102', 'cf_104']],
    ['contacts', ['id', 'name', 'email', 'phone', 'cf_100', 'cf_102', 'cf_104']],
    ['companies', ['id', 'name', 'email', 'phone', 'cf_100', 'cf_102', 'cf_104']],
    ['customers', ['id', 'name', 'cf_100', 'cf_102', 'cf_104']],
    ['tasks', ['id']],
  ])('%s: %p (text, numeric and url custom fields only)', (type, keys) => {
    expect(availableCriteria(OBJECT_TYPES[type], FIELDS).map((criterion) => criterion.key)).toEqual(keys);
  });

  it.each<[ObjectTypeName, unknown, string]>([
    ['leads', 'email', 'Criterion "email" is not available for leads. Choose one of: id, name, cf_100, cf_102, cf_104.'],
    ['leads', 'cf_111', 'Criterion "cf_111" is not available for leads (only text, numeric and url custom fields can be criteria).'],
    ['leads', 'cf_999', 'Criterion "cf_999" is not available for leads (no custom field 999 in leads).'],
    ['tasks', 'name', 'Criterion "name" is not available for tasks. Choose one of: id.'],
    ['leads', undefined, 'Criterion nothing is not available for leads.'],
  ])('%s: %p is a configuration error', (type, key, message) => {
    expect(() => resolveCriterion(OBJECT_TYPES[type], FIELDS, key)).toThrow(message);
  });
});
