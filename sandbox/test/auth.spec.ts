import { call } from './client';
import { useSandbox } from './fixtures';

const { clock, sandbox } = useSandbox({ rateLimit: false, accessTokenTtlSeconds: 3600 });

const UNAUTHORIZED = { title: 'Unauthorized', type: 'https://httpstatus.es/401', status: 401, detail: 'Invalid user name or password' };

function tokenRequest(fields: Record<string, string>, form = false) {
  return call(sandbox().baseUrl, 'POST', '/oauth2/access_token', { body: fields, form });
}

function refreshFields(refreshToken: string): Record<string, string> {
  const s = sandbox();
  return { client_id: s.clientId, client_secret: s.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken, redirect_uri: s.redirectUri };
}

describe('bearer auth on /api/v4 (docs/kommo-api.md §2.4)', () => {
  it('accepts the sandbox token and logs it as valid', async () => {
    const response = await call(sandbox().baseUrl, 'GET', '/api/v4/account', { token: sandbox().accessToken });
    expect(response.status).toBe(200);
    expect(sandbox().requestLog[0]).toMatchObject({ authorization: 'valid', accountId: 31000001, status: 200 });
  });

  it.each([
    ['missing', undefined, {}],
    ['malformed', undefined, { authorization: 'Token abc' }],
    ['unknown', 'not-a-real-token', {}],
  ])('answers 401 problem+json for a %s token', async (_label, token, headers) => {
    const response = await call(sandbox().baseUrl, 'GET', '/api/v4/leads', { token, headers });
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json()).toEqual(UNAUTHORIZED);
  });

  it('logs missing and invalid tokens differently', async () => {
    await call(sandbox().baseUrl, 'GET', '/api/v4/leads');
    await call(sandbox().baseUrl, 'GET', '/api/v4/leads', { token: 'nope' });
    expect(sandbox().requestLog.map((entry) => entry.authorization)).toEqual(['missing', 'invalid']);
  });

  it('rejects a revoked token and keeps accepting the others', async () => {
    const fresh = sandbox().issueTokens();
    sandbox().revokeAccessToken(fresh.accessToken);
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/account', { token: fresh.accessToken })).json()).toEqual(UNAUTHORIZED);
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/account', { token: sandbox().accessToken })).status).toBe(200);
  });

  it('expires access tokens after accessTokenTtlSeconds on the injected clock', async () => {
    const { accessToken } = sandbox().issueTokens();
    clock.advance(3600 * 1000 - 1);
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/account', { token: accessToken })).status).toBe(200);
    clock.advance(1);
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/account', { token: accessToken })).status).toBe(401);
  });

  it('reset() makes the initial pair valid again and leaves other tokens as they were', async () => {
    const other = sandbox().issueTokens();
    const revoked = sandbox().issueTokens();
    sandbox().revokeAccessToken(revoked.accessToken);
    sandbox().revokeAccessToken(sandbox().accessToken);
    expect((await tokenRequest(refreshFields(sandbox().refreshToken))).status).toBe(200);
    sandbox().reset();
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/account', { token: sandbox().accessToken })).status).toBe(200);
    expect((await tokenRequest(refreshFields(sandbox().refreshToken))).status).toBe(200);
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/account', { token: other.accessToken })).status).toBe(200);
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/account', { token: revoked.accessToken })).status).toBe(401);
  });
});

