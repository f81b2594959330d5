/**
 * Public types of the sandbox's events journal, webhook subscriptions and webhook dispatcher.
 * Specs and the e2e harness import them through sandbox/index.ts.
 */

/** One entry of `GET /api/v4/events` as stored (docs/kommo-api.md §6; docs/kommo-fidelity.md #7). */
export interface JournalEvent {
  /** A 26-character lowercase ULID-like string, e.g. `01jd8m2c0n4x7q3r5t6v8w9y0z`; sorts in creation order. */
  id: string;
  /** `lead_added`, `lead_status_changed`, `custom_field_710001_value_changed`, … */
  type: string;
  entity_id: number;
  /** Singular: `lead`, `contact`, `company`, `task`, `customer`. */
  entity_type: string;
  created_by: number;
  /** Unix seconds from the sandbox clock at the time of the write. */
  created_at: number;
  value_after: unknown[];
  value_before: unknown[];
  account_id: number;
}

/** A webhook subscription as `GET /api/v4/webhooks` shows it (docs/kommo-fidelity.md #15). */
export interface WebhookSubscription {
  id: number;
  destination: string;
  created_at: number;
  updated_at: number;
  account_id: number;
  created_by: number;
  sort: number;
  disabled: boolean;
  /** Subscription codes such as `add_lead`, `status_lead`, `add_task`. */
  settings: string[];
}

/** Tunables of the dispatcher; the defaults are Kommo's documented numbers (docs/kommo-api.md §0, §9). */
export interface WebhookDispatchSettings {
  /** Writes within this window after the first pending one go out together in one delivery. Default 50. */
  coalesceMs: number;
  /** A destination that has not answered 2xx within this time failed. Default 2000. */
  timeoutMs: number;
  /** More than this many failures within `failureWindowMs` disable the subscription. Default 100. */
  maxFailures: number;
  /** Window of the failure count, measured by the sandbox clock. Default 7_200_000 (2 h). */
  failureWindowMs: number;
}

/** What happened to one delivery. `refused`: the destination is not a loopback http URL, so nothing was sent. */
export type WebhookDeliveryOutcome = 'delivered' | 'failed' | 'refused';

/** One POST the dispatcher made (or refused to make). */
export interface WebhookDelivery {
  /** When the delivery started, by the sandbox clock (ms). */
  at: number;
  subscriptionId: number;
  destination: string;
  /** The request headers sent (lower-case names). */
  headers: Record<string, string>;
  /** The exact form-encoded body. */
  body: string;
  /** HTTP status received; 0 when none arrived (timeout, connection error, refused). */
  status: number;
  outcome: WebhookDeliveryOutcome;
  /** Wall-clock time until the answer was complete or the attempt was given up. */
  durationMs: number;
  /** Why a failed or refused delivery did not succeed, when not an HTTP status. */
  error?: string;
}

/** The webhook side of a running sandbox. */
export interface SandboxWebhooks {
  /** Every delivery, in start order; `reset()` empties this same array. */
  readonly deliveries: readonly WebhookDelivery[];
  /** Copies of the subscriptions, in `GET /api/v4/webhooks` order. */
  subscriptions(): WebhookSubscription[];
  /** Disable the subscription of `destination`, as Kommo does after too many failures. Throws when there is none. */
  disable(destination: string): void;
  configure(settings: Partial<WebhookDispatchSettings>): void;
  /** Resolves once no write is waiting to be dispatched and no delivery is in flight. */
  idle(): Promise<void>;
}
