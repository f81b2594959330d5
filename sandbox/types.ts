/**
 * Public types of the Kommo API v4 sandbox and the fake elastic.io platform.
 * Other folders (spec-e2e/, bench/, spec/) import these through sandbox/index.ts.
 */
import type { IncomingMessage } from 'http';
import type { ChangeFeed } from './changes';
import type { JournalEvent, SandboxWebhooks, WebhookDispatchSettings } from './webhookTypes';

/** The entity collections the sandbox stores and serves under `/api/v4/<kind>` (customers behind `customersMode`). */
export type EntityKind = 'leads' | 'contacts' | 'companies' | 'tasks' | 'customers';

/** Kinds with custom fields, tags and notes. */
export type CustomFieldKind = 'leads' | 'contacts' | 'companies' | 'customers';

/**
 * `customers_mode` of `/account` (the official SDK's `AccountModel` constants). Customers are
 * served only in `periodicity` and `segments`; otherwise every `/api/v4/customers…` route
 * answers 403 problem+json (a feature switched off is a permission matter, not a missing route).
 */
export type CustomersMode = 'unavailable' | 'disabled' | 'periodicity' | 'segments';

/**
 * Behaviour switches of a running sandbox. Each can be given at start ({@link SandboxOptions})
 * and changed at run time with {@link Sandbox.configure}; `reset()` restores the start values.
 */
export interface SandboxKnobs {
  /** Added to every answer, faults included, before it is written (ms). Default 0; benchmarks use 250. */
  latencyMs: number;
  /**
   * Lists ordered by a field on which several objects tie (`order[updated_at]` with equal
   * timestamps, events with equal `created_at`) come back in a shuffled order, different on every request, drawn from this
   * seed. `false` (the default) breaks ties by id, a stable order Kommo does not promise.
   */
  unstableOrderSeed: number | false;
  /**
   * How far Kommo's clock is ahead (positive) or behind (negative) of the injected clock, in ms.
   * It moves the `Date` header and every timestamp the sandbox stamps (`created_at`,
   * `updated_at`, `closed_at`, notes, the change feed). Token lifetimes and the rate limit keep
   * the injected clock. Default 0.
   */
  clockOffsetMs: number;
  /** Status of a GET of an unknown id: 404 problem+json (default) or 204 with no body (docs/kommo-fidelity.md #13). */
  unknownIdStatus: 404 | 204;
  /**
   * Answer of a single `PATCH /{kind}/{id}`: `flat` `{id, updated_at, _links}` as the official SDK
   * reads it (default), or `embedded`, the batch envelope `{_links, _embedded: {<kind>: [...]}}`
   * (docs/kommo-fidelity.md #14).
   */
  singlePatchAnswer: 'flat' | 'embedded';
  /**
   * An account where Kommo ignores API filters: every `filter[...]` of an entity list is dropped
   * and the whole collection comes back (`query`, `order` and paging still apply), and
   * `/account?with=is_api_filter_enabled` says `false` (docs/kommo-api.md §5). Default false.
   */
  ignoreFilters: boolean;
  /** `customers_mode` of the account. Default `disabled`. */
  customersMode: CustomersMode;
  /**
   * The account's IANA time zone, shown by `/account?with=datetime_settings`; `date` and
   * `birthday` custom-field values are stored as 00:00 of their day in it. Default `America/New_York`.
   */
  timezone: string;
  /**
   * Duplicate control of `POST /leads/complex`: a new contact or company whose phone or email
   * matches an existing one is not created; the existing one is linked and `merged` is true.
   * Default true.
   */
  duplicateControl: boolean;
  /**
   * Extra custom fields per kind on top of the seeded ones (text, numeric, checkbox, select and
   * date in turn, ids from x19001), e.g. `{ leads: 100 }`. Setting a count replaces the earlier
   * extras of that kind. Default none.
   */
  extraCustomFields: Partial<Record<CustomFieldKind, number>>;
  /**
   * Users on top of the three seeded ones (`Extra user N`, ids from 9100001), listed by the paged
   * `GET /users` and readable by id; they are not valid as responsible users. Default 0.
   */
  extraUsers: number;
}

/**
 * Kommo's request-rate rules as the sandbox enforces them (docs/kommo-api.md §3).
 *
 * Every request to the Kommo side counts (API, token endpoint, unknown routes), including
 * requests that were themselves answered 429: Kommo rejects them at the gateway, so counting
 * them is the harsher model and a client that hammers stays throttled.
 * Requests answered by a scripted fault that fires before processing do not count.
 */
