/**
 * Kommo's list filter as a step takes it (JSON: `{"id": [1, 2], "price": {"from": 1},
 * "updated_at": {"from": "2026-01-01T00:00:00Z"}, "statuses": [{"pipeline_id": 1, "status_id": 2}],
 * "custom_fields_values": {"123": ["x"]}}`, docs/design.md "Actions (2.0)"), checked against the
 * registry's filters for the type, turned into the query `encodeQuery` sends, and checked again
 * against what Kommo answers.
 *
 * The second check exists because Kommo ignores API filters on some accounts and then answers
 * the whole collection (docs/kommo-api.md §5): an object that does not satisfy the filter is never
 * passed on as a match ({@link KommoFilterIgnoredError}).
 *
 * Choices where Kommo leaves room:
 * - Dates are ISO 8601 with a time and an offset (`Z`, `+03:00`) or Unix seconds; a date without
 *   an offset would need the account's time zone, so it is refused rather than guessed.
 * - A plain date means "from" (as Kommo's events list reads it) and is sent as `[from]`, so
 *   Kommo and the check here read it the same way; a plain number for `price` means "equal".
 * - `name` matches whole, trimmed and without regard to case (as strict matching reads names).
 * - A custom-field value matches a stored value or option id as text, without regard to case
 *   (options can be given by label or id); a `{from, to}` range matches numerically (dates as
 *   Unix seconds, as Kommo stores them).
 * Messages name filter keys and object ids, never values: filters can carry personal data.
 */
import { configError, KommoError } from '../client/errors';
import type { FilterValue } from '../client/query';
import { describeField, type CustomFieldDefinition } from './customFields';
import { isRecord } from './reader';
import type { FilterValueKind, ObjectTypeDefinition } from './registry';

/** A filter checked against the type's filters, ready to send and to check results against. */
export interface ListFilter {
  /** The filter as `KommoQuery.filter` takes it; `undefined` when nothing is filtered. */
  readonly query: { readonly [key: string]: FilterValue } | undefined;
  /** Custom-field ids the filter names (checked against the account with {@link checkFilterFields}). */
  readonly customFieldIds: readonly number[];
  /** The filter keys an object fails, or `[]` when it satisfies the filter. */
  failedKeys(object: unknown): string[];
}

/**
 * Raised when Kommo answered objects that do not satisfy the filter: the account ignores API
 * filters (or a filter means something else to Kommo). Nothing that fails the filter is emitted.
 */
export class KommoFilterIgnoredError extends KommoError {
  override readonly name: string = 'KommoFilterIgnoredError';
  /** Ids of (the first few) objects that failed, and the keys they failed. */
  readonly failures: ReadonlyArray<{ id: unknown; keys: readonly string[] }>;

  constructor(message: string, failures: ReadonlyArray<{ id: unknown; keys: readonly string[] }>) {
    super(message);
    this.failures = failures;
  }
}

/** Filter keys whose object property has another name. */
const OBJECT_PROPERTY: Readonly<Record<string, string>> = { task_type: 'task_type_id' };

/** The values of an `entityType` filter (objects a task can belong to). */
const ENTITY_TYPES = ['leads', 'contacts', 'companies', 'customers'] as const;

/** How a filter kind is written, for messages. */
const KIND_FORMS: Readonly<Record<FilterValueKind, string>> = {
  ids: 'an id or a list of ids',
  strings: 'a text or a list of texts',
  numberRange: 'a number or {"from": …, "to": …}',
  dateRange: 'a date (ISO 8601 with an offset, or Unix seconds) or {"from": …, "to": …}',
  statuses: 'a list of {"pipeline_id": …, "status_id": …}',
  customFields: '{"<field id>": a value, a list of values or {"from": …, "to": …}}',
  boolean: 'true or false',
  entityType: `one of ${ENTITY_TYPES.join(', ')} or a list of them`,
};

/** One checked filter entry: what is sent and how an object is tested. */
interface Clause {
  key: string;
  sent: FilterValue;
  test(object: Record<string, unknown>): boolean;
  customFieldIds?: number[];
}

type Range = { from?: number; to?: number };

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

function fail(key: string, kind: FilterValueKind, detail: string): never {
  throw configError(`filter.${key} ${detail}; it takes ${KIND_FORMS[kind]}.`);
}

