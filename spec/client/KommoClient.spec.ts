/**
 * KommoClient against scripted HTTP answers (nock): the token rules, the retry policy as the client
 * applies it, error mapping, logging and the secret hygiene promised in docs/design.md. The clock,
 * randomness and sleep are injected: no test waits for a backoff, and every delay is asserted.
 */
import nock from 'nock';
import { CredentialConfig } from '../../lib/client/auth';
import {
  KommoAuthError, KommoConfigError, KommoError, KommoHttpError, KommoNetworkError, KommoRateLimitError,
} from '../../lib/client/errors';
import { ClientDeps, createKommoClient, KommoClient, KommoRequest, KommoResponse } from '../../lib/client/KommoClient';
import type { HttpMethod } from '../../lib/client/retryPolicy';
import type { Transport, TransportOutcome } from '../../lib/client/transport';
import { allStrings, platformEnv, RecordingContext, recordingContext, rejection } from '../helpers';
import { useNockIsolation } from '../nockIsolation';

const KOMMO = 'https://acme.kommo.com';
const OTHER_KOMMO = 'https://other.kommo.com';
const PLATFORM = 'https://platform.test';
const SECRET_PATH = '/v2/workspaces/ws-1/secrets/s1';
const REFRESH_PATH = `${SECRET_PATH}/refresh`;
const LEADS = '/api/v4/leads';

const TOKEN_A = 'tok-SECRET-abc123';
const TOKEN_B = 'tok-SECRET-renewed-456';
const TOKEN_C = 'tok-SECRET-other-789';
const REFRESH_TOKEN = 'refresh-SECRET-def456';
const CLIENT_SECRET = 'client-SECRET-ghi789';
const ENV = platformEnv(PLATFORM);
const PLATFORM_KEY = String(ENV.ELASTICIO_API_KEY);
const BASIC = `Basic ${Buffer.from(`${String(ENV.ELASTICIO_API_USERNAME)}:${PLATFORM_KEY}`).toString('base64')}`;
const FIXED_NOW = Date.parse('2026-03-02T10:00:00Z');

const SECRET_CFG: CredentialConfig = { secretId: 's1' };

/** A secrets API answer in the platform's shape; `data` as an object, or as a one-element array. */
function secretBody(accessToken: string, fields: Record<string, unknown> = { baseUrl: KOMMO }, shape: 'object' | 'array' = 'object'): object {
  const entry = {
    id: 's1',
    type: 'auth-secret',
    attributes: {
      name: 'Kommo',
      state: 'ready',
      credentials: { access_token: accessToken, refresh_token: REFRESH_TOKEN, expires_in: 86400, fields },
    },
  };
  return { data: shape === 'array' ? [entry] : entry };
}

/** The platform API: every call must carry the task's Basic credentials (never the bearer). */
function platform(): nock.Scope {
  return nock(PLATFORM, { reqheaders: { authorization: BASIC } });
}

/** The Kommo account: every call must carry a bearer token. */
function kommo(origin = KOMMO): nock.Scope {
  return nock(origin, { reqheaders: { authorization: /^Bearer / } });
}

interface Harness {
  ctx: RecordingContext;
  /** Delays the client asked to sleep, in order. */
  sleeps: number[];
  deps: ClientDeps;
  client(cfg?: CredentialConfig): Promise<KommoClient>;
  /** Log lines, as the runtime would print them. */
  lines(): string[];
}

function harness(env: NodeJS.ProcessEnv = ENV, extra: Partial<ClientDeps> = {}): Harness {
  const ctx = recordingContext();
  const sleeps: number[] = [];
  const deps: ClientDeps = {
    logger: ctx.logger,
    env,
    rateLimiter: null,
    sleep: async (delayMs: number) => { sleeps.push(delayMs); },
    random: () => 0.5, // jitter factor exactly 1.0
    nowMs: () => FIXED_NOW,
    ...extra,
  };
  return {
    ctx,
    sleeps,
    deps,
    client: (cfg = SECRET_CFG) => createKommoClient(cfg, deps),
    lines: () => ctx.logs.map((line) => line.text),
  };
}

/** Awaits a promise that must reject with an instance of `type`. */
async function rejectionOf<T extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(type);
  return error as T;
}

/**
 * A socket-level failure as nock should raise it. nock 14 needs an Error instance here: given a
 * plain `{ code }` object, the request never settles and only the client's timeout ends it.
 */
function netError(code: string, message = `${code} (scripted)`): Error {
  return Object.assign(new Error(message), { code });
}

/** Counts what reaches a host, however it was matched. */
function countRequests(scope: nock.Scope): { count: number } {
  const counter = { count: 0 };
  scope.on('request', () => { counter.count += 1; });
  return counter;
}

const GET_LEADS: KommoRequest = { method: 'GET', url: 'leads' };

useNockIsolation();

