/**
 * `fetchFullObjects`: the delivered entities read again from Kommo, so a flow gets the whole
 * object (a stage move is delivered as ids only) and only objects Kommo confirms.
 *
 * One `GET /{type}?filter[id][]=…` per entity type per delivery (docs/design.md "Webhook
 * trigger"; up to {@link MAX_IDS_PER_REQUEST} ids of a type, each further batch one more
 * request). Entities deleted in the delivery and notes are not read: a deleted object is gone
 * (emitted as delivered), and a note is emitted as delivered. The request goes to the
 * credential's account through the client; nothing in the delivery (its `account` block
 * included) chooses a host.
 *
 * An object Kommo does not return is not emitted (deleted since, or not visible to the
 * credential's user). Kommo ignores filters on some accounts (docs/kommo-api.md §5, §10.10): an
 * answer holding objects that were not asked for is an error rather than a confirmation.
 */
import { KommoError } from '../client/errors';
import type { KommoApi } from '../client/KommoClient';
import { OBJECT_TYPES } from '../entities/registry';
import type { V4Object, WebhookEntityType, WebhookEvent } from './convert';

/**
 * Ids per request. Each costs about 31 characters of query (`filter%5Bid%5D%5B%5D=123456789&`),
 * so 200 keep the request line near 6 KB, under the 8 KB proxies commonly allow.
 */
export const MAX_IDS_PER_REQUEST = 200;

/** The objects Kommo returned, by type and id. */
export type FullObjects = ReadonlyMap<WebhookEntityType, ReadonlyMap<number, V4Object>>;

/** Whether an event's object is read again: not for deletions and notes. */
export function isReadAgain(event: WebhookEvent): boolean {
  return event.action !== 'delete' && event.action !== 'note';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The ids to read, by type, in delivery order without repeats. */
function idsByType(events: readonly WebhookEvent[]): Map<WebhookEntityType, number[]> {
  const ids = new Map<WebhookEntityType, number[]>();
  for (const event of events) {
    if (!isReadAgain(event)) continue;
    const list = ids.get(event.entity_type) ?? [];
    if (!list.includes(event.object.id)) list.push(event.object.id);
    ids.set(event.entity_type, list);
  }
  return ids;
}

/** Reads one batch of ids of one type; only objects with a requested id come back. */
async function readBatch(client: Pick<KommoApi, 'get'>, type: WebhookEntityType, ids: readonly number[]): Promise<V4Object[]> {
  const definition = OBJECT_TYPES[type];
  const { status, body } = await client.get(definition.path, { filter: { id: ids }, limit: ids.length });
  if (status === 204 || body === undefined) return [];
  const items = isRecord(body) && isRecord(body._embedded) ? body._embedded[definition.embeddedKey] : undefined;
  if (!Array.isArray(items)) {
    throw new KommoError(`Kommo answered GET /api/v4/${definition.path} with ${status} but no _embedded.${definition.embeddedKey} list; try again later.`);
  }
  const wanted = new Set(ids);
  const objects = items.filter((item): item is V4Object => isRecord(item) && typeof item.id === 'number');
  if (objects.some((item) => !wanted.has(item.id))) {
    throw new KommoError(`Kommo answered GET /api/v4/${definition.path}?filter[id][]=… with ${definition.path} that were not asked for: this account ignores API filters, `
      + 'so the delivered objects cannot be confirmed. Turn "Fetch full objects" off, or ask Kommo support to enable API filters for the account.');
  }
  return objects;
}

/** Reads every delivered object that is read again (see the module comment). */
export async function readFullObjects(client: Pick<KommoApi, 'get'>, events: readonly WebhookEvent[]): Promise<FullObjects> {
  const result = new Map<WebhookEntityType, Map<number, V4Object>>();
  for (const [type, ids] of idsByType(events)) {
    const found = new Map<number, V4Object>();
    for (let start = 0; start < ids.length; start += MAX_IDS_PER_REQUEST) {
      for (const object of await readBatch(client, type, ids.slice(start, start + MAX_IDS_PER_REQUEST))) found.set(object.id, object);
    }
    result.set(type, found);
  }
  return result;
}

/** The outcome of confirming a delivery's events against what Kommo returned. */
export interface Confirmed {
  /** Events in delivery order: read-again ones with Kommo's object, deletions and notes as delivered. */
  readonly events: WebhookEvent[];
  /** Events left out because Kommo did not return their object, as `event id` pairs (safe to log). */
  readonly unconfirmed: string[];
}

/** Replaces each read-again event's object by Kommo's, and leaves out those Kommo did not return. */
export function confirmEvents(events: readonly WebhookEvent[], full: FullObjects): Confirmed {
  const confirmed: WebhookEvent[] = [];
  const unconfirmed: string[] = [];
  for (const event of events) {
    if (!isReadAgain(event)) {
      confirmed.push(event);
      continue;
    }
    const object = full.get(event.entity_type)?.get(event.object.id);
    if (object === undefined) unconfirmed.push(`${event.event} ${event.object.id}`);
    else confirmed.push({ ...event, object: structuredClone(object) });
  }
  return { events: confirmed, unconfirmed };
}
