/**
 * The authenticated `/api/v4` routes of the default account. Every handler gets a request whose
 * token was already accepted and returns an {@link Answer}; nothing here touches sockets.
 */
import { accountPayload, pipelinePayload, pipelinesPayload, userPayload, usersPayload } from './account';
import { jsonAnswer, NO_CONTENT, problemAnswer, type Answer } from './answers';
import { customFieldDefinitions } from './customFields';
import { isRecord, type ParsedBody } from './httpIo';
import { parseListQuery, selectPage, type ListQuery } from './listQuery';
import { problem, validationProblem } from './problems';
import { PIPELINE, USERS, type EntityRecord } from './seed';
import { isEntityKind, type EntityStore } from './store';
import { FIELD_RULES, validateBatch, validateItem } from './validation';
import type { AccessGrant } from './oauth';
import type { EntityKind } from './types';

/** At most 250 entities per create or update (kommo-api.md §0, §6). */
export const MAX_BATCH_SIZE = 250;

export interface ApiRequest {
  method: string;
  url: URL;
  /** `http://<Host header>`: links point back where the client came from. */
  origin: string;
  body: ParsedBody;
  grant: AccessGrant;
}

/** Handles one matched route; `params` are the pattern's capture groups. */
export type Handler = (request: ApiRequest, params: string[]) => Answer;

/** A route: a pattern on the pathname and a handler per method (others answer 405). */
export interface Route {
  pattern: RegExp;
  methods: Readonly<Record<string, Handler>>;
}

const ENTITY = '(leads|contacts|companies|tasks)';
const ID = '(\\d+)';

/** The router of `/api/v4`; `extraRoutes` (extensions) are tried first. */
export function createApiRouter(store: EntityStore, extraRoutes: readonly Route[] = []): (request: ApiRequest) => Answer {
  const selfLink = (origin: string, kind: EntityKind, id: number) => ({ self: { href: `${origin}/api/v4/${kind}/${id}` } });
  const present = (origin: string, kind: EntityKind, record: EntityRecord) => ({ ...structuredClone(record), _links: selfLink(origin, kind, record.id) });
  const knownFields = new Map(
    (['leads', 'contacts', 'companies', 'tasks'] as const).map((kind) => [kind, new Set(['id', ...Object.keys(FIELD_RULES[kind])])]),
  );

  function listEntities(request: ApiRequest, kind: EntityKind): Answer {
    const parsed = parseListQuery(request.url.searchParams, knownFields.get(kind) ?? new Set());
    if (!parsed.ok) return problemAnswer(validationProblem([{ request_id: '0', errors: parsed.errors }]));
    const page = selectPage(store.all(kind), parsed.query);
    if (page.length === 0) return NO_CONTENT;
    return jsonAnswer(200, {
      _page: parsed.query.page,
      _links: pageLinks(request, parsed.query, page.length),
      _embedded: { [kind]: page.map((record) => present(request.origin, kind, record)) },
    });
  }

  function getEntity(request: ApiRequest, kind: EntityKind, id: number): Answer {
    const record = store.get(kind, id);
    return record ? jsonAnswer(200, present(request.origin, kind, record)) : notFound();
  }

  function createEntities(request: ApiRequest, kind: EntityKind): Answer {
    const items = batchItems(request.body);
    if (!Array.isArray(items)) return items;
    const invalid = validateBatch(kind, items, 'create', () => false);
    // All or nothing: the docs leave batch atomicity open (§6), and clients must treat 400 as "nothing applied".
    if (invalid.length > 0) return problemAnswer(validationProblem(invalid));
    const created = store.create(kind, items as Array<Record<string, unknown>>, request.grant.userId);
    return batchAnswer(request, kind, items, created, false);
  }

  function updateEntities(request: ApiRequest, kind: EntityKind): Answer {
    const items = batchItems(request.body);
    if (!Array.isArray(items)) return items;
    // An unknown id in a batch is a validation error of that item, not a 404 of the whole request.
    const invalid = validateBatch(kind, items, 'update', (id) => store.has(kind, id));
    if (invalid.length > 0) return problemAnswer(validationProblem(invalid));
    const updated = store.update(kind, items as Array<Record<string, unknown>>, request.grant.userId);
    return batchAnswer(request, kind, items, updated, true);
  }

  function updateEntity(request: ApiRequest, kind: EntityKind, id: number): Answer {
    if (!store.has(kind, id)) return notFound();
    if (request.body.kind !== 'ok') return bodyProblem(request.body);
    if (!isRecord(request.body.value)) return problemAnswer(problem(400, 'Request data should be an object'));
    // The path names the entity; an `id` in the body cannot retarget the update.
    const item = { ...request.body.value, id };
    const errors = validateItem(kind, item, 'update', () => true);
    if (errors.length > 0) return problemAnswer(validationProblem([{ request_id: '0', errors }]));
    const [record] = store.update(kind, [item], request.grant.userId);
    return jsonAnswer(200, { id: record.id, updated_at: record.updated_at, _links: selfLink(request.origin, kind, record.id) });
  }

  const entity = (params: string[]): EntityKind => {
    const kind = params[0];
    if (!isEntityKind(kind)) throw new Error(`route matched a non-entity ${kind}`);
    return kind;
  };

  const routes: Route[] = [
    ...extraRoutes,
    { pattern: /^\/api\/v4\/account$/, methods: { GET: (r) => jsonAnswer(200, accountPayload(r.origin, withParts(r.url))) } },
    { pattern: /^\/api\/v4\/users$/, methods: { GET: (r) => jsonAnswer(200, usersPayload(r.origin)) } },
    {
      pattern: new RegExp(`^/api/v4/users/${ID}$`),
      methods: {
        GET: (r, [id]) => {
          const user = USERS.find((candidate) => candidate.id === Number(id));
          return user ? jsonAnswer(200, userPayload(r.origin, user)) : notFound();
        },
      },
    },
    { pattern: /^\/api\/v4\/leads\/pipelines$/, methods: { GET: (r) => jsonAnswer(200, pipelinesPayload(r.origin)) } },
    {
      pattern: new RegExp(`^/api/v4/leads/pipelines/${ID}$`),
      methods: { GET: (r, [id]) => (Number(id) === PIPELINE.id ? jsonAnswer(200, pipelinePayload(r.origin)) : notFound()) },
    },
    {
      pattern: /^\/api\/v4\/(leads|contacts|companies)\/custom_fields$/,
      methods: {
        GET: (r, params) => {
          const fields = customFieldDefinitions(entity(params));
          return jsonAnswer(200, {
            _total_items: fields.length,
            _page: 1,
            _page_count: 1,
            _links: { self: { href: `${r.origin}${r.url.pathname}` } },
            _embedded: { custom_fields: fields },
          });
        },
      },
    },
    {
      // No DELETE: Kommo cannot delete these through the API (kommo-api.md §6), so it is a 405.
      pattern: new RegExp(`^/api/v4/${ENTITY}$`),
      methods: {
        GET: (r, params) => listEntities(r, entity(params)),
        POST: (r, params) => createEntities(r, entity(params)),
        PATCH: (r, params) => updateEntities(r, entity(params)),
      },
    },
    {
      pattern: new RegExp(`^/api/v4/${ENTITY}/${ID}$`),
      methods: {
        GET: (r, params) => getEntity(r, entity(params), Number(params[1])),
        PATCH: (r, params) => updateEntity(r, entity(params), Number(params[1])),
      },
    },
  ];

  return (request) => {
    for (const route of routes) {
      const match = route.pattern.exec(request.url.pathname);
      if (!match) continue;
      const handler = route.methods[request.method];
      if (!handler) return problemAnswer(problem(405, `Method ${request.method} is not allowed here`), { allow: Object.keys(route.methods).join(', ') });
      return handler(request, match.slice(1));
    }
    return notFound();
  };
}

