/**
 * matchKey: two criterion values have the same key exactly when strict matching treats them as
 * the same value (the upsert's queue is keyed by it).
 */
import { confirmsMatch, matchKey, resolveCriterion } from '../../lib/entities/matching';
import { OBJECT_TYPES } from '../../lib/entities/registry';
import { FIELDS } from './fixtures';

const contacts = OBJECT_TYPES.contacts;
const criterion = (key: string) => resolveCriterion(contacts, FIELDS, key);

const same: Array<[string, unknown, unknown]> = [
  ['email', ' Ana@Example.test ', 'ana@example.test'],
  ['phone', '+1 (555) 010-0202', '15550100202'],
  ['name', ' Maria  ', 'MARIA'],
  ['id', '42', 42],
  ['cf_104', '7.50', 7.5],
  ['cf_100', ' EXT-9 ', 'EXT-9'],
];
it.each(same)('%s: %j and %j share a key', (key, a, b) => {
  expect(matchKey(criterion(key), a)).toBe(matchKey(criterion(key), b));
});

const different: Array<[string, unknown, unknown]> = [
  ['email', 'ana@example.test', 'ana@example.test.org'],
  ['phone', '+15550100202', '+15550100203'],
  ['cf_100', 'EXT-9', 'ext-9'],
];
it.each(different)('%s: %j and %j do not', (key, a, b) => {
  expect(matchKey(criterion(key), a)).not.toBe(matchKey(criterion(key), b));
});

it('agrees with strict matching for text custom fields (case-sensitive)', () => {
  const stored = { custom_fields_values: [{ field_id: 100, values: [{ value: 'EXT-9' }] }] };
  expect(confirmsMatch(criterion('cf_100'), 'ext-9', stored)).toBe(false);
});
