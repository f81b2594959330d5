/**
 * A manual clock and timer queue for the rate limiter and anything that sleeps: tests move time
 * forward themselves, so nothing waits in real time.
 */

/** Lets every settled promise run its callbacks (real setImmediate: this clock fakes nothing global). */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface FakeTimer { dueMs: number; fn: () => void }

/**
 * A manual clock and timer queue. `timerSkewMs` makes timers fire early (< 0) or late (> 0),
 * as real timers do, to check the limiter re-reads the clock instead of trusting the timer.
 */
export class FakeClock {
  nowMs = 0;
  timersStarted = 0;
  maxPendingTimers = 0;
  private timers: FakeTimer[] = [];

  constructor(private readonly timerSkewMs = 0) {}

  readonly now = (): number => this.nowMs;

  readonly setTimer = (fn: () => void, delayMs: number): (() => void) => {
    // A skewed timer still waits at least 1 ms, as a real one does.
    const firesAfterMs = this.timerSkewMs === 0 ? delayMs : Math.max(1, delayMs + this.timerSkewMs);
    const timer = { dueMs: this.nowMs + firesAfterMs, fn };
    this.timers.push(timer);
    this.timersStarted += 1;
    this.maxPendingTimers = Math.max(this.maxPendingTimers, this.timers.length);
    return () => {
      const index = this.timers.indexOf(timer);
      if (index >= 0) this.timers.splice(index, 1);
    };
  };

  /** A sleep on this clock, for code that takes an injectable `sleep`. */
  readonly sleep = (delayMs: number): Promise<void> => new Promise((resolve) => { this.setTimer(resolve, delayMs); });

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
