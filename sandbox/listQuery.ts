/**
 * List parameters (docs/kommo-api.md §5): paging, filters, ordering and free-text search, parsed once
 * and applied to stored records. Filters a list does not know are ignored and the whole
 * collection comes back, as Kommo does (docs/kommo-fidelity.md "Other details").
 */
import { valueTexts, type FieldError } from './customFields';
import { isRecord } from './httpIo';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 250;

/**
 * How a list filters one field:
 * - `value`: exact match of one of the values (`filter[id]=1`, `filter[id][]=1&filter[id][]=2`, `filter[id]=1,2`);
 * - `text`: like `value`, whole-string and case-insensitive, never split on commas (names);
 * - `range`: Unix seconds, `[from]`/`[to]`, a plain value meaning "from" (docs/kommo-api.md §5);
 * - `number`: an exact value or a `[from]`/`[to]` range (`price`);
 * - `bool`: `1`/`true` or `0`/`false`.
 */
export type FilterKind = 'value' | 'text' | 'range' | 'number' | 'bool';

/** What one list accepts. */
export interface ListSpec {
  /** Filterable fields; a field may be filtered under another key (`task_type` → `task_type_id`). */
  filters: Readonly<Record<string, FilterKind | { kind: FilterKind; field: string }>>;
  /** `filter[custom_fields_values][<id>]…` (docs/kommo-fidelity.md #3). */
  customFields?: boolean;
  /** `filter[statuses][i][pipeline_id|status_id]` (docs/kommo-fidelity.md #4). */
  statuses?: boolean;
  /** Keys refused with a 400, and the reason (docs/kommo-fidelity.md #5). */
  refused?: Readonly<Record<string, string>>;
  orderFields: ReadonlySet<string>;
  /** Largest page; larger `limit`s are clamped to it. Default 250. */
  maxLimit?: number;
}

export type FieldFilter =
  | { kind: 'values'; field: string; match: 'exact' | 'text' | 'bool'; values: string[] }
  | { kind: 'range'; field: string; from?: number; to?: number }
  | { kind: 'custom_field'; fieldId: number; values: string[]; from?: number; to?: number }
  | { kind: 'statuses'; pairs: Array<{ pipelineId?: number; statusId?: number }> };

export interface ListQuery {
  page: number;
  /** The page size actually used (larger requests are clamped). */
  limit: number;
  filters: FieldFilter[];
  order: { field: string; direction: 'asc' | 'desc' };
  /** The free-text search, trimmed, when given. */
  text?: string;
}

export type ParsedListQuery = { ok: true; query: ListQuery } | { ok: false; errors: FieldError[] };

const FILTER_KEY = /^filter((?:\[[^\]]*\])+)$/;
const ORDER_KEY = /^order\[([a-z_]+)\]$/;
const INTEGER = /^\d+$/;
const NUMBER = /^\d+(?:\.\d+)?$/;

function positiveInteger(raw: string | null): number | undefined | 'invalid' {
  if (raw === null) return undefined;
  return INTEGER.test(raw) && Number(raw) >= 1 ? Number(raw) : 'invalid';
}

function segmentsOf(brackets: string): string[] {
  return [...brackets.matchAll(/\[([^\]]*)\]/g)].map((match) => match[1]);
}

/** Accumulates filters while the query string is read. */
class FilterCollector {
  readonly errors: FieldError[] = [];
  private readonly values = new Map<string, { match: 'exact' | 'text' | 'bool'; values: string[] }>();
  private readonly ranges = new Map<string, { from?: number; to?: number }>();
  private readonly custom = new Map<number, { values: string[]; from?: number; to?: number }>();
  private readonly statuses = new Map<string, { pipelineId?: number; statusId?: number }>();

  constructor(private readonly spec: ListSpec) {}

  add(segments: string[], value: string): void {
    const [name, ...rest] = segments;
    if (this.spec.refused?.[name] !== undefined) {
      this.errors.push({ code: 'NotSupportedChoice', path: `filter.${name}`, detail: this.spec.refused[name] });
      return;
    }
    if (name === 'custom_fields_values' && this.spec.customFields) return this.addCustomField(rest, value);
    if (name === 'statuses' && this.spec.statuses) return this.addStatus(rest, value);
    const entry = this.spec.filters[name];
    if (entry === undefined) return; // unknown keys are ignored, as Kommo ignores them
    const { kind, field } = typeof entry === 'string' ? { kind: entry, field: name } : entry;
    const bound = rest[0] === 'from' || rest[0] === 'to' ? rest[0] : undefined;
    if (kind === 'range' || (kind === 'number' && bound !== undefined)) {
      const pattern = kind === 'range' ? INTEGER : NUMBER;
      if (!pattern.test(value)) {
        this.errors.push({ code: 'InvalidType', path: `filter.${name}${bound ? `.${bound}` : ''}`, detail: 'This value should be a number.' });
        return;
      }
      this.ranges.set(field, { ...this.ranges.get(field), [bound ?? 'from']: Number(value) });
      return;
    }
    const match = kind === 'text' ? 'text' : kind === 'bool' ? 'bool' : 'exact';
    const parts = match === 'exact' ? value.split(',') : [value];
    const current = this.values.get(field) ?? { match, values: [] };
    current.values.push(...parts);
    this.values.set(field, current);
  }

