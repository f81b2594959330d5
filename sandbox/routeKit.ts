/** What every route module shares: the request, the route shape, and Kommo's common answers. */
import { jsonAnswer, NO_CONTENT, problemAnswer, type Answer } from './answers';
import { isRecord, type ParsedBody } from './httpIo';
import { problem, validationProblem } from './problems';
import type { SandboxClock } from './clock';
import type { FieldError } from './customFields';
import type { KnobBox } from './knobs';
import type { ListQuery } from './listQuery';
import type { AccessGrant } from './oauth';
import type { EntityStore } from './store';

/** At most 250 entities per create or update (docs/kommo-api.md §0, docs/kommo-api.md §6). */
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

/** What route modules work with. */
export interface RouteContext {
  store: EntityStore;
  knobs: KnobBox;
  /** Kommo's clock (with the offset knob). */
  clock: SandboxClock;
}

export function notFound(): Answer {
  return problemAnswer(problem(404, 'Not found'));
}

/** A GET of an unknown id: 404 problem+json or 204, by the knob (docs/kommo-fidelity.md #13). */
export function unknownId(context: RouteContext): Answer {
  return context.knobs.values.unknownIdStatus === 204 ? NO_CONTENT : notFound();
}

export function withParts(url: URL): Set<string> {
  return new Set((url.searchParams.get('with') ?? '').split(',').map((part) => part.trim()).filter((part) => part !== ''));
}

export function bodyProblem(body: Exclude<ParsedBody, { kind: 'ok' }>): Answer {
  return problemAnswer(problem(400, body.kind === 'none' ? 'Request data can not be empty' : body.reason));
}

/** A 400 with `validation-errors` for errors of the request as a whole (query parameters). */
export function queryProblem(errors: FieldError[]): Answer {
  return problemAnswer(validationProblem([{ request_id: '0', errors }]));
}

/** The items of a batch body, or the answer that rejects it (docs/kommo-api.md §4, docs/kommo-api.md §6). */
export function batchItems(body: ParsedBody, maxItems = MAX_BATCH_SIZE): unknown[] | Answer {
  if (body.kind !== 'ok') return bodyProblem(body);
  if (!Array.isArray(body.value)) return problemAnswer(problem(400, 'Request data should be an array of entities'));
  if (body.value.length === 0) return problemAnswer(problem(400, 'Request data can not be empty'));
  if (body.value.length > maxItems) return problemAnswer(problem(422, `Limit ${maxItems} per page`));
  return body.value;
}

/** The single object of a body, or the answer that rejects it. */
export function objectBody(body: ParsedBody): Record<string, unknown> | Answer {
  if (body.kind !== 'ok') return bodyProblem(body);
  if (!isRecord(body.value)) return problemAnswer(problem(400, 'Request data should be an object'));
  return body.value;
}

export function selfLink(origin: string, path: string): { self: { href: string } } {
  return { self: { href: `${origin}${path}` } };
}

/**
 * HAL links of a list page, built from the request's own URL. `next` appears whenever the page
 * is full, even if nothing follows: Kommo cannot count matches (docs/kommo-api.md §5, docs/kommo-api.md §10.2).
 */
export function pageLinks(request: ApiRequest, query: Pick<ListQuery, 'page' | 'limit'>, returned: number): Record<string, { href: string }> {
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

/**
 * The paging fields of a list that counts its items (users, custom-field definitions):
 * `_total_items`, `_page`, `_page_count` and links to self, next, prev and last, built by `href`.
 */
export function countedPage(total: number, page: number, limit: number, href: (page: number) => string): Record<string, unknown> {
  const pageCount = Math.ceil(total / limit);
  return {
    _total_items: total,
    _page: page,
    _page_count: pageCount,
    _links: {
      self: { href: href(page) },
      ...(page < pageCount ? { next: { href: href(page + 1) } } : {}),
      ...(page > 1 ? { prev: { href: href(page - 1) } } : {}),
      last: { href: href(pageCount) },
    },
  };
}

/** A HAL list page, or 204 when it is empty (docs/kommo-api.md §4). */
export function listAnswer(request: ApiRequest, query: Pick<ListQuery, 'page' | 'limit'>, key: string, items: unknown[], extra: Record<string, unknown> = {}): Answer {
  if (items.length === 0) return NO_CONTENT;
  return jsonAnswer(200, { ...extra, _page: query.page, _links: pageLinks(request, query, items.length), _embedded: { [key]: items } });
}

/** Echo the caller's request_id; without one, the item's index, the SDK's convention (docs/kommo-api.md §6). */
export function echoedRequestId(item: unknown, index: number): unknown {
  return isRecord(item) && item.request_id !== undefined ? item.request_id : String(index);
}

/** Try `routes` in order on the request's pathname; an unsupported method on a matched path is a 405. */
export function dispatch(routes: readonly Route[], request: ApiRequest): Answer | undefined {
  for (const route of routes) {
    const match = route.pattern.exec(request.url.pathname);
    if (!match) continue;
    const handler = route.methods[request.method];
    if (!handler) return problemAnswer(problem(405, `Method ${request.method} is not allowed here`), { allow: Object.keys(route.methods).join(', ') });
    return handler(request, match.slice(1));
  }
  return undefined;
}
