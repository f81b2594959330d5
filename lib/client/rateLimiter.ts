/**
 * Paces requests to one Kommo account so that this process stays under Kommo's limit
 * (7 requests per second; repeated 429s get the IP or account blocked with an HTML 403 on every
 * request, docs/kommo-api.md §3), and learns from Kommo's answers when other processes (every
 * step of a flow runs in its own container) share the account.
 *
 * Two layers per origin:
 *
 * 1. **The ceiling: a sliding-window log.** A request may go only when fewer than N requests were
 *    granted in the last `windowMs = 1000 + marginMs`. This is the server's own rule ("at most N
 *    in any 1000 ms") with a safety margin, so a single process never draws a 429 unless transit
 *    delays differ by more than the margin. Sustained throughput is N per `windowMs`:
 *    7 × 1000/1030 ≈ 6.80/s, 97.1% of the limit. A request sent on a new connection waits for
 *    a TCP and TLS handshake that later requests on warm sockets skip; that difference exceeds
 *    any small margin (measured cold starts drew 429s, BENCHMARKS.md), so the caller settles
 *    each permit saying whether the connection was reused, and a request on a new connection
 *    (or one that failed) is re-anchored to its completion time, the latest moment it can have
 *    reached Kommo.
 *
 * 2. **The pace: congestion control, as TCP does it.** Pacing alone cannot keep several
 *    processes under 7/s together, and they share no store. So each process treats a 429 as
 *    congestion (docs/design.md, "Kommo client"), with the numbers of `DEFAULT_PACE`:
 *    - Grants are at least `1000 / pace` ms apart, even while the window has room. A new origin
 *      starts at the fastest pace (50/s): a quiet second's first N go within 120 ms, so a lone
 *      process keeps ≥ 95% of the limit, yet a burst reaches Kommo spread out and, on a fast
 *      link, the first 429 can stop the rest of it.
 *    - Slow start: until the first congestion event, at most `inFlightLimit` requests await
 *      their answer at once; it starts at 1 and grows by one per window with good answers.
 *      Against a distant Kommo (round trips of 100–300 ms) a new process thus hears whether the
 *      account has room before it sends more than a few requests; on a fast link it holds
 *      nothing back. (Growing by one per answer, as TCP does, doubles the limit every round trip:
 *      in bench/paceModel.ts at 150 ms each way, 2 and 3 processes then drew 9 and 13 429s
 *      in their first 30 s instead of 2 and 4.)
 *    - A 429 pauses every queued request to the origin for the wait Kommo asked for (or a
 *      backoff), and halves the pace: half of what this process actually sent in the last
 *      window. Once per congestion event: 429s to requests granted before the last decrease are
 *      old news (they were in flight when it happened) and only extend the pause.
 *    - Then the pace grows back additively, by `growthRpsPerSecond` per second, and only on
 *      answers to requests that waited for it: a process that sends one request a minute learns
 *      nothing about a faster pace. In bench/paceModel.ts, 3 processes sharing an account for
 *      4 minutes drew about 7 429s a minute at the prototype's 0.05/s per second and about 4.5
 *      at 0.03, at much the same combined rate (about 5/s): fewer 429s, further from a ban.
 *    - A process that has run at the ceiling (pace ≥ N) for `jitterMemoryMs` without a 429 takes
 *      its next one as jitter, not a competitor: it only pauses.
 *    - An HTML 403 (a block) opens a breaker: requests to the origin fail at once with a
 *      {@link KommoBlockedError} for `blockCoolDownMs` instead of reaching Kommo (and perhaps
 *      prolonging the block); then a single probe request goes, and only its answer decides
 *      whether the rest follow (the origin starts afresh) or the breaker opens again.
 *
 * Alternatives considered for the ceiling:
 * - Even spacing of `windowMs / N` gives the same worst-case guarantee and sustained throughput,
 *   but makes a sporadic message wait up to 147 ms for no reason; the window lets the first N
 *   after a quiet second go at once.
 * - A token bucket (rate N/s, burst N) admits up to 2N - 1 requests in one second (a full
 *   bucket plus the refill), which is exactly what the server rejects.
 */
import { blockedError, configError, isHtmlAnswer } from './errors';
import { parseBounded, TUNABLES } from './options';
import { serverRetryAfterMs } from './retryPolicy';
import type { TransportOutcome } from './transport';