  private addCustomField([fieldId, bound]: string[], value: string): void {
    if (fieldId === undefined || !INTEGER.test(fieldId)) return;
    const entry = this.custom.get(Number(fieldId)) ?? { values: [] };
    if (bound === 'from' || bound === 'to') {
      if (!NUMBER.test(value)) {
        this.errors.push({ code: 'InvalidType', path: `filter.custom_fields_values.${fieldId}.${bound}`, detail: 'This value should be a number.' });
        return;
      }
      entry[bound] = Number(value);
    } else {
      entry.values.push(value);
    }
    this.custom.set(Number(fieldId), entry);
  }

  private addStatus([index, key]: string[], value: string): void {
    if (index === undefined || (key !== 'pipeline_id' && key !== 'status_id')) return;
    if (!INTEGER.test(value)) {
      this.errors.push({ code: 'InvalidType', path: `filter.statuses.${index}.${key}`, detail: 'This value should be of type int.' });
      return;
    }
    const pair = this.statuses.get(index) ?? {};
    pair[key === 'pipeline_id' ? 'pipelineId' : 'statusId'] = Number(value);
    this.statuses.set(index, pair);
  }

  filters(): FieldFilter[] {
    return [
      ...[...this.values].map(([field, entry]): FieldFilter => ({ kind: 'values', field, ...entry })),
      ...[...this.ranges].map(([field, range]): FieldFilter => ({ kind: 'range', field, ...range })),
      ...[...this.custom].map(([fieldId, entry]): FieldFilter => ({ kind: 'custom_field', fieldId, ...entry })),
      ...(this.statuses.size > 0 ? [{ kind: 'statuses' as const, pairs: [...this.statuses.values()] }] : []),
    ];
  }
}

/** Parse a list's query; with `ignoreFilters`, every `filter[...]` is dropped unread (docs/kommo-api.md §5). */
export function parseListQuery(params: URLSearchParams, spec: ListSpec, ignoreFilters = false): ParsedListQuery {
  const errors: FieldError[] = [];
  const page = positiveInteger(params.get('page'));
  const limit = positiveInteger(params.get('limit'));
  if (page === 'invalid') errors.push({ code: 'InvalidType', path: 'page', detail: 'This value should be a positive integer.' });
  if (limit === 'invalid') errors.push({ code: 'InvalidType', path: 'limit', detail: 'This value should be a positive integer.' });

  const collector = new FilterCollector(spec);
  let order: ListQuery['order'] = { field: 'id', direction: 'asc' };
  let orderSeen = false;
  for (const [key, value] of params) {
    const filter = FILTER_KEY.exec(key);
    if (filter) {
      if (!ignoreFilters) collector.add(segmentsOf(filter[1]), value);
      continue;
    }
    const orderKey = ORDER_KEY.exec(key);
    if (orderKey && !orderSeen && spec.orderFields.has(orderKey[1]) && (value === 'asc' || value === 'desc')) {
      order = { field: orderKey[1], direction: value };
      orderSeen = true;
    }
  }
  errors.push(...collector.errors);
  if (errors.length > 0 || page === 'invalid' || limit === 'invalid') return { ok: false, errors };

  const text = params.get('query')?.trim();
  return {
    ok: true,
    query: {
      page: page ?? 1,
      // Above the maximum Kommo is reported to shrink pages silently (docs/kommo-api.md §5, Issue #528): clamp, do not fail.
      limit: Math.min(limit ?? DEFAULT_PAGE_SIZE, spec.maxLimit ?? MAX_PAGE_SIZE),
      filters: collector.filters(),
      order,
      text: text === undefined || text === '' ? undefined : text,
    },
  };
}

function matchesValue(actual: unknown, wanted: string, match: 'exact' | 'text' | 'bool'): boolean {
  if (match === 'bool') return actual === (wanted === '1' || wanted === 'true');
  if (actual === null || actual === undefined) return false;
  return match === 'text' ? String(actual).toLowerCase() === wanted.trim().toLowerCase() : String(actual) === wanted;
}

