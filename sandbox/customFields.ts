/**
 * `custom_fields_values`: validating the write shape per field type and merging it into the
 * stored read shape (docs/kommo-api.md §7). Omitted fields stay, `values: null` (or `[]`) clears one,
 * and an entity with no values left reads `null`, never `[]` (docs/kommo-fidelity.md "Other details").
 * Errors use Kommo's codes and index paths (`custom_fields_values.6.values.0.value`,
 * docs/kommo-api.md §4, docs/kommo-api.md §10.11; docs/kommo-fidelity.md #11).
 */
import { ENUM_TYPES, type CustomFieldCatalog, type CustomFieldDefinition, type EnumOption } from './customFieldCatalog';
import { isRecord } from './httpIo';
import { startOfZonedDaySeconds, zonedMidnightSeconds } from './timezone';
import type { CustomFieldKind } from './types';

/** One problem found in an item, in the `validation-errors` shape (docs/kommo-api.md §4). */
export interface FieldError {
  code: string;
  path: string;
  detail: string;
}

/** What custom-field work needs from the account. */
export interface CustomFieldContext {
  catalog: CustomFieldCatalog;
  /** The account's IANA time zone (read at each write: it is a knob): `date` and `birthday` values are days in it. */
  readonly timezone: string;
}

const NOT_A_CHOICE = 'The value you selected is not a valid choice.';
const typeError = (path: string, type: string): FieldError => ({ code: 'InvalidType', path, detail: `This value should be of type ${type}.` });
const choiceError = (path: string): FieldError => ({ code: 'NotSupportedChoice', path, detail: NOT_A_CHOICE });

/** Text-like types: a string (a number is taken as its decimal text). */
const TEXT_TYPES = new Set(['text', 'textarea', 'url', 'streetaddress', 'org_legal_name', 'tracking_data']);
/** Number-like types: read back as strings (docs/kommo-fidelity.md "Other details"). */
const NUMBER_TYPES = new Set(['numeric', 'price', 'monetary']);
const DATE_TYPES = new Set(['date', 'birthday', 'date_time']);
/** Single-choice enum types: one value per field. */
const SINGLE_CHOICE_TYPES = new Set(['select', 'radiobutton', 'category']);
/** Types whose `value` is an object, with the keys that must be present and their types. */
const OBJECT_TYPES: Readonly<Record<string, ReadonlyArray<[string, 'string' | 'int' | 'numeric']>>> = {
  legal_entity: [['name', 'string']],
  payer: [['name', 'string']],
  supplier: [['name', 'string']],
  linked_entity: [
    ['entity_id', 'int'],
    ['entity_type', 'string'],
  ],
  file: [['file_uuid', 'string']],
  items: [],
};
/** Optional numeric keys of an `items` value. */
const ITEM_NUMBERS = ['unit_price', 'quantity', 'vat_rate_id'];

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

function findDefinition(catalog: CustomFieldCatalog, kind: CustomFieldKind, item: Record<string, unknown>): CustomFieldDefinition | undefined {
  if (item.field_id !== undefined) return catalog.byId(kind, item.field_id as number);
  return typeof item.field_code === 'string' ? catalog.byCode(kind, item.field_code) : undefined;
}

function isNumericText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value));
}

function keyType(value: unknown, type: 'string' | 'int' | 'numeric'): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'int') return Number.isInteger(value);
  return (typeof value === 'number' && Number.isFinite(value)) || isNumericText(value);
}

/**
 * Unix seconds of a date value, or undefined when it is none: integer seconds, a numeric string,
 * a `YYYY-MM-DD` day in the account zone, or an RFC 3339 / ISO 8601 timestamp (docs/kommo-api.md §7).
 */
function dateSeconds(value: unknown, timezone: string): number | undefined {
  if (Number.isInteger(value)) return value as number;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const day = DATE_ONLY.exec(value);
  if (day) return zonedMidnightSeconds(timezone, Number(day[1]), Number(day[2]), Number(day[3]));
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : Math.floor(parsed / 1000);
}