/**
 * What one attempt's answer tells the limiter. Build it with {@link rateFeedback} from the
 * transport's outcome.
 */
export type RateFeedback =
  /** Any answer but a 429 or an HTML 403. A status below 500 is a good answer (the pace may grow). */
  | { kind: 'answered'; status: number; connectionReused: boolean }
  /** A 429. `retryAfterMs`: the wait Kommo asked for (`Retry-After` or the body's `retry_after`), if it said. */
  | { kind: 'throttled'; retryAfterMs?: number; connectionReused: boolean }
  /** An HTML 403: Kommo blocks the IP or account after repeated 429s (docs/kommo-api.md §3). */
  | { kind: 'blocked' }
  /** No answer (connection refused or reset, timeout): nothing learned about the pace. */
  | { kind: 'failed' };

/** Permission to send one request; settle it once when the attempt ended. */
export interface RateLimitPermit {
  /**
   * Reports how the attempt ended. Only the first call counts. An answer on a connection that
   * was not reused (or no answer) counts the request from now instead of from its grant.
   */
  settle(feedback: RateFeedback): void;
}

/** Grants permission to send one request to an origin. */
export interface RateLimiter {
  /**
   * Resolves when the caller may send one request to `origin` (scheme://host:port). Rejects
   * with a {@link KommoBlockedError}, at once, while the origin's breaker is open.
   */
  acquire(origin: string): Promise<RateLimitPermit>;
}

/** Maps one attempt's outcome to the feedback the limiter learns from. `nowMs` reads `Retry-After` dates. */
export function rateFeedback(outcome: TransportOutcome, nowMs: number): RateFeedback {
  if (outcome.kind === 'network') return { kind: 'failed' };
  const { status, headers, body, connectionReused } = outcome;
  if (status === 429) {
    return { kind: 'throttled', retryAfterMs: serverRetryAfterMs(headers, body, nowMs), connectionReused };
  }
  // A problem-JSON 403 is a permission problem of one request; the HTML page is the block.
  if (status === 403 && isHtmlAnswer(headers, body)) return { kind: 'blocked' };
  return { kind: 'answered', status, connectionReused };
}

/** A permit with nothing to settle. */
const FREE_PERMIT: RateLimitPermit = Object.freeze({ settle: () => undefined });

/** The window Kommo counts requests in. */
const KOMMO_WINDOW_MS = 1000;

/**
 * Added to Kommo's window so that jitter between our grant and the server's arrival time
 * cannot push N + 1 requests into one of its windows. Sustained throughput stays ≥ 95% for
 * margins up to 52 ms; 30 ms leaves room under that for measurement noise and covers event-loop
 * stalls, GC pauses and jitter on warm keep-alive connections.
 */
export const DEFAULT_RATE_LIMIT_MARGIN_MS = 30;

/** The congestion-control defaults; see the module comment and BENCHMARKS.md for how they were chosen. */
export const DEFAULT_PACE = Object.freeze({
  maxPaceRps: 50,
  floorRps: 0.5,
  growthRpsPerSecond: 0.03,
  decreaseFactor: 0.5,
  jitterMemoryMs: 60_000,
  maxPauseMs: 60_000,
  blockCoolDownMs: 300_000,
});

/** The congestion-control settings, resolved. */
type PaceSettings = { -readonly [K in keyof typeof DEFAULT_PACE]: number };

/** Options of {@link createRateLimiter}. Clock and timer are injectable for tests. */
export interface RateLimiterOptions {
  /** N: the ceiling, requests per second per origin; must lie within `TUNABLES.rateLimitRps` (1–7). */
  requestsPerSecond: number;
  /** Safety margin added to the 1000 ms window; default {@link DEFAULT_RATE_LIMIT_MARGIN_MS}. */
  marginMs?: number;
  /**
   * `false`: the pace stays at N and answers are not learned from (no pause, no breaker), only
   * connection re-use re-anchors the window: the 1.0 limiter, kept for comparison in the
   * benchmark. Default `true`.
   */
  adaptive?: boolean;
  /**
   * The fastest pace, and that of a new origin, requests/s: grants are at least `1000 / pace` ms
   * apart even while the window has room, so a burst reaches Kommo spread out and the first 429
   * can slow the rest of it.
   */
  maxPaceRps?: number;
  /** The pace never drops below this, requests/s. */
  floorRps?: number;
  /** Additive increase, requests/s per second of sending at the pace. */
  growthRpsPerSecond?: number;
  /** The pace is multiplied by this on a congestion event (0 < factor < 1). */
  decreaseFactor?: number;
  /** A 429 at the ceiling with no congestion event in this long is taken as jitter: pause only. */
  jitterMemoryMs?: number;
  /** Longest pause one 429 may impose on the origin's queue (a longer `Retry-After` is cut to this). */
  maxPauseMs?: number;
  /** How long the breaker stays open after an HTML 403 before one probe request may go. */
  blockCoolDownMs?: number;
  /** Current time in ms; must not go backwards. Default: `performance.now()` (monotonic). */
  now?: () => number;
  /** Runs `fn` once after `delayMs`; returns a function that cancels it. Default: `setTimeout`. */
  setTimer?: (fn: () => void, delayMs: number) => () => void;
}

