/**
 * Custom-field values both ways, exactly as docs/design.md "How an object looks in a message"
 * says: Kommo's `custom_fields_values` (docs/kommo-api.md §7) ⇄ `custom_fields_by_id` (one plain
 * value per field, keyed by the field id as a string).
 *
 * Writes are validated completely before anything is sent: an unknown field id, an unknown option
 * or a value of the wrong type is a `KommoConfigError` naming the field (id and name) and what it
 * accepts. Choices where Kommo leaves room:
 * - Dates are sent as Unix seconds, the shape Kommo reads back. A `date`/`birthday` value is the
 *   first instant of its calendar day in the account's zone (midnight, or 01:00 when DST skipped
 *   midnight); an ISO 8601 time or Unix seconds given for such a field counts as the day it falls
 *   on in that zone. An ISO 8601 time without an offset is wall time in the account's zone.
 * - Select options are sent by `enum_id` (labels are resolved here, against the account model).
 * - Numbers are sent as JSON numbers; `null` and `""` clear a field (`values: null`).
 * - With the object as Kommo has it (`current`), a value equal to what decoding the current value
 *   gives is sent back exactly as stored, so a read-then-write changes nothing.
 */
import { configError, KommoConfigError } from '../client/errors';
import {
  describeField, PREDEFINED_ENUM_CODES, valueKind,
  type CustomFieldDefinition, type CustomFieldEnum, type ValueKind,
} from './customFields';
import { isRecord } from './reader';
import type { ObjectTypeDefinition } from './registry';
import {
  accountZone, formatDateTime, formatDay, instantOf, MAX_UNIX_SECONDS, startOfDay, wallTimeAt, type AccountZone,
} from './timeZone';

/** One value of a multitext field in a message. */
export interface MultitextValue {
  value: string;
  enum_code: string | null;
}

/** A value in `custom_fields_by_id`. */
export type PlainValue = string | number | boolean | string[] | MultitextValue[] | unknown[];

/** `custom_fields_by_id` of an object. */
export type CustomFieldsById = Record<string, PlainValue>;

/** One value in a `custom_fields_values` write. */
export type WriteValue = Record<string, unknown>;

/** One entry of a `custom_fields_values` write; `values: null` clears the field. */
export interface CustomFieldWrite {
  field_id: number;
  values: WriteValue[] | null;
}

/** Options of an encode. */
export interface EncodeOptions {
  /** The object as Kommo has it now (its `custom_fields_values` is read). */
  current?: unknown;
  /** Add multiselect and multitext values to the current ones instead of replacing them. */
  mergeMultiValues?: boolean;
}

/**
 * Raised when a write names a custom field or option the account model does not know. It may be
 * stale (a field or option added in Kommo since it was loaded): callers refresh the model once and
 * encode again before reporting it.
 */
export class KommoUnknownReferenceError extends KommoConfigError {
  override readonly name: string = 'KommoUnknownReferenceError';
  /** The custom field the reference was made in (the field itself when the id is unknown). */
  readonly fieldId: string;

  constructor(message: string, fieldId: string) {
    super(message);
    this.fieldId = fieldId;
  }
}

/** The kinds whose values `mergeMultiValues` adds to the current ones. */
export const MULTI_VALUE_KINDS: readonly ValueKind[] = ['options', 'multitext'];

/** How many known items an error message lists before "and N more". */
const LISTED_IN_ERRORS = 15;
const SHOWN_VALUE_CHARS = 60;
const DEFAULT_ENUM_CODE = 'WORK';

function listed(items: readonly string[]): string {
  if (items.length <= LISTED_IN_ERRORS) return items.join(', ');
  return `${items.slice(0, LISTED_IN_ERRORS).join(', ')} and ${items.length - LISTED_IN_ERRORS} more`;
}

/** The bad value as a message shows it: its type and a short excerpt. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    return `the text "${value.length > SHOWN_VALUE_CHARS ? `${value.slice(0, SHOWN_VALUE_CHARS)}…` : value}"`;
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isRecord(value)) return 'an object';
  return `${typeof value} ${String(value)}`;
}

function toFiniteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

function validDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function unixSeconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** The instant Kommo stored for a date value (Unix seconds; ISO strings from older writes tolerated). */
function storedInstant(value: unknown): number | undefined {
  const seconds = unixSeconds(value);
  if (seconds !== undefined) return seconds;
  if (typeof value !== 'string') return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : Math.floor(parsed / 1000);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}