export interface RateLimitSettings {
  /** More than this many requests in any sliding 1000 ms window get a 429. Default 7. */
  requestsPerSecond: number;
  /** This many 429s within `banWindowMs` start a ban; the request that reaches the count still gets its 429. Default 3. */
  banAfterViolations: number;
  /** Window in which 429s are counted towards a ban. Default 60_000. */
  banWindowMs: number;
  /** How long every request gets the HTML 403 once banned. Default 60_000. */
  banMs: number;
  /** Send a `Retry-After` header with 429s. Default false: Kommo's gateway usually sends none (docs/kommo-api.md §3). */
  sendRetryAfterHeader: boolean;
  /** Value of the body's `retry_after` (and of the header when sent). Default 1. */
  retryAfterSeconds: number;
}

/** Options of {@link startSandbox}; every knob of {@link SandboxKnobs} can be given here too. */
export interface SandboxOptions extends Partial<SandboxKnobs> {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Rate-limit settings; `false` disables limiting (benchmarks). Default: enabled with the defaults. */
  rateLimit?: Partial<RateLimitSettings> | false;
  /** Load the demo data (pipeline, users, leads, contacts, companies, tasks). Default true. */
  seed?: boolean;
  /** Millisecond clock used for tokens, rate limits and `updated_at`. Default `Date.now`. */
  now?: () => number;
  /** Lifetime of issued access tokens. Default 86400 (docs/kommo-api.md §2.3). */
  accessTokenTtlSeconds?: number;
  /** Webhook dispatcher tunables (coalescing window, 2 s timeout, 100 failures in 2 h); `reset()` restores them. */
  webhooks?: Partial<WebhookDispatchSettings>;
}

/** One request received by the Kommo side, recorded on arrival and completed when answered. */
export interface RequestLogEntry {
  /** Arrival time from the sandbox clock (ms). */
  at: number;
  method: string;
  /** pathname + search, as sent. */
  path: string;
  /** Status answered; 0 while pending and for resets and hangs (no response was sent). */
  status: number;
  /** The account the bearer token belongs to, when the token was valid. */
  accountId?: number;
  /** Bearer-token verdict on `/api/v4` routes; absent elsewhere (token endpoint, unknown paths). */
  authorization?: 'valid' | 'invalid' | 'missing';
  /** The Host header the client sent. */
  host: string;
  /** Parsed request body (JSON or form fields), when there was one. */
  body?: unknown;
  /** The kind of scripted fault that handled this request, if any (an addition to the agreed interface). */
  fault?: Fault['kind'];
}

/**
 * A scripted misbehaviour for the next N matching requests.
 *
 * Faults are matched on arrival, before the ban check, the rate limit and auth. A fault that
 * fires before processing (the default) leaves entities untouched and does not count towards
 * the rate limit. With `afterProcessing: true` the request goes through the normal pipeline
 * (rate limit, auth, the write) and only then the client gets the fault instead of the real
 * answer: the ambiguous failure that makes replaying a POST create duplicates.
 */
export type Fault =
  | {
      kind: 'status';
      status: number;
      /** Raw body; default: problem+json for the status (with `trace_id` on 500), the nginx HTML page for 403. */
      body?: string;
      contentType?: string;
      headers?: Record<string, string>;
      afterProcessing?: boolean;
    }
  /** Destroy the socket without an answer. */
  | { kind: 'reset'; afterProcessing?: boolean }
  /** Wait, then handle the request normally (rate limit and auth are evaluated after the wait). */
  | { kind: 'delay'; ms: number }
  /** Never answer; the socket stays open until the client gives up or the sandbox closes. */
  | { kind: 'hang' };