/** The settings every origin's pacer of one limiter shares. */
type PacerConfig = Required<Omit<RateLimiterOptions, 'marginMs'>> & { windowMs: number };

/** A caller waiting for a grant. */
interface Waiter {
  resolve: (permit: RateLimitPermit) => void;
  reject: (error: Error) => void;
  /** The caller could not go at once: the pace (or a pause) held it. */
  delayed: boolean;
}

/** One granted request, until its permit is settled. */
interface Grant {
  /** The window slot: the grant time, moved to the completion time of a request on a new connection. */
  atMs: number;
  /** When it was granted (never moves): decides whether its answer is old news. */
  readonly grantedAtMs: number;
  /** The caller had to wait for the pace, or others queued behind it: its answer may grow the pace. */
  readonly paceLimited: boolean;
  /** The one request let through after a block's cool-down. */
  readonly probe: boolean;
}

/** A read-only view of one origin's state, for diagnostics, benchmarks and tests. */
export interface PaceSnapshot {
  /** The current pace, requests/s: grants are at least `1000 / paceRps` ms apart. */
  paceRps: number;
  /** Time left of the pause after a 429, ms (0 when not paused). */
  pausedForMs: number;
  /** Time left of the breaker's cool-down after an HTML 403, ms (0 when closed or probing). */
  blockedForMs: number;
  /** Slow start's limit on requests awaiting their answer; `undefined` once slow start is over. */
  inFlightLimit: number | undefined;
  /** Congestion events (429s that were not old news), including those taken as jitter. */
  congestionEvents: number;
  /** Callers waiting for a grant. */
  waiting: number;
}

/**
 * One origin's window, pace and queue. At most one timer is pending, and only while someone
 * waits: an idle pacer holds no timer, so it never keeps the process alive. While a caller waits
 * the timer is deliberately a normal (ref'd) one: a script whose only work is that request must
 * not exit with the request unsent.
 */
class OriginPacer {
  /** The last N grants, oldest first. */
  private readonly recentGrants: Grant[] = [];
  /** Callers waiting for a grant, in arrival order. */
  private readonly waiting: Waiter[] = [];
  private cancelTimer: (() => void) | undefined;
  private paceRps: number;
  /** Since when the pace has been at or above N without a congestion event (jitter rule). */
  private atCeilingSinceMs: number | undefined;
  private lastGrantAtMs = Number.NEGATIVE_INFINITY;
  private pausedUntilMs = Number.NEGATIVE_INFINITY;
  /** Grants before this time are old news: their 429s belong to an event already reacted to. */
  private congestionEpochMs = Number.NEGATIVE_INFINITY;
  private congestionEvents = 0;
  /** Congestion events since the last good answer: the backoff exponent when Kommo gave no wait. */
  private congestionStreak = 0;
  private blockedUntilMs: number | undefined;
  private probeOutstanding = false;
  /**
   * Slow start: how many requests may await their answer at once. It starts at 1 and grows by
   * one per window in which good answers came to waiting callers, and is dropped at the first
   * congestion event or once it reaches N. On a fast link it holds nothing back (the pace
   * spacing is longer than a round trip); against a distant Kommo it keeps a new process from
   * sending more than a few requests before it hears whether the account has room for them.
   */
  private inFlightLimit: number | undefined;
  /** When slow start last raised `inFlightLimit` (or began). */
  private inFlightLimitRaisedAtMs: number;
  /** Granted requests whose answer has not arrived, in grant order. */
  private readonly unanswered = new Set<Grant>();

