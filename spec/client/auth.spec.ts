/**
 * The token source on its own: how a secrets API answer is read, which settings win, the
 * per-process cache, and single-flight renewal after a 401. The platform API is scripted with nock.
 */
import nock from 'nock';
import { CredentialConfig, resolveCredential, secretFromResponse } from '../../lib/client/auth';
import { reset } from '../../lib/processScope';
import { KommoConfigError, KommoError } from '../../lib/client/errors';
import { platformEnv, rejection } from '../helpers';
import { useNockIsolation } from '../nockIsolation';

const PLATFORM = 'https://platform.test';
const SECRET_PATH = '/v2/workspaces/ws-1/secrets/s1';
const REFRESH_PATH = `${SECRET_PATH}/refresh`;
const ENV = platformEnv(PLATFORM);
const BASIC = `Basic ${Buffer.from(`${String(ENV.ELASTICIO_API_USERNAME)}:${String(ENV.ELASTICIO_API_KEY)}`).toString('base64')}`;
const TOKEN_A = 'tok-SECRET-abc123';
const TOKEN_B = 'tok-SECRET-renewed-456';

function secretBody(accessToken: string, fields?: Record<string, unknown>): object {
  return { data: { id: 's1', attributes: { credentials: { access_token: accessToken, refresh_token: 'r', ...(fields ? { fields } : {}) } } } };
}

function platform(): nock.Scope {
  return nock(PLATFORM, { reqheaders: { authorization: BASIC } });
}

useNockIsolation();

describe('secretFromResponse', () => {
  const credentials = { access_token: 'T', fields: { baseUrl: 'https://acme.kommo.com', retries: '2' } };
  it.each<[string, unknown, ReturnType<typeof secretFromResponse>]>([
    ['data as an object', { data: { attributes: { credentials } } }, { accessToken: 'T', fields: credentials.fields }],
    ['data as a one-element array', { data: [{ attributes: { credentials } }] }, { accessToken: 'T', fields: credentials.fields }],
    ['no fields → empty fields', { data: { attributes: { credentials: { access_token: 'T' } } } }, { accessToken: 'T', fields: {} }],
    ['fields not an object → empty fields', { data: { attributes: { credentials: { access_token: 'T', fields: 'x' } } } }, { accessToken: 'T', fields: {} }],
    ['empty token', { data: { attributes: { credentials: { access_token: '' } } } }, undefined],
    ['token not a string', { data: { attributes: { credentials: { access_token: 42 } } } }, undefined],
    ['no credentials', { data: { attributes: {} } }, undefined],
    ['empty array', { data: [] }, undefined],
    ['empty object', {}, undefined],
    ['not an object', 'ok', undefined],
    ['null', null, undefined],
  ])('%s', (_name, body, expected) => {
    expect(secretFromResponse(body)).toEqual(expected);
  });
});