describe('secret path (cfg.secretId)', () => {
  it('reads the secret with the task\'s Basic credentials and sends its access token as the bearer', async () => {
    const secrets = platform().get(SECRET_PATH).reply(200, secretBody(TOKEN_A));
    const api = nock(KOMMO).get('/api/v4/account').matchHeader('authorization', `Bearer ${TOKEN_A}`)
      .reply(200, { id: 42, subdomain: 'acme' }, { 'content-type': 'application/hal+json' });
    const h = harness();

    const response = await (await h.client()).request({ method: 'GET', url: 'account' });

    expect(response).toMatchObject({ status: 200, body: { id: 42, subdomain: 'acme' } });
    expect(secrets.isDone()).toBe(true);
    expect(api.isDone()).toBe(true);
  });

  type SettingsRow = [string, CredentialConfig, Record<string, unknown>, number];
  it.each<SettingsRow>([
    ['cfg wins over the secret\'s fields', { secretId: 's1', baseUrl: KOMMO, retries: 2 }, { baseUrl: OTHER_KOMMO, retries: 0 }, 3],
    ['cfg retries as a string', { secretId: 's1', retries: '1' }, { baseUrl: KOMMO, retries: 4 }, 2],
    ['\'\' in cfg counts as absent: the secret\'s fields apply', { secretId: 's1', baseUrl: '', retries: '' }, { baseUrl: KOMMO, retries: '1' }, 2],
    ['absent from cfg: the secret\'s fields apply', { secretId: 's1' }, { baseUrl: KOMMO, retries: 0 }, 1],
    ['absent everywhere: 5 retries by default', { secretId: 's1' }, { baseUrl: KOMMO }, 6],
  ])('%s (%j + fields %j → %i attempts on a GET 500 storm)', async (_name, cfg, fields, attempts) => {
    platform().get(SECRET_PATH).reply(200, secretBody(TOKEN_A, fields));
    const api = kommo().get(LEADS).times(attempts).reply(500, { title: 'Internal Server Error' }, { 'content-type': 'application/problem+json' });
    const other = nock(OTHER_KOMMO).get(/.*/).reply(200, {});
    const h = harness();

    const error = await rejectionOf(h.client(cfg).then((client) => client.request(GET_LEADS)), KommoHttpError);

    expect(error).toMatchObject({ status: 500, attempts });
    expect(h.sleeps).toHaveLength(attempts - 1);
    expect(api.isDone()).toBe(true);
    expect(other.isDone()).toBe(false);
  });

  it('caches the token across messages: 10 messages cost exactly one platform call', async () => {
    let reads = 0;
    platform().get(SECRET_PATH).times(10).reply(() => {
      reads += 1;
      return [200, secretBody(TOKEN_A)];
    });
    const api = kommo().get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_A}`).times(10).reply(200, { _embedded: { leads: [] } });

    for (let message = 0; message < 10; message += 1) {
      const h = harness();
      const response = await (await h.client()).request(GET_LEADS);
      expect(response.status).toBe(200);
    }

    expect(reads).toBe(1);
    expect(api.isDone()).toBe(true);
  });

  it('reads the secret once when the first messages arrive together', async () => {
    let reads = 0;
    platform().get(SECRET_PATH).times(5).reply(() => {
      reads += 1;
      return [200, secretBody(TOKEN_A)];
    });
    const api = kommo().get(LEADS).times(5).reply(200, {});

    await Promise.all(Array.from({ length: 5 }, async () => (await harness().client()).request(GET_LEADS)));

    expect(reads).toBe(1);
    expect(api.isDone()).toBe(true);
  });

  it('does not cache a failed read: the next message reads again', async () => {
    const secrets = platform().get(SECRET_PATH).reply(500, 'oops').get(SECRET_PATH).reply(200, secretBody(TOKEN_A));
    const api = kommo().get(LEADS).reply(200, {});

    await rejectionOf(harness().client(), KommoError);
    const response = await (await harness().client()).request(GET_LEADS);

    expect(response.status).toBe(200);
    expect(secrets.isDone()).toBe(true);
    expect(api.isDone()).toBe(true);
  });
});

describe('401 on the secret path: re-read, refresh once, replay once', () => {
  type RefreshRow = [string, (scope: nock.Scope) => nock.Scope];
  it.each<RefreshRow>([
    ['refresh answers data as an object', (scope) => scope.post(REFRESH_PATH).reply(200, secretBody(TOKEN_B))],
    ['refresh answers data as a one-element array', (scope) => scope.post(REFRESH_PATH).reply(200, secretBody(TOKEN_B, undefined, 'array'))],
    ['refresh answers without the secret: the client re-reads it', (scope) => scope
      .post(REFRESH_PATH).reply(200, {})
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_B))],
  ])('%s → the replay carries the new token', async (_name, refresh) => {
    const secrets = refresh(platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A)) // first read
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))); // re-read after the 401: still A
    const api = kommo()
      .get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_A}`).reply(401, { title: 'Unauthorized', status: 401 })
      .get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_B}`).reply(200, { _embedded: { leads: [{ id: 1 }] } }, { 'content-type': 'application/hal+json' });
    const h = harness();

    const response = await (await h.client()).request(GET_LEADS);

    expect(response).toMatchObject({ status: 200, body: { _embedded: { leads: [{ id: 1 }] } } });
    expect(secrets.isDone()).toBe(true);
    expect(api.isDone()).toBe(true);
    expect(h.sleeps).toEqual([]); // a replay after renewal does not back off
  });

  it('re-read finds a different token → replays with it and does not refresh', async () => {
    const secrets = platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_C));
    const refresh = platform().post(REFRESH_PATH).reply(200, secretBody(TOKEN_B));
    const api = kommo()
      .get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_A}`).reply(401)
      .get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_C}`).reply(200, {});

    const response = await (await harness().client()).request(GET_LEADS);

    expect(response.status).toBe(200);
    expect(secrets.isDone()).toBe(true);
    expect(api.isDone()).toBe(true);
    expect(refresh.isDone()).toBe(false);
  });

  it('later messages use the renewed token without another platform call', async () => {
    platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_C));
    const api = kommo()
      .get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_A}`).reply(401)
      .get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_C}`).times(3).reply(200, {});

    for (let message = 0; message < 3; message += 1) await (await harness().client()).request(GET_LEADS);

    expect(api.isDone()).toBe(true);
  });

  it.each([['one client'], ['one client per message']])('5 concurrent 401s share exactly one refresh (%s)', async (mode) => {
    let reads = 0;
    let refreshes = 0;
    let current = TOKEN_A;
    platform().get(SECRET_PATH).times(10).reply(() => {
      reads += 1;
      return [200, secretBody(current)];
    });
    platform().post(REFRESH_PATH).times(5).reply(() => {
      refreshes += 1;
      current = TOKEN_B;
      return [200, secretBody(TOKEN_B)];
    });
    const api = kommo()
      .get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_A}`).times(5).reply(401)
      .get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_B}`).times(5).reply(200, { ok: true });
    const shared = await harness().client();
    const clients = mode === 'one client'
      ? Array.from({ length: 5 }, () => shared)
      : await Promise.all(Array.from({ length: 5 }, () => harness().client()));

    const responses = await Promise.all(clients.map((client) => client.request(GET_LEADS)));

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(refreshes).toBe(1);
    expect(reads).toBe(2); // the first read, and one re-read before the refresh
    expect(api.isDone()).toBe(true);
  });

  it('5 401s delivered in the same tick still share one refresh', async () => {
    let refreshes = 0;
    platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A));
    platform().post(REFRESH_PATH).times(5).reply(() => {
      refreshes += 1;
      return [200, secretBody(TOKEN_B)];
    });
    const sent: string[] = [];
    const transport: Transport = async (request) => {
      sent.push(request.headers.authorization);
      const status = request.headers.authorization === `Bearer ${TOKEN_A}` ? 401 : 200;
      const outcome: TransportOutcome = { kind: 'response', status, statusText: '', connectionReused: true, headers: {}, body: undefined };
      return outcome;
    };
    const client = await harness(ENV, { transport }).client();

    const responses = await Promise.all(Array.from({ length: 5 }, () => client.request(GET_LEADS)));

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(refreshes).toBe(1);
    expect(sent.filter((header) => header === `Bearer ${TOKEN_B}`)).toHaveLength(5);
  });

  it('a second 401 after the replay is final: KommoAuthError, one replay, one refresh', async () => {
    let refreshes = 0;
    platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A));
    platform().post(REFRESH_PATH).times(3).reply(() => {
      refreshes += 1;
      return [200, secretBody(TOKEN_B)];
    });
    const scope = kommo()
      .get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_A}`).reply(401, { title: 'Unauthorized', status: 401 })
      .get(LEADS).matchHeader('authorization', `Bearer ${TOKEN_B}`).times(3).reply(401, { title: 'Unauthorized', status: 401 });
    const kommoRequests = countRequests(scope);
    const h = harness();

    const error = await rejectionOf((await h.client()).request(GET_LEADS), KommoAuthError);

    expect(error.status).toBe(401);
    expect(error.attempts).toBe(2);
    expect(error.message).toMatch(/reconnect the credential/i);
    expect(kommoRequests.count).toBe(2);
    expect(refreshes).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('refresh gives back the rejected token → the 401 is final without a replay', async () => {
    platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .post(REFRESH_PATH).reply(200, secretBody(TOKEN_A));
    const scope = kommo().get(LEADS).times(2).reply(401);
    const kommoRequests = countRequests(scope);

    const error = await rejectionOf((await harness().client()).request(GET_LEADS), KommoAuthError);

    expect(error.attempts).toBe(1);
    expect(error.message).toMatch(/reconnect the credential/i);
    expect(kommoRequests.count).toBe(1);
  });

  it('a platform failure while refreshing fails the message with a platform error, not a replay', async () => {
    platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .post(REFRESH_PATH).reply(500, 'platform down');
    const scope = kommo().get(LEADS).times(2).reply(401);
    const kommoRequests = countRequests(scope);

    const error = await rejectionOf((await harness().client()).request(GET_LEADS), KommoError);

    expect(error).not.toBeInstanceOf(KommoHttpError);
    expect(error.message).toMatch(/refresh the credential secret s1/);
    expect(error.message).toMatch(/HTTP 500/);
    expect(kommoRequests.count).toBe(1);
  });
});