function describeGiven(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'string') return value.trim() === '' ? 'empty text' : 'text';
  return isRecord(value) ? 'an object' : typeof value;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function positiveId(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

function finiteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** Unix seconds from Unix seconds (a whole number, or its text) or an ISO 8601 time with an offset. */
function unixSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!ISO_WITH_OFFSET.test(text)) return undefined;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(ms) || ms < 0 ? undefined : Math.floor(ms / 1000);
}

function nonEmptyList(key: string, kind: FilterValueKind, value: unknown): unknown[] {
  const list = asList(value);
  if (list.length === 0) fail(key, kind, 'is an empty list (Kommo would ignore it and return everything)');
  return list;
}

/** `{from, to}` with at least one bound, each read by `read`; a plain value is `plain`'s range. */
function readRange(key: string, kind: FilterValueKind, value: unknown, read: (bound: unknown) => number | undefined, plain: (bound: number) => Range): Range {
  if (!isRecord(value)) {
    const bound = read(value);
    if (bound === undefined) fail(key, kind, `cannot be ${describeGiven(value)}`);
    return plain(bound);
  }
  const extra = Object.keys(value).filter((name) => name !== 'from' && name !== 'to');
  if (extra.length > 0) fail(key, kind, `has ${extra.map((name) => `"${name}"`).join(', ')}; a range has only "from" and "to"`);
  const range: Range = {};
  for (const bound of ['from', 'to'] as const) {
    if (value[bound] === undefined || value[bound] === null || value[bound] === '') continue;
    const read_ = read(value[bound]);
    if (read_ === undefined) fail(key, kind, `${bound} cannot be ${describeGiven(value[bound])}`);
    range[bound] = read_;
  }
  if (range.from === undefined && range.to === undefined) fail(key, kind, 'has neither "from" nor "to"');
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) fail(key, kind, 'has "from" after "to"');
  return range;
}

function inRange(value: unknown, range: Range): boolean {
  const number = finiteNumber(value);
  return number !== undefined && (range.from === undefined || number >= range.from) && (range.to === undefined || number <= range.to);
}

function rangeSent(range: Range): FilterValue {
  return { ...(range.from !== undefined ? { from: range.from } : {}), ...(range.to !== undefined ? { to: range.to } : {}) };
}

function foldText(value: string): string {
  return value.normalize('NFC').trim().toLowerCase();
}

/** Values of one custom field of an object, as Kommo lists them (`{value, enum_id, …}`). */
function storedValues(object: Record<string, unknown>, fieldId: number): Array<Record<string, unknown>> {
  const entries = Array.isArray(object.custom_fields_values) ? object.custom_fields_values.filter(isRecord) : [];
  const entry = entries.find((item) => Number(item.field_id) === fieldId);
  return entry && Array.isArray(entry.values) ? entry.values.filter(isRecord) : [];
}

/** A stored custom-field value as the texts a filter value may equal: the value, and the option id. */
function storedTexts(item: Record<string, unknown>): string[] {
  const texts: string[] = [];
  if (typeof item.value === 'boolean') texts.push(item.value ? 'true' : 'false', item.value ? '1' : '0');
  else if (typeof item.value === 'string' || typeof item.value === 'number') texts.push(foldText(String(item.value)));
  if (item.enum_id !== undefined && item.enum_id !== null) texts.push(String(item.enum_id));
  return texts;
}

function customFieldClause(key: string, value: unknown): Clause {
  const kind: FilterValueKind = 'customFields';
  if (!isRecord(value) || Object.keys(value).length === 0) fail(key, kind, `cannot be ${describeGiven(value)}`);
  const tests: Array<(object: Record<string, unknown>) => boolean> = [];
  const sent: Record<string, FilterValue> = {};
  const ids: number[] = [];
  for (const [idText, wanted] of Object.entries(value)) {
    const fieldId = positiveId(idText);
    if (fieldId === undefined) fail(key, kind, `has the key "${idText}"; keys are custom field ids`);
    ids.push(fieldId);
    const where = `${key}.${idText}`;
    if (isRecord(wanted)) {
      const range = readRange(where, kind, wanted, (bound) => finiteNumber(bound) ?? unixSeconds(bound), () => ({}));
      sent[idText] = rangeSent(range);
      tests.push((object) => storedValues(object, fieldId).some((item) => inRange(item.value, range)));
      continue;
    }
    const list = nonEmptyList(where, kind, wanted).map((item) => {
      if (typeof item === 'boolean') return item;
      if ((typeof item === 'string' && item.trim() !== '') || (typeof item === 'number' && Number.isFinite(item))) return item;
      return fail(where, kind, `cannot hold ${describeGiven(item)}`);
    });
    sent[idText] = list;
    const texts = list.map((item) => (typeof item === 'boolean' ? String(item) : foldText(String(item))));
    tests.push((object) => storedValues(object, fieldId).some((item) => storedTexts(item).some((text) => texts.includes(text))));
  }
  return { key, sent, customFieldIds: ids, test: (object) => tests.every((test) => test(object)) };
}