describe('resolveCredential', () => {
  type Row = [string, CredentialConfig, Record<string, unknown> | undefined, unknown, unknown];
  it.each<Row>([
    ['cfg wins', { secretId: 's1', baseUrl: 'https://a.kommo.com', retries: 1 }, { baseUrl: 'https://b.kommo.com', retries: 2 }, 'https://a.kommo.com', 1],
    ['\'\' counts as absent', { secretId: 's1', baseUrl: '', retries: '' }, { baseUrl: 'https://b.kommo.com', retries: 2 }, 'https://b.kommo.com', 2],
    ['null counts as absent', { secretId: 's1', baseUrl: null, retries: null }, { baseUrl: 'https://b.kommo.com', retries: '3' }, 'https://b.kommo.com', '3'],
    ['retries 0 in cfg is present', { secretId: 's1', retries: 0 }, { baseUrl: 'https://b.kommo.com', retries: 4 }, 'https://b.kommo.com', 0],
    ['absent everywhere → undefined (the client applies defaults)', { secretId: 's1' }, undefined, undefined, undefined],
  ])('secret path: %s', async (_name, cfg, fields, baseUrl, retries) => {
    const scope = platform().get(SECRET_PATH).reply(200, secretBody(TOKEN_A, fields));

    const credential = await resolveCredential(cfg, ENV);

    expect(credential.baseUrl).toEqual(baseUrl);
    expect(credential.retries).toEqual(retries);
    expect(await credential.tokens.currentToken()).toBe(TOKEN_A);
    expect(scope.isDone()).toBe(true);
  });

  it('secretId wins over cfg.oauth', async () => {
    platform().get(SECRET_PATH).reply(200, secretBody(TOKEN_A));

    const credential = await resolveCredential({ secretId: 's1', oauth: { access_token: 'legacy' } }, ENV);

    expect(await credential.tokens.currentToken()).toBe(TOKEN_A);
  });

  it('cfg.oauth: static token, settings from cfg, no platform call, renewal gives nothing', async () => {
    const secrets = nock(PLATFORM).get(/.*/).reply(200, secretBody(TOKEN_B)).post(/.*/).reply(200, secretBody(TOKEN_B));

    const credential = await resolveCredential({ oauth: { access_token: 'tok' }, baseUrl: 'https://a.kommo.com', retries: '2' }, ENV);

    expect(await credential.tokens.currentToken()).toBe('tok');
    expect(await credential.tokens.renewAfterRejection('tok')).toBeUndefined();
    expect(credential).toMatchObject({ baseUrl: 'https://a.kommo.com', retries: '2' });
    expect(secrets.pendingMocks()).toHaveLength(2);
  });

  it('encodes the workspace and secret id into the path and tolerates a trailing / on ELASTICIO_API_URI', async () => {
    const scope = nock(PLATFORM, { reqheaders: { authorization: BASIC } })
      .get('/v2/workspaces/ws%201/secrets/a%2Fb%3Fc').reply(200, secretBody(TOKEN_A));

    const credential = await resolveCredential({ secretId: 'a/b?c' }, { ...ENV, ELASTICIO_API_URI: `${PLATFORM}/`, ELASTICIO_WORKSPACE_ID: 'ws 1' });

    expect(await credential.tokens.currentToken()).toBe(TOKEN_A);
    expect(scope.isDone()).toBe(true);
  });

  it('caches per secret: two secretIds are read once each', async () => {
    let reads = 0;
    nock(PLATFORM).get(/\/secrets\/s[12]$/).times(4).reply((uri) => {
      reads += 1;
      return [200, secretBody(uri.endsWith('s1') ? 'one' : 'two')];
    });

    const tokens = [];
    for (const secretId of ['s1', 's2', 's1', 's2']) tokens.push(await (await resolveCredential({ secretId }, ENV)).tokens.currentToken());

    expect(tokens).toEqual(['one', 'two', 'one', 'two']);
    expect(reads).toBe(2);
  });

  it('does not follow a platform redirect (the Basic credentials would go elsewhere)', async () => {
    platform().get(SECRET_PATH).reply(302, '', { location: 'https://elsewhere.test/steal' });
    const elsewhere = nock('https://elsewhere.test').get(/.*/).reply(200, secretBody(TOKEN_A));

    const error = await rejection(resolveCredential({ secretId: 's1' }, ENV));

    expect(error).toBeInstanceOf(KommoError);
    expect(error).not.toBeInstanceOf(KommoConfigError);
    expect(String(error)).toMatch(/HTTP 302/);
    expect(elsewhere.isDone()).toBe(false);
  });
});

