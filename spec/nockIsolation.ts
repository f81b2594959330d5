/**
 * Only nock-based specs import this module: importing nock patches Node's http for the whole
 * file, which the real-server specs must not get.
 */
import nock from 'nock';
import { reset } from '../lib/processScope';
/**
 * Isolates a nock-based spec file: no real network, and no interceptor, scheduled reply or
 * process-wide state (cached secrets, limiter paces) left behind for the next test or file (jest shares Node's http between files).
 */
export function useNockIsolation(): void {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
  beforeEach(() => reset());
  afterEach(() => {
    // Replies still scheduled by .delay() would otherwise land in a later test.
    nock.abortPendingRequests();
    nock.cleanAll();
  });
}
