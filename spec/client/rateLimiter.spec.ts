/**
 * The rate limiter on a manual clock: the sliding-window ceiling, and the congestion control
 * that learns from Kommo's answers (pace, slow start, pause, decrease, growth, jitter, breaker).
 * Nothing here waits in real time.
 */
import { KommoBlockedError, KommoConfigError } from '../../lib/client/errors';
import { resolveSettings, TUNABLES } from '../../lib/client/options';
import {
  AdaptiveRateLimiter,
  createRateLimiter,
  DEFAULT_PACE,
  DEFAULT_RATE_LIMIT_MARGIN_MS,
  noRateLimit,
  RateFeedback,
  RateLimiter,
  RateLimiterOptions,
  RateLimitPermit,
} from '../../lib/client/rateLimiter';
import { FakeClock, flushPromises } from '../fakeClock';

const ACCOUNT = 'https://acme.kommo.com';
const OTHER_ACCOUNT = 'https://globex.kommo.com';
const KOMMO_WINDOW_MS = 1000;
const WINDOW_MS = KOMMO_WINDOW_MS + DEFAULT_RATE_LIMIT_MARGIN_MS;
/** Grants of a fresh origin are this far apart: the fastest pace. */
const MIN_SPACING_MS = 1000 / DEFAULT_PACE.maxPaceRps;

const GOOD: RateFeedback = { kind: 'answered', status: 200, connectionReused: true };
const THROTTLED: RateFeedback = { kind: 'throttled', retryAfterMs: 1000, connectionReused: true };
const THROTTLED_NO_WAIT: RateFeedback = { kind: 'throttled', connectionReused: true };
const BLOCKED: RateFeedback = { kind: 'blocked' };

function limiterOn(clock: FakeClock, options: Partial<RateLimiterOptions> = {}): AdaptiveRateLimiter {
  return createRateLimiter({ requestsPerSecond: 7, now: clock.now, setTimer: clock.setTimer, ...options });
}

/** The 1.0 limiter: the window alone, no pace, nothing learned from answers. */
function windowOnly(clock: FakeClock, requestsPerSecond: number, marginMs?: number): AdaptiveRateLimiter {
  return limiterOn(clock, { requestsPerSecond, marginMs, adaptive: false });
}

interface Grant { id: number; atMs: number; permit: RateLimitPermit }

/**
 * Starts `count` acquisitions now; records each grant as `{ id, atMs, permit }` in grant order.
 * With `answer`, each permit is settled with it as soon as it is granted (a fast link).
 */
