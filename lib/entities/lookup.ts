/**
 * What the lookup actions read from their configuration before any request: the criterion
 * (`lookupCriteria`) and the linked objects (`linkedObjects`), and the errors a lookup ends with.
 * The search itself is `criterionSearch.ts` (the one way lookups and upserts search).
 */
import { configError, KommoError } from '../client/errors';
import type { CustomFieldDefinition } from './customFields';
import { resolveCriterion, type Criterion } from './matching';
import { linkedWithOptions, type ObjectTypeDefinition } from './registry';

const CUSTOM_FIELD_KEY = /^cf_\d+$/;

/** True when the criterion key names a custom field (`cf_<id>`): resolving it needs the account's fields. */
export function isCustomFieldCriterion(key: unknown): boolean {
  return typeof key === 'string' && CUSTOM_FIELD_KEY.test(key.trim());
}

/**
 * The criterion key of a step's `lookupCriteria` field, checked without a request: one of the
 * type's criteria (`id`, `name`, `email`, `phone`) or `cf_<id>` on a type with custom fields.
 * Anything else is a configuration error listing the choices.
 */
export function criterionKey(type: ObjectTypeDefinition, key: unknown, label = 'Lookup criterion'): string {
  const text = typeof key === 'string' ? key.trim() : '';
  const core = type.criteria.map((criterion) => criterion.key as string);
  if (core.includes(text) || (type.hasCustomFields && isCustomFieldCriterion(text))) return text;
  const given = text !== '' ? `"${text}"` : 'nothing';
  const more = type.hasCustomFields ? ', or cf_<field id> for a text, numeric or url custom field' : '';
  throw configError(`${label} must be one of ${core.join(', ')}${more} for ${type.name}; got ${given}. Choose it in the step's configuration.`);
}

/**
 * The criterion of a step's `lookupCriteria` field ({@link criterionKey}); `cf_<id>` is resolved
 * against `fields()`, the type's custom fields, read only for such a key.
 */
export async function readCriterion(
  type: ObjectTypeDefinition,
  key: unknown,
  fields: () => Promise<readonly CustomFieldDefinition[]>,
  label = 'Lookup criterion',
): Promise<Criterion> {
  const checked = criterionKey(type, key, label);
  return resolveCriterion(type, isCustomFieldCriterion(checked) ? await fields() : [], checked, label);
}

/** Raised when more than one object matches a criterion that must identify one. */
export class KommoMultipleMatchesError extends KommoError {
  override readonly name: string = 'KommoMultipleMatchesError';
  /** The ids of the matching objects (all of them). */
  readonly ids: readonly number[];

  constructor(message: string, ids: readonly number[]) {
    super(message);
    this.ids = ids;
  }
}

/** Raised when no object matches a criterion and the step does not allow that. */
export class KommoNoMatchError extends KommoError {
  override readonly name: string = 'KommoNoMatchError';
}

/**
 * The `with` values of a step's `linkedObjects` field (a list, or text separated by commas);
 * a value the type does not offer is a configuration error listing those it does.
 */
export function readLinkedObjects(type: ObjectTypeDefinition, value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
  const offered = linkedWithOptions(type).map((option) => option.value);
  const chosen = [...new Set(list.map((item) => (typeof item === 'string' ? item.trim() : item)).filter((item) => item !== ''))];
  const unknown = chosen.filter((item) => typeof item !== 'string' || !offered.includes(item));
  if (unknown.length > 0) {
    const named = unknown.map((item) => (typeof item === 'string' ? `"${item}"` : JSON.stringify(item))).join(', ');
    throw configError(`Linked objects ${named} cannot be read with ${type.name}; `
      + `${offered.length > 0 ? `choose from ${offered.join(', ')}` : `${type.name} have no linked objects to read`}.`);
  }
  return chosen as string[];
}