/** The custom-field codec of one object type in one account. */
export interface CustomFieldCodec {
  /** `custom_fields_values` (may be `null`) → `custom_fields_by_id`. */
  decode(customFieldsValues: unknown): CustomFieldsById;
  /** A new object: the Kommo object with `custom_fields_by_id` added (the input is not changed). */
  decorate<T extends Record<string, unknown>>(object: T): T & { custom_fields_by_id: CustomFieldsById };
  /** `custom_fields_by_id` → a `custom_fields_values` write; throws before any write on a bad value. */
  encode(byId: unknown, options?: EncodeOptions): CustomFieldWrite[];
  /**
   * The `custom_fields_values` to send for a message's input: its raw `custom_fields_values`
   * untouched (for experts), or its `custom_fields_by_id` encoded; `undefined` when it has neither.
   */
  encodeInput(input: Record<string, unknown>, options?: EncodeOptions): unknown;
}

/** What a codec is built from: the type, its field definitions and the account's time zone. */
export interface CodecSettings {
  type: ObjectTypeDefinition;
  fields: readonly CustomFieldDefinition[];
  /** IANA name or `±HH:MM`; needed only when a date field is converted. */
  timeZone?: string;
}

/** Builds the codec of a type (indexes the fields and prepares the time zone once). */
export function createCustomFieldCodec(settings: CodecSettings): CustomFieldCodec {
  const byId = new Map(settings.fields.map((field) => [String(field.id), field]));
  let zone: AccountZone | undefined;
  const typeName = settings.type.name;

  function zoneOf(field: CustomFieldDefinition | undefined, fieldId: string): AccountZone {
    if (zone) return zone;
    if (!settings.timeZone) {
      const what = field ? describeField(field) : fieldId;
      throw configError(`Custom field ${what} holds a date, but the Kommo account's time zone is unknown `
        + '(GET account?with=datetime_settings gave none); dates cannot be converted.');
    }
    zone = accountZone(settings.timeZone);
    return zone;
  }

  // ---------------------------------------------------------------- decode

  function decodeEntry(entry: Record<string, unknown>): PlainValue | undefined {
    const fieldId = String(entry.field_id);
    const field = byId.get(fieldId);
    const type = typeof entry.field_type === 'string' ? entry.field_type : field?.type ?? '';
    const values = Array.isArray(entry.values) ? entry.values : [];
    if (values.length === 0) return undefined;
    const kind = valueKind(type);
    if (kind === 'raw') return values;
    const items = values.filter(isRecord);
    const first = items[0]?.value;
    switch (kind) {
      case 'string':
        return first === undefined || first === null ? undefined : String(first);
      case 'number': {
        if (first === undefined || first === null) return undefined;
        // Kommo sends numbers as strings; one that is not a number is kept as Kommo sent it.
        const number = toFiniteNumber(first);
        return number ?? String(first);
      }
      case 'boolean':
        return first === true || first === 1 || first === '1' || first === 'true';
      case 'day':
      case 'dateTime': {
        const instant = storedInstant(first);
        if (instant === undefined) return first === undefined || first === null ? undefined : String(first);
        const accountTime = zoneOf(field, fieldId);
        return kind === 'day' ? formatDay(instant, accountTime) : formatDateTime(instant, accountTime);
      }
      case 'option':
        return optionLabel(items[0], field);
      case 'options':
        return items.map((item) => optionLabel(item, field)).filter((label): label is string => label !== undefined);
      case 'multitext':
        return items.filter((item) => item.value !== undefined && item.value !== null).map((item) => ({
          value: String(item.value),
          enum_code: typeof item.enum_code === 'string' ? item.enum_code : enumById(field, item.enum_id)?.value ?? null,
        }));
    }
  }

  function decode(customFieldsValues: unknown): CustomFieldsById {
    const result: CustomFieldsById = {};
    if (!Array.isArray(customFieldsValues)) return result;
    for (const entry of customFieldsValues) {
      if (!isRecord(entry) || entry.field_id === undefined || entry.field_id === null) continue;
      const value = decodeEntry(entry);
      if (value !== undefined) result[String(entry.field_id)] = value;
    }
    return result;
  }

  // ---------------------------------------------------------------- encode

  function unknownField(fieldId: string): KommoUnknownReferenceError {
    const known = settings.fields.map((field) => `${field.id} "${field.name}"`);
    return new KommoUnknownReferenceError(`"${fieldId}" is not a custom field of ${typeName} in this Kommo account. `
      + `custom_fields_by_id is keyed by the field id; ${known.length ? `the ${typeName} fields are ${listed(known)}` : `${typeName} have no custom fields`}. `
      + `The mapper shows every field with its name; Make Raw Request GET ${settings.type.path}/custom_fields lists them with their ids.`, fieldId);
  }

  function accepts(field: CustomFieldDefinition): string {
    const kind = valueKind(field.type);
    switch (kind) {
      case 'string': return 'text';
      case 'number': return 'a number (or text holding one)';
      case 'boolean': return 'true or false';
      case 'day': return 'a date as "YYYY-MM-DD", an ISO 8601 date-time or Unix seconds';
      case 'dateTime': return 'an ISO 8601 date-time (e.g. "2026-03-01T15:30:00+03:00"), "YYYY-MM-DD" or Unix seconds';
      case 'option': return `one option, by label (${optionLabels(field)}) or by option id`;
      case 'options': return `an array of options, by label (${optionLabels(field)}) or by option id`;
      case 'multitext': return `text, an array of texts (enum code ${DEFAULT_ENUM_CODE}) or an array of {"value", "enum_code"} with enum_code one of ${listed(enumCodes(field))}`;
      case 'raw': return 'Kommo\'s values array as Kommo returns it ([{"value": …}, …])';
    }
  }

  function badValue(field: CustomFieldDefinition, value: unknown, detail = ''): KommoConfigError {
    return configError(`Custom field ${describeField(field)} of ${typeName} accepts ${accepts(field)}, or null to clear it; `
      + `got ${shown(value)}${detail ? ` (${detail})` : ''}.`);
  }

  function unknownOption(field: CustomFieldDefinition, value: unknown, detail: string): KommoUnknownReferenceError {
    return new KommoUnknownReferenceError(`Custom field ${describeField(field)} of ${typeName} has no ${detail} ${shown(value)}; `
      + `it accepts ${accepts(field)}. If the option was just added in Kommo, run the step again.`, String(field.id));
  }

  function resolveOption(field: CustomFieldDefinition, value: unknown): number {
    const enums = field.enums ?? [];
    if (typeof value === 'string') {
      const exact = enums.find((option) => option.value === value);
      if (exact) return exact.id;
      const folded = value.trim().toLowerCase();
      const loose = enums.filter((option) => option.value.trim().toLowerCase() === folded);
      if (loose.length === 1) return loose[0].id;
      if (/^\d+$/.test(value.trim())) return resolveOption(field, Number(value.trim()));
      throw unknownOption(field, value, 'option labelled');
    }
    if (typeof value === 'number' && Number.isFinite(value)) {
      if (enums.some((option) => option.id === value)) return value;
      // Labels may be numbers too (a rating "1"–"5"): a number that is no option id may be a label.
      const labelled = enums.find((option) => option.value === String(value));
      if (labelled) return labelled.id;
      if (!Number.isInteger(value)) throw badValue(field, value);
      throw unknownOption(field, value, 'option with id');
    }
    throw badValue(field, value);
  }

  function parseInstant(field: CustomFieldDefinition, value: unknown, accountTime: AccountZone): number {
    const seconds = unixSeconds(value);
    if (seconds !== undefined) {
      if (Math.abs(seconds) > MAX_UNIX_SECONDS) throw badValue(field, value, 'too large for Unix seconds; milliseconds?');
      return seconds;
    }
    if (typeof value !== 'string') throw badValue(field, value);
    const text = value.trim();
    const day = ISO_DATE.exec(text);
    if (day) {
      const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
      if (!validDay(year, month, date)) throw badValue(field, value, 'no such day');
      return startOfDay(year, month, date, accountTime);
    }
    const time = ISO_DATE_TIME.exec(text);
    if (!time) throw badValue(field, value);
    const wall = {
      year: Number(time[1]), month: Number(time[2]), day: Number(time[3]),
      hour: Number(time[4]), minute: Number(time[5]), second: Number(time[6] ?? 0),
    };
    if (!validDay(wall.year, wall.month, wall.day) || wall.hour > 23 || wall.minute > 59 || wall.second > 59) {
      throw badValue(field, value, 'no such time');
    }
    const offset = time[7];
    if (offset === undefined) return instantOf(wall, accountTime);
    const asUtc = Math.floor(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) / 1000);
    if (offset.toUpperCase() === 'Z') return asUtc;
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    return asUtc - sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
  }

  function multitextItems(field: CustomFieldDefinition, value: unknown): WriteValue[] {
    const list = Array.isArray(value) ? value : [value];
    const codes = enumCodes(field);
    const defaultCode = codes.length === 0 || codes.includes(DEFAULT_ENUM_CODE) ? DEFAULT_ENUM_CODE : undefined;
    const items: WriteValue[] = [];
    for (const item of list) {
      const entry = typeof item === 'string' || typeof item === 'number' ? { value: item } : item;
      if (!isRecord(entry)) throw badValue(field, value);
      const text = typeof entry.value === 'number' && Number.isFinite(entry.value) ? String(entry.value) : entry.value;
      if (typeof text !== 'string') throw badValue(field, value, 'each value must be text');
      if (text.trim() === '') continue;
      const code = entry.enum_code === undefined || entry.enum_code === null || entry.enum_code === '' ? defaultCode : entry.enum_code;
      if (code !== undefined && (typeof code !== 'string' || (codes.length > 0 && !codes.includes(code)))) {
        throw unknownOption(field, code, 'enum code');
      }
      items.push(code === undefined ? { value: text } : { value: text, enum_code: code });
    }
    return items;
  }

  /** The write values of one field, or null to clear it. */
  function encodeValue(field: CustomFieldDefinition, value: unknown): WriteValue[] | null {
    if (value === null || value === '') return null;
    const kind = valueKind(field.type);
    switch (kind) {
      case 'string':
        if (typeof value === 'string') return [{ value }];
        if (typeof value === 'number' && Number.isFinite(value)) return [{ value: String(value) }];
        throw badValue(field, value);
      case 'number': {
        const number = toFiniteNumber(value);
        if (number === undefined) throw badValue(field, value);
        return [{ value: number }];
      }
      case 'boolean':
        if (typeof value === 'boolean') return [{ value }];
        if (value === 'true' || value === 'false') return [{ value: value === 'true' }];
        throw badValue(field, value);
      case 'day': {
        const accountTime = zoneOf(field, String(field.id));
        const day = wallTimeAt(parseInstant(field, value, accountTime), accountTime);
        return [{ value: startOfDay(day.year, day.month, day.day, accountTime) }];
      }
      case 'dateTime':
        return [{ value: parseInstant(field, value, zoneOf(field, String(field.id))) }];
      case 'option':
        if (Array.isArray(value) || isRecord(value)) throw badValue(field, value);
        return [{ enum_id: resolveOption(field, value) }];
      case 'options': {
        const list = Array.isArray(value) ? value : [value];
        const ids = [...new Set(list.filter((item) => item !== '' && item !== null).map((item) => resolveOption(field, item)))];
        return ids.length === 0 ? null : ids.map((id) => ({ enum_id: id }));
      }
      case 'multitext': {
        const items = dedupeMultitext(field, multitextItems(field, value));
        return items.length === 0 ? null : items;
      }
      case 'raw':
        if (!Array.isArray(value) || !value.every(isRecord)) throw badValue(field, value);
        return value.length === 0 ? null : value;
    }
  }

  function currentEntries(current: unknown): Map<string, Record<string, unknown>> {
    const entries = new Map<string, Record<string, unknown>>();
    const list = isRecord(current) ? current.custom_fields_values : undefined;
    if (!Array.isArray(list)) return entries;
    for (const entry of list) if (isRecord(entry) && entry.field_id !== undefined) entries.set(String(entry.field_id), entry);
    return entries;
  }

  /** The stored values of a field in write shape (for sending them back unchanged). */
  function storedWriteValues(field: CustomFieldDefinition, entry: Record<string, unknown>): WriteValue[] | undefined {
    const values = Array.isArray(entry.values) ? entry.values.filter(isRecord) : [];
    const kind = valueKind(field.type);
    if (kind === 'raw') return values;
    if (kind === 'option' || kind === 'options') {
      const ids = values.map((item) => (typeof item.enum_id === 'number' ? item.enum_id : enumByLabel(field, item.value)?.id));
      return ids.every((id): id is number => id !== undefined) ? ids.map((id) => ({ enum_id: id })) : undefined;
    }
    if (kind === 'multitext') {
      return values.map((item) => (typeof item.enum_code === 'string'
        ? { value: item.value, enum_code: item.enum_code }
        : { value: item.value }));
    }
    return values.map((item) => ({ value: item.value }));
  }

  function merged(field: CustomFieldDefinition, stored: WriteValue[] | undefined, added: WriteValue[] | null): WriteValue[] | null {
    if (added === null || !stored) return added;
    if (valueKind(field.type) === 'multitext') return dedupeMultitext(field, [...stored, ...added]);
    const storedIds = new Set(stored.map((item) => item.enum_id));
    return [...stored, ...added.filter((item) => !storedIds.has(item.enum_id))];
  }

  function encode(input: unknown, options: EncodeOptions = {}): CustomFieldWrite[] {
    if (input === undefined || input === null) return [];
    if (!isRecord(input)) {
      throw configError(`custom_fields_by_id must be an object keyed by custom field id (e.g. {"710001": "Website"}); got ${shown(input)}.`);
    }
    const current = currentEntries(options.current);
    const writes: CustomFieldWrite[] = [];
    for (const [fieldId, value] of Object.entries(input)) {
      if (value === undefined) continue;
      const field = byId.get(fieldId.trim());
      if (!field) throw unknownField(fieldId);
      const entry = current.get(String(field.id));
      if (entry && options.mergeMultiValues && MULTI_VALUE_KINDS.includes(valueKind(field.type))) {
        writes.push({ field_id: field.id, values: merged(field, storedWriteValues(field, entry), encodeValue(field, value)) });
        continue;
      }
      const unchanged = entry && deepEqual(decodeEntry(entry), value) ? storedWriteValues(field, entry) : undefined;
      writes.push({ field_id: field.id, values: unchanged ?? encodeValue(field, value) });
    }
    return writes;
  }

  function encodeInput(input: Record<string, unknown>, options: EncodeOptions = {}): unknown {
    const raw = input.custom_fields_values;
    const plain = input.custom_fields_by_id;
    const hasPlain = plain !== undefined && plain !== null && !(isRecord(plain) && Object.keys(plain).length === 0);
    if (raw !== undefined) {
      if (hasPlain) {
        throw configError('Give custom field values either as custom_fields_by_id or as raw custom_fields_values, not both.');
      }
      if (raw !== null && !Array.isArray(raw)) {
        throw configError(`custom_fields_values must be Kommo's array ([{"field_id": …, "values": […]}]) or null; got ${shown(raw)}.`);
      }
      return raw;
    }
    return hasPlain ? encode(plain, options) : undefined;
  }

  return {
    decode,
    decorate: (object) => ({ ...object, custom_fields_by_id: decode(object.custom_fields_values) }),
    encode,
    encodeInput,
  };
}

