/**
 * KommoClient: The retry policy as the client applies it: at most R+1 attempts, backoff and budget, per-method rules for writes, and Kommo's 429 timing.
 */
import nock from 'nock';
import { KommoHttpError, KommoNetworkError, KommoRateLimitError } from '../../../lib/client/errors';
import type { HttpMethod } from '../../../lib/client/retryPolicy';
import { rejection } from '../../helpers';
import { useNockIsolation } from '../../nockIsolation';
import {
  countRequests, ENV, faultyTransport, FIXED_NOW, GET_LEADS, harness, KOMMO, kommo, LEADS, rejectionOf,
} from './harness';

useNockIsolation();

describe('retries: at most R+1 attempts, then a clear error', () => {
  it('retries 2 and a GET 500 storm → exactly 3 attempts, backoff 1000 then 2000 ms, KommoHttpError', async () => {
    const scope = kommo().get(LEADS).times(4).reply(500, { title: 'Internal Server Error', status: 500 }, { 'content-type': 'application/problem+json' });
    const kommoRequests = countRequests(scope);
    const h = harness();

    const error = await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 2 })).request(GET_LEADS), KommoHttpError);

    expect(kommoRequests.count).toBe(3);
    expect(error).toMatchObject({ status: 500, attempts: 3, method: 'GET', path: LEADS });
    expect(error.message).toMatch(/after 3 attempts/);
    expect(error.message).toMatch(/GET \/api\/v4\/leads/);
    expect(h.sleeps).toEqual([1000, 2000]);
  });

  it('the backoff doubles and is capped per wait (default cap 10 s)', async () => {
    kommo().get(LEADS).times(6).reply(503);
    const h = harness();

    await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 5 })).request(GET_LEADS), KommoHttpError);

    expect(h.sleeps).toEqual([1000, 2000, 4000, 8000, 10000]);
  });

  it('the jitter factor follows the injected random (0 → 0.75×, 0.999 → ~1.25×)', async () => {
    kommo().get(LEADS).times(2).reply(500);
    const low = harness(ENV, { random: () => 0 });
    await rejectionOf((await low.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 1 })).request(GET_LEADS), KommoHttpError);
    kommo().get(LEADS).times(2).reply(500);
    const high = harness(ENV, { random: () => 0.999 });
    await rejectionOf((await high.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 1 })).request(GET_LEADS), KommoHttpError);

    expect(low.sleeps).toEqual([750]);
    expect(high.sleeps).toEqual([1250]);
  });

  it('the total wait is bounded by KOMMO_RETRY_BUDGET_MS: the retry that would exceed it is not made', async () => {
    const scope = kommo().get(LEADS).times(6).reply(500);
    const kommoRequests = countRequests(scope);
    const h = harness({ ...ENV, KOMMO_RETRY_BUDGET_MS: '2500' });

    const error = await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 5 })).request(GET_LEADS), KommoHttpError);

    expect(h.sleeps).toEqual([1000]); // 1000 + 2000 would exceed 2500
    expect(error.attempts).toBe(2);
    expect(kommoRequests.count).toBe(2);
    expect(h.lines()[1]).toMatch(/stop: budget-exhausted/);
  });

  it('retries 0 → a single attempt', async () => {
    const scope = kommo().get(LEADS).times(2).reply(500);
    const kommoRequests = countRequests(scope);
    const h = harness();

    const error = await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 0 })).request(GET_LEADS), KommoHttpError);

    expect(error.attempts).toBe(1);
    expect(error.message).toMatch(/after 1 attempt\b/);
    expect(kommoRequests.count).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  type Failure = { status: number } | { error: string };
  type MethodRow = [HttpMethod, Failure, 'retried' | 'final'];
  const describeFailure = (failure: Failure): string => ('status' in failure ? String(failure.status) : failure.error);
  it.each<MethodRow>([
    ['POST', { status: 500 }, 'final'],
    ['POST', { status: 502 }, 'final'],
    ['POST', { status: 504 }, 'final'],
    ['POST', { status: 503 }, 'retried'],
    ['PATCH', { status: 500 }, 'final'],
    ['PATCH', { status: 503 }, 'retried'],
    ['PUT', { status: 500 }, 'retried'],
    ['DELETE', { status: 502 }, 'retried'],
    ['GET', { status: 504 }, 'retried'],
    ['POST', { error: 'ECONNRESET' }, 'final'],
    ['PATCH', { error: 'ECONNRESET' }, 'final'],
    ['POST', { error: 'ECONNREFUSED' }, 'retried'],
    ['POST', { error: 'ENOTFOUND' }, 'retried'],
    ['GET', { error: 'ECONNRESET' }, 'retried'],
    ['PUT', { error: 'ECONNRESET' }, 'retried'],
    ['GET', { status: 400 }, 'final'],
    ['POST', { status: 422 }, 'final'],
    ['GET', { status: 402 }, 'final'],
  ])('%s + %p → %s', async (method, failure, expected) => {
    const body = method === 'GET' ? undefined : [{ name: 'Deal', price: 100 }];
    const scope = kommo();
    if ('status' in failure) scope.intercept(LEADS, method, body).reply(failure.status, { title: 'failure', status: failure.status }, { 'content-type': 'application/problem+json' });
    scope.intercept(LEADS, method, body).reply(200, { _embedded: { leads: [{ id: 7 }] } });
    const { transport, sent } = faultyTransport('error' in failure ? [failure.error] : []);
    const h = harness(ENV, { transport });
    const client = await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 3 });

    const result = client.request({ method, url: 'leads', body });

    if (expected === 'retried') {
      await expect(result).resolves.toMatchObject({ status: 200 });
      expect(sent).toHaveLength(2);
      expect(h.sleeps).toEqual([1000]);
      expect(h.lines()[0]).toContain(`${method} /api/v4/leads -> ${describeFailure(failure)} attempt 1/4: retry in 1000 ms`);
      expect(scope.isDone()).toBe(true);
      return;
    }
    const error = await rejection(result);
    if ('status' in failure) {
      expect(error).toBeInstanceOf(KommoHttpError);
      expect(error).toMatchObject({ status: failure.status, attempts: 1, method });
    } else {
      expect(error).toBeInstanceOf(KommoNetworkError);
      expect(error).toMatchObject({ code: failure.error, attempts: 1, method });
    }
    expect(sent).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
    expect(h.lines()).toEqual([expect.stringContaining(`-> ${describeFailure(failure)} attempt 1/4: stop:`)]);
  });

  it('a network storm on GET ends with KommoNetworkError after R+1 attempts', async () => {
    const { transport, sent } = faultyTransport(['ECONNRESET', 'ECONNRESET', 'ECONNRESET', 'ECONNRESET']);
    const h = harness(ENV, { transport });

    const error = await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 2 })).request(GET_LEADS), KommoNetworkError);

    expect(error).toMatchObject({ code: 'ECONNRESET', attempts: 3, method: 'GET', path: LEADS });
    expect(error.message).toMatch(/Could not reach Kommo at https:\/\/acme\.kommo\.com \(ECONNRESET\).*after 3 attempts/);
    expect(sent).toHaveLength(3);
    expect(h.sleeps).toEqual([1000, 2000]);
  });
});

