/**
 * Make Raw Request through sailor's calling convention (`process.call(context, msg, cfg)`), with
 * scripted Kommo answers (nock). Pacing is off (`withDeps`): these tests are about the action,
 * the limiter has its own specs.
 */
import nock from 'nock';
import { processAction as realAction } from '../../lib/actions/makeRawRequest';
import { KommoConfigError, KommoHttpError, KommoNetworkError, KommoRateLimitError } from '../../lib/client/errors';
import { closedPort, recordingContext, rejection } from '../helpers';
import { useNockIsolation } from '../nockIsolation';

const BASE = 'https://acme.kommo.com';
const TOKEN = 'tok-action-0123456789';
const cfg = { oauth: { access_token: TOKEN }, baseUrl: `${BASE}/`, retries: '0' };
const processAction = realAction.withDeps({ rateLimiter: null });

function run(body: unknown, extraCfg: Record<string, unknown> = {}) {
  const ctx = recordingContext();
  return { ctx, result: processAction.call(ctx, { body }, { ...cfg, ...extraCfg }) };
}

useNockIsolation();

describe('Make Raw Request', () => {
  it('returns status, plain lower-case headers and the parsed body of a 2xx', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/api/v4/leads').query({ limit: '5' })
      .reply(200, { _embedded: { leads: [{ id: 1 }] } }, { 'Content-Type': 'application/hal+json', 'X-Request-Id': 'r-1' });
    const { result } = run({ url: 'leads?limit=5', method: 'get' });
    const message = await result;
    expect(message?.body).toEqual({
      statusCode: 200,
      headers: expect.objectContaining({ 'content-type': 'application/hal+json', 'x-request-id': 'r-1' }),
      responseBody: { _embedded: { leads: [{ id: 1 }] } },
    });
    expect(Object.getPrototypeOf(message?.body.headers)).toBe(Object.prototype);
    expect(scope.isDone()).toBe(true);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('sends data as JSON with %s, arrays as they are', async (method) => {
    const data = [{ name: 'Deal', price: 100 }];
    const scope = nock(BASE).intercept('/api/v4/leads', method, data)
      .matchHeader('content-type', 'application/json')
      .reply(200, { ok: true }, { 'Content-Type': 'application/json' });
    await run({ url: '/api/v4/leads', method, data }).result;
    expect(scope.isDone()).toBe(true);
  });

  it('omits responseBody on 204', async () => {
    nock(BASE).get('/api/v4/leads').query(true).reply(204);
    const message = await run({ url: 'leads?query=nobody', method: 'GET' }).result;
    expect(message?.body.statusCode).toBe(204);
    expect(message?.body).not.toHaveProperty('responseBody');
  });

  it('keeps a non-JSON body as text', async () => {
    nock(BASE).get('/api/v4/account').reply(200, 'plain words', { 'Content-Type': 'text/plain' });
    expect((await run({ url: 'account', method: 'GET' }).result)?.body.responseBody).toBe('plain words');
  });

  it('throws a KommoHttpError on 404 without doNotThrow404, naming the checkbox that would return it as data', async () => {
    nock(BASE).get('/api/v4/leads/999').reply(404, { title: 'Not Found', status: 404, detail: 'Lead not found' }, { 'Content-Type': 'application/problem+json' });
    const failure = await rejection(run({ url: 'leads/999', method: 'GET' }).result);
    expect(failure).toBeInstanceOf(KommoHttpError);
    expect((failure as Error).message).toMatch(/Lead not found\. The path or entity does not exist in this Kommo account\. Enable "Don't throw error on 404 Response" to receive 404 as data\.$/);
  });

  it.each([true, 'true'])('returns 404 as data with doNotThrow404 %p', async (checkbox) => {
    nock(BASE).get('/api/v4/leads/999').reply(404, { title: 'Not Found', status: 404 }, { 'Content-Type': 'application/problem+json' });
    const message = await run({ url: 'leads/999', method: 'GET' }, { doNotThrow404: checkbox }).result;
    expect(message?.body).toMatchObject({ statusCode: 404, responseBody: { title: 'Not Found' } });
  });

  it('still throws other non-2xx statuses with doNotThrow404', async () => {
    nock(BASE).get('/api/v4/leads').reply(400, { title: 'Bad Request', status: 400 }, { 'Content-Type': 'application/problem+json' });
    await expect(run({ url: 'leads', method: 'GET' }, { doNotThrow404: true }).result).rejects.toMatchObject({ status: 400 });
  });

  it.each([
    [{ url: 'leads', method: 'HEAD' }, 'Method must be one of GET, POST, PUT, PATCH, DELETE; got "HEAD"'],
    [{ url: 'leads' }, 'Method must be one of GET, POST, PUT, PATCH, DELETE; got nothing'],
    [{ url: 'leads', method: 42 }, 'got 42'],
    [{ method: 'GET' }, 'Url is required'],
    [{ url: '   ', method: 'GET' }, 'Url is required'],
    [{ url: 'leads', method: 'POST', data: 17 }, 'Request Body must be a JSON object or array; got a number'],
    [undefined, 'Method must be one of'],
    [{ url: 'leads', method: 'POST', body: { name: 'x' } }, 'The input has a key this step does not read: "body" (use "data", Request Body, instead). Its input keys are "url", "method", "data".'],
    [{ URL: 'leads', method: 'GET' }, '"URL" (use "url", Url, instead)'],
    [{ url: 'leads', method: 'GET', limit: 5, payload: {} }, 'keys this step does not read: "limit", "payload" (use "data", Request Body, instead)'],
  ])('refuses bad input %j before any request', async (body, message) => {
    // disableNetConnect: any request would fail with a different error
    await expect(run(body).result).rejects.toThrow(KommoConfigError);
    await expect(run(body).result).rejects.toThrow(message);
  });

  it('refuses a url on another origin before any request', async () => {
    const evil = nock('https://evil.example').get(/.*/).reply(200);
    await expect(run({ url: 'https://evil.example/api/v4/leads', method: 'GET' }).result).rejects.toThrow(KommoConfigError);
    expect(evil.isDone()).toBe(false);
  });

  it('fails with an Error naming the reason when the host is unreachable, never a TypeError', async () => {
    nock.enableNetConnect('127.0.0.1');
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const failure = await rejection(run({ url: 'account', method: 'GET' }, { baseUrl: unreachable }).result);
    nock.disableNetConnect();
    expect(failure).toBeInstanceOf(KommoNetworkError);
    expect(failure).not.toBeInstanceOf(TypeError);
    expect((failure as Error).message).toContain('ECONNREFUSED');
  });

  it.each([true, 'true'])('rebounds instead of failing when Kommo asks for a wait beyond the cap and rebound is %p', async (checkbox) => {
    nock(BASE).get('/api/v4/leads').reply(429, { title: 'Too Many Requests', status: 429, retry_after: 300 }, { 'Content-Type': 'application/problem+json' });
    const { ctx, result } = run({ url: 'leads', method: 'GET' }, { reboundOnRateLimit: checkbox });
    await expect(result).resolves.toBeUndefined();
    expect(ctx.emitted).toHaveLength(1);
    expect(ctx.emitted[0].event).toBe('rebound');
    expect(ctx.emitted[0].payload).toBeInstanceOf(KommoRateLimitError);
  });

  it('fails with a rate-limit error saying how long Kommo asked to wait when rebound is off', async () => {
    nock(BASE).get('/api/v4/leads').reply(429, { title: 'Too Many Requests', status: 429, retry_after: 300 }, { 'Content-Type': 'application/problem+json' });
    const { ctx, result } = run({ url: 'leads', method: 'GET' });
    await expect(result).rejects.toThrow('Kommo asked to wait 300 s');
    expect(ctx.emitted).toHaveLength(0);
  });

  it('logs one string line per attempt and never the token', async () => {
    nock(BASE).get('/api/v4/account').reply(200, {}, { 'Content-Type': 'application/json' });
    const { ctx, result } = run({ url: 'account', method: 'GET' });
    await result;
    expect(ctx.logs).toHaveLength(1);
    expect(ctx.logs[0].text).toMatch(/GET \/api\/v4\/account -> 200 attempt 1\/1/);
    expect(JSON.stringify(ctx.logs)).not.toContain(TOKEN);
  });
});
