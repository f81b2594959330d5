/**
 * Paces requests to one Kommo account. PLACEHOLDER interface, implemented by the rate-limiter work.
 */

/** Grants permission to send one request to an origin. */
export interface RateLimiter {
  /** Resolves when the caller may send one request to `origin` (scheme://host:port). */
  acquire(origin: string): Promise<void>;
}