describe('cfg.oauth path', () => {
  it('sends cfg.oauth.access_token and never calls the platform', async () => {
    const secrets = nock(PLATFORM).get(/.*/).reply(200, secretBody(TOKEN_B)).post(/.*/).reply(200, secretBody(TOKEN_B));
    const api = nock(KOMMO).get(LEADS).matchHeader('authorization', 'Bearer tok').reply(200, { ok: 1 });

    const response = await (await harness().client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO })).request(GET_LEADS);

    expect(response.body).toEqual({ ok: 1 });
    expect(api.isDone()).toBe(true);
    expect(secrets.pendingMocks()).toHaveLength(2);
  });

  it('a 401 is final: KommoAuthError after exactly one Kommo request', async () => {
    const secrets = nock(PLATFORM).get(/.*/).reply(200, secretBody(TOKEN_B)).post(/.*/).reply(200, secretBody(TOKEN_B));
    const scope = kommo().get(LEADS).times(2).reply(401, { title: 'Unauthorized', status: 401 });
    const kommoRequests = countRequests(scope);
    const h = harness();

    const error = await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO })).request(GET_LEADS), KommoAuthError);

    expect(error).toMatchObject({ status: 401, attempts: 1 });
    expect(error.message).toMatch(/reconnect the credential/i);
    expect(kommoRequests.count).toBe(1);
    expect(h.sleeps).toEqual([]);
    expect(secrets.pendingMocks()).toHaveLength(2);
  });
});