describe('renewAfterRejection (secret path)', () => {
  async function secretSource(): Promise<Awaited<ReturnType<typeof resolveCredential>>['tokens']> {
    platform().get(SECRET_PATH).reply(200, secretBody(TOKEN_A));
    return (await resolveCredential({ secretId: 's1' }, ENV)).tokens;
  }

  it('a stale rejection (the cache already holds a newer token) costs no platform call', async () => {
    const tokens = await secretSource();
    const secrets = nock(PLATFORM).get(/.*/).reply(200, secretBody(TOKEN_B)).post(/.*/).reply(200, secretBody(TOKEN_B));

    expect(await tokens.renewAfterRejection('an-older-token')).toBe(TOKEN_A);
    expect(secrets.pendingMocks()).toHaveLength(2);
  });

  it('re-read unchanged → POST refresh with Basic auth → the new token, which is then current', async () => {
    const tokens = await secretSource();
    const scope = platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .post(REFRESH_PATH).reply(200, secretBody(TOKEN_B));

    expect(await tokens.renewAfterRejection(TOKEN_A)).toBe(TOKEN_B);
    expect(await tokens.currentToken()).toBe(TOKEN_B);
    expect(scope.isDone()).toBe(true);
  });

  it('refresh returns the rejected token again → undefined (the 401 is final)', async () => {
    const tokens = await secretSource();
    platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .post(REFRESH_PATH).reply(200, secretBody(TOKEN_A));

    expect(await tokens.renewAfterRejection(TOKEN_A)).toBeUndefined();
  });

  it('renewals started in the same tick share one re-read and one refresh', async () => {
    const tokens = await secretSource();
    let reads = 0;
    let refreshes = 0;
    platform().get(SECRET_PATH).times(5).reply(() => {
      reads += 1;
      return [200, secretBody(TOKEN_A)];
    });
    platform().post(REFRESH_PATH).times(5).reply(() => {
      refreshes += 1;
      return [200, secretBody(TOKEN_B)];
    });

    const renewed = await Promise.all(Array.from({ length: 5 }, () => tokens.renewAfterRejection(TOKEN_A)));

    expect(renewed).toEqual([TOKEN_B, TOKEN_B, TOKEN_B, TOKEN_B, TOKEN_B]);
    expect(reads).toBe(1);
    expect(refreshes).toBe(1);
  });

  it('a rejection of another token waits for the running renewal instead of joining it', async () => {
    const tokens = await secretSource();
    const TOKEN_C = 'tok-SECRET-third-789';
    const scope = platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .post(REFRESH_PATH).reply(200, secretBody(TOKEN_B))
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_B))
      .post(REFRESH_PATH).reply(200, secretBody(TOKEN_C));

    const [forA, forB] = await Promise.all([tokens.renewAfterRejection(TOKEN_A), tokens.renewAfterRejection(TOKEN_B)]);

    // Joining A's renewal would have handed back B, the token that was just rejected.
    expect(forA).toBe(TOKEN_B);
    expect(forB).toBe(TOKEN_C);
    expect(scope.isDone()).toBe(true);
  });

  it('renews even when the cache was emptied between the request and its 401', async () => {
    const tokens = await secretSource();
    reset();
    const scope = platform()
      .get(SECRET_PATH).times(2).reply(200, secretBody(TOKEN_A)) // the cache is filled again, then the renewal re-reads
      .post(REFRESH_PATH).reply(200, secretBody(TOKEN_B));

    expect(await tokens.renewAfterRejection(TOKEN_A)).toBe(TOKEN_B);
    expect(scope.isDone()).toBe(true);
  });

  it('a failed renewal is not kept: the next 401 tries again', async () => {
    const tokens = await secretSource();
    platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .post(REFRESH_PATH).reply(503, 'busy')
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .post(REFRESH_PATH).reply(200, secretBody(TOKEN_B));

    const first = await rejection(tokens.renewAfterRejection(TOKEN_A));

    expect(first).toBeInstanceOf(KommoError);
    expect(String(first)).toMatch(/Could not refresh the credential secret s1 .*HTTP 503/);
    expect(await tokens.renewAfterRejection(TOKEN_A)).toBe(TOKEN_B);
  });

  it('a platform 4xx on refresh is a configuration error telling to reconnect', async () => {
    const tokens = await secretSource();
    platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .post(REFRESH_PATH).reply(409, { error: 'refresh token revoked' });

    const error = await rejection(tokens.renewAfterRejection(TOKEN_A));

    expect(error).toBeInstanceOf(KommoConfigError);
    expect(String(error)).toMatch(/refused to refresh the credential secret s1 \(HTTP 409\).*reconnect/);
  });
});