function findEnum(definition: CustomFieldDefinition, value: Record<string, unknown>): EnumOption | undefined {
  const enums = definition.enums ?? [];
  if (value.enum_id !== undefined) return enums.find((option) => option.id === value.enum_id);
  if (definition.type === 'multitext' || definition.type === 'smart_address') return enums.find((option) => option.value === value.enum_code);
  return enums.find((option) => option.value === value.value);
}

/** The problem with one value of a field, if any. */
function validateValue(definition: CustomFieldDefinition, value: unknown, path: string, timezone: string): FieldError | undefined {
  if (!isRecord(value)) return typeError(path, 'array');
  const type = definition.type;
  if (TEXT_TYPES.has(type)) {
    return typeof value.value === 'string' || (typeof value.value === 'number' && Number.isFinite(value.value)) ? undefined : typeError(`${path}.value`, 'string');
  }
  if (NUMBER_TYPES.has(type)) {
    return (typeof value.value === 'number' && Number.isFinite(value.value)) || isNumericText(value.value) ? undefined : typeError(`${path}.value`, 'numeric');
  }
  if (DATE_TYPES.has(type)) {
    return dateSeconds(value.value, timezone) === undefined
      ? { code: 'InvalidType', path: `${path}.value`, detail: 'This value should be a unix timestamp or an RFC 3339 date.' }
      : undefined;
  }
  if (type === 'checkbox') return typeof value.value === 'boolean' ? undefined : typeError(`${path}.value`, 'bool');
  if (type === 'multitext' || type === 'smart_address') {
    if (typeof value.value !== 'string') return typeError(`${path}.value`, 'string');
    if (value.enum_id !== undefined) return findEnum(definition, value) ? undefined : choiceError(`${path}.enum_id`);
    // A phone or email without a type is taken as the field's first (WORK); an address part must be named.
    if (value.enum_code === undefined) return type === 'smart_address' ? choiceError(`${path}.enum_code`) : undefined;
    return findEnum(definition, value) ? undefined : choiceError(`${path}.enum_code`);
  }
  if (ENUM_TYPES.has(type)) {
    if (value.enum_id !== undefined) {
      if (!Number.isInteger(value.enum_id)) return typeError(`${path}.enum_id`, 'int');
      return findEnum(definition, value) ? undefined : choiceError(`${path}.enum_id`);
    }
    // Sent by value: Kommo reports the `value` path (docs/kommo-fidelity.md #11).
    return findEnum(definition, value) ? undefined : choiceError(`${path}.value`);
  }
  if (type === 'chained_list') {
    if (!Number.isInteger(value.catalog_id)) return typeError(`${path}.catalog_id`, 'int');
    if (!Number.isInteger(value.catalog_element_id)) return typeError(`${path}.catalog_element_id`, 'int');
    return (definition.chainedLists ?? []).some((list) => list.catalog_id === value.catalog_id) ? undefined : choiceError(`${path}.catalog_id`);
  }
  const required = OBJECT_TYPES[type];
  if (!isRecord(value.value)) return typeError(`${path}.value`, 'array');
  const inner = value.value;
  for (const [key, keyKind] of required) {
    if (!keyType(inner[key], keyKind)) return typeError(`${path}.value.${key}`, keyKind);
  }
  if (type === 'items') {
    const bad = ITEM_NUMBERS.find((key) => inner[key] !== undefined && !keyType(inner[key], 'numeric'));
    if (bad) return typeError(`${path}.value.${bad}`, 'numeric');
  }
  return undefined;
}