/** A running Kommo API v4 sandbox with one default account. */
export interface Sandbox {
  /** The account base URL, e.g. `http://127.0.0.1:43210`. */
  baseUrl: string;
  port: number;
  /** Id of the default account (an addition). */
  accountId: number;
  /** Subdomain of the default account (an addition). */
  subdomain: string;
  /** A valid access token for the default account: the pair issued at start, made valid again by `reset()`. */
  accessToken: string;
  /** The refresh token issued with `accessToken`. */
  refreshToken: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Every request to the Kommo side, in arrival order. `reset()` empties this same array. */
  requestLog: RequestLogEntry[];
  /**
   * Apply `fault` to the next `times` requests (default 1; `Infinity` for all) whose path matches
   * and, when given, whose method matches (case-insensitive). A string matches the pathname
   * exactly (query ignored); a RegExp is tested against pathname + search.
   */
  injectFault(pathPattern: string | RegExp, fault: Fault, times?: number, method?: string): void;
  clearFaults(): void;
  /** Make an access token answer 401, as an expired or revoked one does. */
  revokeAccessToken(token: string): void;
  /** A fresh token pair for the default account, as if the user re-authorized. Earlier pairs stay valid. */
  issueTokens(): { accessToken: string; refreshToken: string };
  /** A single-use authorization code for the `authorization_code` grant (an addition). */
  issueAuthorizationCode(): string;
  configureRateLimit(settings: Partial<RateLimitSettings> | false): void;
  /** Change knobs at run time; throws a RangeError naming the knob on a bad value. */
  configure(knobs: Partial<SandboxKnobs>): void;
  /** The knobs in force now (a copy). */
  readonly knobs: Readonly<SandboxKnobs>;
  /** Lift a ban and clear the counters. */
  resetRateLimit(): void;
  /** Webhook subscriptions, the dispatcher's delivery log and a way to wait for pending deliveries. */
  readonly webhooks: SandboxWebhooks;
  /** Copies of the events journal (`GET /api/v4/events`), in the order they were logged. */
  events(): JournalEvent[];
  /**
   * The change feed: one `EntityChange` per applied write (see changes.ts), published after the
   * write is applied and before the client gets its answer. `reset()` publishes nothing.
   */
  readonly changes: Pick<ChangeFeed, 'subscribe'>;
  /** Copies of the stored entities, in id order, with their relations under `_embedded` (as the change feed has them). */
  entities(kind: EntityKind): Array<Record<string, unknown>>;
  /** Copies of the notes of a kind, in id order. */
  notes(kind: CustomFieldKind): Array<Record<string, unknown>>;
  /** Copies of the tags of a kind, in id order. */
  tags(kind: CustomFieldKind): Array<{ id: number; name: string; color: string | null }>;
  /**
   * Back to the state after start: seeded entities (with their tags, links and notes), the
   * knobs given at start, the initial token pair valid again
   * (un-revoked, unexpired, its refresh token unused), rate-limit settings from the options with
   * counters cleared, empty log and no faults, an empty events journal, no webhook subscriptions,
   * an empty delivery log and the start webhook settings. Other issued tokens keep their state, so secrets
   * of a fake platform stay usable across resets.
   */
  reset(): void;
  close(): Promise<void>;
}

/** The credentials a fake platform secret starts with. */
export interface PlatformSecretSeed {
  accessToken: string;
  refreshToken: string;
  /** Extra credential fields, e.g. `{ baseUrl, retries }` (docs/elasticio-platform.md §3.2). */
  fields?: Record<string, unknown>;
}

/** One call received by the fake platform. */
export interface PlatformCall {
  at: number;
  method: string;
  /** pathname + search. */
  path: string;
  /** Whether the Basic credentials matched. */
  authorized: boolean;
}

/** What a `route()` handler answers; the body is sent as JSON (absent → empty body). */
export interface PlatformRouteResult {
  status: number;
  body?: unknown;
}

/** Handler of an extra fake-platform route; `body` is parsed JSON, raw text, or undefined. */
export type PlatformRouteHandler = (
  req: IncomingMessage,
  body: unknown,
) => PlatformRouteResult | Promise<PlatformRouteResult>;

/** A running fake of elastic.io's secrets API (docs/elasticio-platform.md §3.3). */
export interface FakePlatform {
  /** The `ELASTICIO_API_URI` value. */
  url: string;
  username: string;
  apiKey: string;
  workspaceId: string;
  /** Store a secret and return its id. */
  createSecret(seed: PlatformSecretSeed): string;
  /** The token pair the secret holds now. Throws on an unknown id. */
  secret(secretId: string): { accessToken: string; refreshToken: string };
  /** Replace the stored access token, as if the platform had refreshed in the background. */
  setSecretToken(secretId: string, accessToken: string): void;
  /** Every call received, in order. */
  calls: PlatformCall[];
  /** Authorized refresh calls on known secrets, for one secret or all. */
  refreshCount(secretId?: string): number;
  /** Add an endpoint; extra routes are tried before the built-in ones and need no Basic auth. */
  route(method: string, path: string | RegExp, handler: PlatformRouteHandler): void;
  close(): Promise<void>;
}

/** Options of {@link startFakePlatform}. */
export interface FakePlatformOptions {
  /** The sandbox whose `/oauth2/access_token` the platform refreshes against. */
  kommo: Sandbox;
  port?: number;
  /** Shape of `data` in the refresh response: both exist in the wild (docs/elasticio-platform.md §3.3). Default 'object'. */
  refreshResponseShape?: 'object' | 'array';
}