  constructor(private readonly origin: string, private readonly config: PacerConfig) {
    // The 1.0 limiter has no pace: only the window.
    this.paceRps = config.adaptive ? config.maxPaceRps : Number.POSITIVE_INFINITY;
    this.inFlightLimit = config.adaptive ? 1 : undefined;
    this.inFlightLimitRaisedAtMs = config.now();
    this.atCeilingSinceMs = config.now();
  }

  acquire(): Promise<RateLimitPermit> {
    const blockedForMs = this.blockedForMs(this.config.now());
    if (blockedForMs > 0) return Promise.reject(blockedError(this.origin, blockedForMs));
    return new Promise<RateLimitPermit>((resolve, reject) => {
      this.waiting.push({ resolve, reject, delayed: false });
      // With a timer pending or a probe out, earlier callers are waiting: this one queues behind them.
      if (this.cancelTimer === undefined && !this.probeOutstanding) this.drain();
    });
  }

  snapshot(): PaceSnapshot {
    const nowMs = this.config.now();
    return {
      paceRps: this.paceRps,
      pausedForMs: Math.max(0, this.pausedUntilMs - nowMs),
      blockedForMs: this.blockedForMs(nowMs),
      inFlightLimit: this.inFlightLimit,
      congestionEvents: this.congestionEvents,
      waiting: this.waiting.length,
    };
  }

  /**
   * How long the slow-start limit on unanswered requests holds the next grant. A request still
   * unanswered after a window stops counting: one hanging request must not stall the origin.
   */
  private inFlightWaitMs(nowMs: number): number {
    if (this.inFlightLimit === undefined) return 0;
    const { windowMs } = this.config;
    const counted: Grant[] = [];
    for (const grant of this.unanswered) {
      if (grant.grantedAtMs > nowMs - windowMs) counted.push(grant);
      else this.unanswered.delete(grant); // never settled, or slow: no longer counts
    }
    if (counted.length < this.inFlightLimit) return 0;
    return counted[counted.length - this.inFlightLimit].grantedAtMs + windowMs - nowMs;
  }

  private blockedForMs(nowMs: number): number {
    return this.blockedUntilMs === undefined ? 0 : Math.max(0, this.blockedUntilMs - nowMs);
  }

  /** Grants to waiting callers, first come first served, while window, pace and pause allow; then sleeps until they next do. */
  private drain(): void {
    this.stopTimer();
    const { requestsPerSecond, windowMs, now } = this.config;
    while (this.waiting.length > 0 && !this.probeOutstanding) {
      const nowMs = now();
      // After a block's cool-down the next grant is the probe.
      const probe = this.blockedUntilMs !== undefined;
      const windowWaitMs = this.recentGrants.length < requestsPerSecond ? 0 : this.recentGrants[0].atMs + windowMs - nowMs;
      const paceWaitMs = this.lastGrantAtMs + 1000 / this.paceRps - nowMs;
      const waitMs = Math.max(windowWaitMs, paceWaitMs, this.inFlightWaitMs(nowMs), this.pausedUntilMs - nowMs);
      if (waitMs > 0) {
        for (const waiter of this.waiting) waiter.delayed = true;
        this.sleep(waitMs);
        return;
      }
      const waiter = this.waiting.shift()!;
      const grant: Grant = { atMs: nowMs, grantedAtMs: nowMs, paceLimited: waiter.delayed || this.waiting.length > 0, probe };
      this.recentGrants.push(grant);
      if (this.recentGrants.length > requestsPerSecond) this.recentGrants.shift();
      this.lastGrantAtMs = nowMs;
      this.unanswered.add(grant);
      this.probeOutstanding = probe;
      let settled = false;
      waiter.resolve({
        settle: (feedback) => {
          if (settled) return;
          settled = true;
          this.settle(grant, feedback);
        },
      });
    }
  }

