/**
 * The retry decision, as a pure function of what happened, the method, the attempt number and
 * the settings. No clock, no randomness and no I/O inside: the caller passes `nowMs` and
 * `jitter`, so the whole policy is tested by a table.
 */

/** The HTTP methods Make Raw Request supports; the retry rules differ by method. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What one HTTP attempt ended with. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: unknown }
  | { kind: 'network'; code: string };

/** Everything the decision depends on besides the outcome. */
export interface RetrySettings {
  /** Retries allowed after the first attempt ("Number of retries"). */
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A server-requested wait above this stops with a rate-limit error instead of blocking. */
  maxRetryAfterMs: number;
  /** Total waiting allowed for one request. */
  retryBudgetMs: number;
  /** Time already spent waiting between earlier attempts of this request. */
  waitedMs: number;
  /** Current time, for `Retry-After` given as an HTTP date. */
  nowMs: number;
  /** A number in [0, 1) that spreads backoff delays (jitter). */
  jitter: number;
}

/** Why the client stops retrying. */
export type StopReason =
  | 'not-retryable'
  | 'unsafe-to-replay'
  | 'retries-exhausted'
  | 'budget-exhausted'
  | 'retry-after-too-long';

/** The decision: wait and try again, or stop (and say why). */
export type RetryDecision =
  | { action: 'retry'; delayMs: number }
  | { action: 'stop'; reason: StopReason; retryAfterMs?: number };

/**
 * Failures that happen before any byte of the request reaches Kommo: replaying them cannot
 * duplicate a write, so every method may retry them.
 */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Methods Kommo treats idempotently. POST and PATCH have no idempotency key in Kommo (docs/kommo-api.md §11). */
const IDEMPOTENT_METHODS = new Set<HttpMethod>(['GET', 'PUT', 'DELETE']);

/** Statuses where the server's own timing (`Retry-After`) is honoured. */
const SERVER_TIMED_STATUSES = new Set([429, 503]);

/** Reads the server's requested wait: `Retry-After` (seconds or HTTP date), else the body's `retry_after` seconds. */
export function serverRetryAfterMs(headers: Record<string, string>, body: unknown, nowMs: number): number | undefined {
  const header = headers['retry-after']?.trim();
  if (header) {
    if (/^\d+$/.test(header)) return Number(header) * 1000;
    const dateMs = Date.parse(header);
    if (!Number.isNaN(dateMs)) return Math.max(0, dateMs - nowMs);
  }
  // Kommo's documented 429 body carries `retry_after` in seconds (docs/kommo-api.md §3).
  if (typeof body === 'object' && body !== null && 'retry_after' in body) {
    const seconds = Number((body as { retry_after: unknown }).retry_after);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  }
  return undefined;
}

/** Exponential backoff from the base delay, ±25 % jitter, capped. */
export function backoffDelayMs(attempt: number, settings: Pick<RetrySettings, 'backoffBaseMs' | 'backoffMaxMs' | 'jitter'>): number {
  const exponentialMs = settings.backoffBaseMs * 2 ** (attempt - 1);
  return Math.round(Math.min(settings.backoffMaxMs, exponentialMs * (0.75 + 0.5 * settings.jitter)));
}

function isRetryableForMethod(outcome: AttemptOutcome, method: HttpMethod): 'yes' | 'no' | 'unsafe' {
  if (outcome.kind === 'network') {
    if (NOT_SENT_CODES.has(outcome.code)) return 'yes';
    // A reset or timeout after sending is ambiguous: Kommo may have applied the write.
    return IDEMPOTENT_METHODS.has(method) ? 'yes' : 'unsafe';
  }
  const { status } = outcome;
  // Kommo rejects rate-limited requests before processing them, so any method may retry a 429.
  if (status === 429) return 'yes';
  if (status >= 500) {
    // 503 means the request was refused, not processed; 500/502/504 may have applied a write.
    if (IDEMPOTENT_METHODS.has(method) || status === 503) return 'yes';
    return 'unsafe';
  }
  // 400, 401 (handled by the token layer), 402, 403 (an HTML 403 is a block), 404, 405, 422 …
  return 'no';
}

/**
 * Decides what to do after attempt number `attempt` (1-based) of a request ended with `outcome`.
 * A request makes at most `retries + 1` attempts, and waits at most `retryBudgetMs` in total.
 */
export function decideRetry(outcome: AttemptOutcome, method: HttpMethod, attempt: number, settings: RetrySettings): RetryDecision {
  const retryable = isRetryableForMethod(outcome, method);
  if (retryable === 'no') return { action: 'stop', reason: 'not-retryable' };
  if (retryable === 'unsafe') return { action: 'stop', reason: 'unsafe-to-replay' };

  const serverWaitMs = outcome.kind === 'response' && SERVER_TIMED_STATUSES.has(outcome.status)
    ? serverRetryAfterMs(outcome.headers, outcome.body, settings.nowMs)
    : undefined;
  if (serverWaitMs !== undefined && serverWaitMs > settings.maxRetryAfterMs) {
    return { action: 'stop', reason: 'retry-after-too-long', retryAfterMs: serverWaitMs };
  }
  if (attempt > settings.retries) return { action: 'stop', reason: 'retries-exhausted', retryAfterMs: serverWaitMs };

  const delayMs = serverWaitMs ?? backoffDelayMs(attempt, settings);
  if (settings.waitedMs + delayMs > settings.retryBudgetMs) {
    return { action: 'stop', reason: 'budget-exhausted', retryAfterMs: serverWaitMs };
  }
  return { action: 'retry', delayMs };
}

/**
 * True when a write that ended with `outcome` may nonetheless have been applied by Kommo: a final
 * 500, 502 or 504, or a network failure after the request was sent (reset, timeout). These are
 * the failures after which the client never replays a POST or PATCH, so a step that must not
 * duplicate a write asks Kommo what happened instead (docs/design.md "Actions (2.0)", upsertObject).
 */
export function mayHaveBeenApplied(outcome: AttemptOutcome): boolean {
  return isRetryableForMethod(outcome, 'POST') === 'unsafe';
}