function customFieldMatches(record: Record<string, unknown>, filter: Extract<FieldFilter, { kind: 'custom_field' }>): boolean {
  const entry = Array.isArray(record.custom_fields_values) ? record.custom_fields_values.find((field: unknown) => isRecord(field) && field.field_id === filter.fieldId) : undefined;
  if (!isRecord(entry) || !Array.isArray(entry.values)) return false;
  const values = entry.values.filter(isRecord);
  if (filter.values.length > 0) {
    const wanted = filter.values.map((value) => value.toLowerCase());
    // A checkbox is filtered as 1/0 (or true/false), a choice by its name or enum id, anything else by its text.
    const asText = (value: Record<string, unknown>): string[] =>
      typeof value.value === 'boolean' ? (value.value ? ['1', 'true'] : ['0', 'false']) : [String(value.value).toLowerCase(), ...(value.enum_id !== undefined ? [String(value.enum_id)] : [])];
    const hit = values.some((value) => asText(value).some((text) => wanted.includes(text)));
    if (!hit) return false;
  }
  if (filter.from === undefined && filter.to === undefined) return true;
  return values.some((value) => {
    const number = Number(value.value);
    return value.value !== '' && Number.isFinite(number) && (filter.from === undefined || number >= filter.from) && (filter.to === undefined || number <= filter.to);
  });
}

function matchesFilter(record: Record<string, unknown>, filter: FieldFilter): boolean {
  switch (filter.kind) {
    case 'values':
      return filter.values.some((wanted) => matchesValue(record[filter.field], wanted, filter.match));
    case 'range': {
      const actual = record[filter.field];
      if (typeof actual !== 'number') return false;
      return (filter.from === undefined || actual >= filter.from) && (filter.to === undefined || actual <= filter.to);
    }
    case 'custom_field':
      return customFieldMatches(record, filter);
    case 'statuses':
      // A pair names a stage of a pipeline; a pair without one of them matches any (a guess, see README).
      return filter.pairs.some(
        (pair) => (pair.pipelineId === undefined || record.pipeline_id === pair.pipelineId) && (pair.statusId === undefined || record.status_id === pair.statusId),
      );
  }
}

/** Phone-looking queries are matched on digits: `+1 (555) 010-0201` finds `+15550100201`. */
const PHONE_QUERY = /^[\d\s+()\-.]+$/;
const MIN_PHONE_DIGITS = 4;
/** Fields that are numbers but people search for (timestamps and ids are not text). */
const SEARCHED_NUMBERS = ['price'];

/**
 * Kommo's `query` is fuzzy: it searches every filled field (docs/kommo-api.md §5). Here a record
 * matches when every word of the query is a substring (case-insensitive) of its text fields,
 * custom-field values, tag names or price, or, for a phone-looking query, when its digits appear
 * in the digits of a value. A component must therefore check results itself.
 */
export function matchesText(record: Record<string, unknown>, query: string, extraTexts: readonly string[] = []): boolean {
  const texts: string[] = [...extraTexts];
  for (const [field, value] of Object.entries(record)) {
    if (typeof value === 'string') texts.push(value);
    else if (typeof value === 'number' && SEARCHED_NUMBERS.includes(field)) texts.push(String(value));
  }
  if (Array.isArray(record.custom_fields_values)) for (const entry of record.custom_fields_values) texts.push(...valueTexts(entry));
  const digits = query.replace(/\D/g, '');
  if (PHONE_QUERY.test(query) && digits.length >= MIN_PHONE_DIGITS) {
    if (texts.some((text) => text.replace(/\D/g, '').includes(digits))) return true;
  }
  const haystack = texts.join('\n').toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .every((word) => haystack.includes(word));
}

/** How `selectPage` breaks ties and finds a record's extra searchable text. */
export interface SelectOptions {
  /** Per-request random source; when given, ties on the order field are shuffled (the unstable-order knob). */
  random?: () => number;
  /** Text that belongs to the record but is stored elsewhere (tag names). */
  extraTexts?: (record: { id: number }) => readonly string[];
}

/** The records of the requested page, filtered and ordered (ties by id unless shuffled). */
export function selectPage<T extends Record<string, unknown> & { id: number }>(records: readonly T[], query: ListQuery, options: SelectOptions = {}): T[] {
  const { field, direction } = query.order;
  const sign = direction === 'asc' ? 1 : -1;
  const matching = records
    .filter((record) => query.filters.every((filter) => matchesFilter(record, filter)))
    .filter((record) => query.text === undefined || matchesText(record, query.text, options.extraTexts?.(record)));
  const random = options.random;
  const tieKeys = new Map(matching.map((record) => [record.id, random ? random() : record.id]));
  const sorted = matching.sort((a, b) => sign * ((Number(a[field]) || 0) - (Number(b[field]) || 0)) || (tieKeys.get(a.id) ?? 0) - (tieKeys.get(b.id) ?? 0));
  const start = (query.page - 1) * query.limit;
  return sorted.slice(start, start + query.limit);
}
