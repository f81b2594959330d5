/**
 * The sandbox's two clocks. The gateway (rate limit, token lifetimes) runs on the injected clock;
 * Kommo's own clock (the `Date` header, `created_at`/`updated_at`, the change feed) is that clock
 * plus a configurable offset, so a test can model a server whose clock is ahead or behind.
 */
export class SandboxClock {
  /** Added to the injected clock for everything Kommo stamps. */
  offsetMs = 0;

  constructor(private readonly injected: () => number) {}

  /** The injected clock, unshifted (ms). */
  gatewayMs(): number {
    return this.injected();
  }

  /** Kommo's clock (ms): the injected clock plus the offset. */
  nowMs(): number {
    return this.injected() + this.offsetMs;
  }

  /** Kommo's clock in Unix seconds, the unit of every v4 timestamp (docs/kommo-api.md §8). */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }
}