describe('configuration errors, before any request', () => {
  type ConfigRow = [string, CredentialConfig, NodeJS.ProcessEnv, RegExp[], RegExp[]];
  it.each<ConfigRow>([
    ['no credential at all', { baseUrl: KOMMO }, ENV, [/secretId/, /oauth\.access_token/, /Select or create a Kommo credential/], []],
    ['empty secretId and empty oauth', { secretId: '', oauth: { access_token: '' }, baseUrl: KOMMO }, ENV, [/secretId/, /oauth\.access_token/], []],
    ['oauth without a token', { oauth: {}, baseUrl: KOMMO }, ENV, [/oauth\.access_token/], []],
    ['secretId without any ELASTICIO_* variable', SECRET_CFG, {},
      [/ELASTICIO_API_URI/, /ELASTICIO_API_USERNAME/, /ELASTICIO_API_KEY/, /ELASTICIO_WORKSPACE_ID/], []],
    ['secretId without the API key only', SECRET_CFG, { ...ENV, ELASTICIO_API_KEY: '' },
      [/ELASTICIO_API_KEY/], [/ELASTICIO_API_URI/, /ELASTICIO_API_USERNAME/, /ELASTICIO_WORKSPACE_ID/]],
    ['retries out of range', { oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: '11' }, ENV, [/Number of retries/, /0 to 10/], []],
    ['retries not whole', { oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 2.5 }, ENV, [/Number of retries/], []],
    ['Base URL not a Kommo account', { oauth: { access_token: 'tok' }, baseUrl: 'https://example.com' }, ENV, [/Base URL/], []],
  ])('%s → KommoConfigError naming what is missing, zero requests', async (_name, cfg, env, mentions, omits) => {
    const secrets = nock(PLATFORM).get(/.*/).reply(200, secretBody(TOKEN_A));
    const api = nock(KOMMO).get(/.*/).reply(200, {});
    const anywhere = nock(/.*/).get(/.*/).reply(200, {});

    const error = await rejectionOf(harness(env).client(cfg).then((client) => client.request(GET_LEADS)), KommoConfigError);

    for (const pattern of mentions) expect(error.message).toMatch(pattern);
    for (const pattern of omits) expect(error.message).not.toMatch(pattern);
    expect(secrets.isDone()).toBe(false);
    expect(api.isDone()).toBe(false);
    expect(anywhere.isDone()).toBe(false);
  });

  it.each([
    [404, KommoConfigError, /refused to read the credential secret s1 \(HTTP 404\).*reconnect/i],
    [403, KommoConfigError, /refused to read the credential secret s1 \(HTTP 403\)/],
    [500, KommoError, /Could not read the credential secret s1 .*HTTP 500.*try again later/],
  ])('platform answers %i to the secret read → %p, no Kommo request', async (status, type, pattern) => {
    platform().get(SECRET_PATH).reply(status, { error: 'nope' });
    const api = nock(KOMMO).get(/.*/).reply(200, {});

    const error = await rejectionOf(harness().client(), type);

    expect(error.message).toMatch(pattern);
    if (status >= 500) expect(error).not.toBeInstanceOf(KommoConfigError);
    expect(api.isDone()).toBe(false);
  });

  it('a secret without an access token is a platform error naming the secret', async () => {
    platform().get(SECRET_PATH).reply(200, { data: { attributes: { credentials: { fields: { baseUrl: KOMMO } } } } });

    const error = await rejectionOf(harness().client(), KommoError);

    expect(error.message).toMatch(/secret s1 .*no access token/);
  });
});

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
    const failing = scope.intercept(LEADS, method, body);
    if ('status' in failure) failing.reply(failure.status, { title: 'failure', status: failure.status }, { 'content-type': 'application/problem+json' });
    else failing.replyWithError(netError(failure.error));
    scope.intercept(LEADS, method, body).reply(200, { _embedded: { leads: [{ id: 7 }] } });
    const kommoRequests = countRequests(scope);
    const h = harness();
    const client = await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 3 });

    const result = client.request({ method, url: 'leads', body });

    if (expected === 'retried') {
      await expect(result).resolves.toMatchObject({ status: 200 });
      expect(kommoRequests.count).toBe(2);
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
    expect(kommoRequests.count).toBe(1);
    expect(h.sleeps).toEqual([]);
    expect(h.lines()).toEqual([expect.stringContaining(`-> ${describeFailure(failure)} attempt 1/4: stop:`)]);
  });

  it('a network storm on GET ends with KommoNetworkError after R+1 attempts', async () => {
    const scope = kommo().get(LEADS).times(4).replyWithError(netError('ECONNRESET', 'socket hang up'));
    const kommoRequests = countRequests(scope);
    const h = harness();

    const error = await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 2 })).request(GET_LEADS), KommoNetworkError);

    expect(error).toMatchObject({ code: 'ECONNRESET', attempts: 3, method: 'GET', path: LEADS });
    expect(error.message).toMatch(/Could not reach Kommo at https:\/\/acme\.kommo\.com \(ECONNRESET\).*after 3 attempts/);
    expect(kommoRequests.count).toBe(3);
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

