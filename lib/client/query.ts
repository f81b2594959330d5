/**
 * Kommo's list parameters as a typed object, encoded to the bracket parameters Kommo reads
 * (docs/kommo-api.md §5): `filter[id][]=1`, `filter[updated_at][from]=…`,
 * `filter[statuses][0][pipeline_id]=…`, `filter[custom_fields_values][123][]=x`,
 * `order[updated_at]=asc`, `with=contacts,leads`, `page`, `limit`, `query`.
 *
 * Every key segment and value is percent-encoded, so a value can never add a parameter of its
 * own (`&`, `=`), open a bracket (`[`) or turn into a space (`+`). Entity steps build queries
 * with this encoder; only Make Raw Request takes a query string as the user wrote it.
 */
import { configError } from './errors';

/** A filter value: a scalar, a list (OR of values, or indexed objects) or nested keys (`from`/`to`, field ids). */
export type FilterValue = string | number | boolean | readonly FilterValue[] | { readonly [key: string]: FilterValue };

/** Sort direction of one `order[field]`. */
export type OrderDirection = 'asc' | 'desc';

/** The parameters of a Kommo list request. */
export interface KommoQuery {
  /** `filter[…]`: nested keys become brackets; lists of scalars `[]`, lists of objects `[0]`, `[1]`… */
  filter?: { readonly [key: string]: FilterValue };
  /** `order[field]=asc|desc`. */
  order?: { readonly [field: string]: OrderDirection };
  /** `with=a,b`: related data to embed. */
  with?: string | readonly string[];
  /** Page number, from 1. */
  page?: number;
  /** Page size: Kommo allows 1–250 (custom-field lists: 50). */
  limit?: number;
  /** Kommo's free-text search (fuzzy: it matches any filled field). */
  query?: string | number;
}

/** Brackets in a name would change the structure PHP reads back; every other character is encoded. */
const BRACKET = /[[\]]/;

function encodeName(name: string, where: string): string {
  if (name === '' || BRACKET.test(name)) {
    throw configError(`${where}: the key ${JSON.stringify(name)} is not allowed; keys must be non-empty and contain no "[" or "]".`);
  }
  return encodeURIComponent(name);
}

/** Kommo (PHP) reads booleans as 1 and 0, e.g. `filter[is_completed]=1`. */
function encodeScalar(value: string | number | boolean, where: string): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw configError(`${where} must be a finite number; got ${String(value)}.`);
  }
  return encodeURIComponent(String(value));
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Appends `prefix=value` pairs for one filter value, recursing into lists and objects. */
function encodeFilter(prefix: string, value: FilterValue | undefined | null, pairs: string[]): void {
  const where = decodeURIComponent(prefix);
  if (value === undefined) return;
  if (value === null) throw configError(`${where} is null; leave the key out instead.`);
  if (isScalar(value)) {
    pairs.push(`${prefix}=${encodeScalar(value, where)}`);
    return;
  }
  if (Array.isArray(value)) {
    // An empty list would send nothing, and Kommo would then return every record unfiltered.
    if (value.length === 0) throw configError(`${where} is an empty list; Kommo would ignore it and return every record.`);
    value.forEach((entry: FilterValue, index: number) => {
      encodeFilter(isScalar(entry) ? `${prefix}[]` : `${prefix}[${index}]`, entry, pairs);
    });
    return;
  }
  const entries = Object.entries(value as { readonly [key: string]: FilterValue }).filter(([, entry]) => entry !== undefined);
  if (entries.length === 0) throw configError(`${where} is an empty object; Kommo would ignore it and return every record.`);
  for (const [key, entry] of entries) encodeFilter(`${prefix}[${encodeName(key, where)}]`, entry, pairs);
}

function wholeNumber(value: number, name: string, min: number): string {
  if (!Number.isInteger(value) || value < min) throw configError(`${name} must be a whole number from ${min}; got ${String(value)}.`);
  return String(value);
}

/**
 * Encodes a query to Kommo's bracket parameters, in the order filter, order, with, page, limit,
 * query, without a leading `?`; `''` when there is nothing to send. Throws a KommoConfigError for
 * values Kommo would silently misread (empty lists, `null`, bracketed keys, non-finite numbers).
 */
export function encodeQuery(query: KommoQuery = {}): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query.filter ?? {})) encodeFilter(`filter[${encodeName(key, 'filter')}]`, value, pairs);
  for (const [field, direction] of Object.entries(query.order ?? {})) {
    if (direction !== 'asc' && direction !== 'desc') {
      throw configError(`order[${field}] must be "asc" or "desc"; got ${JSON.stringify(direction)}.`);
    }
    pairs.push(`order[${encodeName(field, 'order')}]=${direction}`);
  }
  const related = typeof query.with === 'string' ? [query.with] : query.with ?? [];
  if (related.length > 0) pairs.push(`with=${related.map((name) => encodeName(name, 'with')).join(',')}`);
  if (query.page !== undefined) pairs.push(`page=${wholeNumber(query.page, 'page', 1)}`);
  if (query.limit !== undefined) pairs.push(`limit=${wholeNumber(query.limit, 'limit', 1)}`);
  if (query.query !== undefined && query.query !== '') pairs.push(`query=${encodeScalar(query.query, 'query')}`);
  return pairs.join('&');
}
