/**
 * encodeQuery: Kommo's bracket parameters from a typed query, as a table. Expected strings are
 * written out by hand, and each row is also decoded back the way PHP would read it, so a value
 * can never add a parameter of its own.
 */
import { KommoConfigError } from '../../lib/client/errors';
import { encodeQuery, FilterValue, KommoQuery } from '../../lib/client/query';

describe('encodeQuery', () => {
  it.each<[string, KommoQuery, string]>([
    ['nothing', {}, ''],
    ['a single filter value', { filter: { name: 'Acme' } }, 'filter[name]=Acme'],
    ['a number', { filter: { price: 2000 } }, 'filter[price]=2000'],
    ['booleans as 1 and 0 (PHP)', { filter: { is_completed: true, is_deleted: false } }, 'filter[is_completed]=1&filter[is_deleted]=0'],
    ['a list of ids', { filter: { id: [1, 2, 3] } }, 'filter[id][]=1&filter[id][]=2&filter[id][]=3'],
    ['a range', { filter: { updated_at: { from: 1700000000, to: 1700003600 } } }, 'filter[updated_at][from]=1700000000&filter[updated_at][to]=1700003600'],
    ['statuses: a list of objects is indexed', { filter: { statuses: [{ pipeline_id: 1, status_id: 142 }, { pipeline_id: 2, status_id: 143 }] } },
      'filter[statuses][0][pipeline_id]=1&filter[statuses][0][status_id]=142&filter[statuses][1][pipeline_id]=2&filter[statuses][1][status_id]=143'],
    ['custom field values by field id', { filter: { custom_fields_values: { 123: ['EXT-9'], 456: { from: 1, to: 5 } } } },
      'filter[custom_fields_values][123][]=EXT-9&filter[custom_fields_values][456][from]=1&filter[custom_fields_values][456][to]=5'],
    ['order', { order: { updated_at: 'asc', id: 'desc' } }, 'order[updated_at]=asc&order[id]=desc'],
    ['with as a list', { with: ['contacts', 'leads'] }, 'with=contacts,leads'],
    ['with as one name', { with: 'contacts' }, 'with=contacts'],
    ['page and limit', { page: 2, limit: 250 }, 'page=2&limit=250'],
    ['a search', { query: 'Acme Corp' }, 'query=Acme%20Corp'],
    ['a numeric search', { query: 5551234 }, 'query=5551234'],
    ['every part, in the order filter, order, with, page, limit, query',
      { query: 'x', limit: 50, page: 1, with: ['contacts'], order: { id: 'asc' }, filter: { id: [7] } },
      'filter[id][]=7&order[id]=asc&with=contacts&page=1&limit=50&query=x'],
    ['an empty search is left out', { query: '' }, ''],
    ['undefined keys are left out', { filter: { id: [1], name: undefined as unknown as FilterValue } }, 'filter[id][]=1'],
  ])('%s', (_name, query, expected) => {
    expect(encodeQuery(query)).toBe(expected);
  });

  it.each<[string, string, string]>([
    ['plus (a phone number)', '+15551234567', '%2B15551234567'],
    ['ampersand and equals (another parameter)', 'a&limit=1', 'a%26limit%3D1'],
    ['brackets (another key)', 'x][id][]=1', 'x%5D%5Bid%5D%5B%5D%3D1'],
    ['spaces', 'two words', 'two%20words'],
    ['unicode', 'Zürich 東京', 'Z%C3%BCrich%20%E6%9D%B1%E4%BA%AC'],
    ['percent and hash', '100% #1', '100%25%20%231'],
  ])('percent-encodes %s in values', (_name, value, encoded) => {
    expect(encodeQuery({ query: value })).toBe(`query=${encoded}`);
    expect(encodeQuery({ filter: { name: value } })).toBe(`filter[name]=${encoded}`);
    expect(encodeQuery({ filter: { custom_fields_values: { 9: [value] } } })).toBe(`filter[custom_fields_values][9][]=${encoded}`);
    // Read back as a server would: exactly one parameter, holding the value unchanged.
    const parsed = [...new URLSearchParams(encodeQuery({ query: value }))];
    expect(parsed).toEqual([['query', value]]);
  });

  it('percent-encodes key names, so a field name cannot smuggle a parameter', () => {
    expect(encodeQuery({ filter: { 'a&b=c': 1 } })).toBe('filter[a%26b%3Dc]=1');
    expect(encodeQuery({ order: { 'créé': 'asc' } })).toBe('order[cr%C3%A9%C3%A9]=asc');
  });

  it.each<[string, KommoQuery, RegExp]>([
    ['an empty list (Kommo would return every record)', { filter: { id: [] } }, /filter\[id\] is an empty list; Kommo would ignore it/],
    ['an empty object', { filter: { updated_at: {} } }, /filter\[updated_at\] is an empty object/],
    ['null', { filter: { name: null as unknown as FilterValue } }, /filter\[name\] is null/],
    ['a key with brackets', { filter: { 'id][': 1 } }, /the key "id\]\[" is not allowed/],
    ['an empty key', { filter: { '': 1 } }, /the key "" is not allowed/],
    ['NaN', { filter: { price: Number.NaN } }, /filter\[price\] must be a finite number; got NaN/],
    ['Infinity in a range', { filter: { price: { from: Number.POSITIVE_INFINITY } } }, /filter\[price\]\[from\] must be a finite number/],
    ['an order direction other than asc/desc', { order: { id: 'up' as 'asc' } }, /order\[id\] must be "asc" or "desc"; got "up"/],
    ['page 0', { page: 0 }, /page must be a whole number from 1; got 0/],
    ['a fractional limit', { limit: 2.5 }, /limit must be a whole number from 1; got 2\.5/],
  ])('refuses %s with a KommoConfigError', (_name, query, message) => {
    expect(() => encodeQuery(query)).toThrow(KommoConfigError);
    expect(() => encodeQuery(query)).toThrow(message);
  });

  it('never names a filter value in its errors (values can be personal data)', () => {
    expect(() => encodeQuery({ filter: { phone: ['+15551234567', Number.NaN] } })).toThrow(/^filter\[phone\]\[\] must be a finite number; got NaN\.$/);
  });
});