describe('responses', () => {
  async function oauthClient(h = harness()): Promise<KommoClient> {
    return h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 3 });
  }

  it('204 → status 204 and no body', async () => {
    kommo().patch(LEADS).reply(204);

    const response = await (await oauthClient()).request({ method: 'PATCH', url: 'leads', body: [{ id: 1, price: 5 }] });

    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
  });

  it('200 application/hal+json; charset=utf-8 → parsed JSON, headers as a plain lower-case object', async () => {
    kommo().get(LEADS).reply(200, JSON.stringify({ _page: 1, _embedded: { leads: [{ id: 3 }] } }), {
      'Content-Type': 'application/hal+json; charset=utf-8',
      'X-Request-Id': 'req-1',
    });

    const response: KommoResponse = await (await oauthClient()).request(GET_LEADS);

    expect(response.body).toEqual({ _page: 1, _embedded: { leads: [{ id: 3 }] } });
    expect(response.headers['content-type']).toBe('application/hal+json; charset=utf-8');
    expect(response.headers['x-request-id']).toBe('req-1');
    expect(Object.getPrototypeOf(response.headers)).toBe(Object.prototype);
  });

  it('sends the body as JSON with content-type, and a GET without a body', async () => {
    const scope = nock(KOMMO)
      .post(LEADS, [{ name: 'Deal' }]).matchHeader('content-type', 'application/json').matchHeader('accept', 'application/json').reply(200, {})
      .get(LEADS).matchHeader('content-type', (value: string | undefined) => value === undefined).reply(200, {});
    const client = await oauthClient();

    await client.request({ method: 'POST', url: 'leads', body: [{ name: 'Deal' }] });
    await client.request({ method: 'GET', url: 'leads', body: { ignored: true } });

    expect(scope.isDone()).toBe(true);
  });

  it('HTML 403 → not retried; KommoHttpError saying it is probably a block and what to do, with a text excerpt', async () => {
    const html = '<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1><p>Access denied.</p></body></html>';
    const scope = kommo().get(LEADS).times(2).reply(403, html, { 'content-type': 'text/html; charset=utf-8' });
    const kommoRequests = countRequests(scope);
    const h = harness();

    const error = await rejectionOf((await oauthClient(h)).request(GET_LEADS), KommoHttpError);

    expect(error).toMatchObject({ status: 403, attempts: 1 });
    expect(error.message).toMatch(/probably an IP or account block/);
    expect(error.message).toMatch(/Lower the request rate/);
    expect(typeof error.responseBody).toBe('string');
    expect(error.responseBody).toContain('403 Forbidden');
    expect(error.responseBody).toContain('Access denied.');
    expect(error.responseBody).not.toContain('<');
    expect(kommoRequests.count).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('problem+json 400 → Kommo\'s title, detail, validation errors and x-request-id on the error', async () => {
    kommo().post(LEADS).reply(400, {
      title: 'Bad Request',
      type: 'https://httpstatus.es/400',
      status: 400,
      detail: 'Request validation failed',
      'validation-errors': [{ request_id: '0', errors: [{ code: 'NotSupportedChoice', path: 'custom_fields_values.0.field_id', detail: 'The value you selected is not a valid choice.' }] }],
    }, { 'content-type': 'application/problem+json', 'x-request-id': 'abc-1' });

    const error = await rejectionOf((await oauthClient()).request({ method: 'POST', url: 'leads', body: [{}] }), KommoHttpError);

    expect(error).toMatchObject({ status: 400, requestId: 'abc-1', title: 'Bad Request', detail: 'Request validation failed' });
    expect(error.message).toMatch(/Request validation failed/);
    expect(error.message).toMatch(/item 0: custom_fields_values\.0\.field_id NotSupportedChoice/);
  });

  it('404 → KommoHttpError; with acceptStatuses [404] → returned as a response', async () => {
    kommo().get('/api/v4/leads/999').times(2).reply(404, '');
    const client = await oauthClient();

    const error = await rejectionOf(client.request({ method: 'GET', url: 'leads/999' }), KommoHttpError);
    const response = await client.request({ method: 'GET', url: 'leads/999', acceptStatuses: [404] });

    expect(error).toMatchObject({ status: 404, attempts: 1, path: '/api/v4/leads/999' });
    expect(error.message).toMatch(/Don't throw error on 404 Response/);
    expect(response.status).toBe(404);
    expect(response.body).toBeUndefined();
  });

  it('3xx is not followed: nothing reaches the Location host, KommoHttpError 302', async () => {
    const scope = kommo().get(LEADS).times(2).reply(302, '', { location: 'https://evil.example/steal' });
    const kommoRequests = countRequests(scope);
    const evil = nock('https://evil.example').get(/.*/).reply(200, {});
    const h = harness();

    const error = await rejectionOf((await oauthClient(h)).request(GET_LEADS), KommoHttpError);

    expect(error).toMatchObject({ status: 302, attempts: 1 });
    expect(evil.isDone()).toBe(false);
    expect(kommoRequests.count).toBe(1);
    expect(h.sleeps).toEqual([]);
  });
});

describe('timeouts (the per-attempt timeout really elapses)', () => {
  const TIMEOUT_ENV = { ...ENV, API_REQUEST_TIMEOUT: '500' };

  it('GET with API_REQUEST_TIMEOUT=500 and no answer → KommoNetworkError ETIMEDOUT, "no answer within 500 ms"', async () => {
    kommo().get(LEADS).delay(2000).reply(200, {});
    const h = harness(TIMEOUT_ENV);
    const client = await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 0 });
    const started = Date.now();

    const error = await rejectionOf(client.request(GET_LEADS), KommoNetworkError);

    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', attempts: 1 });
    expect(error.message).toMatch(/no answer within 500 ms/);
  });

  it('GET timeout is retried: timeout, then 200', async () => {
    const scope = kommo().get(LEADS).delay(2000).reply(200, { late: true }).get(LEADS).reply(200, { ok: true });
    const h = harness(TIMEOUT_ENV);
    const client = await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 1 });

    const response = await client.request(GET_LEADS);

    expect(response.body).toEqual({ ok: true });
    expect(h.sleeps).toEqual([1000]);
    expect(scope.isDone()).toBe(true);
  });

  it('GET timeout storm → R+1 attempts, then KommoNetworkError ETIMEDOUT', async () => {
    const scope = kommo().get(LEADS).times(3).delay(2000).reply(200, {});
    const kommoRequests = countRequests(scope);
    const h = harness(ENV, { overrides: { requestTimeoutMs: 200 } });
    const client = await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 1 });

    const error = await rejectionOf(client.request(GET_LEADS), KommoNetworkError);

    expect(error).toMatchObject({ code: 'ETIMEDOUT', attempts: 2 });
    expect(error.message).toMatch(/no answer within 200 ms.*after 2 attempts/);
    expect(kommoRequests.count).toBe(2);
    expect(h.sleeps).toEqual([1000]);
  });

  it('POST timeout is not replayed (Kommo may have created the record)', async () => {
    const scope = kommo().post(LEADS).times(2).delay(2000).reply(200, {});
    const kommoRequests = countRequests(scope);
    const h = harness(TIMEOUT_ENV);
    const client = await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 3 });

    const error = await rejectionOf(client.request({ method: 'POST', url: 'leads', body: [{ name: 'x' }] }), KommoNetworkError);

    expect(error).toMatchObject({ code: 'ETIMEDOUT', attempts: 1, method: 'POST' });
    expect(error.message).toMatch(/no answer within 500 ms/);
    expect(kommoRequests.count).toBe(1);
    expect(h.sleeps).toEqual([]);
  });
});

