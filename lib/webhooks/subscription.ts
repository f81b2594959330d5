/**
 * The trigger's subscription in Kommo: `GET`, `POST` and `DELETE /api/v4/webhooks`
 * (docs/kommo-api.md §6, §9; docs/kommo-fidelity.md #15). Administrators only; at most 100
 * subscriptions per account, so one unfiltered `GET webhooks` lists them all.
 *
 * Subscribing is idempotent: the subscription of the destination is kept when it is enabled with
 * the same events, and otherwise deleted and created again — a disabled one (Kommo disables a
 * webhook after more than 100 failed answers in 2 hours, docs/kommo-api.md §9) comes back enabled,
 * and one with other events gets the configured ones. Destinations of the same flow with another
 * token (left by an earlier message password, secret.ts) are removed. Unsubscribing deletes the
 * destination and every other destination of the flow, and finds nothing to do the second time.
 *
 * Log lines never show a destination's token (`describeDestination`).
 */
import { KommoError, KommoNotFoundError } from '../client/errors';
import type { KommoApi } from '../client/KommoClient';
import type { Logger } from '../context';
import { describeDestination, isWebhookDestinationOfFlow } from './secret';

/** The client calls this module makes. */
export type WebhookClient = Pick<KommoApi, 'get' | 'post' | 'delete'>;

/** A subscription as `GET webhooks` lists it; only what this module reads. */
export interface WebhookSubscription {
  readonly destination: string;
  readonly disabled: boolean;
  readonly settings: readonly string[];
}

/** What `subscribe` did. */
export type SubscribeAction = 'created' | 'kept' | 'replaced' | 're-enabled';

/** Where the flow's subscription goes and what it asks for. */
export interface SubscriptionTarget {
  /** The flow's webhook URL plus the token (secret.ts `buildWebhookDestination`). */
  readonly destination: string;
  /** The flow's webhook URL (`ELASTICIO_FLOW_WEBHOOK_URI`): recognises the flow's other destinations. */
  readonly baseUri: string;
  /** Subscription codes (events.ts `readWebhookEvents`). */
  readonly settings: readonly string[];
}

/** What `unsubscribe` removes. */
export interface UnsubscribeTarget {
  /** The destination `startup` returned, when the platform still has it. */
  readonly destination?: string;
  /** The flow's webhook URL, when known: every destination of the flow goes. */
  readonly baseUri?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every subscription of the account: one `GET webhooks`; a 204 or an empty list is none. */
export async function listSubscriptions(client: WebhookClient): Promise<WebhookSubscription[]> {
  const { status, body } = await client.get('webhooks');
  if (status === 204 || body === undefined) return [];
  const list = isRecord(body) && isRecord(body._embedded) ? body._embedded.webhooks : undefined;
  if (!Array.isArray(list)) {
    throw new KommoError(`Kommo answered GET /api/v4/webhooks with ${status} but no _embedded.webhooks list; try again later.`);
  }
  return list.filter(isRecord).flatMap((item) => (typeof item.destination !== 'string' ? [] : [{
    destination: item.destination,
    disabled: item.disabled === true,
    settings: Array.isArray(item.settings) ? item.settings.filter((code): code is string => typeof code === 'string') : [],
  }]));
}

/** Deletes one destination; one that is already gone counts as deleted. */
async function remove(client: WebhookClient, destination: string): Promise<void> {
  try {
    await client.delete('webhooks', { destination });
  } catch (error) {
    if (!(error instanceof KommoNotFoundError)) throw error;
  }
}

function sameSettings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

/**
 * Subscribes the flow's destination with its events (see the module comment). Costs one `GET`,
 * plus one `POST` when created, plus one `DELETE` per replaced or stale subscription.
 */
export async function subscribe(client: WebhookClient, target: SubscriptionTarget, logger: Logger): Promise<SubscribeAction> {
  const subscriptions = await listSubscriptions(client);
  const shown = describeDestination(target.destination);
  for (const stale of subscriptions) {
    if (stale.destination === target.destination || !isWebhookDestinationOfFlow(stale.destination, target.baseUri)) continue;
    logger.info(`Kommo webhook ${describeDestination(stale.destination)} belongs to this flow under an earlier secret: deleting it`);
    await remove(client, stale.destination);
  }
  const current = subscriptions.find((subscription) => subscription.destination === target.destination);
  if (current !== undefined && !current.disabled && sameSettings(current.settings, target.settings)) {
    logger.info(`Kommo webhook ${shown} is already subscribed to ${target.settings.join(', ')}: kept`);
    return 'kept';
  }
  if (current !== undefined) await remove(client, target.destination);
  const { status, body } = await client.post('webhooks', { destination: target.destination, settings: target.settings });
  const created = isRecord(body) && isRecord(body._embedded) && Array.isArray(body._embedded.webhooks) ? body._embedded.webhooks[0] : body;
  if (!isRecord(created) || created.destination !== target.destination) {
    throw new KommoError(`Kommo answered POST /api/v4/webhooks with ${status} but not with the subscription; check the webhooks in Kommo's Settings → Integrations.`);
  }
  const action: SubscribeAction = current === undefined ? 'created' : current.disabled ? 're-enabled' : 'replaced';
  logger.info(`Kommo webhook ${shown} subscribed to ${target.settings.join(', ')}: ${action}`);
  return action;
}

/**
 * Deletes the flow's subscriptions: `target.destination` and, when `target.baseUri` is known,
 * every destination of the flow. Costs one `GET` plus one `DELETE` per subscription found;
 * returns how many were deleted (0 when run again).
 */
export async function unsubscribe(client: WebhookClient, target: UnsubscribeTarget, logger: Logger): Promise<number> {
  const subscriptions = await listSubscriptions(client);
  const ours = subscriptions.filter((subscription) => subscription.destination === target.destination
    || (target.baseUri !== undefined && isWebhookDestinationOfFlow(subscription.destination, target.baseUri)));
  for (const subscription of ours) {
    await remove(client, subscription.destination);
    logger.info(`Kommo webhook ${describeDestination(subscription.destination)} deleted`);
  }
  if (ours.length === 0) logger.info('Kommo has no webhook of this flow: nothing to delete');
  return ours.length;
}
