/**
 * In and out schemas for `getMetaModel`, in elastic.io's dialect (docs/elasticio-triggers.md §3):
 * `type: object` with `properties`, a boolean `required` on each property, `title`, `enum`; no
 * `integer` (numbers are `number`). Each builder returns fresh objects, so a caller may change
 * what it gets without touching the next call's result.
 *
 * An object in a message is Kommo's object plus `custom_fields_by_id` (docs/design.md "How an
 * object looks in a message"): the schemas list the type's core fields and one property per custom
 * field of the account, titled with the field's name and typed by the table in that section. Other keys
 * Kommo sends are allowed (no `additionalProperties: false`: Kommo adds keys over time).
 *
 * `required`: in an upsert nothing is required (an update may send any subset); what Kommo needs
 * on create (core `requiredOnCreate`, custom `is_required`) is said in the description, and marked
 * `required: true` by `buildWriteSchema(…, { requireForCreate: true })` for create-only steps.
 * `required_statuses` (required in some lead stages) is only described: it depends on the stage.
 */
import { valueKind, type CustomFieldDefinition } from './customFields';
import { resolveCriterion, type Criterion } from './matching';
import type { CoreField, ObjectTypeDefinition } from './registry';

/** A property in elastic.io's schema dialect. */
export interface EioProperty {
  type: 'string' | 'number' | 'boolean' | 'object' | 'array';
  title?: string;
  description?: string;
  required?: boolean;
  enum?: string[];
  items?: EioProperty;
  properties?: Record<string, EioProperty>;
}

/** A schema in elastic.io's dialect. */
export interface EioSchema {
  type: 'object';
  properties: Record<string, EioProperty>;
}

/** What `getMetaModel` returns. */
export interface MetaModel {
  in: EioSchema;
  out: EioSchema;
}

const REQUIRED_ON_CREATE = 'Kommo requires it when an object is created.';

function fieldDescription(field: CustomFieldDefinition, extra: string[] = []): string {
  const notes = [`Custom field ${field.id} (${field.type}${field.code ? `, ${field.code}` : ''}).`, ...extra];
  if (field.isRequired) notes.push(REQUIRED_ON_CREATE);
  if (field.requiredStatuses.length > 0) {
    const stages = field.requiredStatuses.map((status) => status.status_id).join(', ');
    notes.push(`Kommo requires it when a lead enters stage${field.requiredStatuses.length > 1 ? 's' : ''} ${stages}.`);
  }
  return notes.join(' ');
}

function labels(field: CustomFieldDefinition): string[] {
  return (field.enums ?? []).map((option) => option.value);
}

/** The `custom_fields_by_id` property of one custom field, typed per docs/design.md "How an object looks in a message". */
export function customFieldProperty(field: CustomFieldDefinition, required = false): EioProperty {
  const base = { title: field.name, required };
  switch (valueKind(field.type)) {
    case 'string':
      return { type: 'string', ...base, description: fieldDescription(field) };
    case 'number':
      return { type: 'number', ...base, description: fieldDescription(field) };
    case 'boolean':
      return { type: 'boolean', ...base, description: fieldDescription(field) };
    case 'day':
      return { type: 'string', ...base, description: fieldDescription(field, ['A date, "YYYY-MM-DD", the calendar day in the account\'s time zone.']) };
    case 'dateTime':
      return { type: 'string', ...base, description: fieldDescription(field, ['ISO 8601 with the account\'s offset, e.g. "2026-03-01T15:30:00+03:00".']) };
    case 'option':
      return { type: 'string', ...base, enum: labels(field), description: fieldDescription(field, ['One option, by label (or by option id on writes).']) };
    case 'options':
      return {
        type: 'array', ...base, items: { type: 'string', enum: labels(field) },
        description: fieldDescription(field, ['Options, by label (or by option id on writes).']),
      };
    case 'multitext':
      return {
        type: 'array', ...base,
        items: {
          type: 'object',
          properties: {
            value: { type: 'string', title: 'Value', required: true },
            enum_code: { type: 'string', title: 'Kind', required: false, ...(field.enums?.length ? { enum: labels(field) } : {}) },
          },
        },
        description: fieldDescription(field, ['Writes also take one text or an array of texts (kind WORK).']),
      };
    case 'raw':
      return {
        type: 'array', ...base, items: { type: 'object' },
        description: fieldDescription(field, ['Kommo\'s values array, as Kommo returns it.']),
      };
  }
}

/** The `custom_fields_by_id` object: one property per custom field, keyed by the field id. */
export function customFieldsProperty(fields: readonly CustomFieldDefinition[], requireForCreate = false): EioProperty {
  const properties: Record<string, EioProperty> = {};
  for (const field of fields) properties[String(field.id)] = customFieldProperty(field, requireForCreate && field.isRequired);
  return {
    type: 'object',
    title: 'Custom fields',
    required: false,
    description: 'Custom field values by field id (a value of null clears the field on writes).',
    properties,
  };
}