function startCallers(
  limiter: RateLimiter, clock: FakeClock, count: number,
  { origin = ACCOUNT, firstId = 0, grants = [] as Grant[], answer = undefined as RateFeedback | undefined } = {},
): Grant[] {
  for (let i = 0; i < count; i += 1) {
    limiter.acquire(origin).then((permit) => {
      grants.push({ id: firstId + i, atMs: clock.nowMs, permit });
      if (answer) permit.settle(answer);
    }, () => undefined); // refused by the breaker: the tests look at grants
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

/** Times of the grants, relative to `fromMs`. */
function timesFrom(grants: Grant[], fromMs = 0): number[] {
  return grants.map((g) => g.atMs - fromMs);
}

describe('the ceiling: at most N grants in any 1000 ms + margin window (window alone)', () => {
  describe.each([1, 3, 7])('at %i requests per second', (rps) => {
    it('grants the first N at once and holds the N+1th', async () => {
      const clock = new FakeClock();
      const grants = startCallers(windowOnly(clock, rps), clock, rps + 1);
      await flushPromises();
      expect(timesFrom(grants)).toEqual(Array(rps).fill(0));
      expect(clock.pendingTimers).toBe(1);
    });

    it('grants the N+1th exactly when the first grant leaves the 1000 ms + margin window', async () => {
      const clock = new FakeClock();
      const grants = startCallers(windowOnly(clock, rps), clock, rps + 1);
      await clock.advance(WINDOW_MS - 1);
      expect(grants).toHaveLength(rps);
      await clock.advance(1);
      expect(grants).toHaveLength(rps + 1);
      expect(grants[rps].atMs).toBe(WINDOW_MS);
    });

    it('sustains at least 95% of N per second on a full queue', async () => {
      const clock = new FakeClock();
      const count = 20 * rps;
      const grants = startCallers(windowOnly(clock, rps), clock, count);
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
    { limiter: 'window alone', adaptive: false, timers: 'exact', timerSkewMs: 0 },
    { limiter: 'window alone', adaptive: false, timers: '1 ms early', timerSkewMs: -1 },
    { limiter: 'window alone', adaptive: false, timers: '7 ms late', timerSkewMs: 7 },
    { limiter: 'adaptive, answers good', adaptive: true, timers: 'exact', timerSkewMs: 0 },
    { limiter: 'adaptive, answers good', adaptive: true, timers: '1 ms early', timerSkewMs: -1 },
  ])('never grants more than N in any 1000 ms window ($limiter, $timers timers, callers arriving at random)', async ({ adaptive, timerSkewMs }) => {
    const clock = new FakeClock(timerSkewMs);
    const limiter = limiterOn(clock, { adaptive });
    const random = seededRandom(42);
    const grantTimesMs: number[] = [];
    // 200 callers in bursts and trickles over ~20 s, so the queue fills, drains and refills.
    for (let i = 0; i < 200; i += 1) {
      const arrivalMs = Math.floor(random() < 0.5 ? random() * 20000 : (i % 5) * 4000);
      clock.setTimer(() => {
        void limiter.acquire(ACCOUNT).then((permit) => {
          grantTimesMs.push(clock.nowMs);
          permit.settle(GOOD);
        });
      }, arrivalMs);
    }
    await clock.runAll();
    expect(grantTimesMs).toHaveLength(200);
    expect(maxGrantsInAnyWindow(grantTimesMs, KOMMO_WINDOW_MS)).toBe(7);
    expect(maxGrantsInAnyWindow(grantTimesMs, WINDOW_MS)).toBe(7);
  });

  it('completes 140 acquisitions within 140/7 s of fake time', async () => {
    const clock = new FakeClock();
    const grants = startCallers(windowOnly(clock, 7), clock, 140);
    await clock.advance(20000);
    expect(grants).toHaveLength(140);
  });

  it('serves 20 concurrent callers in call order', async () => {
    const clock = new FakeClock();
    const grants = startCallers(limiterOn(clock), clock, 20, { answer: GOOD });
    await clock.runAll();
    expect(grants.map((g) => g.id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('does not let a caller who arrives while its timer is late overtake the queue', async () => {
    const clock = new FakeClock();
    const limiter = windowOnly(clock, 7);
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

  it('keeps separate windows, paces and breakers for separate origins', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    const busy = startCallers(limiter, clock, 10, { origin: ACCOUNT });
    await flushPromises();
    busy[0].permit.settle(BLOCKED);
    const other = startCallers(limiter, clock, 7, { origin: OTHER_ACCOUNT, answer: GOOD });
    await clock.advance(300);
    expect(busy).toHaveLength(1);
    expect(limiter.snapshot(ACCOUNT).blockedForMs).toBeGreaterThan(0);
    expect(other).toHaveLength(7);
    expect(limiter.snapshot(OTHER_ACCOUNT).blockedForMs).toBe(0);
  });

  it('uses one timer at a time and leaves none once the queue drains', async () => {
    const clock = new FakeClock();
    const grants = startCallers(windowOnly(clock, 7), clock, 140);
    await clock.runAll();
    expect(grants).toHaveLength(140);
    expect(clock.maxPendingTimers).toBe(1);
    // One wake-up per window of 7, not polling.
    expect(clock.timersStarted).toBe(140 / 7 - 1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps at most one timer pending while answers change the pace, and none once drained', async () => {
    const clock = new FakeClock();
    const grants = startCallers(limiterOn(clock), clock, 60, { answer: GOOD });
    await clock.runAll();
    expect(grants).toHaveLength(60);
    expect(clock.maxPendingTimers).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('grants a caller at once when it arrives after the queue drained and the window passed', async () => {
    const clock = new FakeClock();
    const limiter = windowOnly(clock, 7);
    const grants = startCallers(limiter, clock, 8);
    await clock.runAll();
    await clock.advance(WINDOW_MS);
    const timersBefore = clock.timersStarted;
    startCallers(limiter, clock, 1, { firstId: 8, grants });
    await flushPromises();
    expect(grants.map((g) => g.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(grants[8].atMs).toBe(clock.nowMs);
    expect(clock.timersStarted).toBe(timersBefore);
  });

  it('starts no timer while the window has room', async () => {
    const clock = new FakeClock();
    const grants = startCallers(windowOnly(clock, 7), clock, 7);
    await flushPromises();
    expect(grants).toHaveLength(7);
    expect(clock.timersStarted).toBe(0);
  });

  it('paces with the real clock and timers by default, leaving no timer behind', async () => {
    jest.useFakeTimers();
    try {
      const limiter = createRateLimiter({ requestsPerSecond: 7 });
      let granted = 0;
      for (let i = 0; i < 8; i += 1) {
        void limiter.acquire(ACCOUNT).then((permit) => {
          granted += 1;
          permit.settle(GOOD);
        });
      }
      await jest.advanceTimersByTimeAsync(0);
      expect(granted).toBe(1);
      expect(jest.getTimerCount()).toBe(1);
      await jest.advanceTimersByTimeAsync(WINDOW_MS / 2);
      expect(granted).toBe(7);
      await jest.advanceTimersByTimeAsync(WINDOW_MS);
      expect(granted).toBe(8);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('honours a custom margin', async () => {
    const clock = new FakeClock();
    const grants = startCallers(windowOnly(clock, 7, 100), clock, 8);
    await clock.advance(1099);
    expect(grants).toHaveLength(7);
    await clock.advance(1);
    expect(grants[7].atMs).toBe(1100);
  });
});

describe('requests on new connections are counted from their completion', () => {
  async function firstBurstThenNext(feedback: RateFeedback, completedAfterMs: number): Promise<number> {
    const clock = new FakeClock();
    const limiter = windowOnly(clock, 7);
    const permits = await Promise.all(Array.from({ length: 7 }, () => limiter.acquire(ACCOUNT)));
    await clock.advance(completedAfterMs);
    for (const permit of permits) permit.settle(feedback);
    let grantedAtMs = -1;
    void limiter.acquire(ACCOUNT).then(() => { grantedAtMs = clock.nowMs; });
    await clock.runAll();
    return grantedAtMs;
  }

  it.each([
    { name: 'a reused connection keeps the grant time', feedback: GOOD, completedAfterMs: 60, expectedGrantMs: WINDOW_MS },
    {
      name: 'a new connection (handshake delay) moves the slot to its completion',
      feedback: { kind: 'answered', status: 200, connectionReused: false } as const,
      completedAfterMs: 60,
      expectedGrantMs: 60 + WINDOW_MS,
    },
    {
      name: 'a fast answer on a new connection costs only its latency',
      feedback: { kind: 'answered', status: 200, connectionReused: false } as const,
      completedAfterMs: 2,
      expectedGrantMs: 2 + WINDOW_MS,
    },
    {
      name: 'a 429 on a new connection moves the slot too',
      feedback: { kind: 'throttled', connectionReused: false } as const,
      completedAfterMs: 40,
      expectedGrantMs: 40 + WINDOW_MS,
    },
    { name: 'no answer (network failure) moves the slot', feedback: { kind: 'failed' } as const, completedAfterMs: 500, expectedGrantMs: 500 + WINDOW_MS },
  ])('$name', async ({ feedback, completedAfterMs, expectedGrantMs }) => {
    expect(await firstBurstThenNext(feedback, completedAfterMs)).toBe(expectedGrantMs);
  });

  it('counts only the first settle of a permit', async () => {
    const clock = new FakeClock();
    const limiter = windowOnly(clock, 1);
    const permit = await limiter.acquire(ACCOUNT);
    await clock.advance(500);
    permit.settle({ kind: 'failed' });
    await clock.advance(200);
    permit.settle({ kind: 'failed' });
    let grantedAtMs = -1;
    void limiter.acquire(ACCOUNT).then(() => { grantedAtMs = clock.nowMs; });
    await clock.runAll();
    expect(grantedAtMs).toBe(500 + WINDOW_MS);
  });
});

/** Fresh origins space grants by whole milliseconds: timers round the wait up. */
const SPACING_MS = Math.ceil(MIN_SPACING_MS);

/** A limiter whose origin is past slow start (6 windows of good answers to waiting callers), with the window empty again. */
async function pastSlowStart(clock: FakeClock, options: Partial<RateLimiterOptions> = {}): Promise<AdaptiveRateLimiter> {
  const limiter = limiterOn(clock, options);
  startCallers(limiter, clock, 7 * 7, { answer: GOOD });
  await clock.runAll();
  await clock.advance(WINDOW_MS);
  expect(limiter.snapshot(ACCOUNT).inFlightLimit).toBeUndefined();
  return limiter;
}

/** Differences between consecutive grant times. */
function gapsMs(grants: Grant[]): number[] {
  return grants.slice(1).map((g, i) => g.atMs - grants[i].atMs);
}

describe('the pace: a new origin spreads its burst', () => {
  it(`grants a fresh origin's burst ${SPACING_MS} ms apart, then the window holds the 8th`, async () => {
    const clock = new FakeClock();
    const grants = startCallers(limiterOn(clock), clock, 8, { answer: GOOD });
    await clock.runAll();
    expect(timesFrom(grants)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => i * SPACING_MS).concat(WINDOW_MS));
  });

  it('sends a lone sporadic request at once', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    const grants = startCallers(limiter, clock, 1, { answer: GOOD });
    await clock.advance(5000);
    startCallers(limiter, clock, 1, { grants, answer: GOOD });
    await flushPromises();
    expect(timesFrom(grants)).toEqual([0, 5000]);
  });

  it('keeps ≥ 95% of N on a full queue of 140 with good answers (the single-process bar)', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    const grants = startCallers(limiter, clock, 140, { answer: GOOD });
    await clock.runAll();
    const lastMs = grants[139].atMs;
    expect(((140 - 7) * 1000) / lastMs).toBeGreaterThanOrEqual(0.95 * 7);
    expect(maxGrantsInAnyWindow(timesFrom(grants), WINDOW_MS)).toBe(7);
  });
});

describe('slow start: a new origin has few requests awaiting their answer', () => {
  it('holds the second request until the first is answered', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    const grants = startCallers(limiter, clock, 3);
    await clock.advance(150);
    expect(grants).toHaveLength(1);
    grants[0].permit.settle(GOOD);
    await flushPromises();
    expect(timesFrom(grants)).toEqual([0, 150]);
    expect(limiter.snapshot(ACCOUNT).inFlightLimit).toBe(1);
  });

  it.each([
    { windows: 0, limit: 1 },
    { windows: 1, limit: 2 },
    { windows: 3, limit: 4 },
    { windows: 5, limit: 6 },
    { windows: 6, limit: undefined }, // reached N: the window governs
  ])('after $windows windows of good answers to waiting callers the limit is $limit', async ({ windows, limit }) => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    startCallers(limiter, clock, 100, { answer: GOOD });
    await clock.advance(windows * WINDOW_MS + WINDOW_MS / 2);
    expect(limiter.snapshot(ACCOUNT).inFlightLimit).toBe(limit);
  });

  it('does not grow on answers to requests nobody waited behind', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    for (let i = 0; i < 5; i += 1) {
      (await limiter.acquire(ACCOUNT)).settle(GOOD);
      await clock.advance(2000);
    }
    expect(limiter.snapshot(ACCOUNT).inFlightLimit).toBe(1);
  });

  it('lets a request that stays unanswered for a window stop holding the others', async () => {
    const clock = new FakeClock();
    const grants = startCallers(limiterOn(clock), clock, 2);
    await clock.runAll();
    expect(timesFrom(grants)).toEqual([0, WINDOW_MS]);
  });

  it('ends at the first congestion event', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    const grants = startCallers(limiter, clock, 2);
    await flushPromises();
    grants[0].permit.settle(THROTTLED);
    expect(limiter.snapshot(ACCOUNT).inFlightLimit).toBeUndefined();
  });
});

describe('a 429 pauses every queued request to the origin', () => {
  it.each([
    { name: "Kommo's wait", feedback: { kind: 'throttled', retryAfterMs: 2500, connectionReused: true } as const, pauseMs: 2500 },
    { name: 'one window when Kommo gave no wait', feedback: THROTTLED_NO_WAIT, pauseMs: WINDOW_MS },
    { name: 'at most maxPauseMs', feedback: { kind: 'throttled', retryAfterMs: 300_000, connectionReused: true } as const, pauseMs: DEFAULT_PACE.maxPauseMs },
  ])('for $name', async ({ feedback, pauseMs }) => {
    const clock = new FakeClock();
    const limiter = await pastSlowStart(clock);
    const burst = startCallers(limiter, clock, 7);
    await clock.advance(250);
    const queued = startCallers(limiter, clock, 3, { answer: GOOD });
    burst[6].permit.settle(feedback);
    // The window (first slot free 1030 ms after the burst began) and the halved pace allow earlier.
    await clock.advance(pauseMs - 1);
    expect(queued).toHaveLength(0);
    expect(limiter.snapshot(ACCOUNT).pausedForMs).toBe(1);
    await clock.advance(1);
    expect(timesFrom(queued, clock.nowMs)).toEqual([0]);
  });

  it('holds no other origin, and keeps the queue in order', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    const grants = startCallers(limiter, clock, 1);
    await flushPromises();
    startCallers(limiter, clock, 4, { firstId: 1, grants, answer: GOOD });
    grants[0].permit.settle(THROTTLED);
    const other = startCallers(limiter, clock, 1, { origin: OTHER_ACCOUNT, answer: GOOD });
    await clock.runAll();
    expect(timesFrom(other)).toEqual([0]);
    expect(grants.map((g) => g.id)).toEqual([0, 1, 2, 3, 4]);
    expect(grants[1].atMs).toBeGreaterThanOrEqual(1000);
  });

  it('doubles the backoff while 429s without a wait follow each other, and resets it after a good answer', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    const pausesMs: number[] = [];
    const send = async (feedback: RateFeedback): Promise<void> => {
      (await limiter.acquire(ACCOUNT)).settle(feedback);
      pausesMs.push(limiter.snapshot(ACCOUNT).pausedForMs);
      await clock.advance(limiter.snapshot(ACCOUNT).pausedForMs + 5000);
    };
    for (const feedback of [THROTTLED_NO_WAIT, THROTTLED_NO_WAIT, THROTTLED_NO_WAIT, GOOD, THROTTLED_NO_WAIT]) await send(feedback);
    expect(pausesMs).toEqual([WINDOW_MS, 2 * WINDOW_MS, 4 * WINDOW_MS, 0, WINDOW_MS]);
  });
});

describe('a 429 halves the pace, once per congestion event', () => {
  it.each([
    // Half of what was actually sent in the last window (the 429'd request included), not of the unused maximum.
    { sent: 7, paceRps: (7 * 1000) / WINDOW_MS / 2 },
    { sent: 4, paceRps: (4 * 1000) / WINDOW_MS / 2 },
    { sent: 1, paceRps: DEFAULT_PACE.floorRps }, // 0.49/s would be below the floor
  ])('after $sent requests in the window, the last one a 429, the pace is $paceRps/s', async ({ sent, paceRps }) => {
    const clock = new FakeClock();
    const limiter = await pastSlowStart(clock);
    const grants = startCallers(limiter, clock, sent);
    await clock.runAll();
    for (const grant of grants.slice(0, -1)) grant.permit.settle(GOOD);
    grants[sent - 1].permit.settle(THROTTLED);
    expect(limiter.snapshot(ACCOUNT).paceRps).toBeCloseTo(paceRps, 2);
    expect(limiter.snapshot(ACCOUNT).congestionEvents).toBe(1);
  });

  it('takes 429s to requests granted before the decrease as old news: one decrease, a longer pause', async () => {
    const clock = new FakeClock();
    const limiter = await pastSlowStart(clock);
    const inFlight = startCallers(limiter, clock, 5);
    await clock.advance(200);
    expect(inFlight).toHaveLength(5);
    inFlight[0].permit.settle(THROTTLED);
    const paceAfterFirst = limiter.snapshot(ACCOUNT).paceRps;
    await clock.advance(100);
    for (const grant of inFlight.slice(1)) grant.permit.settle(THROTTLED);
    expect(limiter.snapshot(ACCOUNT)).toMatchObject({ paceRps: paceAfterFirst, congestionEvents: 1, pausedForMs: 1000 });
  });

  it('halves again on a 429 to a request granted after the decrease', async () => {
    const clock = new FakeClock();
    const limiter = await pastSlowStart(clock);
    const grants = startCallers(limiter, clock, 6);
    await clock.runAll();
    grants[5].permit.settle(THROTTLED);
    const paceAfterFirst = limiter.snapshot(ACCOUNT).paceRps;
    await clock.advance(1000);
    (await limiter.acquire(ACCOUNT)).settle(THROTTLED);
    expect(limiter.snapshot(ACCOUNT).congestionEvents).toBe(2);
    expect(limiter.snapshot(ACCOUNT).paceRps).toBeLessThan(paceAfterFirst);
  });

  it('then spaces grants 1000/pace ms apart', async () => {
    const clock = new FakeClock();
    const limiter = await pastSlowStart(clock);
    const burst = startCallers(limiter, clock, 7);
    await clock.runAll();
    burst[6].permit.settle(THROTTLED);
    const { paceRps } = limiter.snapshot(ACCOUNT);
    const grants = startCallers(limiter, clock, 4);
    await clock.runAll();
    expect(gapsMs(grants)).toEqual([1, 2, 3].map(() => Math.ceil(1000 / paceRps)));
  });

  it('never goes below floorRps', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    for (let i = 0; i < 6; i += 1) {
      (await limiter.acquire(ACCOUNT)).settle(THROTTLED);
      await clock.advance(DEFAULT_PACE.maxPauseMs);
    }
    expect(limiter.snapshot(ACCOUNT).paceRps).toBe(DEFAULT_PACE.floorRps);
  });
});

describe('after a decrease the pace grows back additively, while callers wait on it', () => {
  async function decreased(clock: FakeClock): Promise<AdaptiveRateLimiter> {
    const limiter = await pastSlowStart(clock);
    const burst = startCallers(limiter, clock, 7);
    await clock.runAll();
    burst[6].permit.settle(THROTTLED);
    await clock.advance(1000);
    return limiter;
  }

  it(`grows by about ${DEFAULT_PACE.growthRpsPerSecond}/s per second of queued traffic`, async () => {
    const clock = new FakeClock();
    const limiter = await decreased(clock);
    const before = limiter.snapshot(ACCOUNT).paceRps;
    const startMs = clock.nowMs;
    startCallers(limiter, clock, 100, { answer: GOOD });
    await clock.runAll();
    const seconds = (clock.nowMs - startMs) / 1000;
    const grownRps = limiter.snapshot(ACCOUNT).paceRps - before;
    expect(grownRps).toBeGreaterThan(0.9 * DEFAULT_PACE.growthRpsPerSecond * seconds);
    expect(grownRps).toBeLessThan(1.1 * DEFAULT_PACE.growthRpsPerSecond * seconds);
  });

  it.each([
    { name: 'sporadic requests nobody waited behind', pattern: 'sporadic' },
    { name: 'answers to requests granted before the decrease (old news)', pattern: 'old news' },
    { name: 'answers that are not good (5xx)', pattern: '5xx' },
    { name: 'failed attempts', pattern: 'failed' },
  ])('does not grow on $name', async ({ pattern }) => {
    const clock = new FakeClock();
    const limiter = await pastSlowStart(clock);
    const burst = startCallers(limiter, clock, 7);
    await clock.runAll();
    burst[6].permit.settle(THROTTLED);
    const before = limiter.snapshot(ACCOUNT).paceRps;
    if (pattern === 'old news') {
      for (const grant of burst.slice(0, 6)) grant.permit.settle(GOOD);
    } else {
      await clock.advance(1000);
      const feedback: RateFeedback = pattern === '5xx' ? { kind: 'answered', status: 503, connectionReused: true } : pattern === 'failed' ? { kind: 'failed' } : GOOD;
      if (pattern === 'sporadic') {
        for (let i = 0; i < 20; i += 1) {
          (await limiter.acquire(ACCOUNT)).settle(feedback);
          await clock.advance(5000);
        }
      } else {
        startCallers(limiter, clock, 20, { answer: feedback });
        await clock.runAll();
      }
    }
    expect(limiter.snapshot(ACCOUNT).paceRps).toBe(before);
  });

  it('never grows beyond maxPaceRps', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock, { maxPaceRps: 8, growthRpsPerSecond: 100 });
    startCallers(limiter, clock, 30, { answer: GOOD });
    await clock.runAll();
    expect(limiter.snapshot(ACCOUNT).paceRps).toBe(8);
  });
});

describe('a lone process at the ceiling takes a rare 429 as jitter', () => {
  /** A fresh origin, idle (at the ceiling) for `idleMs`, then a 429; returns the pace after it. */
  async function paceAfter429(idleMs: number, clock = new FakeClock(), limiter = limiterOn(clock)): Promise<number> {
    (await limiter.acquire(ACCOUNT)).settle(GOOD);
    await clock.advance(idleMs);
    (await limiter.acquire(ACCOUNT)).settle(THROTTLED);
    return limiter.snapshot(ACCOUNT).paceRps;
  }

  it.each([
    { idleMs: DEFAULT_PACE.jitterMemoryMs - 1, decreased: true },
    { idleMs: DEFAULT_PACE.jitterMemoryMs, decreased: false },
  ])('after $idleMs ms at the ceiling, a 429 decreases the pace: $decreased', async ({ idleMs, decreased }) => {
    const paceRps = await paceAfter429(idleMs);
    expect(paceRps < DEFAULT_PACE.maxPaceRps).toBe(decreased);
  });

  it('pauses on the jitter 429, and takes a second 429 within jitterMemoryMs as a competitor', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    await paceAfter429(DEFAULT_PACE.jitterMemoryMs, clock, limiter);
    expect(limiter.snapshot(ACCOUNT)).toMatchObject({ paceRps: DEFAULT_PACE.maxPaceRps, pausedForMs: 1000, congestionEvents: 1 });
    await clock.advance(30_000);
    (await limiter.acquire(ACCOUNT)).settle(THROTTLED);
    expect(limiter.snapshot(ACCOUNT).paceRps).toBe(DEFAULT_PACE.floorRps);
  });
});

describe('an HTML 403 opens a breaker for the origin', () => {
  const COOL_DOWN_MS = DEFAULT_PACE.blockCoolDownMs;

  async function blockedLimiter(clock: FakeClock): Promise<{ limiter: AdaptiveRateLimiter; queued: Array<Promise<unknown>> }> {
    const limiter = limiterOn(clock);
    const permit = await limiter.acquire(ACCOUNT);
    const queued = [limiter.acquire(ACCOUNT), limiter.acquire(ACCOUNT)];
    queued.forEach((promise) => promise.catch(() => undefined));
    await clock.advance(100);
    permit.settle(BLOCKED);
    return { limiter, queued };
  }

  it('fails the queued callers with a KommoBlockedError saying what to do', async () => {
    const clock = new FakeClock();
    const { queued } = await blockedLimiter(clock);
    for (const promise of queued) {
      const error = await promise.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(KommoBlockedError);
      expect(error).toMatchObject({ origin: ACCOUNT, retryAfterMs: COOL_DOWN_MS });
      expect((error as Error).message).toMatch(/HTML 403.*Nothing was sent.*300 s.*KOMMO_RATE_LIMIT_RPS.*Kommo support/s);
    }
    expect(clock.pendingTimers).toBe(0);
  });

  it('fails new callers at once, with the time left, until the cool-down ends', async () => {
    const clock = new FakeClock();
    const { limiter } = await blockedLimiter(clock);
    await clock.advance(COOL_DOWN_MS - 1000);
    const error = await limiter.acquire(ACCOUNT).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'KommoBlockedError', retryAfterMs: 1000 });
    expect((error as Error).message).toContain('for another 1 s');
    expect(clock.pendingTimers).toBe(0);
    expect(limiter.snapshot(ACCOUNT).blockedForMs).toBe(1000);
  });

  it('then lets one probe through; the others follow once it is answered, and the origin starts afresh', async () => {
    const clock = new FakeClock();
    const { limiter } = await blockedLimiter(clock);
    await clock.advance(COOL_DOWN_MS);
    const grants = startCallers(limiter, clock, 3);
    await clock.advance(500);
    expect(grants).toHaveLength(1);
    grants[0].permit.settle(GOOD);
    await clock.advance(500);
    expect(grants.length).toBeGreaterThan(1);
    expect(limiter.snapshot(ACCOUNT)).toMatchObject({ blockedForMs: 0, paceRps: DEFAULT_PACE.maxPaceRps });
  });

  it('opens again when the probe meets the block, failing those waiting behind it', async () => {
    const clock = new FakeClock();
    const { limiter } = await blockedLimiter(clock);
    await clock.advance(COOL_DOWN_MS);
    const probe = await limiter.acquire(ACCOUNT);
    const behind = limiter.acquire(ACCOUNT);
    behind.catch(() => undefined);
    probe.settle(BLOCKED);
    await expect(behind).rejects.toBeInstanceOf(KommoBlockedError);
    expect(limiter.snapshot(ACCOUNT).blockedForMs).toBe(COOL_DOWN_MS);
  });

  it('is not opened by a problem-JSON 403 (a permission problem): that is an ordinary answer', async () => {
    const clock = new FakeClock();
    const limiter = limiterOn(clock);
    (await limiter.acquire(ACCOUNT)).settle({ kind: 'answered', status: 403, connectionReused: true });
    const grants = startCallers(limiter, clock, 1);
    await clock.advance(SPACING_MS);
    expect(grants).toHaveLength(1);
    expect(limiter.snapshot(ACCOUNT).blockedForMs).toBe(0);
  });
});

describe('the window-only limiter (adaptive: false) learns nothing from answers', () => {
  it.each([
    { name: 'a 429', feedback: THROTTLED },
    { name: 'an HTML 403', feedback: BLOCKED },
  ])('ignores $name', async ({ feedback }) => {
    const clock = new FakeClock();
    const limiter = windowOnly(clock, 7);
    (await limiter.acquire(ACCOUNT)).settle(feedback);
    const grants = startCallers(limiter, clock, 6);
    await flushPromises();
    expect(timesFrom(grants)).toEqual(Array(6).fill(0));
  });
});

describe('options', () => {
  const { min, max } = TUNABLES.rateLimitRps;

  it.each([min, max])('accepts %i requests per second', (rps) => {
    expect(createRateLimiter({ requestsPerSecond: rps }).requestsPerSecond).toBe(rps);
  });

  it.each([min - 1, max + 1, 2.5, Number.NaN])('rejects %p requests per second as a configuration error naming the range', (rps) => {
    expect(() => createRateLimiter({ requestsPerSecond: rps })).toThrow(KommoConfigError);
    expect(() => createRateLimiter({ requestsPerSecond: rps })).toThrow(`from ${min} to ${max}`);
  });

  it.each([
    { env: {}, rps: 7 },
    { env: { KOMMO_RATE_LIMIT_RPS: '1' }, rps: 1 },
    { env: { KOMMO_RATE_LIMIT_RPS: '7' }, rps: 7 },
  ])('reads $rps from the environment $env', ({ env, rps }) => {
    expect(resolveSettings(env).rateLimitRps).toBe(rps);
  });

  it.each([
    { option: { marginMs: -1 }, message: /marginMs/ },
    { option: { marginMs: Number.POSITIVE_INFINITY }, message: /marginMs/ },
    { option: { maxPaceRps: 0 }, message: /maxPaceRps/ },
    { option: { floorRps: -1 }, message: /floorRps/ },
    { option: { floorRps: 60 }, message: /floorRps \(60\) must not exceed maxPaceRps/ },
    { option: { growthRpsPerSecond: Number.NaN }, message: /growthRpsPerSecond/ },
    { option: { decreaseFactor: 1 }, message: /decreaseFactor must be between 0 and 1/ },
    { option: { decreaseFactor: 0 }, message: /decreaseFactor/ },
    { option: { jitterMemoryMs: Number.POSITIVE_INFINITY }, message: /jitterMemoryMs/ },
    { option: { blockCoolDownMs: 0 }, message: /blockCoolDownMs/ },
  ])('rejects $option with a RangeError naming it', ({ option, message }) => {
    expect(() => createRateLimiter({ requestsPerSecond: 7, ...option })).toThrow(RangeError);
    expect(() => createRateLimiter({ requestsPerSecond: 7, ...option })).toThrow(message);
  });
});

describe('noRateLimit', () => {
  it('grants every request at once', async () => {
    let granted = 0;
    for (let i = 0; i < 100; i += 1) void noRateLimit.acquire(ACCOUNT).then(() => { granted += 1; });
    await flushPromises();
    expect(granted).toBe(100);
  });
});