describe('POST /oauth2/access_token (docs/kommo-api.md §2.2, docs/kommo-api.md §2.3)', () => {
  it('refreshes with Kommo’s response shape and rotates the refresh token', async () => {
    const response = await tokenRequest(refreshFields(sandbox().refreshToken));
    expect(response.status).toBe(200);
    const body = response.json<Record<string, unknown>>();
    expect(body).toEqual({
      token_type: 'Bearer',
      expires_in: 3600,
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      server_time: Math.floor(clock.ms / 1000),
    });
    expect(body.refresh_token).not.toBe(sandbox().refreshToken);
    expect(body.access_token).not.toBe(sandbox().accessToken);
    const api = await call(sandbox().baseUrl, 'GET', '/api/v4/account', { token: body.access_token as string });
    expect(api.status).toBe(200);
  });

  it('answers 401 "Token has been revoked" when a rotated refresh token is reused', async () => {
    const first = await tokenRequest(refreshFields(sandbox().refreshToken));
    expect(first.status).toBe(200);
    const reuse = await tokenRequest(refreshFields(sandbox().refreshToken));
    expect(reuse.status).toBe(401);
    expect(reuse.json()).toEqual({
      hint: 'Token has been revoked',
      title: 'Некорректный запрос',
      type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson',
      status: 401,
      detail: 'В запросе отсутствует ряд параметров или параметры невалидны',
    });
    // The new refresh token keeps working: rotation, not lock-out.
    const next = await tokenRequest(refreshFields(first.json<{ refresh_token: string }>().refresh_token));
    expect(next.status).toBe(200);
  });

  it('never hands out the same token twice', async () => {
    const seen = new Set([sandbox().accessToken, sandbox().refreshToken]);
    let refreshToken = sandbox().refreshToken;
    for (let i = 0; i < 5; i += 1) {
      const body = (await tokenRequest(refreshFields(refreshToken))).json<{ access_token: string; refresh_token: string }>();
      expect(seen.has(body.access_token) || seen.has(body.refresh_token)).toBe(false);
      seen.add(body.access_token).add(body.refresh_token);
      refreshToken = body.refresh_token;
    }
  });

  it('keeps the previous access token valid after a refresh (JWTs live until they expire)', async () => {
    await tokenRequest(refreshFields(sandbox().refreshToken));
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/account', { token: sandbox().accessToken })).status).toBe(200);
  });

  it('accepts form-urlencoded bodies', async () => {
    const response = await tokenRequest(refreshFields(sandbox().refreshToken), true);
    expect(response.status).toBe(200);
  });

  it('exchanges a one-time authorization code', async () => {
    const s = sandbox();
    const code = s.issueAuthorizationCode();
    const fields = { client_id: s.clientId, client_secret: s.clientSecret, grant_type: 'authorization_code', code, redirect_uri: s.redirectUri };
    expect((await tokenRequest(fields)).status).toBe(200);
    const again = await tokenRequest(fields);
    expect(again.status).toBe(400);
    expect(again.json()).toMatchObject({ hint: 'Authorization code has been revoked' });
  });

  it('answers 401 "Token has expired" for a refresh token older than three months', async () => {
    const { refreshToken } = sandbox().issueTokens();
    clock.advance(91 * 24 * 3600 * 1000);
    const response = await tokenRequest(refreshFields(refreshToken));
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ hint: 'Token has expired' });
  });

  it.each<[string, (fields: Record<string, string>) => Record<string, string>, number]>([
    ['a wrong client_secret', (f) => ({ ...f, client_secret: 'wrong' }), 400],
    ['a wrong client_id', (f) => ({ ...f, client_id: 'wrong' }), 400],
    ['no refresh_token', ({ refresh_token: _dropped, ...f }) => f, 400],
    ['no grant_type', ({ grant_type: _dropped, ...f }) => f, 400],
    ['an unsupported grant_type', (f) => ({ ...f, grant_type: 'password' }), 400],
    ['a wrong redirect_uri', (f) => ({ ...f, redirect_uri: 'https://evil.example/cb' }), 400],
    ['a refresh token never issued', (f) => ({ ...f, refresh_token: 'def50200bogus' }), 401],
  ])('rejects %s', async (_label, mutate, status) => {
    const response = await tokenRequest(mutate(refreshFields(sandbox().refreshToken)));
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    // A rejected request must not consume the refresh token.
    expect((await tokenRequest(refreshFields(sandbox().refreshToken))).status).toBe(200);
  });

  it('accepts a refresh without redirect_uri (undocumented either way, docs/kommo-api.md §2.2)', async () => {
    const fields = refreshFields(sandbox().refreshToken);
    delete fields.redirect_uri;
    expect((await tokenRequest(fields)).status).toBe(200);
  });

  it('answers 405 to a GET', async () => {
    expect((await call(sandbox().baseUrl, 'GET', '/oauth2/access_token')).status).toBe(405);
  });
});
