/**
 * `custom_fields_values`: validating the write shape and merging it into the stored read shape
 * (docs/kommo-api.md §7). Omitted fields stay, `values: null` clears one, and an entity with no
 * values left reads `null`, never `[]`.
 */
import { isRecord } from './httpIo';
import { CUSTOM_FIELDS, type CustomFieldDefinition } from './seed';
import type { EntityKind } from './types';

/** One problem found in an item, in the `validation-errors` shape (docs/kommo-api.md §4). */
export interface FieldError {
  code: string;
  path: string;
  detail: string;
}

function definitionsOf(kind: EntityKind): readonly CustomFieldDefinition[] {
  return kind === 'tasks' ? [] : CUSTOM_FIELDS[kind];
}

function findDefinition(kind: EntityKind, item: Record<string, unknown>): CustomFieldDefinition | undefined {
  return definitionsOf(kind).find((field) =>
    item.field_id !== undefined ? field.id === item.field_id : field.code !== null && field.code === item.field_code,
  );
}

/** Problems in a `custom_fields_values` write; paths index into the array, as Kommo's do (§10.11). */
export function validateCustomFields(kind: EntityKind, input: unknown): FieldError[] {
  if (input === null) return [];
  if (!Array.isArray(input)) return [{ code: 'InvalidType', path: 'custom_fields_values', detail: 'This value should be of type array.' }];
  const errors: FieldError[] = [];
  input.forEach((item: unknown, index) => {
    const path = `custom_fields_values.${index}`;
    if (!isRecord(item)) {
      errors.push({ code: 'InvalidType', path, detail: 'This value should be of type object.' });
      return;
    }
    if (item.field_id === undefined && item.field_code === undefined) {
      errors.push({ code: 'NotBlank', path: `${path}.field_id`, detail: 'Either field_id or field_code is required.' });
      return;
    }
    if (item.field_id !== undefined && !Number.isInteger(item.field_id)) {
      errors.push({ code: 'InvalidType', path: `${path}.field_id`, detail: 'This value should be of type int.' });
      return;
    }
    if (item.field_id === undefined && typeof item.field_code !== 'string') {
      errors.push({ code: 'InvalidType', path: `${path}.field_code`, detail: 'This value should be of type string.' });
      return;
    }
    const definition = findDefinition(kind, item);
    if (!definition) {
      const key = item.field_id !== undefined ? 'field_id' : 'field_code';
      errors.push({ code: 'NotSupportedChoice', path: `${path}.${key}`, detail: 'The value you selected is not a valid choice.' });
      return;
    }
    if (item.values === null) return;
    if (!Array.isArray(item.values)) {
      errors.push({ code: 'InvalidType', path: `${path}.values`, detail: 'This value should be of type array.' });
      return;
    }
    item.values.forEach((value: unknown, valueIndex) => {
      const error = validateValue(definition, value, `${path}.values.${valueIndex}`);
      if (error) errors.push(error);
    });
  });
  return errors;
}

function validateValue(definition: CustomFieldDefinition, value: unknown, path: string): FieldError | undefined {
  if (!isRecord(value)) return { code: 'InvalidType', path, detail: 'This value should be of type object.' };
  const invalid = (detail: string): FieldError => ({ code: 'InvalidType', path: `${path}.value`, detail });
  switch (definition.type) {
    case 'select': {
      const known = definition.enums ?? [];
      const matches = value.enum_id !== undefined ? known.some((e) => e.id === value.enum_id) : known.some((e) => e.value === value.value);
      return matches ? undefined : { code: 'NotSupportedChoice', path: `${path}.enum_id`, detail: 'The value you selected is not a valid choice.' };
    }
    case 'multitext':
      if (typeof value.value !== 'string') return invalid('This value should be of type string.');
      if (value.enum_code !== undefined && !(definition.enums ?? []).some((e) => e.value === value.enum_code)) {
        return { code: 'NotSupportedChoice', path: `${path}.enum_code`, detail: 'The value you selected is not a valid choice.' };
      }
      return undefined;
    case 'numeric':
      return typeof value.value === 'number' || (typeof value.value === 'string' && value.value.trim() !== '' && !Number.isNaN(Number(value.value)))
        ? undefined
        : invalid('This value should be of type numeric.');
    case 'checkbox':
      return typeof value.value === 'boolean' ? undefined : invalid('This value should be of type bool.');
    case 'date':
      // Unix seconds or an RFC 3339 string are both seen on writes (docs/kommo-api.md §7).
      return Number.isInteger(value.value) || (typeof value.value === 'string' && !Number.isNaN(Date.parse(value.value)))
        ? undefined
        : invalid('This value should be a unix timestamp or an RFC 3339 date.');
    case 'text':
    case 'url':
      return typeof value.value === 'string' || typeof value.value === 'number' ? undefined : invalid('This value should be of type string.');
  }
}

/** The stored value: what a read returns, with enum names filled in and dates as Unix seconds. */
function normalizeValue(definition: CustomFieldDefinition, value: Record<string, unknown>): Record<string, unknown> {
  switch (definition.type) {
    case 'select': {
      const chosen = (definition.enums ?? []).find((e) => (value.enum_id !== undefined ? e.id === value.enum_id : e.value === value.value));
      return { value: chosen?.value ?? value.value, enum_id: chosen?.id ?? null, enum_code: null };
    }
    case 'multitext': {
      const enumCode = typeof value.enum_code === 'string' ? value.enum_code : 'WORK';
      const chosen = (definition.enums ?? []).find((e) => e.value === enumCode);
      return { value: value.value, enum_id: chosen?.id ?? null, enum_code: enumCode };
    }
    case 'numeric':
      return { value: String(value.value) };
    case 'date':
      return { value: typeof value.value === 'string' ? Math.floor(Date.parse(value.value) / 1000) : value.value };
    default:
      return { value: value.value };
  }
}

/** Apply a validated write to the stored values (see the module comment for the rules). */
export function mergeCustomFields(kind: EntityKind, stored: unknown, input: unknown): Array<Record<string, unknown>> | null {
  if (input === null) return null;
  const result = new Map<number, Record<string, unknown>>();
  if (Array.isArray(stored)) {
    for (const entry of stored) if (isRecord(entry) && typeof entry.field_id === 'number') result.set(entry.field_id, entry);
  }
  if (Array.isArray(input)) {
    for (const item of input) {
      if (!isRecord(item)) continue;
      const definition = findDefinition(kind, item);
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
        values: item.values.filter(isRecord).map((value) => normalizeValue(definition, value)),
      });
    }
  }
  return result.size === 0 ? null : [...result.values()];
}

/** `GET /api/v4/<kind>/custom_fields` items. */
export function customFieldDefinitions(kind: EntityKind): Array<Record<string, unknown>> {
  return definitionsOf(kind).map((field, index) => ({
    id: field.id,
    name: field.name,
    code: field.code,
    type: field.type,
    sort: (index + 1) * 10,
    is_api_only: false,
    entity_type: kind,
    enums: field.enums ? field.enums.map((e) => ({ ...e })) : null,
  }));
}
