/**
 * Diagnostic, run by hand (not part of `npm run bench`): the real rate limiter and the sandbox's
 * rate rule on a virtual clock, to compare limiter settings over minutes of traffic in a second.
 * K processes (each its own limiter, callers and retry-after-429 loop like KommoClient's) share
 * one account; each way takes `latencyMs` plus up to `jitterMs` at random. This is how the defaults in `DEFAULT_PACE`
 * were chosen; `npm run bench` (bench/multiProcess.ts) then checks them with real processes.
 *
 *   npx tsx bench/paceModel.ts                                  # the defaults
 *   LATENCY_MS=150 JITTER_MS=20 npx tsx bench/paceModel.ts '{"growthRpsPerSecond":0.05}' '{}'
 *
 * Environment: PROCESSES (list, default 1,2,3,4), MESSAGES per process (60), CALLERS per process
 * (10), LATENCY_MS one way (1), JITTER_MS added at random each way (1), BAN after this many 429s
 * in 60 s (1000: never), SEEDS (3). Jitter above the limiter's 30 ms margin reorders arrivals
 * enough to draw 429s even from a lone process, as it would from the 1.0 limiter.
 * Each argument is a JSON object of limiter options; each prints one line per process count.
 */
import { createRateLimiter, type RateLimiterOptions } from '../lib/client/rateLimiter';
import { RateLimiter as SandboxRateRule } from '../sandbox/rateLimit';
import { round } from './support';

interface Timer { dueMs: number; order: number; fn: () => void; cancelled: boolean }

/** Timers on a virtual clock, fired in due order, with promise callbacks run in between. */
class VirtualClock {
  nowMs = 0;
  private order = 0;
  private timers: Timer[] = [];

  readonly setTimer = (fn: () => void, delayMs: number): (() => void) => {
    const timer = { dueMs: this.nowMs + delayMs, order: this.order++, fn, cancelled: false };
    this.timers.push(timer);
    return () => { timer.cancelled = true; };
  };

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => { this.setTimer(resolve, delayMs); });
  }

  async run(isDone: () => boolean): Promise<void> {
    while (!isDone()) {
      await new Promise((resolve) => setImmediate(resolve));
      this.timers = this.timers.filter((timer) => !timer.cancelled);
      if (this.timers.length === 0) continue;
      const next = this.timers.reduce((a, b) => (b.dueMs < a.dueMs || (b.dueMs === a.dueMs && b.order < a.order) ? b : a));
      this.timers.splice(this.timers.indexOf(next), 1);
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      next.fn();
    }
  }
}

/** A deterministic pseudo-random sequence in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

interface ModelRun {
  processes: number;
  messagesPerProcess: number;
  callersPerProcess: number;
  latencyMs: number;
  jitterMs: number;
  banAfterViolations: number;
  seed: number;
  limiter: Partial<RateLimiterOptions>;
}

interface ModelResult { ok: number; answers429: number; answers403: number; banAtS: number | null; okPerSecond: number; minutes: number }

/** One run: every process starts at t = 0; a message retries a 429 after Kommo's 1 s, at most 5 times. */
async function simulate(run: ModelRun): Promise<ModelResult> {
  const clock = new VirtualClock();
  const rule = new SandboxRateRule({ banAfterViolations: run.banAfterViolations });
  const random = seededRandom(run.seed);
  const statuses: number[] = [];
  let banAtMs: number | undefined;
  let ok = 0;
  let running = 0;
  const transitMs = (): number => run.latencyMs + run.jitterMs * random();
  for (let p = 0; p < run.processes; p += 1) {
    const limiter = createRateLimiter({ requestsPerSecond: 7, now: () => clock.nowMs, setTimer: clock.setTimer, ...run.limiter });
    const perCaller = Math.ceil(run.messagesPerProcess / run.callersPerProcess);
    for (let c = 0; c < run.callersPerProcess; c += 1) {
      running += 1;
      void (async () => {
        for (let m = 0; m < perCaller; m += 1) {
          for (let attempt = 1; attempt <= 6; attempt += 1) {
            const permit = await limiter.acquire('account').catch(() => undefined);
            if (permit === undefined) break; // the breaker: the message fails without a request
            await clock.sleep(transitMs());
            const verdict = rule.admit(clock.nowMs);
            const status = verdict.kind === 'allow' ? 200 : verdict.kind === 'banned' ? 403 : 429;
            if (status === 403) banAtMs ??= clock.nowMs;
            statuses.push(status);
            await clock.sleep(transitMs());
            if (status === 200) {
              permit.settle({ kind: 'answered', status, connectionReused: true });
              ok += 1;
              break;
            }
            if (status === 403) {
              permit.settle({ kind: 'blocked' });
              break;
            }
            permit.settle({ kind: 'throttled', retryAfterMs: 1000, connectionReused: true });
            await clock.sleep(1000);
          }
        }
        running -= 1;
      })();
    }
  }
  await clock.run(() => running === 0);
  const count = (status: number): number => statuses.filter((s) => s === status).length;
  return {
    ok,
    answers429: count(429),
    answers403: count(403),
    banAtS: banAtMs === undefined ? null : round(banAtMs / 1000, 2),
    okPerSecond: round((ok * 1000) / clock.nowMs, 2),
    minutes: round(clock.nowMs / 60_000, 2),
  };
}

async function main(): Promise<void> {
  const env = process.env;
  const variants = process.argv.slice(2).map((text) => JSON.parse(text) as Partial<RateLimiterOptions>);
  const processCounts = (env.PROCESSES ?? '1,2,3,4').split(',').map(Number);
  const seeds = Array.from({ length: Number(env.SEEDS ?? 3) }, (_, i) => i + 1);
  for (const limiter of variants.length > 0 ? variants : [{}]) {
    for (const processes of processCounts) {
      const results = [];
      for (const seed of seeds) {
        results.push(await simulate({
          processes,
          messagesPerProcess: Number(env.MESSAGES ?? 60),
          callersPerProcess: Number(env.CALLERS ?? 10),
          latencyMs: Number(env.LATENCY_MS ?? 1),
          jitterMs: Number(env.JITTER_MS ?? 1),
          banAfterViolations: Number(env.BAN ?? 1000),
          seed,
          limiter,
        }));
      }
      const lines = results.map((r) => `${r.answers429}×429 ${r.answers403}×403${r.banAtS === null ? '' : ` (ban at ${r.banAtS} s)`} ${r.ok} ok, ${r.okPerSecond}/s over ${r.minutes} min`);
      console.log(`${JSON.stringify(limiter)} ${processes} process${processes === 1 ? '' : 'es'}: ${lines.join(' | ')}`);
    }
  }
}

void main();