/** Problems in a `custom_fields_values` write; paths index into the array, as Kommo's do (docs/kommo-api.md §10.11). */
export function validateCustomFields(kind: CustomFieldKind, input: unknown, context: CustomFieldContext, prefix = 'custom_fields_values'): FieldError[] {
  if (input === null) return [];
  if (!Array.isArray(input)) return [typeError(prefix, 'array')];
  const errors: FieldError[] = [];
  input.forEach((item: unknown, index) => {
    const path = `${prefix}.${index}`;
    if (!isRecord(item)) {
      errors.push(typeError(path, 'array'));
      return;
    }
    if (item.field_id === undefined && item.field_code === undefined) {
      errors.push({ code: 'NotBlank', path: `${path}.field_id`, detail: 'Either field_id or field_code is required.' });
      return;
    }
    if (item.field_id !== undefined && !Number.isInteger(item.field_id)) {
      errors.push(typeError(`${path}.field_id`, 'int'));
      return;
    }
    if (item.field_id === undefined && typeof item.field_code !== 'string') {
      errors.push(typeError(`${path}.field_code`, 'string'));
      return;
    }
    const definition = findDefinition(context.catalog, kind, item);
    if (!definition) {
      errors.push(choiceError(`${path}.${item.field_id !== undefined ? 'field_id' : 'field_code'}`));
      return;
    }
    if (item.values === null) return;
    if (!Array.isArray(item.values)) {
      errors.push(typeError(`${path}.values`, 'array'));
      return;
    }
    if (SINGLE_CHOICE_TYPES.has(definition.type) && item.values.length > 1) {
      errors.push({ code: 'InvalidType', path: `${path}.values`, detail: 'This field accepts one value.' });
      return;
    }
    item.values.forEach((value: unknown, valueIndex) => {
      const error = validateValue(definition, value, `${path}.values.${valueIndex}`, context.timezone);
      if (error) errors.push(error);
    });
  });
  return errors;
}

/** The stored value: what a read returns (enum names filled in, numbers as text, dates as Unix seconds). */
function normalizeValue(definition: CustomFieldDefinition, value: Record<string, unknown>, timezone: string): Record<string, unknown> {
  const type = definition.type;
  if (TEXT_TYPES.has(type) || NUMBER_TYPES.has(type)) return { value: typeof value.value === 'string' ? value.value.trim() : String(value.value) };
  if (DATE_TYPES.has(type)) {
    const seconds = dateSeconds(value.value, timezone) ?? 0;
    // A date or birthday is a calendar day: Kommo keeps 00:00 of it in the account zone.
    return { value: type === 'date_time' ? seconds : startOfZonedDaySeconds(timezone, seconds) };
  }
  if (type === 'checkbox') return { value: value.value };
  if (type === 'multitext' || type === 'smart_address') {
    const chosen = findEnum(definition, value) ?? definition.enums?.[0];
    return { value: value.value, enum_id: chosen?.id ?? null, enum_code: chosen?.value ?? null };
  }
  if (ENUM_TYPES.has(type)) {
    const chosen = findEnum(definition, value);
    return { value: chosen?.value ?? value.value, enum_id: chosen?.id ?? null, enum_code: null };
  }
  if (type === 'chained_list') return { catalog_id: value.catalog_id, catalog_element_id: value.catalog_element_id };
  return { value: structuredClone(value.value) };
}

/** Apply a validated write to the stored values (see the module comment for the rules). */
export function mergeCustomFields(kind: CustomFieldKind, stored: unknown, input: unknown, context: CustomFieldContext): Array<Record<string, unknown>> | null {
  if (input === null) return null;
  const result = new Map<number, Record<string, unknown>>();
  if (Array.isArray(stored)) {
    for (const entry of stored) if (isRecord(entry) && typeof entry.field_id === 'number') result.set(entry.field_id, entry);
  }
  if (Array.isArray(input)) {
    for (const item of input) {
      if (!isRecord(item)) continue;
      const definition = findDefinition(context.catalog, kind, item);
      if (!definition) continue;
      if (!Array.isArray(item.values) || item.values.length === 0) {
        result.delete(definition.id);
        continue;
      }
      result.set(definition.id, {
        field_id: definition.id,
        field_name: definition.name,
        field_code: definition.code,
        field_type: definition.type,
        values: item.values.filter(isRecord).map((value) => normalizeValue(definition, value, context.timezone)),
      });
    }
  }
  return result.size === 0 ? null : [...result.values()];
}

/** The searchable and filterable text of each stored value: its `value` leaves and enum names. */
export function valueTexts(entry: unknown): string[] {
  const texts: string[] = [];
  const visit = (node: unknown): void => {
    if (typeof node === 'string' || typeof node === 'number') texts.push(String(node));
    else if (Array.isArray(node)) node.forEach(visit);
    else if (isRecord(node)) Object.values(node).forEach(visit);
  };
  if (isRecord(entry) && Array.isArray(entry.values)) {
    for (const value of entry.values) if (isRecord(value)) visit(value.value);
  }
  return texts;
}