  private settle(grant: Grant, feedback: RateFeedback): void {
    const nowMs = this.config.now();
    const reused = feedback.kind === 'answered' || feedback.kind === 'throttled' ? feedback.connectionReused : false;
    if (!reused) grant.atMs = Math.max(grant.atMs, nowMs);
    this.unanswered.delete(grant);
    if (!this.config.adaptive) return;

    if (feedback.kind === 'blocked') {
      this.probeOutstanding = false;
      this.block(nowMs);
      return;
    }
    if (grant.probe) {
      // Any answer but the block page (even none) means the block is over: start afresh.
      this.probeOutstanding = false;
      this.blockedUntilMs = undefined;
      this.paceRps = this.config.maxPaceRps;
      this.inFlightLimit = 1;
      this.inFlightLimitRaisedAtMs = nowMs;
      this.atCeilingSinceMs = nowMs;
    }
    if (feedback.kind === 'throttled') this.throttled(grant, feedback.retryAfterMs, nowMs);
    else if (feedback.kind === 'answered' && feedback.status < 500) this.answeredWell(grant, nowMs);
    // The pace or a pause changed when the next caller may go.
    if (this.waiting.length > 0 && !this.probeOutstanding) this.drain();
  }

  private answeredWell(grant: Grant, nowMs: number): void {
    if (grant.grantedAtMs < this.congestionEpochMs) return; // old news
    this.congestionStreak = 0;
    const { maxPaceRps, growthRpsPerSecond, requestsPerSecond, windowMs } = this.config;
    // Only demand teaches anything: the caller waited for its grant, or others wait now.
    const paceLimited = grant.paceLimited || this.waiting.length > 0;
    if (paceLimited && this.inFlightLimit !== undefined && nowMs - this.inFlightLimitRaisedAtMs >= windowMs) {
      this.inFlightLimit += 1;
      this.inFlightLimitRaisedAtMs = nowMs;
      if (this.inFlightLimit >= requestsPerSecond) this.inFlightLimit = undefined;
    }
    // Each answer stands for 1/pace seconds of sending, so while callers keep waiting on the
    // pace it grows by growthRpsPerSecond per second.
    if (paceLimited) this.paceRps = Math.min(maxPaceRps, this.paceRps + growthRpsPerSecond / this.paceRps);
    if (this.paceRps >= requestsPerSecond) this.atCeilingSinceMs ??= nowMs;
  }

  private throttled(grant: Grant, retryAfterMs: number | undefined, nowMs: number): void {
    const { windowMs, maxPauseMs, jitterMemoryMs, decreaseFactor, floorRps } = this.config;
    const oldNews = grant.grantedAtMs < this.congestionEpochMs;
    if (!oldNews) {
      this.congestionEpochMs = nowMs;
      this.congestionEvents += 1;
      this.congestionStreak += 1;
    }
    // Without Kommo's word, wait one window (our own requests then have left Kommo's count),
    // doubling while congestion events follow each other with no good answer between them.
    const backoffMs = windowMs * 2 ** Math.max(0, this.congestionStreak - 1);
    this.pausedUntilMs = Math.max(this.pausedUntilMs, nowMs + Math.min(maxPauseMs, retryAfterMs ?? backoffMs));
    if (oldNews) return;

    this.inFlightLimit = undefined;
    // A lone process that ran at the ceiling for a while without trouble met jitter, not a competitor.
    if (this.atCeilingSinceMs !== undefined && nowMs - this.atCeilingSinceMs >= jitterMemoryMs) {
      // Only pause; another 429 within jitterMemoryMs is a competitor.
      this.atCeilingSinceMs = nowMs;
      return;
    }
    this.atCeilingSinceMs = undefined;
    // Halve what was actually sent in Kommo's window, not a pace the callers did not use.
    const sentRps = this.recentGrants.filter((g) => g.grantedAtMs > nowMs - windowMs).length * (1000 / windowMs);
    this.paceRps = Math.max(floorRps, Math.min(this.paceRps, sentRps) * decreaseFactor);
  }

  /** Opens the breaker: every waiting caller fails now, and so does every new one until the cool-down ends. */
  private block(nowMs: number): void {
    this.blockedUntilMs = nowMs + this.config.blockCoolDownMs;
    this.stopTimer();
    const error = blockedError(this.origin, this.config.blockCoolDownMs);
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }

  private sleep(waitMs: number): void {
    // Timers have whole-millisecond resolution and may fire a little early; drain() checks the
    // clock again and sleeps for the remainder, so early firing costs one more timer, not a grant.
    this.cancelTimer = this.config.setTimer(() => {
      this.cancelTimer = undefined;
      this.drain();
    }, Math.ceil(waitMs));
  }