describe('origin guard', () => {
  it.each([
    ['https://evil.example/x'],
    ['//evil.example/x'],
    ['https://acme.kommo.com@evil.example/x'],
    ['\\\\evil.example/x'],
  ])('url %j → KommoConfigError and zero requests anywhere', async (url) => {
    const evil = nock('https://evil.example').get(/.*/).reply(200, {});
    const api = nock(KOMMO).get(/.*/).reply(200, {});
    const h = harness();
    const client = await h.client({ oauth: { access_token: TOKEN_A }, baseUrl: KOMMO });

    const error = await rejectionOf(client.request({ method: 'GET', url }), KommoConfigError);

    expect(error.message).toMatch(/acme\.kommo\.com/);
    expect(evil.isDone()).toBe(false);
    expect(api.isDone()).toBe(false);
    expect(h.lines()).toEqual([]);
  });

  it('Authorization goes only to the Base URL\'s origin; the platform gets Basic auth, never the bearer', async () => {
    const seen: Array<{ host: string; authorization: string }> = [];
    const record = (scope: nock.Scope, host: string): nock.Scope => scope.on('request', (req: { headers: Record<string, unknown> }) => {
      seen.push({ host, authorization: String(req.headers.authorization) });
    });
    record(platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A, { baseUrl: KOMMO }))
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A, { baseUrl: KOMMO }))
      .post(REFRESH_PATH).reply(200, secretBody(TOKEN_B, { baseUrl: KOMMO })), 'platform');
    record(kommo()
      .get(LEADS).reply(401)
      .get(LEADS).reply(302, '', { location: 'https://evil.example/x' }), 'kommo');
    const evil = nock('https://evil.example').get(/.*/).reply(200, {});

    await rejectionOf((await harness().client()).request(GET_LEADS), KommoHttpError);

    expect(seen).toEqual([
      { host: 'platform', authorization: BASIC },
      { host: 'kommo', authorization: `Bearer ${TOKEN_A}` },
      { host: 'platform', authorization: BASIC },
      { host: 'platform', authorization: BASIC },
      { host: 'kommo', authorization: `Bearer ${TOKEN_B}` },
    ]);
    expect(evil.isDone()).toBe(false);
  });
});