describe('429: Kommo\'s rate limit', () => {
  type RateRow = [string, HttpMethod, nock.ReplyHeaders, unknown, number];
  it.each<RateRow>([
    ['Retry-After: 2', 'GET', { 'retry-after': '2' }, { title: 'Too Many Requests' }, 2000],
    ['problem+json body retry_after: 3', 'GET', { 'content-type': 'application/problem+json' }, { title: 'Too Many Requests', status: 429, retry_after: 3 }, 3000],
    ['Retry-After as an HTTP date 5 s after the injected now', 'GET', { 'retry-after': new Date(FIXED_NOW + 5000).toUTCString() }, '', 5000],
    ['no timing given: backoff', 'GET', {}, 'Too Many Requests', 1000],
    ['POST is retried too (Kommo rejects before processing)', 'POST', { 'retry-after': '1' }, '', 1000],
    ['PATCH is retried too', 'PATCH', { 'retry-after': '4' }, '', 4000],
  ])('%s → waits exactly the asked time, then succeeds', async (_name, method, headers, body, waitMs) => {
    const payload = method === 'GET' ? undefined : { name: 'x' };
    const scope = kommo();
    scope.intercept(LEADS, method).reply(429, typeof body === 'string' ? body : JSON.stringify(body), headers);
    scope.intercept(LEADS, method).reply(200, { ok: true });
    const h = harness();

    const response = await (await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 3 })).request({ method, url: 'leads', body: payload });

    expect(response.status).toBe(200);
    expect(h.sleeps).toEqual([waitMs]);
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ['Retry-After: 120', { 'retry-after': '120' }, '', 120000],
    ['body retry_after: 61', { 'content-type': 'application/json' }, JSON.stringify({ retry_after: 61 }), 61000],
  ])('%s (above the 60 s cap) → KommoRateLimitError at once, with how long Kommo asked to wait', async (_name, headers, body, askedMs) => {
    const scope = kommo().get(LEADS).times(2).reply(429, body, headers);
    const kommoRequests = countRequests(scope);
    const h = harness();

    const error = await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 5 })).request(GET_LEADS), KommoRateLimitError);

    expect(error).toMatchObject({ status: 429, attempts: 1, retryAfterMs: askedMs });
    expect(error.message).toContain(`Kommo asked to wait ${askedMs / 1000} s`);
    expect(kommoRequests.count).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('429 until the retries are used up → KommoRateLimitError after R+1 attempts', async () => {
    const scope = kommo().get(LEADS).times(3).reply(429, '', { 'retry-after': '1' });
    const h = harness();

    const error = await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 2 })).request(GET_LEADS), KommoRateLimitError);

    expect(error).toMatchObject({ status: 429, attempts: 3 });
    expect(h.sleeps).toEqual([1000, 1000]);
    expect(scope.isDone()).toBe(true);
  });
});
