/**
 * `/api/v4/{leads|contacts|companies|tasks|customers}` and `/{kind}/{id}`: lists with Kommo's
 * filters, GET by id, batch create and update, single update (docs/kommo-api.md §5, docs/kommo-api.md §6).
 * No DELETE: Kommo cannot delete these through the API (docs/kommo-api.md §6), so it is a 405.
 */
import { jsonAnswer, problemAnswer, type Answer } from './answers';
import { isRecord } from './httpIo';
import { parseListQuery, selectPage, type ListSpec } from './listQuery';
import { presentEntity } from './presentation';
import { errorsMapProblem, validationProblem } from './problems';
import {
  batchItems,
  echoedRequestId,
  listAnswer,
  notFound,
  objectBody,
  queryProblem,
  selfLink,
  unknownId,
  withParts,
  type ApiRequest,
  type Route,
  type RouteContext,
} from './routeKit';
import { isEntityKind, type EntityStore } from './store';
import { lossReasonConflicts, validateBatch, type WriteContext, type WriteMode } from './validation';
import type { EntityRecord } from './seed';
import type { EntityKind } from './types';

const TIMESTAMP_ORDER = new Set(['id', 'created_at', 'updated_at']);
const PEOPLE = { created_by: 'value', updated_by: 'value', responsible_user_id: 'value' } as const;
const CARD_FILTERS = { id: 'value', name: 'text', ...PEOPLE, created_at: 'range', updated_at: 'range', closest_task_at: 'range' } as const;

/**
 * The filters of each list, as the official SDK's filter classes send them (PHP `LeadsFilter`,
 * `ContactsFilter`, `CustomersFilter`, `TasksFilter`). `filter[status_id]` on leads is refused
 * with a 400: the documented stage filter is `filter[statuses]` (docs/kommo-fidelity.md #5).
 */
export const LIST_SPECS: Readonly<Record<EntityKind, ListSpec>> = {
  leads: {
    filters: { ...CARD_FILTERS, price: 'number', closed_at: 'range', pipeline_id: 'value' },
    customFields: true,
    statuses: true,
    refused: { status_id: 'Filter leads by stage with filter[statuses][0][pipeline_id] and filter[statuses][0][status_id].' },
    orderFields: TIMESTAMP_ORDER,
  },
  contacts: { filters: CARD_FILTERS, customFields: true, orderFields: TIMESTAMP_ORDER },
  companies: { filters: CARD_FILTERS, customFields: true, orderFields: TIMESTAMP_ORDER },
  customers: { filters: CARD_FILTERS, customFields: true, orderFields: TIMESTAMP_ORDER },
  // Kommo's task list filters by `updated_at` but not `created_at`, and sorts by `created_at`,
  // `complete_till` and `id` only (docs/kommo-api.md §5): an `order[updated_at]` falls back to
  // id order and a `filter[created_at]` is ignored, as unknown keys are.
  tasks: {
    filters: {
      id: 'value',
      ...PEOPLE,
      is_completed: 'bool',
      task_type: { kind: 'value', field: 'task_type_id' },
      task_type_id: 'value',
      entity_type: 'value',
      entity_id: 'value',
      updated_at: 'range',
      complete_till: 'range',
    },
    orderFields: new Set(['id', 'created_at', 'complete_till']),
  },
};

/** What validation asks of the store. */
export function writeContext(store: EntityStore): WriteContext {
  return {
    customFields: store.customFields,
    find: (kind, id) => store.get(kind, id),
    tagExists: (kind, id) => store.tags.byId(kind, id) !== undefined,
  };
}

/** Refuse a batch in Kommo's shapes: `validation-errors` first, then the `errors` map (docs/kommo-fidelity.md #10). */
export function refusal(store: EntityStore, kind: EntityKind, items: readonly unknown[], mode: WriteMode): Answer | undefined {
  const context = writeContext(store);
  const invalid = validateBatch(kind, items, mode, context);
  if (invalid.length > 0) return problemAnswer(validationProblem(invalid));
  if (kind !== 'leads') return undefined;
  const conflicts = lossReasonConflicts(items, mode, context);
  return Object.keys(conflicts).length > 0 ? problemAnswer(errorsMapProblem(conflicts)) : undefined;
}

