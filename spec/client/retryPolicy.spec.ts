import { AttemptOutcome, decideRetry, HttpMethod, RetryDecision, RetrySettings, serverRetryAfterMs } from '../../lib/client/retryPolicy';

const NOW_MS = Date.parse('2026-11-24T12:00:00Z');

const settings: RetrySettings = {
  retries: 5,
  backoffBaseMs: 1000,
  backoffMaxMs: 10000,
  maxRetryAfterMs: 60000,
  retryBudgetMs: 60000,
  waitedMs: 0,
  nowMs: NOW_MS,
  jitter: 0.5, // factor 1.0: delays are exactly base × 2^(attempt-1)
};

const status = (code: number, headers: Record<string, string> = {}, body: unknown = undefined): AttemptOutcome => ({ kind: 'response', status: code, headers, body });
const network = (code: string): AttemptOutcome => ({ kind: 'network', code });
const retry = (delayMs: number): RetryDecision => ({ action: 'retry', delayMs });
const stop = (reason: string, retryAfterMs?: number): RetryDecision => (retryAfterMs === undefined
  ? { action: 'stop', reason } as RetryDecision
  : { action: 'stop', reason, retryAfterMs } as RetryDecision);

type Row = [string, AttemptOutcome, HttpMethod, number, Partial<RetrySettings>, RetryDecision];

const table: Row[] = [
  // 429: any method, the server's timing first
  ['429 Retry-After seconds', status(429, { 'retry-after': '3' }), 'GET', 1, {}, retry(3000)],
  ['429 Retry-After HTTP date', status(429, { 'retry-after': new Date(NOW_MS + 5000).toUTCString() }), 'GET', 1, {}, retry(5000)],
  ['429 body retry_after', status(429, {}, { status: 429, retry_after: 2 }), 'POST', 1, {}, retry(2000)],
  ['429 header wins over body', status(429, { 'retry-after': '1' }, { retry_after: 30 }), 'GET', 1, {}, retry(1000)],
  ['429 no timing: backoff', status(429, {}, '<html>Too Many Requests</html>'), 'PATCH', 2, {}, retry(2000)],
  ['429 wait above the cap', status(429, {}, { retry_after: 300 }), 'GET', 1, {}, stop('retry-after-too-long', 300000)],
  ['429 wait above a lowered cap', status(429, { 'retry-after': '5' }), 'POST', 1, { maxRetryAfterMs: 4000 }, stop('retry-after-too-long', 5000)],
  ['429 retries used up', status(429, { 'retry-after': '1' }), 'GET', 6, {}, stop('retries-exhausted', 1000)],
  // 5xx: idempotent methods retry; writes only on 503
  ['GET 500', status(500), 'GET', 1, {}, retry(1000)],
  ['GET 502 third attempt', status(502), 'GET', 3, {}, retry(4000)],
  ['PUT 504', status(504), 'PUT', 1, {}, retry(1000)],
  ['DELETE 500', status(500), 'DELETE', 1, {}, retry(1000)],
  ['POST 500 may have applied the write', status(500), 'POST', 1, {}, stop('unsafe-to-replay')],
  ['POST 502', status(502), 'POST', 1, {}, stop('unsafe-to-replay')],
  ['POST 504', status(504), 'POST', 1, {}, stop('unsafe-to-replay')],
  ['PATCH 500', status(500), 'PATCH', 1, {}, stop('unsafe-to-replay')],
  ['POST 503 was refused, not processed', status(503), 'POST', 1, {}, retry(1000)],
  ['PATCH 503 with Retry-After', status(503, { 'retry-after': '4' }), 'PATCH', 1, {}, retry(4000)],
  // network errors
  ['POST ECONNREFUSED (never sent)', network('ECONNREFUSED'), 'POST', 1, {}, retry(1000)],
  ['PATCH ENOTFOUND (never sent)', network('ENOTFOUND'), 'PATCH', 2, {}, retry(2000)],
  ['POST ECONNRESET (ambiguous)', network('ECONNRESET'), 'POST', 1, {}, stop('unsafe-to-replay')],
  ['POST ETIMEDOUT (ambiguous)', network('ETIMEDOUT'), 'POST', 1, {}, stop('unsafe-to-replay')],
  ['GET ECONNRESET', network('ECONNRESET'), 'GET', 1, {}, retry(1000)],
  ['GET ETIMEDOUT', network('ETIMEDOUT'), 'GET', 2, {}, retry(2000)],
  ['DELETE ECONNRESET', network('ECONNRESET'), 'DELETE', 1, {}, retry(1000)],
  // never retried
  ...([400, 401, 402, 403, 404, 405, 409, 422] as const).flatMap((code): Row[] => [
    [`GET ${code}`, status(code), 'GET', 1, {}, stop('not-retryable')],
    [`POST ${code}`, status(code), 'POST', 1, {}, stop('not-retryable')],
  ]),
  ['HTML 403 block', status(403, { 'content-type': 'text/html' }, '<html>403 Forbidden</html>'), 'GET', 1, {}, stop('not-retryable')],
  // bounds: attempts, cap per wait, total budget
  ['retries 0: no retry at all', status(500), 'GET', 1, { retries: 0 }, stop('retries-exhausted')],
  ['retries 2: third attempt is the last', status(500), 'GET', 3, { retries: 2 }, stop('retries-exhausted')],
  ['retries 2: second attempt may retry', status(500), 'GET', 2, { retries: 2 }, retry(2000)],
  ['each wait capped', status(500), 'GET', 6, { retries: 10 }, retry(10000)],
  ['total budget exhausted', status(500), 'GET', 3, { waitedMs: 57000 }, stop('budget-exhausted')],
  ['server wait beyond budget', status(429, { 'retry-after': '30' }), 'GET', 2, { waitedMs: 40000 }, stop('budget-exhausted', 30000)],
];

describe('decideRetry', () => {
  it.each(table)('%s', (_name, outcome, method, attempt, overrides, expected) => {
    expect(decideRetry(outcome, method, attempt, { ...settings, ...overrides })).toEqual(expected);
  });

  it.each([
    [0, 750],
    [0.5, 1000],
    [0.999, 1250],
  ])('jitter %p spreads the first backoff to %p ms (±25 %%)', (jitter, delayMs) => {
    expect(decideRetry(status(500), 'GET', 1, { ...settings, jitter })).toEqual(retry(delayMs));
  });

  it('never allows more than retries + 1 attempts for any outcome', () => {
    const outcomes = [status(429), status(500), status(503), network('ECONNREFUSED'), network('ECONNRESET')];
    for (const retries of [0, 1, 5, 10]) {
      for (const outcome of outcomes) {
        let attempts = 1;
        while (decideRetry(outcome, 'GET', attempts, { ...settings, retries, retryBudgetMs: 600000 }).action === 'retry') attempts += 1;
        expect(attempts).toBe(retries + 1);
      }
    }
  });
});

describe('serverRetryAfterMs', () => {
  it.each([
    ['seconds header', { 'retry-after': '7' }, undefined, 7000],
    ['date in the past', { 'retry-after': new Date(NOW_MS - 5000).toUTCString() }, undefined, 0],
    ['garbage header falls back to the body', { 'retry-after': 'soon' }, { retry_after: 4 }, 4000],
    ['negative body value ignored', {}, { retry_after: -1 }, undefined],
    ['HTML body', {}, '<html></html>', undefined],
    ['nothing', {}, undefined, undefined],
  ])('%s', (_name, headers, body, expected) => {
    expect(serverRetryAfterMs(headers as Record<string, string>, body, NOW_MS)).toBe(expected);
  });
});
