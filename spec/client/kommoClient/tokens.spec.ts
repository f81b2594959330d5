/**
 * KommoClient: The token rules: the secret path (one read per process, settings from cfg then the secret's fields), renewal after a 401 (re-read, refresh once, replay once, single flight), and the cfg.oauth path (a 401 is final).
 */
import nock from 'nock';
import type { CredentialConfig } from '../../../lib/client/auth';
import { KommoAuthError, KommoError, KommoHttpError } from '../../../lib/client/errors';
import type { Transport, TransportOutcome } from '../../../lib/client/transport';
import { useNockIsolation } from '../../nockIsolation';
import {
  KOMMO, OTHER_KOMMO, PLATFORM, SECRET_PATH, REFRESH_PATH, LEADS, TOKEN_A, TOKEN_B, TOKEN_C, ENV, GET_LEADS, secretBody, platform, kommo, harness, rejectionOf, countRequests,
} from './harness';

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
