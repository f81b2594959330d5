/**
 * Webhook subscriptions of the default account: `GET`, `POST` and `DELETE /api/v4/webhooks`
 * (docs/kommo-api.md §6, §9; docs/kommo-fidelity.md #15), with the failure count that disables a
 * subscription (docs/kommo-api.md §0, §9).
 */
import { isRecord } from './httpIo';
import type { FieldError } from './customFields';
import type { WebhookSubscription } from './webhookTypes';

/** At most 100 subscriptions per account (docs/kommo-api.md §0). */
export const MAX_WEBHOOKS = 100;
const FIRST_WEBHOOK_ID = 8500001;

const ENTITY_ACTIONS: ReadonlyArray<[string, readonly string[]]> = [
  ['lead', ['add', 'update', 'delete', 'restore', 'status', 'responsible', 'note']],
  ['contact', ['add', 'update', 'delete', 'restore', 'responsible', 'note']],
  ['company', ['add', 'update', 'delete', 'restore', 'responsible', 'note']],
  ['customer', ['add', 'update', 'delete', 'responsible', 'note']],
  ['task', ['add', 'update', 'delete', 'responsible']],
  ['talk', ['add', 'update']],
  ['unsorted', ['add', 'update', 'delete']],
];

/**
 * The subscription codes Kommo accepts in `settings` (docs/kommo-api.md §9, from the SHEV typings'
 * `WebhookType`). Talk, unsorted, message and chat-template codes are accepted but never fire:
 * the sandbox has none of those entities.
 */
export const WEBHOOK_SETTINGS: ReadonlySet<string> = new Set([
  ...ENTITY_ACTIONS.flatMap(([entity, actions]) => actions.map((action) => `${action}_${entity}`)),
  'add_message',
  'add_chat_template_review',
]);

interface StoredSubscription extends WebhookSubscription {
  /** Sandbox-clock times (ms) of failed deliveries inside the current window. */
  failures: number[];
}

/** What `POST /api/v4/webhooks` decided. */
export type SubscribeResult = { ok: true; subscription: WebhookSubscription } | { ok: false; errors: FieldError[] } | { ok: false; limit: true };

function validate(body: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const { destination, settings, sort } = body;
  if (destination === undefined) errors.push({ code: 'NotBlank', path: 'destination', detail: 'This value should not be blank.' });
  else if (typeof destination !== 'string') errors.push({ code: 'InvalidType', path: 'destination', detail: 'This value should be of type string.' });
  else if (!isHttpUrl(destination)) errors.push({ code: 'InvalidValue', path: 'destination', detail: 'This value is not a valid URL (http or https).' });
  if (settings === undefined) errors.push({ code: 'NotBlank', path: 'settings', detail: 'This value should not be blank.' });
  else if (!Array.isArray(settings)) errors.push({ code: 'InvalidType', path: 'settings', detail: 'This value should be of type array.' });
  else if (settings.length === 0) errors.push({ code: 'NotBlank', path: 'settings', detail: 'At least one event code is required.' });
  else {
    settings.forEach((code: unknown, index) => {
      if (typeof code !== 'string' || !WEBHOOK_SETTINGS.has(code)) {
        errors.push({ code: 'NotSupportedChoice', path: `settings.${index}`, detail: 'The value you selected is not a valid choice.' });
      }
    });
  }
  if (sort !== undefined && !Number.isInteger(sort)) errors.push({ code: 'InvalidType', path: 'sort', detail: 'This value should be of type int.' });
  return errors;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const publicView = ({ failures: _failures, ...subscription }: StoredSubscription): WebhookSubscription => structuredClone(subscription);

/** The subscriptions, keyed by their exact destination (one subscription per destination). */
export class WebhookRegistry {
  private readonly byDestination = new Map<string, StoredSubscription>();
  private nextId = FIRST_WEBHOOK_ID;

  constructor(
    private readonly accountId: number,
    private readonly nowMs: () => number,
  ) {}

  /** In list order: `sort` ascending, then id. */
  list(destination?: string): WebhookSubscription[] {
    return this.ordered()
      .filter((subscription) => destination === undefined || subscription.destination === destination)
      .map(publicView);
  }

  /** The enabled subscriptions the dispatcher serves, in list order. */
  enabled(): WebhookSubscription[] {
    return this.ordered()
      .filter((subscription) => !subscription.disabled)
      .map(publicView);
  }

  /**
   * Create a subscription, or, for a destination already subscribed, replace its settings (and
   * `sort` when given), enable it again and clear its failure count: the way saving a webhook again
   * re-enables it (docs/kommo-api.md §3), keeping one subscription per destination.
   */
  subscribe(body: Record<string, unknown>, userId: number): SubscribeResult {
    const errors = validate(body);
    if (errors.length > 0) return { ok: false, errors };
    const destination = body.destination as string;
    const settings = [...new Set(body.settings as string[])];
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    const existing = this.byDestination.get(destination);
    if (existing) {
      existing.settings = settings;
      if (body.sort !== undefined) existing.sort = body.sort as number;
      existing.disabled = false;
      existing.failures = [];
      existing.updated_at = nowSeconds;
      return { ok: true, subscription: publicView(existing) };
    }
    if (this.byDestination.size >= MAX_WEBHOOKS) return { ok: false, limit: true };
    const created: StoredSubscription = {
      id: this.nextId++,
      destination,
      created_at: nowSeconds,
      updated_at: nowSeconds,
      account_id: this.accountId,
      created_by: userId,
      sort: (body.sort as number | undefined) ?? 1,
      disabled: false,
      settings,
      failures: [],
    };
    this.byDestination.set(destination, created);
    return { ok: true, subscription: publicView(created) };
  }

  /** Remove the subscription of `destination`; false when there was none. */
  unsubscribe(destination: string): boolean {
    return this.byDestination.delete(destination);
  }

  disable(destination: string): void {
    const subscription = this.byDestination.get(destination);
    if (!subscription) throw new Error(`no webhook subscription for ${destination}`);
    subscription.disabled = true;
  }

  /**
   * Count a failed delivery at `atMs` (sandbox clock). More than `maxFailures` failures within
   * `windowMs`, the latest being this one, disable the subscription (docs/kommo-api.md §9).
   * Returns whether this failure disabled it.
   */
  recordFailure(subscriptionId: number, atMs: number, maxFailures: number, windowMs: number): boolean {
    const subscription = this.ordered().find((candidate) => candidate.id === subscriptionId);
    if (!subscription || subscription.disabled) return false;
    subscription.failures = [...subscription.failures.filter((failedAt) => failedAt > atMs - windowMs), atMs];
    if (subscription.failures.length <= maxFailures) return false;
    subscription.disabled = true;
    return true;
  }

  reset(): void {
    this.byDestination.clear();
    this.nextId = FIRST_WEBHOOK_ID;
  }

  private ordered(): StoredSubscription[] {
    return [...this.byDestination.values()].sort((a, b) => a.sort - b.sort || a.id - b.id);
  }
}

/** The `{destination}` of a `DELETE /api/v4/webhooks` body, or the errors that reject it. */
export function unsubscribeTarget(body: unknown): { ok: true; destination: string } | { ok: false; errors: FieldError[] } {
  if (!isRecord(body)) return { ok: false, errors: [{ code: 'InvalidType', path: '', detail: 'Request data should be an object with a destination.' }] };
  if (typeof body.destination !== 'string' || body.destination === '') {
    return { ok: false, errors: [{ code: 'NotBlank', path: 'destination', detail: 'This value should not be blank.' }] };
  }
  return { ok: true, destination: body.destination };
}
