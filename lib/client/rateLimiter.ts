/**
 * Paces requests to one Kommo account so the process stays under Kommo's limit
 * (7 requests per second; repeated 429s get the IP blocked with a 403 on every request).
 *
 * Algorithm: a sliding-window log per origin. A request may go when fewer than N requests
 * were granted in the last `windowMs = 1000 + marginMs`; otherwise it waits, first come first
 * served, until the oldest of the last N grants leaves the window. This is the server's own
 * rule ("at most N in any 1000 ms") with a safety margin, so:
 *
 * - It never lets the server see more than N in 1000 ms unless transit delays differ by more
 *   than the margin. Request i+N is granted at least `windowMs` after request i, so it arrives
 *   at least `1000 + marginMs - (delay_i - delay_i+N)` ms later: a violation needs request i to
 *   spend more than `marginMs` longer between grant and arrival than request i+N.
 * - Sustained throughput is N per `windowMs`: 7 × 1000/1030 ≈ 6.80/s, 97.1% of the limit.
 *   (Throughput stays ≥ 95% for margins up to 52 ms; 30 ms leaves room under that for
 *   measurement noise and covers event-loop stalls, GC pauses and jitter on warm keep-alive
 *   connections.)
 * - A request sent on a new connection is delayed by the connection set-up (a TCP and TLS
 *   handshake, tens to hundreds of ms), while later requests reuse warm sockets: that difference
 *   exceeds any small margin, and measured cold starts drew 429s (BENCHMARKS.md). So the caller
 *   settles each permit when the answer arrives, saying whether the connection was reused; a
 *   request on a new connection (or one that failed) is re-anchored to its completion time, the
 *   latest moment it can have reached Kommo, and later grants count from there.
 *
 * Alternatives considered:
 * - Even spacing of `windowMs / N` gives the same worst-case guarantee and the same sustained
 *   throughput, but makes a sporadic message wait up to 147 ms for no reason; the window lets
 *   the first N after a quiet second go at once.
 * - A token bucket (rate N/s, burst N) admits up to 2N - 1 requests in one second (a full
 *   bucket plus the refill), which is exactly what the server rejects.
 */
import { configError } from './errors';
import { parseBounded, TUNABLES } from './options';

/** Permission to send one request; settle it when the attempt ended. */
export interface RateLimitPermit {
  /**
   * Reports that the attempt's answer (or failure) arrived. `connectionReused` false means the
   * request may have waited for a connection set-up, so it is counted from now instead of from
   * its grant.
   */
  settle(connectionReused: boolean): void;
}

/** Grants permission to send one request to an origin. */
export interface RateLimiter {
  /** Resolves when the caller may send one request to `origin` (scheme://host:port). */
  acquire(origin: string): Promise<RateLimitPermit>;
}

/** The window Kommo counts requests in. */
const KOMMO_WINDOW_MS = 1000;

/**
 * Added to Kommo's window so that jitter between our grant and the server's arrival time
 * cannot push N + 1 requests into one of its windows; see the module comment for the
 * throughput/safety trade-off behind 30 ms.
 */
export const DEFAULT_RATE_LIMIT_MARGIN_MS = 30;

/** Options of {@link SlidingWindowRateLimiter}. Clock and timer are injectable for tests. */
export interface RateLimiterOptions {
  /** N: requests per second per origin; must lie within `TUNABLES.rateLimitRps` (1–7). */
  requestsPerSecond: number;
  /** Safety margin added to the 1000 ms window; default {@link DEFAULT_RATE_LIMIT_MARGIN_MS}. */
  marginMs?: number;
  /** Current time in ms; must not go backwards. Default: `performance.now()` (monotonic). */
  now?: () => number;
  /** Runs `fn` once after `delayMs`. Default: `setTimeout`. */
  setTimer?: (fn: () => void, delayMs: number) => void;
}

/** The settings every origin's pacer of one limiter shares. */
interface PacerConfig {
  requestsPerSecond: number;
  windowMs: number;
  now: () => number;
  setTimer: (fn: () => void, delayMs: number) => void;
}

/**
 * One origin's window and queue. At most one timer is pending, and only while someone waits:
 * an idle pacer holds no timer, so it never keeps the process alive. While a caller waits the
 * timer is deliberately a normal (ref'd) one: a script whose only work is that request must
 * not exit with the request unsent.
 */
class OriginPacer {
  /** The last N grants, oldest first; `atMs` moves to the completion time of a cold request. */
  private readonly recentGrants: Array<{ atMs: number }> = [];
  /** Callers waiting for a grant, in arrival order. */
  private readonly waiting: Array<(permit: RateLimitPermit) => void> = [];
  private timerPending = false;

  constructor(private readonly config: PacerConfig) {}

  acquire(): Promise<RateLimitPermit> {
    return new Promise<RateLimitPermit>((resolve) => {
      this.waiting.push(resolve);
      // With a timer pending, earlier callers are waiting: this one queues behind them.
      if (!this.timerPending) this.drain();
    });
  }

  /** Grants to waiting callers while the window allows, then sleeps until it next does. */
  private drain(): void {
    const { requestsPerSecond, windowMs, now } = this.config;
    while (this.waiting.length > 0) {
      const nowMs = now();
      const waitMs = this.recentGrants.length < requestsPerSecond ? 0 : this.recentGrants[0].atMs + windowMs - nowMs;
      if (waitMs > 0) {
        this.sleep(waitMs);
        return;
      }
      const grant = { atMs: nowMs };
      this.recentGrants.push(grant);
      if (this.recentGrants.length > requestsPerSecond) this.recentGrants.shift();
      this.waiting.shift()?.({
        settle: (connectionReused) => {
          if (!connectionReused) grant.atMs = Math.max(grant.atMs, now());
        },
      });
    }
  }

  private sleep(waitMs: number): void {
    this.timerPending = true;
    // Timers have whole-millisecond resolution and may fire a little early; drain() checks the
    // clock again and sleeps for the remainder, so early firing costs one more timer, not a grant.
    this.config.setTimer(() => {
      this.timerPending = false;
      this.drain();
    }, Math.ceil(waitMs));
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

/**
 * Paces requests per origin: at most `requestsPerSecond` grants in any `1000 + marginMs` ms,
 * first come first served. Origins are independent of each other.
 */
export class SlidingWindowRateLimiter implements RateLimiter {
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
      requestsPerSecond: this.requestsPerSecond,
      windowMs: this.windowMs,
      // Monotonic: a wall-clock step backwards (NTP) must not reopen a closed window.
      now: options.now ?? (() => performance.now()),
      // Looked up at call time, not import time, so test frameworks' fake timers apply.
      setTimer: options.setTimer ?? ((fn, delayMs) => { setTimeout(fn, delayMs); }),
    };
  }

  /** Resolves when a request to `origin` may be sent; callers are served in call order. */
  acquire(origin: string): Promise<RateLimitPermit> {
    let pacer = this.pacers.get(origin);
    if (pacer === undefined) {
      pacer = new OriginPacer(this.config);
      this.pacers.set(origin, pacer);
    }
    return pacer.acquire();
  }
}