function statusesClause(key: string, value: unknown): Clause {
  const kind: FilterValueKind = 'statuses';
  const pairs = nonEmptyList(key, kind, value).map((item, index) => {
    if (!isRecord(item)) return fail(key, kind, `[${index}] cannot be ${describeGiven(item)}`);
    const extra = Object.keys(item).filter((name) => name !== 'pipeline_id' && name !== 'status_id');
    if (extra.length > 0) fail(key, kind, `[${index}] has ${extra.map((name) => `"${name}"`).join(', ')}`);
    const pair: { pipeline_id?: number; status_id?: number } = {};
    for (const name of ['pipeline_id', 'status_id'] as const) {
      if (item[name] === undefined) continue;
      const id = positiveId(item[name]);
      if (id === undefined) fail(key, kind, `[${index}].${name} must be a positive whole number`);
      pair[name] = id;
    }
    if (pair.pipeline_id === undefined && pair.status_id === undefined) fail(key, kind, `[${index}] names neither a pipeline nor a stage`);
    return pair;
  });
  return {
    key,
    sent: pairs,
    test: (object) => pairs.some((pair) => (pair.pipeline_id === undefined || Number(object.pipeline_id) === pair.pipeline_id)
      && (pair.status_id === undefined || Number(object.status_id) === pair.status_id)),
  };
}

function clauseFor(key: string, kind: FilterValueKind, value: unknown): Clause {
  const property = OBJECT_PROPERTY[key] ?? key;
  switch (kind) {
    case 'ids': {
      const ids = nonEmptyList(key, kind, value).map((item) => positiveId(item) ?? fail(key, kind, `cannot hold ${describeGiven(item)}${typeof item === 'number' ? ` ${item}` : ''}`));
      return { key, sent: ids, test: (object) => ids.includes(Number(object[property])) };
    }
    case 'strings': {
      const texts = nonEmptyList(key, kind, value).map((item) => (typeof item === 'string' && item.trim() !== '' ? item.trim() : fail(key, kind, `cannot hold ${describeGiven(item)}`)));
      const folded = texts.map(foldText);
      return { key, sent: texts.length === 1 ? texts[0] : texts, test: (object) => typeof object[property] === 'string' && folded.includes(foldText(object[property] as string)) };
    }
    case 'numberRange': {
      const range = readRange(key, kind, value, finiteNumber, (number) => ({ from: number, to: number }));
      const exact = !isRecord(value);
      return { key, sent: exact ? (range.from as number) : rangeSent(range), test: (object) => inRange(object[property], range) };
    }
    case 'dateRange': {
      const range = readRange(key, kind, value, unixSeconds, (seconds) => ({ from: seconds }));
      return { key, sent: rangeSent(range), test: (object) => inRange(object[property], range) };
    }
    case 'boolean': {
      const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
      const wanted = text === true || text === 'true' || text === 1 || text === '1' ? true
        : text === false || text === 'false' || text === 0 || text === '0' ? false : fail(key, kind, `cannot be ${describeGiven(value)}`);
      return { key, sent: wanted, test: (object) => object[property] === wanted };
    }
    case 'entityType': {
      const types = nonEmptyList(key, kind, value).map((item) => {
        const text = typeof item === 'string' ? item.trim() : '';
        return (ENTITY_TYPES as readonly string[]).includes(text) ? text : fail(key, kind, `cannot hold ${typeof item === 'string' ? `"${item}"` : describeGiven(item)}`);
      });
      return { key, sent: types.length === 1 ? types[0] : types, test: (object) => typeof object[property] === 'string' && types.includes(object[property] as string) };
    }
    case 'statuses':
      return statusesClause(key, value);
    case 'customFields':
      return customFieldClause(key, value);
  }
}

