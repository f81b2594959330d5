/**
 * Only nock-based specs import this module: importing nock patches Node's http for the whole
 * file, which the real-server specs must not get.
 */
import nock from 'nock';
import { clearSecretCache } from '../lib/client/auth';
import { resetSharedRateLimiters } from '../lib/client/rateLimiter';
/**
 * Isolates a nock-based spec file: no real network, and no interceptor, scheduled reply, cached
 * secret or rate-limiter state (a 429's pause) left behind for the next test or file (jest shares
 * Node's http between files).
 */
export function useNockIsolation(): void {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
  beforeEach(() => {
    clearSecretCache();
    resetSharedRateLimiters();
  });
  afterEach(() => {
    // Replies still scheduled by .delay() would otherwise land in a later test.
    nock.abortPendingRequests();
    nock.cleanAll();
  });
}
