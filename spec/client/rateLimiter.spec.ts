import { KommoConfigError } from '../../lib/client/errors';
import { resolveSettings, TUNABLES } from '../../lib/client/options';
import {
  DEFAULT_RATE_LIMIT_MARGIN_MS,
  RateLimiter,
  SlidingWindowRateLimiter,
} from '../../lib/client/rateLimiter';

const ACCOUNT = 'https://acme.kommo.com';
const OTHER_ACCOUNT = 'https://globex.kommo.com';
const KOMMO_WINDOW_MS = 1000;

/** Lets every settled promise run its callbacks (real setImmediate: this clock fakes nothing global). */
function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface FakeTimer { dueMs: number; fn: () => void }

/**
 * A manual clock and timer queue. `timerSkewMs` makes timers fire early (< 0) or late (> 0),
 * as real timers do, to check the limiter re-reads the clock instead of trusting the timer.
 */
class FakeClock {
  nowMs = 0;
  timersStarted = 0;
  maxPendingTimers = 0;
  private timers: FakeTimer[] = [];

  constructor(private readonly timerSkewMs = 0) {}

  readonly now = (): number => this.nowMs;

  readonly setTimer = (fn: () => void, delayMs: number): void => {
    // A skewed timer still waits at least 1 ms, as a real one does.
    const firesAfterMs = this.timerSkewMs === 0 ? delayMs : Math.max(1, delayMs + this.timerSkewMs);
    this.timers.push({ dueMs: this.nowMs + firesAfterMs, fn });
    this.timersStarted += 1;
    this.maxPendingTimers = Math.max(this.maxPendingTimers, this.timers.length);
  };

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle. */
  async advance(ms: number): Promise<void> {
    await this.runTimersUntil(this.nowMs + ms);
  }

  /** Fires timers until none is pending. */
  async runAll(): Promise<void> {
    await this.runTimersUntil(Number.POSITIVE_INFINITY);
  }

  private async runTimersUntil(endMs: number): Promise<void> {
    for (;;) {
      await flushPromises();
      const next = this.timers.reduce<FakeTimer | undefined>((earliest, t) => (earliest && earliest.dueMs <= t.dueMs ? earliest : t), undefined);
      if (next === undefined || next.dueMs > endMs) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      next.fn();
    }
    if (Number.isFinite(endMs)) this.nowMs = Math.max(this.nowMs, endMs);
    await flushPromises();
  }
}

function fakeLimiter(requestsPerSecond: number, clock: FakeClock, marginMs?: number): SlidingWindowRateLimiter {
  return new SlidingWindowRateLimiter({ requestsPerSecond, marginMs, now: clock.now, setTimer: clock.setTimer });
}

interface Grant { id: number; atMs: number }

/** Starts `count` acquisitions now; records each grant as `{ id, atMs }` in grant order. */
function startCallers(
  limiter: RateLimiter, clock: FakeClock, count: number,
  { origin = ACCOUNT, firstId = 0, grants = [] as Grant[] } = {},
): Grant[] {
  for (let i = 0; i < count; i += 1) {
    void limiter.acquire(origin).then(() => grants.push({ id: firstId + i, atMs: clock.nowMs }));
  }
  return grants;
}

