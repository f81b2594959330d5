/**
 * Lookup and upsert criteria, and strict matching (docs/design.md "Strict matching"). Kommo's
 * `query=` search is fuzzy: it matches any filled field, substrings and phone fragments. So every
 * criterion other than `id` is searched with `query=` and then confirmed here, object by object:
 * `name` trimmed and case-insensitive, `email` trimmed and case-insensitive, `phone` by its digits,
 * a custom field by its exact value (numbers numerically, text trimmed and case-sensitive).
 *
 * Choices where Kommo leaves room: a custom-field criterion is searched with `query=` too, not
 * `filter[custom_fields_values]`, because that filter is gated per account and silently ignored
 * where it is off (the whole collection would come back, docs/kommo-api.md §5); a phone is searched
 * by its digits only, as Kommo indexes phone numbers (formatting in the stored value or the input
 * would otherwise miss).
 */
import { configError } from '../client/errors';
import { CRITERION_FIELD_TYPES, valueKind, type CustomFieldDefinition } from './customFields';
import { isRecord, type KommoQuery } from './reader';
import type { CriterionDefinition, ObjectTypeDefinition } from './registry';

/** A resolved criterion: what is compared, and where. */
export type Criterion =
  | { readonly key: 'id'; readonly kind: 'id'; readonly title: string }
  | { readonly key: 'name'; readonly kind: 'name'; readonly title: string }
  | { readonly key: 'email' | 'phone'; readonly kind: 'email' | 'phone'; readonly title: string; readonly fieldCode: 'EMAIL' | 'PHONE' }
  | { readonly key: string; readonly kind: 'customField'; readonly title: string; readonly field: CustomFieldDefinition };

/** How to find candidates: read one object by id, or search the list. */
export type SearchPlan =
  | { readonly kind: 'read'; readonly path: string }
  | { readonly kind: 'search'; readonly path: string; readonly query: KommoQuery };

const CUSTOM_FIELD_KEY = /^cf_(\d+)$/;

function fromDefinition(definition: CriterionDefinition): Criterion {
  if (definition.key === 'email' || definition.key === 'phone') {
    return { key: definition.key, kind: definition.key, title: definition.title, fieldCode: definition.fieldCode ?? (definition.key === 'email' ? 'EMAIL' : 'PHONE') };
  }
  return definition.key === 'id' ? { key: 'id', kind: 'id', title: definition.title } : { key: 'name', kind: 'name', title: definition.title };
}

/** Every criterion a type offers in this account: the registry's, then `cf_<id>` per text, numeric or url field. */
export function availableCriteria(type: ObjectTypeDefinition, fields: readonly CustomFieldDefinition[]): Criterion[] {
  const core = type.criteria.map(fromDefinition);
  if (!type.hasCustomFields) return core;
  const custom = fields
    .filter((field) => CRITERION_FIELD_TYPES.includes(field.type))
    .map((field): Criterion => ({ key: `cf_${field.id}`, kind: 'customField', title: field.name, field }));
  return [...core, ...custom];
}

/** The criterion named by a configuration value; one the type does not offer is a configuration error. */
export function resolveCriterion(type: ObjectTypeDefinition, fields: readonly CustomFieldDefinition[], key: unknown, label = 'Criterion'): Criterion {
  const available = availableCriteria(type, fields);
  const found = typeof key === 'string' ? available.find((criterion) => criterion.key === key.trim()) : undefined;
  if (found) return found;
  const text = typeof key === 'string' || typeof key === 'number' ? `"${key}"` : 'nothing';
  const field = typeof key === 'string' ? CUSTOM_FIELD_KEY.exec(key.trim()) : null;
  const why = field
    ? (fields.some((f) => String(f.id) === field[1])
      ? ' (only text, numeric and url custom fields can be criteria)'
      : ` (no custom field ${field[1]} in ${type.name})`)
    : '';
  throw configError(`${label} ${text} is not available for ${type.name}${why}. Choose one of: ${available.map((criterion) => criterion.key).join(', ')}.`);
}

