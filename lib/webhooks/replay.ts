/**
 * Duplicate suppression for webhook deliveries.
 *
 * What "replayed" can mean for an unsigned webhook, and what this does about each:
 * - Kommo sends the same delivery again. It retries when the platform's gateway did not answer
 *   2xx within 2 s, on a schedule of minutes to an hour (docs/kommo-api.md §9). Each delivery
 *   carries an `x-amocrm-requestid` header (docs/kommo-fidelity.md "Webhook deliveries");
 *   whether a retry keeps the same id is not documented. When it does, the retry is dropped here.
 * - Someone who knows the destination (token included) posts a captured delivery again. They
 *   can post anything at all, so dropping a repeated request id is no defence against them: the
 *   token is the only control, and this guard is not a security boundary.
 * - The same content arrives twice legitimately. Kommo's short deliveries carry no timestamp (a
 *   lead moved 3→2, back, and to 2 again gives two identical bodies), so content is never used as
 *   a duplicate key: that would drop real events.
 *
 * The memory is one container's: another replica or a restarted container has not seen the id.
 * It is bounded in time and entries; the instance lives in the process scope, this module only
 * defines it (the clock is passed in, so tests never wait).
 */

/** How long and how many request ids are remembered. */
export interface ReplayGuardOptions {
  /** How long an id is remembered, in ms. */
  readonly windowMs: number;
  /** Most ids remembered at once; the oldest is forgotten first. */
  readonly maxEntries: number;
}

/**
 * Two hours covers Kommo's documented retry schedule (the last retry comes about 95 minutes after
 * the first attempt); 10,000 ids of at most 64 characters stay under about 2 MB.
 */
export const DEFAULT_REPLAY_GUARD_OPTIONS: ReplayGuardOptions = { windowMs: 2 * 60 * 60 * 1000, maxEntries: 10_000 };

/** Remembers request ids for a bounded time and answers whether one was seen already. */
export class ReplayGuard {
  /** id → when it is forgotten (ms). Insertion order is age order, so expiry and eviction start at the front. */
  private readonly expiresAtMs = new Map<string, number>();

  constructor(private readonly options: ReplayGuardOptions = DEFAULT_REPLAY_GUARD_OPTIONS) {
    if (!(options.windowMs > 0) || !Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError('ReplayGuard needs a positive windowMs and a positive whole maxEntries');
    }
  }

  /** Ids remembered now (expired ones may still count until the next call). */
  get size(): number {
    return this.expiresAtMs.size;
  }

  /**
   * True when `id` was recorded less than `windowMs` before `nowMs` (a duplicate: the original
   * expiry stands). Otherwise records it and returns false.
   */
  seen(id: string, nowMs: number): boolean {
    this.forgetExpired(nowMs);
    const expiresAtMs = this.expiresAtMs.get(id);
    if (expiresAtMs !== undefined && expiresAtMs > nowMs) return true;
    this.expiresAtMs.delete(id);
    while (this.expiresAtMs.size >= this.options.maxEntries) {
      const oldest = this.expiresAtMs.keys().next();
      if (oldest.done === true) break;
      this.expiresAtMs.delete(oldest.value);
    }
    this.expiresAtMs.set(id, nowMs + this.options.windowMs);
    return false;
  }

  private forgetExpired(nowMs: number): void {
    for (const [id, expiresAtMs] of this.expiresAtMs) {
      if (expiresAtMs > nowMs) break;
      this.expiresAtMs.delete(id);
    }
  }
}
