import { NGINX_FORBIDDEN_HTML } from '..';
import { DEFAULT_RATE_LIMIT, RateLimiter } from '../rateLimit';
import { call } from './client';
import { useSandbox } from './fixtures';

describe('RateLimiter (docs/kommo-api.md §3)', () => {
  type Step = [atMs: number, expected: 'allow' | 'throttle' | 'banned'];
  const settings = { requestsPerSecond: 2, banAfterViolations: 2, banWindowMs: 5000, banMs: 10_000 };

  it.each<[string, Step[]]>([
    ['allows up to the limit within one second', [[0, 'allow'], [0, 'allow'], [999, 'throttle']]],
    ['slides: a request leaves the window 1000 ms after it arrived', [[0, 'allow'], [500, 'allow'], [1000, 'allow'], [1100, 'throttle'], [2101, 'allow']]],
    ['bans after banAfterViolations 429s, then lifts after banMs', [[0, 'allow'], [0, 'allow'], [1, 'throttle'], [2, 'throttle'], [3, 'banned'], [10_001, 'banned'], [10_002, 'allow']]],
    ['forgets 429s older than banWindowMs', [[0, 'allow'], [0, 'allow'], [1, 'throttle'], [6000, 'allow'], [6000, 'allow'], [6001, 'throttle'], [7002, 'allow']]],
  ])('%s', (_label, steps) => {
    const limiter = new RateLimiter(settings);
    const verdicts = steps.map(([atMs]) => limiter.admit(atMs).kind);
    expect(verdicts).toEqual(steps.map(([, expected]) => expected));
  });

  it('counts 429’d requests, so hammering keeps the window full', () => {
    const limiter = new RateLimiter({ ...settings, banAfterViolations: 100 });
    const verdicts = [0, 0, 999, 999, 1500].map((atMs) => limiter.admit(atMs).kind);
    // At 1500 only the two throttled requests (999) are in the window, and they count.
    expect(verdicts).toEqual(['allow', 'allow', 'throttle', 'throttle', 'throttle']);
  });

  it('defaults to 7 requests per second', () => {
    const limiter = new RateLimiter({});
    const verdicts = Array.from({ length: 8 }, () => limiter.admit(0).kind);
    expect(verdicts.filter((kind) => kind === 'allow')).toHaveLength(7);
    expect(verdicts[7]).toBe('throttle');
    expect(limiter.current).toEqual(DEFAULT_RATE_LIMIT);
  });

  it('allows everything when disabled', () => {
    const limiter = new RateLimiter(false);
    expect(Array.from({ length: 100 }, () => limiter.admit(0).kind).every((kind) => kind === 'allow')).toBe(true);
  });
});

describe('rate limiting over HTTP', () => {
  const limits = { requestsPerSecond: 3, banAfterViolations: 2, banWindowMs: 10_000, banMs: 30_000, sendRetryAfterHeader: true, retryAfterSeconds: 2 };
  const { clock, sandbox } = useSandbox({ rateLimit: limits });
  const get = (path = '/api/v4/account') => call(sandbox().baseUrl, 'GET', path, { token: sandbox().accessToken });

  async function burst(count: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i += 1) statuses.push((await get()).status);
    return statuses;
  }

  it('answers 429 problem+json with retry_after and a Retry-After header past the limit', async () => {
    expect(await burst(3)).toEqual([200, 200, 200]);
    const throttled = await get();
    expect(throttled.status).toBe(429);
    expect(throttled.headers['content-type']).toBe('application/problem+json');
    expect(throttled.headers['retry-after']).toBe('2');
    expect(throttled.json()).toEqual({
      title: 'Too Many Requests',
      type: 'https://httpstatus.es/429',
      status: 429,
      detail: expect.any(String),
      retry_after: 2,
    });
    clock.advance(1000);
    expect((await get()).status).toBe(200);
  });

  it('omits the Retry-After header when configured so (Kommo’s gateway often does, docs/kommo-api.md §3)', async () => {
    sandbox().configureRateLimit({ sendRetryAfterHeader: false });
    await burst(3);
    const throttled = await get();
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBeUndefined();
    expect(throttled.json()).toHaveProperty('retry_after', 2);
  });

  it('bans with an HTML 403 on every route after repeated 429s, until banMs passes', async () => {
    expect(await burst(5)).toEqual([200, 200, 200, 429, 429]);
    for (const path of ['/api/v4/account', '/api/v4/leads', '/oauth2/access_token', '/nope']) {
      const banned = await get(path);
      expect(banned.status).toBe(403);
      expect(banned.headers['content-type']).toBe('text/html');
      expect(banned.text).toBe(NGINX_FORBIDDEN_HTML);
    }
    // Even a valid token and a slow pace do not help while banned.
    clock.advance(29_999);
    expect((await get()).status).toBe(403);
    clock.advance(1);
    expect((await get()).status).toBe(200);
  });

  it('resetRateLimit() lifts a ban at once', async () => {
    await burst(5);
    expect((await get()).status).toBe(403);
    sandbox().resetRateLimit();
    expect(await burst(3)).toEqual([200, 200, 200]);
  });

  it('configureRateLimit(false) turns limiting off and reset() restores the start options', async () => {
    sandbox().configureRateLimit(false);
    expect((await burst(10)).every((status) => status === 200)).toBe(true);
    sandbox().reset();
    expect(await burst(4)).toEqual([200, 200, 200, 429]);
  });

  it('logs throttled and banned requests with their statuses', async () => {
    await burst(6);
    expect(sandbox().requestLog.map((entry) => entry.status)).toEqual([200, 200, 200, 429, 429, 403]);
  });
});
