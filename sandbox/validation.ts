/**
 * Validation of create and update items: Kommo's rules as far as public sources show them,
 * reported in the `validation-errors` shape (docs/kommo-api.md §4), plus the second 400 shape, the
 * `errors` map, for a loss reason on a lead that is not lost (docs/kommo-fidelity.md #10).
 * Fields not listed here are ignored on write, as Kommo ignores read-only keys.
 */
import { validateCustomFields, type CustomFieldContext, type FieldError } from './customFields';
import { isRecord } from './httpIo';
import { canLink, LINKABLE } from './links';
import { findPipeline, LOSS_REASONS, LOST_STATUS_ID, PIPELINE, TASK_TYPES, USERS, type EntityRecord } from './seed';
import { isCustomFieldKind } from './customFieldCatalog';
import { validateTagRefs } from './tags';
import type { ValidationError } from './problems';
import type { CustomFieldKind, EntityKind } from './types';

interface FieldRule {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'object';
  nullable?: boolean;
  requiredOnCreate?: boolean;
  choices?: readonly (number | string)[];
}

export const USER_IDS: readonly number[] = USERS.map((user) => user.id);
const TIMESTAMP: FieldRule = { type: 'integer' };
const COMMON: Readonly<Record<string, FieldRule>> = {
  responsible_user_id: { type: 'integer', choices: USER_IDS },
  created_by: { type: 'integer', choices: [0, ...USER_IDS] },
  updated_by: { type: 'integer', choices: [0, ...USER_IDS] },
  created_at: TIMESTAMP,
  updated_at: TIMESTAMP,
};

/**
 * Writable fields per kind with their types; `price` may be fractional in Kommo (docs/kommo-api.md §7).
 * `status_id`/`pipeline_id` of leads are checked against each other in {@link validateItem}.
 */