function notFound(): Answer {
  return problemAnswer(problem(404, 'Not found'));
}

function withParts(url: URL): Set<string> {
  return new Set((url.searchParams.get('with') ?? '').split(',').map((part) => part.trim()).filter((part) => part !== ''));
}

function bodyProblem(body: Exclude<ParsedBody, { kind: 'ok' }>): Answer {
  return problemAnswer(problem(400, body.kind === 'none' ? 'Request data can not be empty' : body.reason));
}

/** The items of a batch body, or the answer that rejects it (kommo-api.md §4, §6). */
function batchItems(body: ParsedBody): unknown[] | Answer {
  if (body.kind !== 'ok') return bodyProblem(body);
  if (!Array.isArray(body.value)) return problemAnswer(problem(400, 'Request data should be an array of entities'));
  if (body.value.length === 0) return problemAnswer(problem(400, 'Request data can not be empty'));
  if (body.value.length > MAX_BATCH_SIZE) return problemAnswer(problem(422, `Limit ${MAX_BATCH_SIZE} per page`));
  return body.value;
}

function batchAnswer(request: ApiRequest, kind: EntityKind, items: unknown[], records: EntityRecord[], withUpdatedAt: boolean): Answer {
  const origin = request.origin;
  return jsonAnswer(200, {
    _links: { self: { href: `${origin}/api/v4/${kind}` } },
    _embedded: {
      [kind]: records.map((record, index) => {
        const item = items[index];
        // Echo the caller's request_id; without one, the item's index, the SDK's convention (§6).
        const requestId = isRecord(item) && item.request_id !== undefined ? item.request_id : String(index);
        return {
          id: record.id,
          ...(withUpdatedAt ? { updated_at: record.updated_at } : {}),
          request_id: requestId,
          _links: { self: { href: `${origin}/api/v4/${kind}/${record.id}` } },
        };
      }),
    },
  });
}

/**
 * HAL links of a list page, built from the request's own URL. `next` appears whenever the page
 * is full, even if nothing follows: Kommo cannot count matches (kommo-api.md §5, §10.2).
 */
function pageLinks(request: ApiRequest, query: ListQuery, returned: number): Record<string, { href: string }> {
  const hrefFor = (page: number): string => {
    const params = new URLSearchParams(request.url.searchParams);
    params.set('page', String(page));
    params.set('limit', String(query.limit));
    return `${request.origin}${request.url.pathname}?${params.toString()}`;
  };
  const links: Record<string, { href: string }> = { self: { href: `${request.origin}${request.url.pathname}${request.url.search}` } };
  if (returned === query.limit) links.next = { href: hrefFor(query.page + 1) };
  if (query.page > 1) {
    links.first = { href: hrefFor(1) };
    links.prev = { href: hrefFor(query.page - 1) };
  }
  return links;
}