/**
 * Reads a step's `filter` (an object, or its JSON text; empty means none) for a type. An unknown
 * key is an error naming the keys the type supports; a value of the wrong type is an error naming
 * the key and the accepted forms. No request is needed.
 */
export function parseListFilter(type: ObjectTypeDefinition, raw: unknown): ListFilter {
  let value = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') value = undefined;
    else {
      try {
        value = JSON.parse(raw) as unknown;
      } catch {
        throw configError('Filter is text that is not JSON; give an object such as {"id": [1, 2], "updated_at": {"from": "2026-01-01T00:00:00Z"}}.');
      }
    }
  }
  if (value === undefined || value === null) return { query: undefined, customFieldIds: [], failedKeys: () => [] };
  if (!isRecord(value)) throw configError(`Filter must be an object of Kommo filter keys; got ${describeGiven(value)}.`);
  const supported = Object.keys(type.filters);
  const unknown = Object.keys(value).filter((key) => !Object.prototype.hasOwnProperty.call(type.filters, key));
  if (unknown.length > 0) {
    throw configError(`Filter ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.map((key) => `"${key}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not supported for ${type.name}; `
      + `the keys ${type.name} can be filtered by are ${supported.join(', ')}.`);
  }
  const clauses = Object.entries(value)
    .filter(([, entry]) => entry !== undefined)
    .map(([key, entry]) => clauseFor(key, type.filters[key], entry));
  if (clauses.length === 0) return { query: undefined, customFieldIds: [], failedKeys: () => [] };
  return {
    query: Object.fromEntries(clauses.map((clause) => [clause.key, clause.sent])),
    customFieldIds: clauses.flatMap((clause) => clause.customFieldIds ?? []),
    failedKeys: (object) => (isRecord(object) ? clauses.filter((clause) => !clause.test(object)).map((clause) => clause.key) : clauses.map((clause) => clause.key)),
  };
}

/** Checks the custom fields a filter names against the account's fields of the type. */
export function checkFilterFields(type: ObjectTypeDefinition, filter: ListFilter, fields: readonly CustomFieldDefinition[]): void {
  const known = new Set(fields.map((field) => field.id));
  const missing = filter.customFieldIds.filter((id) => !known.has(id));
  if (missing.length === 0) return;
  const offered = fields.slice(0, 10).map(describeField).join(', ');
  throw configError(`filter.custom_fields_values names ${missing.length === 1 ? 'a custom field' : 'custom fields'} ${missing.join(', ')} that ${type.name} in this Kommo account ${missing.length === 1 ? 'does' : 'do'} not have`
    + `${fields.length > 0 ? `; its fields include ${offered}${fields.length > 10 ? ` and ${fields.length - 10} more` : ''}` : ''}.`);
}

/** How many failing objects an error names. */
const NAMED_FAILURES = 5;

/**
 * Throws {@link KommoFilterIgnoredError} when any object fails the filter; `emitted` says how
 * many matching objects were already passed on (for the message).
 */
export function assertSatisfied(type: ObjectTypeDefinition, filter: ListFilter, objects: readonly unknown[], emitted = 0): void {
  const failures: Array<{ id: unknown; keys: string[] }> = [];
  let count = 0;
  for (const object of objects) {
    const keys = filter.failedKeys(object);
    if (keys.length === 0) continue;
    count += 1;
    if (failures.length < NAMED_FAILURES) failures.push({ id: isRecord(object) ? object.id : undefined, keys });
  }
  if (count === 0) return;
  const named = failures.map((failure) => `${type.singular} ${String(failure.id)} (${failure.keys.join(', ')})`).join(', ');
  throw new KommoFilterIgnoredError(
    `Kommo answered ${count} ${type.name} that do not satisfy the filter, e.g. ${named}: this Kommo account seems to ignore API filters `
    + '(GET /api/v4/account?with=is_api_filter_enabled says whether it does). They were not emitted'
    + `${emitted > 0 ? `; ${emitted} matching ${type.name} were emitted before this page` : ''}. `
    + 'Ask Kommo support to enable API filtering for the account, or search with "query" instead of a filter.',
    failures,
  );
}
