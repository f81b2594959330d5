/**
 * Validation of create and update items: a few realistic Kommo rules, reported in the
 * `validation-errors` shape (docs/kommo-api.md §4). Fields not listed here are ignored on write.
 */
import { validateCustomFields, type FieldError } from './customFields';
import { isRecord } from './httpIo';
import { PIPELINE, TASK_TYPES, USERS } from './seed';
import type { ValidationError } from './problems';
import type { EntityKind } from './types';

interface FieldRule {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'object';
  nullable?: boolean;
  requiredOnCreate?: boolean;
  choices?: readonly (number | string)[];
}

const USER_IDS = USERS.map((user) => user.id);
const TIMESTAMP: FieldRule = { type: 'integer' };
const COMMON: Readonly<Record<string, FieldRule>> = {
  responsible_user_id: { type: 'integer', choices: USER_IDS },
  created_by: { type: 'integer', choices: [0, ...USER_IDS] },
  updated_by: { type: 'integer', choices: [0, ...USER_IDS] },
  created_at: TIMESTAMP,
  updated_at: TIMESTAMP,
};

/** Writable fields per kind with their types; `price` may be fractional in Kommo (docs/kommo-api.md §7). */
export const FIELD_RULES: Readonly<Record<EntityKind, Readonly<Record<string, FieldRule>>>> = {
  leads: {
    ...COMMON,
    name: { type: 'string' },
    price: { type: 'number' },
    status_id: { type: 'integer', choices: PIPELINE.statuses.map((status) => status.id) },
    pipeline_id: { type: 'integer', choices: [PIPELINE.id] },
    loss_reason_id: { type: 'integer', nullable: true },
    closed_at: { type: 'integer', nullable: true },
  },
  contacts: {
    ...COMMON,
    name: { type: 'string' },
    first_name: { type: 'string' },
    last_name: { type: 'string' },
  },
  companies: {
    ...COMMON,
    name: { type: 'string' },
  },
  tasks: {
    ...COMMON,
    text: { type: 'string', requiredOnCreate: true },
    complete_till: { type: 'integer', requiredOnCreate: true },
    entity_type: { type: 'string', choices: ['leads', 'contacts', 'companies', 'customers'] },
    entity_id: { type: 'integer' },
    task_type_id: { type: 'integer', choices: TASK_TYPES.map((type) => type.id) },
    is_completed: { type: 'boolean' },
    duration: { type: 'integer' },
    result: { type: 'object' },
  },
};

const TYPE_NAMES: Readonly<Record<FieldRule['type'], string>> = {
  string: 'string',
  integer: 'int',
  number: 'numeric',
  boolean: 'bool',
  object: 'array',
};

function hasType(value: unknown, type: FieldRule['type']): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isRecord(value);
  }
}

export type WriteMode = 'create' | 'update';

/** Problems in one item; `existingIds` answers whether an update target exists. */
export function validateItem(kind: EntityKind, item: unknown, mode: WriteMode, exists: (id: number) => boolean): FieldError[] {
  if (!isRecord(item)) return [{ code: 'InvalidType', path: '', detail: 'This value should be of type object.' }];
  const errors: FieldError[] = [];
  if (mode === 'update') {
    if (!Number.isInteger(item.id)) errors.push({ code: 'InvalidType', path: 'id', detail: 'This value should be of type int.' });
    else if (!exists(item.id as number)) errors.push({ code: 'NotFound', path: 'id', detail: 'Entity not found.' });
  }
  if (item.request_id !== undefined && typeof item.request_id !== 'string' && typeof item.request_id !== 'number') {
    errors.push({ code: 'InvalidType', path: 'request_id', detail: 'This value should be of type string.' });
  }
  for (const [field, rule] of Object.entries(FIELD_RULES[kind])) {
    const value = item[field];
    if (value === undefined) {
      if (mode === 'create' && rule.requiredOnCreate) errors.push({ code: 'NotBlank', path: field, detail: 'This value should not be blank.' });
      continue;
    }
    if (value === null && rule.nullable) continue;
    if (!hasType(value, rule.type)) {
      errors.push({ code: 'InvalidType', path: field, detail: `This value should be of type ${TYPE_NAMES[rule.type]}.` });
    } else if (rule.choices && !rule.choices.includes(value as number | string)) {
      errors.push({ code: 'NotSupportedChoice', path: field, detail: 'The value you selected is not a valid choice.' });
    }
  }
  if (kind !== 'tasks' && item.custom_fields_values !== undefined) errors.push(...validateCustomFields(kind, item.custom_fields_values));
  return errors;
}

/** `validation-errors` for a batch; `request_id` falls back to the item index, as the PHP SDK numbers items (§6). */
export function validateBatch(kind: EntityKind, items: readonly unknown[], mode: WriteMode, exists: (id: number) => boolean): ValidationError[] {
  const report: ValidationError[] = [];
  items.forEach((item, index) => {
    const errors = validateItem(kind, item, mode, exists);
    if (errors.length === 0) return;
    const requestId = isRecord(item) && item.request_id !== undefined ? String(item.request_id) : String(index);
    report.push({ request_id: requestId, errors });
  });
  return report;
}