export const FIELD_RULES: Readonly<Record<EntityKind, Readonly<Record<string, FieldRule>>>> = {
  leads: {
    ...COMMON,
    name: { type: 'string' },
    price: { type: 'number' },
    status_id: { type: 'integer' },
    pipeline_id: { type: 'integer' },
    loss_reason_id: { type: 'integer', nullable: true, choices: LOSS_REASONS.map((reason) => reason.id) },
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
  customers: {
    ...COMMON,
    name: { type: 'string', requiredOnCreate: true },
    next_price: { type: 'integer' },
    next_date: { type: 'integer' },
    periodicity: { type: 'integer' },
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

/** What validation needs to know about the account and its entities. */
export interface WriteContext {
  customFields: CustomFieldContext;
  /** The stored entity, for existence checks and update targets. */
  find(kind: EntityKind, id: number): EntityRecord | undefined;
  tagExists(kind: CustomFieldKind, id: number): boolean;
}

/** Leads: the stage must belong to the pipeline the lead ends up in (142/143 belong to all). */
function validateStage(item: Record<string, unknown>, current: EntityRecord | undefined, errors: FieldError[]): void {
  if (item.pipeline_id !== undefined && Number.isInteger(item.pipeline_id) && !findPipeline(item.pipeline_id)) {
    errors.push({ code: 'NotSupportedChoice', path: 'pipeline_id', detail: 'The value you selected is not a valid choice.' });
    return;
  }
  if (item.status_id === undefined || !Number.isInteger(item.status_id)) return;
  const pipeline = findPipeline(item.pipeline_id ?? current?.pipeline_id ?? PIPELINE.id);
  if (!pipeline?.statuses.some((status) => status.id === item.status_id)) {
    errors.push({ code: 'NotSupportedChoice', path: 'status_id', detail: 'The value you selected is not a valid choice.' });
  }
}

/** `_embedded` on a write: tags, and links to entities that must exist (docs/kommo-fidelity.md #1, #2). */
function validateEmbedded(kind: EntityKind, embedded: unknown, context: WriteContext): FieldError[] {
  if (embedded === undefined) return [];
  if (!isRecord(embedded)) return [{ code: 'InvalidType', path: '_embedded', detail: 'This value should be of type array.' }];
  const errors: FieldError[] = [];
  if (embedded.tags !== undefined && embedded.tags !== null && isCustomFieldKind(kind)) {
    errors.push(...validateTagRefs(embedded.tags, '_embedded.tags', (id) => context.tagExists(kind, id)));
  }
  for (const target of LINKABLE[kind] ?? []) {
    const refs = embedded[target];
    if (refs === undefined) continue;
    if (!Array.isArray(refs)) {
      errors.push({ code: 'InvalidType', path: `_embedded.${target}`, detail: 'This value should be of type array.' });
      continue;
    }
    refs.forEach((ref: unknown, index) => {
      const path = `_embedded.${target}.${index}`;
      if (!isRecord(ref) || !Number.isInteger(ref.id)) errors.push({ code: 'InvalidType', path: `${path}.id`, detail: 'This value should be of type int.' });
      else if (!context.find(target, ref.id as number)) errors.push({ code: 'NotFound', path: `${path}.id`, detail: 'Entity not found.' });
      else if (ref.is_main !== undefined && typeof ref.is_main !== 'boolean') {
        errors.push({ code: 'InvalidType', path: `${path}.is_main`, detail: 'This value should be of type bool.' });
      }
    });
  }
  return errors;
}

/** Problems in one item; on update, `item.id` must name a stored entity. */
export function validateItem(kind: EntityKind, item: unknown, mode: WriteMode, context: WriteContext): FieldError[] {
  if (!isRecord(item)) return [{ code: 'InvalidType', path: '', detail: 'This value should be of type array.' }];
  const errors: FieldError[] = [];
  let current: EntityRecord | undefined;
  if (mode === 'update') {
    if (!Number.isInteger(item.id)) errors.push({ code: 'InvalidType', path: 'id', detail: 'This value should be of type int.' });
    else if (!(current = context.find(kind, item.id as number))) errors.push({ code: 'NotFound', path: 'id', detail: 'Entity not found.' });
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
  if (kind === 'leads') validateStage(item, current, errors);
  if (kind !== 'tasks' && item.custom_fields_values !== undefined) errors.push(...validateCustomFields(kind, item.custom_fields_values, context.customFields));
  if (kind !== 'tasks') errors.push(...validateEmbedded(kind, item._embedded, context));
  if (isCustomFieldKind(kind)) {
    for (const field of ['tags_to_add', 'tags_to_delete']) {
      if (item[field] !== undefined) errors.push(...validateTagRefs(item[field], field, (id) => context.tagExists(kind, id)));
    }
  }
  return errors;
}

/** The request_id an item is reported under: its own, or its index as the PHP SDK numbers items (docs/kommo-api.md §6). */
export function requestIdOf(item: unknown, index: number): string {
  return isRecord(item) && item.request_id !== undefined ? String(item.request_id) : String(index);
}

/** `validation-errors` for a batch (docs/kommo-api.md §4). */
export function validateBatch(kind: EntityKind, items: readonly unknown[], mode: WriteMode, context: WriteContext): ValidationError[] {
  const report: ValidationError[] = [];
  items.forEach((item, index) => {
    const errors = validateItem(kind, item, mode, context);
    if (errors.length > 0) report.push({ request_id: requestIdOf(item, index), errors });
  });
  return report;
}

/**
 * Leads given a loss reason while they are not (or will not be) lost: Kommo answers these with
 * the `errors` map keyed by entity id (docs/kommo-fidelity.md #10). A new lead has no id yet; it is
 * keyed by its request_id. Call after {@link validateBatch} found nothing.
 */
export function lossReasonConflicts(items: readonly unknown[], mode: WriteMode, context: WriteContext): Record<string, string> {
  const conflicts: Record<string, string> = {};
  items.forEach((item, index) => {
    if (!isRecord(item) || item.loss_reason_id === undefined || item.loss_reason_id === null) return;
    const current = mode === 'update' ? context.find('leads', item.id as number) : undefined;
    const status = item.status_id ?? current?.status_id;
    if (status !== LOST_STATUS_ID) {
      conflicts[mode === 'update' ? String(item.id) : requestIdOf(item, index)] = 'Loss reason can be specified only for lost lead';
    }
  });
  return conflicts;
}

/** Kinds a link may point at from `kind`, for link-route validation. */
export function linkTargetError(kind: EntityKind, toKind: unknown, path: string): FieldError | undefined {
  if (typeof toKind !== 'string') return { code: 'InvalidType', path, detail: 'This value should be of type string.' };
  return canLink(kind, toKind as EntityKind) ? undefined : { code: 'NotSupportedChoice', path, detail: 'The value you selected is not a valid choice.' };
}