/** True when a criterion value counts as "not given" (for `allowCriteriaToBeOmitted`). */
export function isEmptyCriterionValue(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function digits(value: string): string {
  return value.replace(/\D/g, '');
}

function foldText(value: string): string {
  return value.normalize('NFC').trim().toLowerCase();
}

/**
 * The value a criterion compares, checked: a positive whole id, non-empty text, a phone with
 * digits, a number for a numeric field. Bad values are configuration errors before any request.
 */
export function criterionValue(criterion: Criterion, value: unknown): string | number {
  // Declared with its type so the compiler knows it ends the branch.
  const fail: (accepts: string) => never = (accepts) => {
    throw configError(`The ${criterion.title} (${criterion.key}) to look up must be ${accepts}; got ${describe(value)}.`);
  };
  if (isEmptyCriterionValue(value)) fail('given');
  switch (criterion.kind) {
    case 'id': {
      const id = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return fail('a positive whole number');
      return id;
    }
    case 'phone': {
      const text = typeof value === 'number' ? String(value) : value;
      if (typeof text !== 'string' || digits(text) === '') return fail('a phone number with digits');
      return text.trim();
    }
    case 'name':
    case 'email':
      if (typeof value !== 'string') return fail('text');
      return value.trim();
    case 'customField': {
      if (valueKind(criterion.field.type) === 'number') {
        const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : Number.NaN;
        if (!Number.isFinite(number)) return fail('a number');
        return number;
      }
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      if (typeof value !== 'string') return fail('text');
      return value.trim();
    }
  }
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') return value.trim() === '' ? 'empty text' : 'text';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** How to find the candidates for a criterion value. */
export function searchPlan(type: ObjectTypeDefinition, criterion: Criterion, value: unknown): SearchPlan {
  const checked = criterionValue(criterion, value);
  if (criterion.kind === 'id') return { kind: 'read', path: `${type.path}/${checked}` };
  if (!type.supportsQuery) {
    throw configError(`${type.title} cannot be searched by ${criterion.key} (Kommo has no search for them); look them up by id.`);
  }
  const query = criterion.kind === 'phone' ? digits(String(checked)) : String(checked);
  return { kind: 'search', path: type.path, query: { query } };
}

/** Values of an object's custom field, by id or by code (`custom_fields_values` may be `null`). */
function fieldValues(object: Record<string, unknown>, match: (entry: Record<string, unknown>) => boolean): unknown[] {
  const entries = Array.isArray(object.custom_fields_values) ? object.custom_fields_values.filter(isRecord) : [];
  return entries.filter(match).flatMap((entry) => (Array.isArray(entry.values) ? entry.values.filter(isRecord).map((item) => item.value) : []));
}

/** True when the object really matches: the client-side confirmation of a fuzzy search. */
export function confirmsMatch(criterion: Criterion, value: unknown, object: unknown): boolean {
  if (!isRecord(object)) return false;
  const wanted = criterionValue(criterion, value);
  switch (criterion.kind) {
    case 'id':
      return Number(object.id) === wanted;
    case 'name':
      return typeof object.name === 'string' && foldText(object.name) === foldText(String(wanted));
    case 'email':
      return fieldValues(object, (entry) => entry.field_code === criterion.fieldCode)
        .some((stored) => typeof stored === 'string' && foldText(stored) === foldText(String(wanted)));
    case 'phone':
      return fieldValues(object, (entry) => entry.field_code === criterion.fieldCode)
        .some((stored) => (typeof stored === 'string' || typeof stored === 'number') && digits(String(stored)) === digits(String(wanted)));
    case 'customField': {
      const stored = fieldValues(object, (entry) => Number(entry.field_id) === criterion.field.id);
      if (typeof wanted === 'number') {
        return stored.some((item) => (typeof item === 'number' || (typeof item === 'string' && item.trim() !== '')) && Number(item) === wanted);
      }
      return stored.some((item) => (typeof item === 'string' || typeof item === 'number') && String(item).trim() === wanted);
    }
  }
}

/** The candidates that really match (order kept). */
export function strictMatches<T>(criterion: Criterion, value: unknown, candidates: readonly T[]): T[] {
  return candidates.filter((candidate) => confirmsMatch(criterion, value, candidate));
}

/**
 * The normalised form of a criterion value, equal for two values exactly when strict matching
 * treats them as the same: id and numbers as digits, email and name folded, phone as its digits,
 * a text custom field trimmed. Keys per-value work (an upsert's queue) on it.
 */
export function matchKey(criterion: Criterion, value: unknown): string {
  const checked = criterionValue(criterion, value);
  switch (criterion.kind) {
    case 'name':
    case 'email':
      return foldText(String(checked));
    case 'phone':
      return digits(String(checked));
    default:
      return String(checked);
  }
}