/** The most grants inside any half-open window [t, t + windowMs). */
function maxGrantsInAnyWindow(grantTimesMs: number[], windowMs: number): number {
  const sorted = [...grantTimesMs].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last += 1) {
    while (sorted[last] - sorted[first] >= windowMs) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** A deterministic pseudo-random sequence in [0, 1), so arrival patterns are varied but repeatable. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('SlidingWindowRateLimiter', () => {
  describe.each([1, 3, 7])('at %i requests per second', (rps) => {
    it('grants the first N at once and holds the N+1th', async () => {
      const clock = new FakeClock();
      const grants = startCallers(fakeLimiter(rps, clock), clock, rps + 1);
      await flushPromises();
      expect(grants.map((g) => g.atMs)).toEqual(Array(rps).fill(0));
      expect(clock.pendingTimers).toBe(1);
    });

    it('grants the N+1th exactly when the first grant leaves the 1000 ms + margin window', async () => {
      const clock = new FakeClock();
      const grants = startCallers(fakeLimiter(rps, clock), clock, rps + 1);
      await clock.advance(KOMMO_WINDOW_MS + DEFAULT_RATE_LIMIT_MARGIN_MS - 1);
      expect(grants).toHaveLength(rps);
      await clock.advance(1);
      expect(grants).toHaveLength(rps + 1);
      expect(grants[rps].atMs).toBe(KOMMO_WINDOW_MS + DEFAULT_RATE_LIMIT_MARGIN_MS);
    });

    it('sustains at least 95% of N per second on a full queue', async () => {
      const clock = new FakeClock();
      const count = 20 * rps;
      const grants = startCallers(fakeLimiter(rps, clock), clock, count);
      await clock.runAll();
      expect(grants).toHaveLength(count);
      // After the first second's N, the rest arrive at the sustained rate.
      const sustainedRps = ((count - rps) * 1000) / grants[count - 1].atMs;
      expect(sustainedRps).toBeGreaterThanOrEqual(0.95 * rps);
      expect(sustainedRps).toBeLessThanOrEqual(rps);
      expect(grants[count - 1].atMs).toBeLessThanOrEqual((count / rps) * 1000);
    });
  });

  it.each([
    { timers: 'exact', timerSkewMs: 0 },
    { timers: '1 ms early', timerSkewMs: -1 },
    { timers: '7 ms late', timerSkewMs: 7 },
  ])('never grants more than N in any 1000 ms window, with $timers timers and callers arriving at random', async ({ timerSkewMs }) => {
    const clock = new FakeClock(timerSkewMs);
    const limiter = fakeLimiter(7, clock);
    const random = seededRandom(42);
    const grantTimesMs: number[] = [];
    // 200 callers in bursts and trickles over ~20 s, so the queue fills, drains and refills.
    for (let i = 0; i < 200; i += 1) {
      const arrivalMs = Math.floor(random() < 0.5 ? random() * 20000 : (i % 5) * 4000);
      clock.setTimer(() => { void limiter.acquire(ACCOUNT).then(() => grantTimesMs.push(clock.nowMs)); }, arrivalMs);
    }
    await clock.runAll();
    expect(grantTimesMs).toHaveLength(200);
    expect(maxGrantsInAnyWindow(grantTimesMs, KOMMO_WINDOW_MS)).toBe(7);
    expect(maxGrantsInAnyWindow(grantTimesMs, KOMMO_WINDOW_MS + DEFAULT_RATE_LIMIT_MARGIN_MS)).toBe(7);
  });

  it('completes 140 acquisitions within 140/7 s of fake time', async () => {
    const clock = new FakeClock();
    const grants = startCallers(fakeLimiter(7, clock), clock, 140);
    await clock.advance(20000);
    expect(grants).toHaveLength(140);
  });

  it('serves 20 concurrent callers in call order', async () => {
    const clock = new FakeClock();
    const grants = startCallers(fakeLimiter(7, clock), clock, 20);
    await clock.runAll();
    expect(grants.map((g) => g.id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('does not let a caller who arrives while its timer is late overtake the queue', async () => {
    const clock = new FakeClock();
    const limiter = fakeLimiter(7, clock);
    const grants = startCallers(limiter, clock, 8);
    await flushPromises();
    // The window has room again, but the timer for caller 7 has not fired yet.
    clock.nowMs = 5000;
    startCallers(limiter, clock, 1, { firstId: 8, grants });
    await flushPromises();
    expect(grants).toHaveLength(7);
    await clock.runAll();
    expect(grants.map((g) => g.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('keeps separate windows for separate origins', async () => {
    const clock = new FakeClock();
    const limiter = fakeLimiter(7, clock);
    const busy = startCallers(limiter, clock, 10, { origin: ACCOUNT });
    const other = startCallers(limiter, clock, 7, { origin: OTHER_ACCOUNT });
    await flushPromises();
    expect(busy).toHaveLength(7);
    expect(other.map((g) => g.atMs)).toEqual(Array(7).fill(0));
  });

  it('uses one timer at a time and leaves none once the queue drains', async () => {
    const clock = new FakeClock();
    const grants = startCallers(fakeLimiter(7, clock), clock, 140);
    await clock.runAll();
    expect(grants).toHaveLength(140);
    expect(clock.maxPendingTimers).toBe(1);
    // One wake-up per window of 7, not polling.
    expect(clock.timersStarted).toBe(140 / 7 - 1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('grants a caller at once when it arrives after the queue drained and the window passed', async () => {
    const clock = new FakeClock();
    const limiter = fakeLimiter(7, clock);
    const grants = startCallers(limiter, clock, 8);
    await clock.runAll();
    await clock.advance(KOMMO_WINDOW_MS + DEFAULT_RATE_LIMIT_MARGIN_MS);
    const timersBefore = clock.timersStarted;
    startCallers(limiter, clock, 1, { firstId: 8, grants });
    await flushPromises();
    expect(grants.map((g) => g.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(grants[8].atMs).toBe(clock.nowMs);
    expect(clock.timersStarted).toBe(timersBefore);
  });

  it('starts no timer while the window has room', async () => {
    const clock = new FakeClock();
    const grants = startCallers(fakeLimiter(7, clock), clock, 7);
    await flushPromises();
    expect(grants).toHaveLength(7);
    expect(clock.timersStarted).toBe(0);
  });

  it('paces with the real clock and timers by default, leaving no timer behind', async () => {
    jest.useFakeTimers();
    try {
      const limiter = new SlidingWindowRateLimiter({ requestsPerSecond: 7 });
      let granted = 0;
      for (let i = 0; i < 8; i += 1) void limiter.acquire(ACCOUNT).then(() => { granted += 1; });
      await jest.advanceTimersByTimeAsync(0);
      expect(granted).toBe(7);
      expect(jest.getTimerCount()).toBe(1);
      await jest.advanceTimersByTimeAsync(KOMMO_WINDOW_MS + DEFAULT_RATE_LIMIT_MARGIN_MS);
      expect(granted).toBe(8);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  describe('requests per second come from the rateLimitRps tunable', () => {
    const { min, max } = TUNABLES.rateLimitRps;

    it.each([min, max])('accepts %i', (rps) => {
      expect(new SlidingWindowRateLimiter({ requestsPerSecond: rps }).requestsPerSecond).toBe(rps);
    });

    it.each([min - 1, max + 1, 2.5, Number.NaN])('rejects %p as a configuration error naming the range', (rps) => {
      expect(() => new SlidingWindowRateLimiter({ requestsPerSecond: rps })).toThrow(KommoConfigError);
      expect(() => new SlidingWindowRateLimiter({ requestsPerSecond: rps })).toThrow(`from ${min} to ${max}`);
    });

    it.each([
      { env: {}, rps: 7 },
      { env: { KOMMO_RATE_LIMIT_RPS: '1' }, rps: 1 },
      { env: { KOMMO_RATE_LIMIT_RPS: '7' }, rps: 7 },
    ])('reads $rps from the environment $env', ({ env, rps }) => {
      expect(resolveSettings(env).rateLimitRps).toBe(rps);
    });
  });

  it.each([-1, Number.POSITIVE_INFINITY])('rejects a marginMs of %p', (marginMs) => {
    expect(() => new SlidingWindowRateLimiter({ requestsPerSecond: 7, marginMs })).toThrow(RangeError);
  });

  it('honours a custom margin', async () => {
    const clock = new FakeClock();
    const grants = startCallers(fakeLimiter(7, clock, 100), clock, 8);
    await clock.advance(1099);
    expect(grants).toHaveLength(7);
    await clock.advance(1);
    expect(grants[7].atMs).toBe(1100);
  });
});

describe('requests on new connections are counted from their completion', () => {
  const WINDOW_MS = KOMMO_WINDOW_MS + DEFAULT_RATE_LIMIT_MARGIN_MS;

  async function firstBurstThenNext(connectionReused: boolean, completedAfterMs: number): Promise<number> {
    const clock = new FakeClock();
    const limiter = fakeLimiter(7, clock);
    const permits = await Promise.all(Array.from({ length: 7 }, () => limiter.acquire(ACCOUNT)));
    await clock.advance(completedAfterMs);
    for (const permit of permits) permit.settle(connectionReused);
    let grantedAtMs = -1;
    void limiter.acquire(ACCOUNT).then(() => { grantedAtMs = clock.nowMs; });
    await clock.runAll();
    return grantedAtMs;
  }

  it.each([
    ['a reused connection keeps the grant time', true, 60, WINDOW_MS],
    ['a new connection (handshake delay) moves the slot to its completion', false, 60, 60 + WINDOW_MS],
    ['a fast answer on a new connection costs only its latency', false, 2, 2 + WINDOW_MS],
  ])('%s', async (_name, connectionReused, completedAfterMs, expectedGrantMs) => {
    expect(await firstBurstThenNext(connectionReused, completedAfterMs)).toBe(expectedGrantMs);
  });

  it('re-anchoring never moves a slot earlier', async () => {
    const clock = new FakeClock();
    const limiter = fakeLimiter(1, clock);
    const permit = await limiter.acquire(ACCOUNT);
    await clock.advance(500);
    permit.settle(false);
    permit.settle(true);
    let grantedAtMs = -1;
    void limiter.acquire(ACCOUNT).then(() => { grantedAtMs = clock.nowMs; });
    await clock.runAll();
    expect(grantedAtMs).toBe(500 + WINDOW_MS);
  });
});
