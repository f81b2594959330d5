/**
 * Lookup Objects: lists the objects of `objectType` that match a Kommo `filter` and/or `query`,
 * in the chosen order, and emits them as Kommo returns them plus `custom_fields_by_id`
 * (docs/design.md "Actions (2.0)"):
 *
 * - `emitAll` → `{results: […]}`; more than `maxResults` matches (default 1,000, at most 10,000:
 *   messages are capped at 10 MiB) fail the message rather than truncate it;
 * - `emitPage` → `{results, pageNumber, pageSize, isLastPage}` for `pageSize` 1–1,000 and
 *   `pageNumber` from 0, read from as few Kommo pages as their paging allows;
 * - `emitIndividually` → one message per object, each emitted before the next, up to `maxResults`
 *   when given.
 *
 * Every object Kommo answers is checked against the filter first: on accounts where Kommo ignores
 * API filters it answers the whole collection, and the message then fails instead of passing on
 * objects that do not match. Long listings read pages ahead (`paginate`'s `aheadPages`) to keep
 * Kommo's 7 requests per second busy; memory stays bounded by that window, whatever the result size.
 */
import type { CredentialConfig } from '../client/auth';
import { configError, KommoError } from '../client/errors';
import { MAX_PAGE_SIZE } from '../client/KommoClient';
import type { KommoQuery } from '../client/query';
import { accountModelFor } from '../entities/accountModel';
import { assertSatisfied, checkFilterFields, parseListFilter } from '../entities/listFilter';
import { readLinkedObjects } from '../entities/lookup';
import { objectType, type ObjectTypeDefinition } from '../entities/registry';
import { kommoPagesFor } from '../entities/resultPages';
import { buildObjectOutSchema, type EioProperty, type EioSchema, type MetaModel } from '../entities/schema';
import { chosenObjectType } from '../entities/selectModels';
import { readEnum, readInput, readNumber, service, step, type StepHandler } from '../step';

export { getLinkedObjects, getObjectTypes } from '../entities/services';

/** The step's configuration: credential fields plus this action's fields. */
export interface LookupObjectsConfig extends CredentialConfig {
  objectType?: unknown;
  emitBehavior?: unknown;
  linkedObjects?: unknown;
}

/** The `emitBehavior` values, in the order the step offers them. */
export const EMIT_BEHAVIORS = ['emitAll', 'emitPage', 'emitIndividually'] as const;
export type EmitBehavior = typeof EMIT_BEHAVIORS[number];

/** `maxResults` of `emitAll`: default and hard cap (docs/design.md "Actions (2.0)"). */
export const EMIT_ALL_MAX_RESULTS = { defaultValue: 1000, max: 10000 } as const;
/** `pageSize` of `emitPage`. */
export const PAGE_SIZE = { min: 1, max: 1000, defaultValue: 50 } as const;
/**
 * Pages read ahead of the emitter: 7 keep Kommo's 7 requests/s busy while a page takes up to a
 * second to arrive (250 objects at 250 ms of latency plus Kommo's work and the transfer), and
 * bound memory to 8 pages (about 2,000 objects) whatever the result size.
 */
export const LIST_AHEAD_PAGES = 7;

const ORDER_DIRECTIONS = ['asc', 'desc'] as const;

/** A message body this action emits with `emitAll` or `emitPage`. */
export interface LookupObjectsOutput {
  results: Array<Record<string, unknown>>;
  pageNumber?: number;
  pageSize?: number;
  isLastPage?: boolean;
}

/** The input schema for a type and emit behaviour: what the message may carry, nothing else. */
export function buildLookupObjectsInSchema(type: ObjectTypeDefinition, emitBehavior: EmitBehavior): EioSchema {
  const properties: Record<string, EioProperty> = {};
  if (type.supportsQuery) {
    properties.query = {
      type: 'string', title: 'Search text', required: false,
      description: 'Kommo\'s free-text search: fuzzy, it matches any filled field. Results are not checked against it.',
    };
  }
  const filters = Object.entries(type.filters).map(([key, kind]) => `${key} (${kind})`).join(', ');
  properties.filter = {
    type: 'object', title: 'Filter', required: false,
    description: `Kommo's filter as JSON, e.g. {"id": [1, 2], "updated_at": {"from": "2026-01-01T00:00:00Z"}}. Keys: ${filters}. `
      + 'Dates are ISO 8601 with an offset or Unix seconds; a plain date means "from". Results are checked against the filter.',
  };
  properties.orderBy = { type: 'string', title: 'Order by', required: false, enum: [...type.orderKeys] };
  properties.orderDirection = { type: 'string', title: 'Order direction', required: false, enum: [...ORDER_DIRECTIONS], description: 'asc (default) or desc.' };
  if (emitBehavior === 'emitPage') {
    properties.pageSize = { type: 'number', title: 'Page size', required: false, description: `Objects per page, ${PAGE_SIZE.min}–${PAGE_SIZE.max} (default ${PAGE_SIZE.defaultValue}).` };
    properties.pageNumber = { type: 'number', title: 'Page number', required: false, description: 'From 0 (default 0).' };
  } else {
    properties.maxResults = {
      type: 'number', title: 'Maximum number of results', required: false,
      description: emitBehavior === 'emitAll'
        ? `More matches than this fail the message (default ${EMIT_ALL_MAX_RESULTS.defaultValue}, at most ${EMIT_ALL_MAX_RESULTS.max}).`
        : 'Emit at most this many objects (default: all).',
    };
  }
  return { type: 'object', properties };
}