  private stopTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }
}

/** Checks N against the bounds of the `rateLimitRps` tunable (a configuration error if outside). */
function boundedRequestsPerSecond(requestsPerSecond: number): number {
  const tunable = TUNABLES.rateLimitRps;
  const label = `The Kommo rate limit (${tunable.env})`;
  const value = parseBounded(requestsPerSecond, tunable, label);
  if (value === undefined) {
    throw configError(`${label} must be a whole number from ${tunable.min} to ${tunable.max} (${tunable.unit}); got nothing.`);
  }
  return value;
}

/** Programming errors in the pace options (they are not user settings): a RangeError naming the option. */
function checkedPaceOptions(options: RateLimiterOptions): PaceSettings {
  const pace: PaceSettings = { ...DEFAULT_PACE };
  for (const key of Object.keys(DEFAULT_PACE) as Array<keyof typeof DEFAULT_PACE>) {
    const value = options[key] ?? DEFAULT_PACE[key];
    const valid = key === 'decreaseFactor' ? value > 0 && value < 1 : Number.isFinite(value) && value > 0;
    if (!valid) throw new RangeError(`${key} must be ${key === 'decreaseFactor' ? 'between 0 and 1' : 'a finite number > 0'}; got ${value}.`);
    pace[key] = value;
  }
  if (pace.floorRps > pace.maxPaceRps) throw new RangeError(`floorRps (${pace.floorRps}) must not exceed maxPaceRps (${pace.maxPaceRps}).`);
  return pace;
}

/**
 * Paces requests per origin: at most `requestsPerSecond` grants in any `1000 + marginMs` ms,
 * first come first served, at a pace that learns from Kommo's answers. Origins are independent.
 */
export class AdaptiveRateLimiter implements RateLimiter {
  /** N, validated against the tunable's bounds. */
  readonly requestsPerSecond: number;
  /** The window N grants must fit in: 1000 ms plus the safety margin. */
  readonly windowMs: number;
  private readonly config: PacerConfig;
  /** One pacer per origin; an account's origin is stable, so this grows with accounts, not messages. */
  private readonly pacers = new Map<string, OriginPacer>();

  constructor(options: RateLimiterOptions) {
    const marginMs = options.marginMs ?? DEFAULT_RATE_LIMIT_MARGIN_MS;
    if (!Number.isFinite(marginMs) || marginMs < 0) {
      throw new RangeError(`marginMs must be a finite number of milliseconds ≥ 0; got ${marginMs}.`);
    }
    this.requestsPerSecond = boundedRequestsPerSecond(options.requestsPerSecond);
    this.windowMs = KOMMO_WINDOW_MS + marginMs;
    this.config = {
      ...checkedPaceOptions(options),
      requestsPerSecond: this.requestsPerSecond,
      windowMs: this.windowMs,
      adaptive: options.adaptive ?? true,
      // Monotonic: a wall-clock step backwards (NTP) must not reopen a closed window.
      now: options.now ?? (() => performance.now()),
      // Looked up at call time, not import time, so test frameworks' fake timers apply.
      setTimer: options.setTimer ?? ((fn, delayMs) => {
        const timer = setTimeout(fn, delayMs);
        return () => clearTimeout(timer);
      }),
    };
  }

  /** Resolves when a request to `origin` may be sent; callers are served in call order. */
  acquire(origin: string): Promise<RateLimitPermit> {
    return this.pacer(origin).acquire();
  }

  /** The origin's pace, pause and breaker as they stand now. */
  snapshot(origin: string): PaceSnapshot {
    return this.pacer(origin).snapshot();
  }

  private pacer(origin: string): OriginPacer {
    let pacer = this.pacers.get(origin);
    if (pacer === undefined) {
      pacer = new OriginPacer(origin, this.config);
      this.pacers.set(origin, pacer);
    }
    return pacer;
  }
}

/** Builds a limiter (one per process is the intent: per-origin state lives inside it). */
export function createRateLimiter(options: RateLimiterOptions): AdaptiveRateLimiter {
  return new AdaptiveRateLimiter(options);
}

/** A limiter that never waits: for benchmarks of the client's own overhead, and for tests. */
export const noRateLimit: RateLimiter = Object.freeze({
  acquire: (): Promise<RateLimitPermit> => Promise.resolve(FREE_PERMIT),
});
