/**
 * Finding the objects of a type that match a criterion value, strictly (docs/design.md "Strict
 * matching"): the one way lookups and upserts search. `id` reads the object (404 and 204 both
 * mean none, docs/kommo-fidelity.md #13); every other criterion searches with Kommo's fuzzy
 * `query=` over as many pages as the search fills, and keeps only the confirmed matches.
 */
import { KommoError, KommoNotFoundError } from '../client/errors';
import type { KommoApi } from '../client/KommoClient';
import { MAX_PAGE_SIZE } from '../client/KommoClient';
import { searchPlan, strictMatches, type Criterion } from './matching';
import { isRecord } from './reader';
import type { ObjectTypeDefinition } from './registry';

/** A Kommo object as Kommo returned it. */
export type KommoObject = Record<string, unknown>;

/**
 * At most this many pages of fuzzy candidates (250 each) are read for one value. A search that
 * fills them all is refused rather than cut short: a match on a later page would be missed.
 */
export const CRITERION_SEARCH_MAX_PAGES = 20;

/** Options of {@link findByCriterion}. */
export interface CriterionSearchOptions {
  /** `with=` values (linked objects) to read along. */
  with?: readonly string[];
  /** Candidate pages to read at most (default {@link CRITERION_SEARCH_MAX_PAGES}). */
  maxPages?: number;
}

/**
 * The objects of `type` whose `criterion` equals `value`, confirmed client-side, in Kommo's order.
 * Costs one request for an id or a search with fewer than 250 fuzzy candidates. A bad value is a
 * configuration error before any request (`criterionValue`).
 */
export async function findByCriterion(
  reader: Pick<KommoApi, 'get' | 'paginate'>,
  type: ObjectTypeDefinition,
  criterion: Criterion,
  value: unknown,
  options: CriterionSearchOptions = {},
): Promise<KommoObject[]> {
  const plan = searchPlan(type, criterion, value);
  const withQuery = options.with && options.with.length > 0 ? { with: options.with } : {};
  if (plan.kind === 'read') {
    try {
      const response = await reader.get(plan.path, withQuery);
      return response.status !== 204 && isRecord(response.body) ? [response.body] : [];
    } catch (error) {
      if (error instanceof KommoNotFoundError) return [];
      throw error;
    }
  }
  const maxPages = options.maxPages ?? CRITERION_SEARCH_MAX_PAGES;
  const matches: KommoObject[] = [];
  let pages = 0;
  let lastPageFull = false;
  const candidates = reader.paginate<unknown>(plan.path, {
    embeddedKey: type.embeddedKey, query: { ...plan.query, ...withQuery }, pageSize: MAX_PAGE_SIZE, maxPages,
  });
  for await (const page of candidates) {
    pages += 1;
    lastPageFull = page.length >= MAX_PAGE_SIZE;
    matches.push(...strictMatches(criterion, value, page).filter(isRecord));
  }
  if (pages >= maxPages && lastPageFull) {
    throw new KommoError(`Kommo's search for this ${criterion.title} (${criterion.key}) found more than ${maxPages * MAX_PAGE_SIZE} ${type.name} `
      + 'that might match; they cannot all be checked. Use a more specific criterion (an id, an email or a custom field).');
  }
  return matches;
}

/** The ids of some objects, for messages ("ids 12, 15"). */
export function idsOf(objects: readonly KommoObject[]): string {
  return objects.map((object) => String(object.id)).join(', ');
}
