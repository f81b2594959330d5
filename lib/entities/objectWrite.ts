/**
 * The body of a create or update of one object, from a message's input in the shape of
 * docs/design.md "How an object looks in a message": writable core fields (typed by the
 * registry), custom fields through the codec (`custom_fields_by_id`, or raw `custom_fields_values`)
 * and tags. Everything is checked before any write; a bad value is a KommoConfigError naming the
 * field and what it accepts.
 *
 * Choices where Kommo leaves room:
 * - Tags: an update sends `tags_to_add` / `tags_to_delete`, which never clobber the object's other
 *   tags; a create sends the tags to add as `_embedded.tags` (a new object has none to keep) and
 *   drops `tags_to_delete` (docs/kommo-api.md §7).
 * - Empty text (`""`) for a core field counts as "not given": a mapper leaves unmapped fields empty.
 * - Core fields in Unix seconds also take ISO 8601 with an offset (`2026-03-01T10:00:00+03:00`).
 * - A create drops custom fields cleared with `null` in `custom_fields_by_id`: a new object has
 *   nothing to clear. Raw `custom_fields_values` are sent as given.
 */
import { configError } from '../client/errors';
import type { CustomFieldCodec } from './customFieldCodec';
import { fieldByCode, type CustomFieldDefinition } from './customFields';
import { confirmsMatch, criterionValue, type Criterion } from './matching';
import { isRecord } from './reader';
import { writableCoreFields, type CoreField, type ObjectTypeDefinition } from './registry';

/** A tag named in a write: by id or by name (docs/kommo-api.md §7). */
export type TagRef = { id: number } | { name: string };

/** Whether a write creates an object or updates one. */
export type WriteMode = 'create' | 'update';

/** Options of {@link objectWriteBody}. */
export interface ObjectWriteOptions {
  mode: WriteMode;
  /** The object as Kommo has it now (updates): merged multi-values start from it. */
  current?: Record<string, unknown>;
  /** Add multiselect and multitext values to the current ones instead of replacing them. */
  mergeMultiValues?: boolean;
  /** Where the input sits, for error messages, e.g. `contact.` or `objects[3].`. */
  where?: string;
}

const SHOWN_CHARS = 40;

function shown(value: unknown): string {
  if (typeof value === 'string') return `the text "${value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value}"`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isRecord(value)) return 'an object';
  return `${typeof value} ${String(value)}`;
}

function isPositiveWhole(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * Tag references from a message value: an array of tag names (text) and tag ids (positive whole
 * numbers, or `{id}` / `{name}` objects); one name or id alone counts as a list of one. Absent,
 * `null` and `""` give `undefined`. Anything else is a KommoConfigError naming `label`.
 */
export function parseTagRefs(value: unknown, label: string): TagRef[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, index): TagRef => {
    const id = isRecord(item) ? item.id : item;
    const name = isRecord(item) ? item.name : item;
    if (isPositiveWhole(id)) return { id };
    if (typeof name === 'string' && name.trim() !== '') return { name: name.trim() };
    const at = Array.isArray(value) ? `${label}[${index}]` : label;
    throw configError(`${at} must be a tag name (text) or a tag id (a positive whole number, or {"id": …}); got ${shown(item)}.`);
  });
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** A core field's value as Kommo takes it; `undefined` when not given. */
function coreValue(field: CoreField, value: unknown, where: string): unknown {
  if (value === undefined || value === '') return undefined;
  const fail = (accepts: string): never => {
    throw configError(`${where}${field.name} (${field.title}) must be ${accepts}; got ${shown(value)}.`);
  };
  switch (field.type) {
    case 'string':
      if (value === null) return undefined;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      return typeof value === 'string' ? value : fail('text');
    case 'number': {
      if (value === null) return null;
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      const text = typeof value === 'string' ? value.trim() : undefined;
      if (text !== undefined && /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) return Number(text);
      if (field.unixSeconds && text !== undefined && ISO_WITH_OFFSET.test(text)) return Math.floor(Date.parse(text) / 1000);
      return fail(field.unixSeconds ? 'Unix seconds or an ISO 8601 date-time with an offset (e.g. "2026-03-01T10:00:00Z")' : 'a number');
    }
    case 'boolean':
      if (value === null) return undefined;
      if (typeof value === 'boolean') return value;
      return value === 'true' || value === 'false' ? value === 'true' : fail('true or false');
    case 'object':
      if (value === null) return undefined;
      return isRecord(value) ? value : fail('an object');
    case 'array':
      if (value === null) return undefined;
      return Array.isArray(value) ? value : fail('an array');
  }
}

/**
 * The Kommo write body (without `id`) for the writable part of `input`. Keys the type does not
 * write are not read here; callers check the input's keys against its schema (`readInput`).
 */