/** The output schema for a type and emit behaviour. */
export function buildLookupObjectsOutSchema(object: EioSchema, emitBehavior: EmitBehavior): EioSchema {
  if (emitBehavior === 'emitIndividually') return object;
  const results: EioProperty = { type: 'array', title: 'Results', required: true, items: { ...object, title: 'Object' } };
  if (emitBehavior === 'emitAll') return { type: 'object', properties: { results } };
  return {
    type: 'object',
    properties: {
      results,
      pageNumber: { type: 'number', title: 'Page number', required: true },
      pageSize: { type: 'number', title: 'Page size', required: true },
      isLastPage: { type: 'boolean', title: 'Is last page', required: true },
    },
  };
}

/** What one message asks for, checked. */
interface ListRequest {
  emitBehavior: EmitBehavior;
  query: Omit<KommoQuery, 'page' | 'limit'>;
  filter: ReturnType<typeof parseListFilter>;
  pageSize: number;
  pageNumber: number;
  maxResults?: number;
}

function readEmitBehavior(value: unknown): EmitBehavior {
  return readEnum(value, { label: 'Emit behavior', values: EMIT_BEHAVIORS, required: true });
}

/** Checks the configuration and the message; no request is needed. */
function parseRequest(type: ObjectTypeDefinition, cfg: LookupObjectsConfig, body: unknown): ListRequest {
  const emitBehavior = readEmitBehavior(cfg.emitBehavior);
  const linked = readLinkedObjects(type, cfg.linkedObjects);
  const input = readInput(body, buildLookupObjectsInSchema(type, emitBehavior));
  const text = input.query;
  if (text !== undefined && text !== null && typeof text !== 'string' && typeof text !== 'number') {
    throw configError(`Search text (query) must be text; got ${Array.isArray(text) ? 'a list' : typeof text}.`);
  }
  const filter = parseListFilter(type, input.filter);
  const orderBy = readEnum(input.orderBy, { label: 'Order by (orderBy)', values: type.orderKeys });
  const direction = readEnum(input.orderDirection, { label: 'Order direction (orderDirection)', values: ORDER_DIRECTIONS, defaultValue: 'asc' });
  const ordered = orderBy !== undefined || (input.orderDirection !== undefined && input.orderDirection !== '');
  const search = typeof text === 'number' ? String(text) : text?.trim();
  const query: ListRequest['query'] = {
    ...(filter.query ? { filter: filter.query } : {}),
    ...(ordered ? { order: { [orderBy ?? 'id']: direction } } : {}),
    ...(linked.length > 0 ? { with: linked } : {}),
    ...(search ? { query: search } : {}),
  };
  const pageSize = readNumber(input.pageSize, { label: 'Page size (pageSize)', ...PAGE_SIZE });
  const pageNumber = readNumber(input.pageNumber, { label: 'Page number (pageNumber)', min: 0, max: Number.MAX_SAFE_INTEGER, defaultValue: 0 });
  let maxResults = readNumber(input.maxResults, { label: 'Maximum number of results (maxResults)', min: 1, max: Number.MAX_SAFE_INTEGER });
  if (emitBehavior === 'emitAll') {
    maxResults ??= EMIT_ALL_MAX_RESULTS.defaultValue;
    if (maxResults > EMIT_ALL_MAX_RESULTS.max) {
      throw configError(`Maximum number of results (maxResults) is ${maxResults}, but "Emit all" sends at most ${EMIT_ALL_MAX_RESULTS.max} objects in one message `
        + '(messages are capped at 10 MiB). Choose "Emit individually" (one message per object) or "Emit page" for larger results.');
    }
  }
  return { emitBehavior, query, filter, pageSize, pageNumber, maxResults };
}

/** Kommo pages of at most 250 that hold `count` objects: a smaller count asks for fewer. */
function pagesFor(count: number): { pageSize: number; maxPages: number } {
  const pageSize = Math.min(MAX_PAGE_SIZE, count);
  return { pageSize, maxPages: Math.ceil(count / pageSize) };
}

/** One message's listing: its pages (in order, read ahead), the filter check and the decoration. */
interface Listing {
  request: ListRequest;
  pages(paging: { pageSize: number; maxPages: number; firstPage?: number }): AsyncGenerator<Array<Record<string, unknown>>, void, undefined>;
  /** Throws when Kommo answered objects that fail the filter; `emitted` objects went out before. */
  check(page: readonly unknown[], emitted?: number): void;
  decorate(object: Record<string, unknown>): Record<string, unknown>;
}