export function entityRoutes(context: RouteContext): Route[] {
  const { store, knobs } = context;

  const kindOf = (params: string[]): EntityKind => {
    const kind = params[0];
    if (!isEntityKind(kind)) throw new Error(`route matched a non-entity ${kind}`);
    return kind;
  };

  /** One item of a batch answer; contact answers also carry `is_deleted`/`is_unsorted` (docs/kommo-fidelity.md "Other details"). */
  const batchEntry = (request: ApiRequest, kind: EntityKind, record: EntityRecord, item: unknown, index: number, withUpdatedAt: boolean): Record<string, unknown> => ({
    id: record.id,
    ...(withUpdatedAt ? { updated_at: record.updated_at } : {}),
    ...(kind === 'contacts' && !withUpdatedAt ? { is_deleted: false, is_unsorted: false } : {}),
    request_id: echoedRequestId(item, index),
    _links: selfLink(request.origin, `/api/v4/${kind}/${record.id}`),
  });

  const batchAnswer = (request: ApiRequest, kind: EntityKind, items: unknown[], records: EntityRecord[], withUpdatedAt: boolean): Answer =>
    jsonAnswer(200, {
      _links: selfLink(request.origin, `/api/v4/${kind}`),
      _embedded: { [kind]: records.map((record, index) => batchEntry(request, kind, record, items[index], index, withUpdatedAt)) },
    });

  function list(request: ApiRequest, kind: EntityKind): Answer {
    const parsed = parseListQuery(request.url.searchParams, LIST_SPECS[kind], knobs.values.ignoreFilters);
    if (!parsed.ok) return queryProblem(parsed.errors);
    const page = selectPage(store.all(kind), parsed.query, {
      random: knobs.orderRandom(),
      extraTexts: (record) => store.tagsOf(kind, record.id).map((tag) => tag.name),
    });
    const parts = withParts(request.url);
    return listAnswer(
      request,
      parsed.query,
      kind,
      page.map((record) => presentEntity(store, kind, record.id, parts, request.origin)),
    );
  }

  function getOne(request: ApiRequest, kind: EntityKind, id: number): Answer {
    if (!store.has(kind, id)) return unknownId(context);
    return jsonAnswer(200, presentEntity(store, kind, id, withParts(request.url), request.origin));
  }

  function create(request: ApiRequest, kind: EntityKind): Answer {
    const items = batchItems(request.body);
    if (!Array.isArray(items)) return items;
    // All or nothing: the docs leave batch atomicity open (docs/kommo-api.md §6), and clients must treat 400 as "nothing applied".
    const refused = refusal(store, kind, items, 'create');
    if (refused) return refused;
    const created = store.create(kind, items as Array<Record<string, unknown>>, request.grant.userId);
    return batchAnswer(request, kind, items, created, false);
  }

  function update(request: ApiRequest, kind: EntityKind): Answer {
    const items = batchItems(request.body);
    if (!Array.isArray(items)) return items;
    // An unknown id in a batch is a validation error of that item, not a 404 of the whole request.
    const refused = refusal(store, kind, items, 'update');
    if (refused) return refused;
    const updated = store.update(kind, items as Array<Record<string, unknown>>, request.grant.userId);
    return batchAnswer(request, kind, items, updated, true);
  }

  function updateOne(request: ApiRequest, kind: EntityKind, id: number): Answer {
    // The unknown-id knob is about reads; a write to an unknown id stays a 404.
    if (!store.has(kind, id)) return notFound();
    const body = objectBody(request.body);
    if (!isRecord(body)) return body;
    // The path names the entity; an `id` in the body cannot retarget the update.
    const item = { ...body, id };
    const refused = refusal(store, kind, [item], 'update');
    if (refused) return refused;
    const [record] = store.update(kind, [item], request.grant.userId);
    // Flat as the official SDK reads it, or the batch envelope (docs/kommo-fidelity.md #14).
    if (knobs.values.singlePatchAnswer === 'embedded') return batchAnswer(request, kind, [item], [record], true);
    return jsonAnswer(200, { id: record.id, updated_at: record.updated_at, _links: selfLink(request.origin, `/api/v4/${kind}/${record.id}`) });
  }

  const KIND = '(leads|contacts|companies|tasks|customers)';
  return [
    {
      pattern: new RegExp(`^/api/v4/${KIND}$`),
      methods: {
        GET: (r, params) => list(r, kindOf(params)),
        POST: (r, params) => create(r, kindOf(params)),
        PATCH: (r, params) => update(r, kindOf(params)),
      },
    },
    {
      pattern: new RegExp(`^/api/v4/${KIND}/(\\d+)$`),
      methods: {
        GET: (r, params) => getOne(r, kindOf(params), Number(params[1])),
        PATCH: (r, params) => updateOne(r, kindOf(params), Number(params[1])),
      },
    },
  ];
}