describe('logging: one line per HTTP attempt', () => {
  it('names method, path, status, attempt and the retry delay; strings only; no query', async () => {
    kommo()
      .get(`${LEADS}?query=%2B15551234`).reply(500)
      .get(`${LEADS}?query=%2B15551234`).replyWithError(netError('ECONNRESET'))
      .get(`${LEADS}?query=%2B15551234`).reply(200, {});
    const h = harness();
    const client = await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 2 });

    await client.request({ method: 'GET', url: 'leads?query=%2B15551234' });

    expect(h.ctx.logs.every((line) => typeof line.text === 'string')).toBe(true);
    const lines = h.lines();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/GET \/api\/v4\/leads -> 500 attempt 1\/3: retry in 1000 ms/);
    expect(lines[1]).toMatch(/GET \/api\/v4\/leads -> ECONNRESET attempt 2\/3: retry in 2000 ms/);
    expect(lines[2]).toMatch(/GET \/api\/v4\/leads -> 200 attempt 3\/3/);
    expect(lines.join('\n')).not.toMatch(/15551234/);
  });

  it('logs the 401 that led to a replay, and the replay', async () => {
    platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_C));
    kommo().get(LEADS).reply(401).get(LEADS).reply(200, {});
    const h = harness();

    await (await h.client()).request(GET_LEADS);

    const lines = h.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/GET \/api\/v4\/leads -> 401 attempt 1\/.*replay/);
    expect(lines[1]).toMatch(/GET \/api\/v4\/leads -> 200 attempt 2\//);
  });

  it('logs the final attempt of a failure with why it stopped', async () => {
    kommo().post(LEADS).reply(502);
    const h = harness();

    await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO })).request({ method: 'POST', url: 'leads', body: [] }), KommoHttpError);

    expect(h.lines()).toEqual([expect.stringMatching(/POST \/api\/v4\/leads -> 502 attempt 1\/6: stop: unsafe-to-replay/)]);
  });
});

