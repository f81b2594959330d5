/**
 * The component against the Kommo sandbox and the fake platform over real HTTP on 127.0.0.1:
 * the secret path, token renewal through the platform, writes, Kommo's 204 and error shapes, and
 * the retry policy against scripted faults. No nock. Pacing is off, as the sandbox's rate limit is:
 * waiting on the limiter would only slow these tests down (rateLimit.spec.ts runs it for real).
 */
import { processAction as realAction } from '../../lib/actions/makeRawRequest';
import type { FakePlatform } from '../../sandbox';
import { startFakePlatform } from '../../sandbox';
import { allStrings, recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const { sandbox } = useSandbox();
let platform: FakePlatform;
let secretId: string;
const savedEnv = { ...process.env };
// Backoff waits are skipped (not slept): the retry counts are what these tests check.
const processAction = realAction.withDeps({ rateLimiter: null, sleep: async () => undefined });

beforeAll(async () => {
  platform = await startFakePlatform({ kommo: sandbox });
  Object.assign(process.env, {
    ELASTICIO_API_URI: platform.url,
    ELASTICIO_API_USERNAME: platform.username,
    ELASTICIO_API_KEY: platform.apiKey,
    ELASTICIO_WORKSPACE_ID: platform.workspaceId,
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await platform.close();
});

beforeEach(() => {
  platform.calls.length = 0;
  secretId = platform.createSecret({ accessToken: sandbox.accessToken, refreshToken: sandbox.refreshToken, fields: { baseUrl: sandbox.baseUrl, retries: 2 } });
});

function send(body: Record<string, unknown>, cfg: Record<string, unknown> = {}) {
  const ctx = recordingContext();
  return { ctx, result: processAction.call(ctx, { body }, { secretId, ...cfg }) };
}

const secretReads = () => platform.calls.filter((call) => call.method === 'GET' && call.path.includes('/secrets/')).length;

describe('Make Raw Request against the Kommo sandbox', () => {
  it('reads the secret once for ten messages and sends exactly one Kommo request per message', async () => {
    for (let i = 0; i < 10; i += 1) {
      const message = await send({ url: 'account', method: 'GET' }).result;
      expect(message?.body.statusCode).toBe(200);
    }
    expect(secretReads()).toBe(1);
    expect(sandbox.requestLog).toHaveLength(10);
  });

  it('creates exactly one lead with a POST, echoing request_id', async () => {
    const before = sandbox.entities('leads').length;
    const message = await send({ url: 'leads', method: 'POST', data: [{ name: 'Integration lead', price: 10, request_id: 'r-7' }] }).result;
    expect(message?.body.responseBody).toMatchObject({ _embedded: { leads: [{ request_id: 'r-7' }] } });
    expect(sandbox.entities('leads')).toHaveLength(before + 1);
    expect(sandbox.entities('leads').at(-1)).toMatchObject({ name: 'Integration lead', price: 10 });
  });

  it('updates with PATCH and sees Kommo\'s validation errors on bad input', async () => {
    const [lead] = sandbox.entities('leads');
    await send({ url: `leads/${lead.id}`, method: 'PATCH', data: { name: 'Renamed' } }).result;
    expect(sandbox.entities('leads').find((l) => l.id === lead.id)).toMatchObject({ name: 'Renamed' });
    await expect(send({ url: 'leads', method: 'POST', data: [{ name: 'x', price: 'lots' }] }).result)
      .rejects.toMatchObject({
        name: 'KommoValidationError',
        status: 400,
        message: expect.stringContaining('Validation errors: item 0: price InvalidType'),
        rejections: [{ requestId: '0', path: 'price', code: 'InvalidType', detail: expect.any(String) }],
      });
  });

  it('returns 204 with no responseBody for an empty search', async () => {
    const message = await send({ url: 'leads?query=no-such-lead-anywhere', method: 'GET' }).result;
    expect(message?.body.statusCode).toBe(204);
    expect(message?.body).not.toHaveProperty('responseBody');
  });

  it('returns 404 as data only with doNotThrow404', async () => {
    await expect(send({ url: 'leads/424242', method: 'GET' }).result).rejects.toMatchObject({ status: 404 });
    await expect(send({ url: 'leads/424242', method: 'GET' }, { doNotThrow404: true }).result).resolves.toMatchObject({ body: { statusCode: 404 } });
  });

  it('renews an expired token through the platform once and replays', async () => {
    await send({ url: 'account', method: 'GET' }).result;
    sandbox.revokeAccessToken(sandbox.accessToken);
    const message = await send({ url: 'account', method: 'GET' }).result;
    expect(message?.body.statusCode).toBe(200);
    expect(platform.refreshCount(secretId)).toBe(1);
    const apiCalls = sandbox.requestLog.filter((entry) => entry.path.startsWith('/api/v4/'));
    expect(apiCalls.map((entry) => entry.status)).toEqual([200, 401, 200]);
    // the platform, not the component, called Kommo's token endpoint
    expect(sandbox.requestLog.filter((entry) => entry.path === '/oauth2/access_token')).toHaveLength(1);
  });

  it('shares one renewal among concurrent messages', async () => {
    await send({ url: 'account', method: 'GET' }).result;
    sandbox.revokeAccessToken(sandbox.accessToken);
    const results = await Promise.all(Array.from({ length: 5 }, () => send({ url: 'account', method: 'GET' }).result));
    expect(results.every((message) => message?.body.statusCode === 200)).toBe(true);
    expect(platform.refreshCount(secretId)).toBe(1);
  });

  it('makes retries + 1 attempts on a 500 storm, then fails', async () => {
    sandbox.injectFault('/api/v4/leads', { kind: 'status', status: 500 }, Infinity);
    await expect(send({ url: 'leads', method: 'GET' }).result).rejects.toMatchObject({ status: 500, attempts: 3 });
    expect(sandbox.requestLog.filter((entry) => entry.path.startsWith('/api/v4/leads'))).toHaveLength(3);
  });

  it('recovers from a reset on GET', async () => {
    sandbox.injectFault('/api/v4/leads', { kind: 'reset' }, 1);
    await expect(send({ url: 'leads', method: 'GET' }).result).resolves.toMatchObject({ body: { statusCode: 200 } });
  });

  it('never replays a POST whose write may have been applied', async () => {
    const before = sandbox.entities('leads').length;
    sandbox.injectFault('/api/v4/leads', { kind: 'status', status: 504, afterProcessing: true }, 1, 'POST');
    await expect(send({ url: 'leads', method: 'POST', data: [{ name: 'Once only' }] }).result).rejects.toMatchObject({ status: 504, attempts: 1 });
    expect(sandbox.entities('leads')).toHaveLength(before + 1);
    expect(sandbox.requestLog.filter((entry) => entry.method === 'POST')).toHaveLength(1);
  });

  it('reports an HTML 403 block without retrying and without leaking the token', async () => {
    sandbox.injectFault('/api/v4/account', { kind: 'status', status: 403 }, Infinity);
    const failure = await rejection(send({ url: 'account', method: 'GET' }).result);
    expect(failure).toMatchObject({ status: 403, attempts: 1 });
    expect((failure as Error).message).toMatch(/block/);
    expect(allStrings(failure).join('\n')).not.toContain(sandbox.accessToken);
  });
});
