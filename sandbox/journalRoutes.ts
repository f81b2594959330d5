/**
 * The `/api/v4/events` and `/api/v4/webhooks` routes. The server asks this router first; it
 * answers `undefined` for any other path, which then goes to the entity routes.
 */
import { jsonAnswer, NO_CONTENT, problemAnswer, type Answer } from './answers';
import { EVENT_TYPES, PLURAL, type EventJournal } from './events';
import { parseEventsQuery, selectEvents } from './eventsQuery';
import { isRecord } from './httpIo';
import { problem, validationProblem } from './problems';
import { MAX_WEBHOOKS, unsubscribeTarget, type WebhookRegistry } from './webhooks';
import { pageLinks } from './routeKit';
import type { ApiRequest } from './routes';
import type { JournalEvent } from './webhookTypes';

type Handler = (request: ApiRequest, params: string[]) => Answer;

/** The random source of one list request when the unstable-order knob is on (knobs.ts `orderRandom`). */
type OrderRandom = () => (() => number) | undefined;

const ROUTES: ReadonlyArray<{ pattern: RegExp; methods: (journal: EventJournal, registry: WebhookRegistry, orderRandom: OrderRandom) => Readonly<Record<string, Handler>> }> = [
  { pattern: /^\/api\/v4\/events$/, methods: (journal, _registry, orderRandom) => ({ GET: (r) => listEvents(r, journal, orderRandom()) }) },
  { pattern: /^\/api\/v4\/events\/types$/, methods: () => ({ GET: (r) => listEventTypes(r) }) },
  {
    pattern: /^\/api\/v4\/events\/([^/]+)$/,
    methods: (journal) => ({
      GET: (r, [id]) => {
        const event = journal.get(id);
        return event ? jsonAnswer(200, presentEvent(r.origin, event)) : problemAnswer(problem(404, 'Not found'));
      },
    }),
  },
  {
    pattern: /^\/api\/v4\/webhooks$/,
    methods: (_journal, registry) => ({
      GET: (r) => listWebhooks(r, registry),
      POST: (r) => subscribe(r, registry),
      DELETE: (r) => unsubscribe(r, registry),
    }),
  },
];

export function createJournalRouter(journal: EventJournal, registry: WebhookRegistry, orderRandom: OrderRandom = () => undefined): (request: ApiRequest) => Answer | undefined {
  const routes = ROUTES.map((route) => ({ pattern: route.pattern, methods: route.methods(journal, registry, orderRandom) }));
  return (request) => {
    for (const route of routes) {
      const match = route.pattern.exec(request.url.pathname);
      if (!match) continue;
      const handler = route.methods[request.method];
      if (!handler) return problemAnswer(problem(405, `Method ${request.method} is not allowed here`), { allow: Object.keys(route.methods).join(', ') });
      return handler(request, match.slice(1));
    }
    return undefined;
  };
}

function presentEvent(origin: string, event: JournalEvent): Record<string, unknown> {
  const collection = PLURAL[event.entity_type] ?? `${event.entity_type}s`;
  return {
    ...structuredClone(event),
    _links: { self: { href: `${origin}/api/v4/events/${event.id}` } },
    _embedded: { entity: { id: event.entity_id, _links: { self: { href: `${origin}/api/v4/${collection}/${event.entity_id}` } } } },
  };
}

/** `GET /api/v4/events`: `with=` is accepted and adds nothing; ties on `created_at` shuffled under the unstable-order knob. */
function listEvents(request: ApiRequest, journal: EventJournal, random: (() => number) | undefined): Answer {
  const parsed = parseEventsQuery(request.url.searchParams);
  if (!parsed.ok) return problemAnswer(validationProblem([{ request_id: '0', errors: parsed.errors }]));
  const page = selectEvents(journal.all(), parsed.query, random);
  if (page.length === 0) return NO_CONTENT;
  return jsonAnswer(200, {
    _page: parsed.query.page,
    _links: pageLinks(request, parsed.query, page.length),
    _embedded: { events: page.map((event) => presentEvent(request.origin, event)) },
  });
}

/** `GET /api/v4/events/types` (`_embedded.events_types`, as the PHP SDK reads it); `language_code` is accepted, names stay English. */
function listEventTypes(request: ApiRequest): Answer {
  return jsonAnswer(200, {
    _total_items: EVENT_TYPES.length,
    _links: { self: { href: `${request.origin}${request.url.pathname}${request.url.search}` } },
    _embedded: { events_types: EVENT_TYPES },
  });
}

/** `GET /api/v4/webhooks[?filter[destination]=…]`: exact destination match; 204 when none. */
function listWebhooks(request: ApiRequest, registry: WebhookRegistry): Answer {
  const destination = request.url.searchParams.get('filter[destination]') ?? undefined;
  const webhooks = registry.list(destination);
  if (webhooks.length === 0) return NO_CONTENT;
  return jsonAnswer(200, { _total_items: webhooks.length, _embedded: { webhooks } });
}

function bodyProblem(request: ApiRequest): Answer | undefined {
  if (request.body.kind === 'none') return problemAnswer(problem(400, 'Request data can not be empty'));
  if (request.body.kind === 'invalid') return problemAnswer(problem(400, request.body.reason));
  return undefined;
}

/** `POST /api/v4/webhooks {destination, settings, sort}` answers the one subscription. */
function subscribe(request: ApiRequest, registry: WebhookRegistry): Answer {
  const invalid = bodyProblem(request);
  if (invalid) return invalid;
  const body = request.body.kind === 'ok' ? request.body.value : undefined;
  if (!isRecord(body)) return problemAnswer(problem(400, 'Request data should be an object with destination and settings'));
  const result = registry.subscribe(body, request.grant.userId);
  if (result.ok) return jsonAnswer(200, result.subscription);
  if ('limit' in result) return problemAnswer(problem(400, `An account can have at most ${MAX_WEBHOOKS} webhooks; delete one first`));
  return problemAnswer(validationProblem([{ request_id: '0', errors: result.errors }]));
}

/** `DELETE /api/v4/webhooks {destination}`: 204, or 404 when nothing is subscribed there. */
function unsubscribe(request: ApiRequest, registry: WebhookRegistry): Answer {
  const invalid = bodyProblem(request);
  if (invalid) return invalid;
  const target = unsubscribeTarget(request.body.kind === 'ok' ? request.body.value : undefined);
  if (!target.ok) return problemAnswer(validationProblem([{ request_id: '0', errors: target.errors }]));
  return registry.unsubscribe(target.destination) ? NO_CONTENT : problemAnswer(problem(404, 'No webhook is subscribed at this destination'));
}