function enumById(field: CustomFieldDefinition | undefined, id: unknown): CustomFieldEnum | undefined {
  return field?.enums?.find((option) => option.id === Number(id));
}

function enumByLabel(field: CustomFieldDefinition, label: unknown): CustomFieldEnum | undefined {
  return field.enums?.find((option) => option.value === label);
}

function optionLabel(item: Record<string, unknown> | undefined, field: CustomFieldDefinition | undefined): string | undefined {
  if (!item) return undefined;
  if (item.value !== undefined && item.value !== null && item.value !== '') return String(item.value);
  return enumById(field, item.enum_id)?.value;
}

function optionLabels(field: CustomFieldDefinition): string {
  const labels = (field.enums ?? []).map((option) => `"${option.value}"`);
  return labels.length ? listed(labels) : 'none defined';
}

/** Enum codes a multitext field accepts: its own, else Kommo's predefined ones for PHONE/EMAIL. */
function enumCodes(field: CustomFieldDefinition): string[] {
  if (field.enums && field.enums.length > 0) return field.enums.map((option) => option.value);
  return [...(field.code ? PREDEFINED_ENUM_CODES[field.code] ?? [] : [])];
}

/** The comparable form of a multitext value: phone digits, lower-case e-mail, trimmed text. */
function multitextKey(field: CustomFieldDefinition, value: unknown): string {
  const text = String(value).trim();
  if (field.code === 'PHONE') return text.replace(/\D/g, '') || text;
  return field.code === 'EMAIL' ? text.toLowerCase() : text;
}

function dedupeMultitext(field: CustomFieldDefinition, items: WriteValue[]): WriteValue[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = multitextKey(field, item.value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
