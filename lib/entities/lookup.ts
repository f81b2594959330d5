/**
 * Finding objects by a criterion (docs/design.md "Strict matching"): `id` reads the object
 * (`GET /{type}/{id}`; a 404 or a 204 means none, docs/kommo-fidelity.md #13), every other
 * criterion searches with Kommo's fuzzy `query=` and keeps only the candidates `matching.ts`
 * confirms. With warm caches a lookup costs one request (more only when the search has more than
 * one page of candidates). Also reads the `linkedObjects` field both lookup actions have.
 */
import { configError, KommoError, KommoNotFoundError } from '../client/errors';
import type { KommoApi } from '../client/KommoClient';
import type { CustomFieldDefinition } from './customFields';
import { resolveCriterion, searchPlan, strictMatches, type Criterion } from './matching';
import { isRecord } from './reader';
import { linkedWithOptions, type ObjectTypeDefinition } from './registry';

/** Pages of search candidates read ahead (see pagePrefetch.ts): a one-page search still costs one request. */
export const SEARCH_AHEAD_PAGES = 4;

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

/** Options of {@link findMatches}. */
export interface FindOptions {
  /** `with=` values added to the read or search. */
  with?: readonly string[];
}

/**
 * The objects that match `value` under `criterion`, confirmed, in Kommo's order (Kommo's objects
 * as returned). The value is checked before any request (a configuration error when it does not
 * fit the criterion).
 */
export async function findMatches(
  client: Pick<KommoApi, 'get' | 'paginate'>,
  type: ObjectTypeDefinition,
  criterion: Criterion,
  value: unknown,
  options: FindOptions = {},
): Promise<Array<Record<string, unknown>>> {
  const plan = searchPlan(type, criterion, value);
  const related = options.with && options.with.length > 0 ? { with: options.with } : {};
  if (plan.kind === 'read') {
    let body: unknown;
    try {
      ({ body } = await client.get(plan.path, related));
    } catch (error) {
      if (error instanceof KommoNotFoundError) return [];
      throw error;
    }
    // 204 (no body) means none, as a 404 does; a body for another id is not a match either.
    return isRecord(body) ? strictMatches(criterion, value, [body]) : [];
  }
  const matches: Array<Record<string, unknown>> = [];
  const pages = client.paginate<unknown>(plan.path, {
    embeddedKey: type.embeddedKey,
    query: { ...plan.query, ...related },
    aheadPages: SEARCH_AHEAD_PAGES,
  });
  for await (const page of pages) matches.push(...strictMatches(criterion, value, page.filter(isRecord)));
  return matches;
}