export function objectWriteBody(
  type: ObjectTypeDefinition,
  codec: CustomFieldCodec,
  input: Record<string, unknown>,
  options: ObjectWriteOptions,
): Record<string, unknown> {
  const where = options.where ?? '';
  const body: Record<string, unknown> = {};
  for (const field of writableCoreFields(type)) {
    const value = coreValue(field, input[field.name], where);
    if (value !== undefined) body[field.name] = value;
  }
  if (type.hasCustomFields) {
    const values = codec.encodeInput(input, { current: options.current, mergeMultiValues: options.mergeMultiValues });
    // Raw values are the expert's and go unchanged; encoded clears mean nothing on a new object.
    const raw = input.custom_fields_values !== undefined;
    const kept = options.mode === 'create' && !raw && Array.isArray(values)
      ? values.filter((entry) => !isRecord(entry) || (Array.isArray(entry.values) && entry.values.length > 0))
      : values;
    if (kept !== undefined && !(options.mode === 'create' && (kept === null || (Array.isArray(kept) && kept.length === 0)))) body.custom_fields_values = kept;
  }
  if (type.supportsTags) {
    const add = parseTagRefs(input.tags_to_add, `${where}tags_to_add`);
    const remove = parseTagRefs(input.tags_to_delete, `${where}tags_to_delete`);
    if (options.mode === 'create') {
      if (add && add.length > 0) body._embedded = { tags: add };
    } else {
      if (add && add.length > 0) body.tags_to_add = add;
      if (remove && remove.length > 0) body.tags_to_delete = remove;
    }
  }
  return body;
}

/** The custom field a criterion reads (email/phone by code, `cf_<id>` by id); undefined for id and name. */
function criterionField(criterion: Criterion, fields: readonly CustomFieldDefinition[]): CustomFieldDefinition | undefined {
  if (criterion.kind === 'customField') return criterion.field;
  if (criterion.kind === 'email' || criterion.kind === 'phone') return fieldByCode(fields, criterion.fieldCode);
  return undefined;
}

/**
 * A create body that carries the criterion's value, so that the next search by that value finds
 * the new object (else every later upsert would create again): the name, the email or phone added
 * to the EMAIL/PHONE field, the custom field set. A body that already matches is returned as is; a
 * body that sets the criterion's custom field to another value is a KommoConfigError.
 */
export function withCriterionValue(
  body: Record<string, unknown>,
  type: ObjectTypeDefinition,
  criterion: Criterion,
  value: unknown,
  fields: readonly CustomFieldDefinition[],
): Record<string, unknown> {
  const checked = criterionValue(criterion, value);
  if (criterion.kind === 'id') return body;
  if (criterion.kind === 'name') return body.name === undefined ? { ...body, name: String(checked) } : body;
  const field = criterionField(criterion, fields);
  if (!field) {
    throw configError(`The ${type.name} of this Kommo account have no ${criterion.title} field, so an object created with this criterion `
      + `could not be found by ${criterion.key} again. Choose another upsert criterion.`);
  }
  const entries = Array.isArray(body.custom_fields_values) ? body.custom_fields_values.filter(isRecord) : [];
  const isCriterionEntry = (entry: Record<string, unknown>): boolean =>
    Number(entry.field_id) === field.id || (field.code !== null && entry.field_code === field.code);
  // The criterion's entries as they would read back (id and code), so the strict matcher can tell whether the body matches.
  const probe = { custom_fields_values: entries.filter(isCriterionEntry).map((entry) => ({ ...entry, field_id: field.id, field_code: field.code })) };
  if (confirmsMatch(criterion, checked, probe)) return body;
  const index = entries.findIndex(isCriterionEntry);
  const added = criterion.kind === 'customField' ? { value: checked } : { value: String(checked), enum_code: 'WORK' };
  if (index >= 0 && criterion.kind === 'customField' && Array.isArray(entries[index].values) && entries[index].values.length > 0) {
    throw configError(`The upsert criterion ${criterion.key} and custom_fields_by_id give field ${field.id} "${field.name}" different values; `
      + 'a created object would not be found by its criterion again. Give the same value, or leave the field out of custom_fields_by_id.');
  }
  const next = [...entries];
  if (index >= 0) {
    const values = Array.isArray(entries[index].values) ? entries[index].values : [];
    next[index] = { ...entries[index], values: [...values, added] };
  } else {
    next.push({ field_id: field.id, values: [added] });
  }
  return { ...body, custom_fields_values: next };
}

/**
 * An object id from a message: a positive whole number, or text holding one (mapped values
 * arrive as text). Anything else is a KommoConfigError naming `label` and what it is for.
 */
export function parseObjectId(value: unknown, label: string, what = 'the id of an existing object'): number {
  const id = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (isPositiveWhole(id)) return id;
  const got = value === undefined || value === null || value === '' ? 'nothing' : JSON.stringify(value);
  throw configError(`${label} must be a positive whole number (${what}); got ${got}.`);
}
