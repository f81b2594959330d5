/**
 * Completes the `custom_fields_values` of a delivered entity with what only the account's field
 * definitions know, so that it reads like `GET /api/v4/{type}/{id}` (docs/kommo-api.md §7):
 * a delivery carries no field types and every value as text (docs/kommo-fidelity.md "Webhook
 * deliveries").
 *
 * - `field_type` from the definition (left out for a field the definitions do not have);
 * - date, date-time and birthday values as Unix seconds (numbers), as v4 reads them;
 * - checkbox values as booleans;
 * - multitext values with both `enum_id` and `enum_code` (a delivery has one of them);
 * - numeric values stay text: v4 reads them back as text too (docs/kommo-fidelity.md "Other
 *   details seen on real accounts").
 *
 * Pure: the definitions are passed in. The result is what the custom-field codec decodes into
 * `custom_fields_by_id`.
 */
import { valueKind, type CustomFieldDefinition } from '../entities/customFields';
import type { JsonValue } from './convert';

/** What typing the fields found. */
export interface TypedFields {
  /** The entries, completed; the input is not changed. */
  readonly values: JsonValue[];
  /** Ids of delivered fields the definitions do not have (deleted or added since they were read). */
  readonly unknownFieldIds: number[];
}

function isObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Unix seconds as text (`"1615845600"`) → a number; anything else unchanged. */
function seconds(value: JsonValue): JsonValue {
  return typeof value === 'string' && /^-?(?:0|[1-9]\d{0,11})$/.test(value) ? Number(value) : value;
}

/** A checkbox value as Kommo's forms send it (`"1"`, `"0"`, `""`) → a boolean; anything else unchanged. */
function checkbox(value: JsonValue): JsonValue {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false' || value === '') return false;
  return value;
}

/** One value of a field, typed by the field's kind. */
function typedValue(entry: JsonValue, field: CustomFieldDefinition): JsonValue {
  if (!isObject(entry)) return entry;
  const kind = valueKind(field.type);
  if ((kind === 'day' || kind === 'dateTime') && entry.value !== undefined) return { ...entry, value: seconds(entry.value) };
  if (kind === 'boolean' && entry.value !== undefined) return { ...entry, value: checkbox(entry.value) };
  if (kind === 'multitext') {
    const byId = typeof entry.enum_id === 'number' ? field.enums?.find((option) => option.id === entry.enum_id) : undefined;
    const byCode = typeof entry.enum_code === 'string' ? field.enums?.find((option) => option.value === entry.enum_code) : undefined;
    return {
      ...entry,
      ...(byId !== undefined && entry.enum_code === undefined ? { enum_code: byId.value } : {}),
      ...(byCode !== undefined && entry.enum_id === undefined ? { enum_id: byCode.id } : {}),
    };
  }
  return entry;
}

/** Types delivered `custom_fields_values` (as `convertDelivery` makes them) with the type's field definitions. */
export function typeDeliveredFields(values: readonly JsonValue[], definitions: readonly CustomFieldDefinition[]): TypedFields {
  const byId = new Map(definitions.map((field) => [field.id, field]));
  const unknownFieldIds: number[] = [];
  const typed = values.map((entry): JsonValue => {
    if (!isObject(entry) || typeof entry.field_id !== 'number') return entry;
    const field = byId.get(entry.field_id);
    if (field === undefined) {
      unknownFieldIds.push(entry.field_id);
      return entry;
    }
    const { values: delivered, ...rest } = entry;
    return {
      ...rest,
      field_type: field.type,
      values: Array.isArray(delivered) ? delivered.map((value) => typedValue(value, field)) : delivered ?? null,
    };
  });
  return { values: typed, unknownFieldIds };
}