/** `emitIndividually`: one awaited message per object, up to `maxResults`; returns no further message. */
async function emitIndividually(listing: Listing, emitData: (body: unknown) => Promise<void>): Promise<undefined> {
  const { maxResults } = listing.request;
  let emitted = 0;
  const paging = maxResults === undefined ? { pageSize: MAX_PAGE_SIZE, maxPages: Number.MAX_SAFE_INTEGER } : pagesFor(maxResults);
  for await (const page of listing.pages(paging)) {
    listing.check(page, emitted);
    for (const object of page) {
      if (maxResults !== undefined && emitted >= maxResults) return undefined;
      await emitData(listing.decorate(object));
      emitted += 1;
    }
  }
  return undefined;
}

/** `emitAll`: every match in one message; more than `maxResults` fail the message. */
async function emitAll(listing: Listing, typeName: string): Promise<LookupObjectsOutput> {
  const limit = listing.request.maxResults as number;
  const results: Array<Record<string, unknown>> = [];
  // One object more than the limit tells "too many" from "exactly the limit".
  for await (const page of listing.pages(pagesFor(limit + 1))) {
    listing.check(page);
    results.push(...page);
  }
  if (results.length > limit) {
    throw new KommoError(`More than ${limit} ${typeName} match (maxResults is ${limit}). Narrow the filter, raise maxResults (at most ${EMIT_ALL_MAX_RESULTS.max}), `
      + 'or choose "Emit individually" or "Emit page".');
  }
  return { results: results.map((object) => listing.decorate(object)) };
}

/** `emitPage`: page `pageNumber` of `pageSize`, from as few Kommo pages as their paging allows. */
async function emitPage(listing: Listing): Promise<LookupObjectsOutput> {
  const { pageNumber, pageSize } = listing.request;
  const span = kommoPagesFor(pageNumber, pageSize);
  const found: Array<Record<string, unknown>> = [];
  for await (const page of listing.pages({ pageSize: span.limit, firstPage: span.firstPage, maxPages: span.pages })) {
    listing.check(page);
    found.push(...page);
  }
  // The page and the one result after it, which tells whether the page is the last.
  const window = found.slice(span.skip, span.skip + pageSize + 1);
  return {
    results: window.slice(0, pageSize).map((object) => listing.decorate(object)),
    pageNumber,
    pageSize,
    isLastPage: window.length <= pageSize,
  };
}

/** Options of {@link createLookupObjects}. */
export interface LookupObjectsOptions {
  /** Kommo pages read ahead of the emitter (0: one page at a time). */
  aheadPages: number;
}

/**
 * Builds the action's `process` with a read-ahead window: the action uses
 * {@link LIST_AHEAD_PAGES}; the benchmark builds a page-by-page one (0) to compare against.
 */
export function createLookupObjects(options: LookupObjectsOptions): StepHandler<LookupObjectsConfig, LookupObjectsOutput> {
  return step<LookupObjectsConfig, LookupObjectsOutput>({
    async run(body, { cfg, client, emitData }) {
      const request = parseRequest(objectType(cfg.objectType), cfg, body);
      const api = await client();
      const model = accountModelFor(api);
      const type = await chosenObjectType(cfg.objectType, model);
      if (request.filter.customFieldIds.length > 0) checkFilterFields(type, request.filter, await model.customFields(type));
      const codec = await model.codec(type);
      const listing: Listing = {
        request,
        pages: (paging) => api.paginate<Record<string, unknown>>(type.path, {
          embeddedKey: type.embeddedKey, query: request.query, aheadPages: options.aheadPages, ...paging,
        }),
        check: (page, emitted) => assertSatisfied(type, request.filter, page, emitted),
        decorate: (object) => codec.decorate(object),
      };
      switch (request.emitBehavior) {
        case 'emitIndividually':
          return emitIndividually(listing, emitData);
        case 'emitAll':
          return emitAll(listing, type.name);
        case 'emitPage':
          return emitPage(listing);
      }
    },
  });
}

/** Sailor's `process` for the action (exported under that name below). */
export const processAction = createLookupObjects({ aheadPages: LIST_AHEAD_PAGES });

export { processAction as process };

/**
 * `getMetaModel`: in, the search, filter, order and the paging fields of the emit behaviour;
 * out, the type's object (with one `custom_fields_by_id` property per custom field of the
 * account), alone or in `results`. Costs one pass over the type's field pages (plus the account
 * request for customers).
 */
export const getMetaModel = service<LookupObjectsConfig, [], MetaModel>({
  async run({ cfg, client }) {
    const emitBehavior = readEmitBehavior(cfg.emitBehavior);
    readLinkedObjects(objectType(cfg.objectType), cfg.linkedObjects);
    const model = accountModelFor(await client());
    const type = await chosenObjectType(cfg.objectType, model);
    const object = buildObjectOutSchema(type, await model.customFields(type));
    return { in: buildLookupObjectsInSchema(type, emitBehavior), out: buildLookupObjectsOutSchema(object, emitBehavior) };
  },
});