describe('secret scan: no token, key or Authorization value in errors or logs', () => {
  const SECRETS = [TOKEN_A, TOKEN_B, REFRESH_TOKEN, CLIENT_SECRET, PLATFORM_KEY, BASIC.slice('Basic '.length), 'SECRET', 'Bearer'];

  /** Every text a failure exposes: message, String(), stack, all own properties (nested), log lines. */
  function exposedTexts(error: unknown, h: Harness): string[] {
    const texts = [...allStrings(error), String(error), ...h.lines()];
    if (error instanceof Error && error.stack) texts.push(error.stack);
    return texts;
  }

  function leaks(texts: string[]): string[] {
    return texts.flatMap((text) => SECRETS.filter((secret) => text.includes(secret)).map((secret) => `${secret} in ${JSON.stringify(text.slice(0, 200))}`));
  }

  it('the scan itself finds a token hidden in a nested property', () => {
    const leaky = Object.assign(new KommoError('boom'), { config: { headers: { authorization: `Bearer ${TOKEN_A}` } } });
    expect(leaks(exposedTexts(leaky, harness()))).not.toEqual([]);
  });

  const OAUTH_CFG = { oauth: { access_token: TOKEN_A, refresh_token: REFRESH_TOKEN, client_secret: CLIENT_SECRET }, baseUrl: KOMMO, retries: 1 } as CredentialConfig;

  type Scenario = [string, CredentialConfig, NodeJS.ProcessEnv, () => void, KommoRequest];
  it.each<Scenario>([
    ['401 final on the secret path after refresh', SECRET_CFG, ENV, () => {
      platform().get(SECRET_PATH).reply(200, secretBody(TOKEN_A)).get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
        .post(REFRESH_PATH).reply(200, secretBody(TOKEN_B));
      kommo().get(LEADS).times(2).reply(401, { title: 'Unauthorized', status: 401, detail: 'Token is invalid' }, { 'content-type': 'application/problem+json' });
    }, GET_LEADS],
    ['401 final on the oauth path', OAUTH_CFG, ENV, () => {
      kommo().get(LEADS).reply(401, { title: 'Unauthorized', status: 401 }, { 'content-type': 'application/problem+json' });
    }, GET_LEADS],
    ['500 storm', OAUTH_CFG, ENV, () => { kommo().get(LEADS).times(2).reply(500, 'Internal error'); }, GET_LEADS],
    ['429 over the cap', OAUTH_CFG, ENV, () => { kommo().post(LEADS).reply(429, '', { 'retry-after': '300' }); }, { method: 'POST', url: 'leads', body: [{ name: 'x' }] }],
    ['HTML 403 block', OAUTH_CFG, ENV, () => { kommo().get(LEADS).reply(403, '<html><body>Forbidden</body></html>', { 'content-type': 'text/html' }); }, GET_LEADS],
    ['network error', OAUTH_CFG, ENV, () => { kommo().post(LEADS).replyWithError(netError('ECONNRESET', 'socket hang up')); }, { method: 'POST', url: 'leads', body: { a: 1 } }],
    ['redirect', OAUTH_CFG, ENV, () => { kommo().get(LEADS).reply(301, '', { location: 'https://evil.example/' }); }, GET_LEADS],
    ['platform 500 on the secret read', SECRET_CFG, ENV, () => { platform().get(SECRET_PATH).reply(500, 'down'); }, GET_LEADS],
    ['platform 404 on the secret read', SECRET_CFG, ENV, () => { platform().get(SECRET_PATH).reply(404, { error: 'not found' }); }, GET_LEADS],
    ['platform unreachable', SECRET_CFG, ENV, () => { platform().get(SECRET_PATH).replyWithError(netError('ECONNREFUSED', 'connect ECONNREFUSED')); }, GET_LEADS],
    ['platform 500 on refresh', SECRET_CFG, ENV, () => {
      platform().get(SECRET_PATH).reply(200, secretBody(TOKEN_A)).get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
        .post(REFRESH_PATH).reply(500, 'down');
      kommo().get(LEADS).reply(401);
    }, GET_LEADS],
    ['secretId without the platform env', SECRET_CFG, { ELASTICIO_API_KEY: PLATFORM_KEY }, () => undefined, GET_LEADS],
    ['no credential', { oauth: { refresh_token: REFRESH_TOKEN, client_secret: CLIENT_SECRET }, baseUrl: KOMMO } as CredentialConfig, ENV, () => undefined, GET_LEADS],
    ['Base URL with a password in it', { ...OAUTH_CFG, baseUrl: `https://user:${TOKEN_A}@acme.kommo.com` }, ENV, () => undefined, GET_LEADS],
    ['origin change', OAUTH_CFG, ENV, () => undefined, { method: 'GET', url: `https://x:${TOKEN_A}@evil.example/` }],
  ])('%s', async (_name, cfg, env, script, request) => {
    script();
    const h = harness(env);

    const error = await rejection(createKommoClient(cfg, h.deps).then((client) => client.request(request)));

    expect(error).toBeInstanceOf(KommoError);
    expect(leaks(exposedTexts(error, h))).toEqual([]);
  });
});
