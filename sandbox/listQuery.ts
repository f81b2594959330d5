/**
 * List parameters of `GET /api/v4/<kind>`: paging, filters, ordering and free-text search
 * (docs/kommo-api.md §5), parsed once and applied to stored records.
 */
import type { FieldError } from './customFields';
import type { EntityRecord } from './seed';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 250;

/** Fields with Unix-second ranges (docs/kommo-api.md §5). */
const RANGE_FIELDS = new Set(['created_at', 'updated_at', 'closed_at', 'closest_task_at', 'complete_till']);
const ORDER_FIELDS = new Set(['id', 'created_at', 'updated_at', 'complete_till']);

export type FieldFilter =
  | { field: string; kind: 'values'; values: string[] }
  | { field: string; kind: 'range'; from?: number; to?: number };

export interface ListQuery {
  page: number;
  /** The page size actually used (requests above 250 are clamped). */
  limit: number;
  filters: FieldFilter[];
  order: { field: string; direction: 'asc' | 'desc' };
  /** Lower-cased free-text search, when given. */
  text?: string;
}

export type ParsedListQuery = { ok: true; query: ListQuery } | { ok: false; errors: FieldError[] };

const FILTER_KEY = /^filter\[([a-z_]+)\](?:\[(from|to|\d*)\])?$/;
const ORDER_KEY = /^order\[([a-z_]+)\]$/;

function positiveInteger(raw: string | null): number | undefined | 'invalid' {
  if (raw === null) return undefined;
  return /^\d+$/.test(raw) && Number(raw) >= 1 ? Number(raw) : 'invalid';
}

/** `knownFields` limits filters to attributes the kind has; other filters are ignored, as Kommo ignores them. */
export function parseListQuery(params: URLSearchParams, knownFields: ReadonlySet<string>): ParsedListQuery {
  const errors: FieldError[] = [];
  const page = positiveInteger(params.get('page'));
  const limit = positiveInteger(params.get('limit'));
  if (page === 'invalid') errors.push({ code: 'InvalidType', path: 'page', detail: 'This value should be a positive integer.' });
  if (limit === 'invalid') errors.push({ code: 'InvalidType', path: 'limit', detail: 'This value should be a positive integer.' });

  const valueFilters = new Map<string, string[]>();
  const rangeFilters = new Map<string, { from?: number; to?: number }>();
  let order: ListQuery['order'] = { field: 'id', direction: 'asc' };
  let orderSeen = false;
  for (const [key, value] of params) {
    const filter = FILTER_KEY.exec(key);
    if (filter && knownFields.has(filter[1])) {
      const [, field, suffix] = filter;
      // `filter[updated_at]=ts` means "changed since ts", like the events filter (docs/kommo-api.md §5).
      const bound = suffix === 'from' || suffix === 'to' ? suffix : RANGE_FIELDS.has(field) && suffix === undefined ? 'from' : undefined;
      if (bound !== undefined) {
        if (!/^\d+$/.test(value)) {
          errors.push({ code: 'InvalidType', path: `filter.${field}.${bound}`, detail: 'This value should be a unix timestamp.' });
          continue;
        }
        rangeFilters.set(field, { ...rangeFilters.get(field), [bound]: Number(value) });
      } else {
        valueFilters.set(field, [...(valueFilters.get(field) ?? []), ...value.split(',')]);
      }
      continue;
    }
    const orderKey = ORDER_KEY.exec(key);
    if (orderKey && !orderSeen && ORDER_FIELDS.has(orderKey[1]) && (value === 'asc' || value === 'desc')) {
      order = { field: orderKey[1], direction: value };
      orderSeen = true;
    }
  }
  if (errors.length > 0 || page === 'invalid' || limit === 'invalid') return { ok: false, errors };

  const filters: FieldFilter[] = [
    ...[...valueFilters].map(([field, values]): FieldFilter => ({ field, kind: 'values', values })),
    ...[...rangeFilters].map(([field, range]): FieldFilter => ({ field, kind: 'range', ...range })),
  ];
  const text = params.get('query')?.trim().toLowerCase();
  return {
    ok: true,
    query: {
      page: page ?? 1,
      // Above 250 Kommo is reported to shrink pages silently (docs/kommo-api.md §5, Issue #528): clamp, do not fail.
      limit: Math.min(limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
      filters,
      order,
      text: text === undefined || text === '' ? undefined : text,
    },
  };
}

function matchesValue(actual: unknown, wanted: string): boolean {
  if (typeof actual === 'boolean') return actual === (wanted === '1' || wanted === 'true');
  return actual !== null && actual !== undefined && String(actual) === wanted;
}

function matchesFilter(record: EntityRecord, filter: FieldFilter): boolean {
  const actual = record[filter.field];
  if (filter.kind === 'values') return filter.values.some((wanted) => matchesValue(actual, wanted));
  if (typeof actual !== 'number') return false;
  return (filter.from === undefined || actual >= filter.from) && (filter.to === undefined || actual <= filter.to);
}

/** Free text over string fields and custom-field values ("filled fields", docs/kommo-api.md §5). */
function searchableText(record: EntityRecord): string {
  const parts: string[] = [];
  for (const value of Object.values(record)) if (typeof value === 'string') parts.push(value);
  if (Array.isArray(record.custom_fields_values)) {
    for (const field of record.custom_fields_values as Array<{ values?: Array<{ value?: unknown }> }>) {
      for (const entry of field.values ?? []) if (entry.value !== undefined && entry.value !== null) parts.push(String(entry.value));
    }
  }
  return parts.join('\n').toLowerCase();
}

/** The records of the requested page, filtered and ordered (ties broken by id). */
export function selectPage(records: readonly EntityRecord[], query: ListQuery): EntityRecord[] {
  const { field, direction } = query.order;
  const sign = direction === 'asc' ? 1 : -1;
  const matching = records
    .filter((record) => query.filters.every((filter) => matchesFilter(record, filter)))
    .filter((record) => query.text === undefined || searchableText(record).includes(query.text))
    .sort((a, b) => sign * ((Number(a[field]) || 0) - (Number(b[field]) || 0) || a.id - b.id));
  const start = (query.page - 1) * query.limit;
  return matching.slice(start, start + query.limit);
}