function coreProperty(field: CoreField, required: boolean): EioProperty {
  const notes = [field.description, field.requiredOnCreate ? REQUIRED_ON_CREATE : undefined].filter((note): note is string => !!note);
  return {
    type: field.type,
    title: field.title,
    required,
    ...(notes.length ? { description: notes.join(' ') } : {}),
  };
}

/** The out schema of an object of the type: Kommo's keys plus `custom_fields_by_id`. */
export function buildObjectOutSchema(type: ObjectTypeDefinition, fields: readonly CustomFieldDefinition[]): EioSchema {
  const properties: Record<string, EioProperty> = {};
  for (const field of type.coreFields) properties[field.name] = coreProperty(field, field.name === 'id');
  if (type.hasCustomFields) {
    properties.custom_fields_values = {
      type: 'array', title: 'Custom field values (Kommo\'s shape)', required: false, items: { type: 'object' },
    };
    properties.custom_fields_by_id = customFieldsProperty(fields);
  }
  properties._embedded = { type: 'object', title: 'Tags and linked objects', required: false };
  return { type: 'object', properties };
}

/** The input property carrying a criterion's value (its key is the criterion's key). */
export function criterionProperty(criterion: Criterion, required: boolean): EioProperty {
  switch (criterion.kind) {
    case 'id':
      return { type: 'number', title: 'ID', required };
    case 'customField': {
      const numeric = valueKind(criterion.field.type) === 'number';
      return {
        type: numeric ? 'number' : 'string', title: criterion.title, required,
        description: `Matched exactly against custom field ${criterion.field.id}.`,
      };
    }
    default:
      return { type: 'string', title: criterion.title, required };
  }
}

/** The in schema of a lookup: just the criterion's property. */
export function buildLookupInSchema(
  type: ObjectTypeDefinition,
  fields: readonly CustomFieldDefinition[],
  criterionKey: unknown,
  options: { allowCriteriaToBeOmitted?: boolean } = {},
): EioSchema {
  const criterion = resolveCriterion(type, fields, criterionKey, 'Lookup criterion');
  return { type: 'object', properties: { [criterion.key]: criterionProperty(criterion, !options.allowCriteriaToBeOmitted) } };
}

/** Options of a write schema. */
export interface WriteSchemaOptions {
  /** Mark what Kommo needs on create as `required` (for steps that only create). */
  requireForCreate?: boolean;
}

/** The writable part of an object: writable core fields, custom fields, tags, raw values. */
export function buildWriteSchema(type: ObjectTypeDefinition, fields: readonly CustomFieldDefinition[], options: WriteSchemaOptions = {}): EioSchema {
  const properties: Record<string, EioProperty> = {};
  for (const field of type.coreFields) {
    if (field.writable) properties[field.name] = coreProperty(field, !!options.requireForCreate && !!field.requiredOnCreate);
  }
  if (type.hasCustomFields) {
    properties.custom_fields_by_id = customFieldsProperty(fields, !!options.requireForCreate);
    properties.custom_fields_values = {
      type: 'array', title: 'Raw custom_fields_values (experts)', required: false, items: { type: 'object' },
      description: 'Kommo\'s custom_fields_values, sent as is; use instead of custom_fields_by_id, not with it.',
    };
  }
  if (type.supportsTags) {
    properties.tags_to_add = {
      type: 'array', title: 'Tags to add', required: false, items: { type: 'string' },
      description: 'Tag names (or ids) added to the object; its other tags stay.',
    };
    properties.tags_to_delete = {
      type: 'array', title: 'Tags to remove', required: false, items: { type: 'string' },
      description: 'Tag names (or ids) removed from the object; its other tags stay.',
    };
  }
  return { type: 'object', properties };
}

/** The in schema of an upsert: the criterion's property first, then the writable part. */
export function buildUpsertInSchema(type: ObjectTypeDefinition, fields: readonly CustomFieldDefinition[], criterionKey: unknown): EioSchema {
  const criterion = resolveCriterion(type, fields, criterionKey, 'Upsert criterion');
  const { properties: writable } = buildWriteSchema(type, fields);
  const how = criterion.kind === 'id'
    ? 'The object to update; without it a new object is created.'
    : 'Finds the object to update (exact match); when none matches, a new object is created with it.';
  // `name` is both the criterion and a writable field: one property carries both.
  const property = writable[criterion.key] ?? criterionProperty(criterion, false);
  const properties: Record<string, EioProperty> = {
    [criterion.key]: { ...property, description: [how, property.description].filter(Boolean).join(' ') },
  };
  for (const [name, value] of Object.entries(writable)) if (name !== criterion.key) properties[name] = value;
  return { type: 'object', properties };
}
