/**
 * Kommo's request-rate rule and its escalation (docs/kommo-api.md §3): more than N requests in a
 * sliding second → 429; repeated 429s → a ban during which every request gets an HTML 403.
 * Time comes from the injected clock, so tests drive it without sleeping.
 */
import type { RateLimitSettings } from './types';

export const DEFAULT_RATE_LIMIT: Readonly<RateLimitSettings> = {
  requestsPerSecond: 7,
  banAfterViolations: 3,
  banWindowMs: 60_000,
  banMs: 60_000,
  sendRetryAfterHeader: false,
  retryAfterSeconds: 1,
};

const WINDOW_MS = 1000;

/** What the limiter decided for one arriving request. */
export type RateVerdict = { kind: 'allow' } | { kind: 'throttle' } | { kind: 'banned' };

/** Timestamps in arrival order, pruned from the front without shifting the array each time. */
class TimeQueue {
  private times: number[] = [];
  private head = 0;

  push(at: number): void {
    this.times.push(at);
  }

  /** Drop entries at or before `cutoff`; returns how many remain. */
  countAfter(cutoff: number): number {
    while (this.head < this.times.length && this.times[this.head] <= cutoff) this.head += 1;
    // Compact now and then so a long benchmark does not keep every timestamp alive.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }
}

export class RateLimiter {
  private settings: RateLimitSettings | undefined;
  private readonly requests = new TimeQueue();
  private readonly violations = new TimeQueue();
  private bannedUntilMs: number | undefined;

  constructor(settings: Partial<RateLimitSettings> | false) {
    this.settings = undefined;
    this.configure(settings);
  }

  /** Current settings, or undefined when limiting is off. */
  get current(): Readonly<RateLimitSettings> | undefined {
    return this.settings;
  }

  /** Partial settings merge over the current ones (or the defaults when limiting was off). */
  configure(settings: Partial<RateLimitSettings> | false): void {
    this.settings = settings === false ? undefined : { ...(this.settings ?? DEFAULT_RATE_LIMIT), ...settings };
  }

  reset(): void {
    this.requests.clear();
    this.violations.clear();
    this.bannedUntilMs = undefined;
  }

  /** Record one arriving request at `nowMs` and decide its fate. */
  admit(nowMs: number): RateVerdict {
    const settings = this.settings;
    if (settings === undefined) return { kind: 'allow' };
    if (this.bannedUntilMs !== undefined) {
      // Banned requests are not counted: the ban already answers them all.
      if (nowMs < this.bannedUntilMs) return { kind: 'banned' };
      this.reset();
    }
    const inWindow = this.requests.countAfter(nowMs - WINDOW_MS);
    // Count even the request we are about to reject: Kommo's gateway counts attempts (see types.ts).
    this.requests.push(nowMs);
    if (inWindow < settings.requestsPerSecond) return { kind: 'allow' };

    this.violations.push(nowMs);
    if (this.violations.countAfter(nowMs - settings.banWindowMs) >= settings.banAfterViolations) {
      this.bannedUntilMs = nowMs + settings.banMs;
    }
    return { kind: 'throttle' };
  }
}
