import { startFakePlatform, startSandbox, type FakePlatform, type Sandbox } from '..';
import { call, type RawResponse } from './client';

type SecretBody = { data: { id: string; type: string; attributes: { state: string; type: string; credentials: Record<string, unknown> } } };

let kommo: Sandbox;
let platform: FakePlatform;

beforeAll(async () => {
  kommo = await startSandbox({ rateLimit: false });
  platform = await startFakePlatform({ kommo });
});
beforeEach(() => kommo.reset());
afterAll(async () => {
  await platform.close();
  await kommo.close();
});

function basicAuth(target: FakePlatform, apiKey = target.apiKey): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${target.username}:${apiKey}`).toString('base64')}` };
}

function secretPath(target: FakePlatform, secretId: string, suffix = ''): string {
  return `/v2/workspaces/${target.workspaceId}/secrets/${secretId}${suffix}`;
}

const readSecret = (secretId: string, target = platform): Promise<RawResponse> =>
  call(target.url, 'GET', secretPath(target, secretId), { headers: basicAuth(target) });
const refreshSecret = (secretId: string, target = platform): Promise<RawResponse> =>
  call(target.url, 'POST', secretPath(target, secretId, '/refresh'), { headers: basicAuth(target) });

function newSecret(fields?: Record<string, unknown>): string {
  const pair = kommo.issueTokens();
  return platform.createSecret({ ...pair, fields });
}

describe('GET /v2/workspaces/:ws/secrets/:id (docs/elasticio-platform.md §3.3)', () => {
  it('returns the secret with its token and fields', async () => {
    const pair = kommo.issueTokens();
    const secretId = platform.createSecret({ ...pair, fields: { baseUrl: kommo.baseUrl, retries: '2' } });
    const response = await readSecret(secretId);
    expect(response.status).toBe(200);
    expect(response.json<SecretBody>()).toMatchObject({
      data: {
        id: secretId,
        type: 'auth-secret',
        attributes: {
          name: expect.any(String),
          state: 'ready',
          type: 'oauth2',
          credentials: { access_token: pair.accessToken, refresh_token: pair.refreshToken, expires_in: 86400, fields: { baseUrl: kommo.baseUrl, retries: '2' } },
        },
      },
    });
    expect(platform.calls.at(-1)).toEqual({ at: expect.any(Number), method: 'GET', path: secretPath(platform, secretId), authorized: true });
  });

  it.each<[string, Record<string, string>]>([
    ['no credentials', {}],
    ['a wrong api key', { authorization: `Basic ${Buffer.from('sandbox-task-user:wrong').toString('base64')}` }],
    ['a bearer token', { authorization: 'Bearer abc' }],
  ])('answers 401 with %s and records the call as unauthorized', async (_label, headers) => {
    const secretId = newSecret();
    const response = await call(platform.url, 'GET', secretPath(platform, secretId), { headers });
    expect(response.status).toBe(401);
    expect(platform.calls.at(-1)).toMatchObject({ authorized: false });
  });

  it('answers 404 for an unknown secret or workspace', async () => {
    expect((await readSecret('000000000000000000000000')).status).toBe(404);
    const secretId = newSecret();
    const otherWorkspace = await call(platform.url, 'GET', `/v2/workspaces/other/secrets/${secretId}`, { headers: basicAuth(platform) });
    expect(otherWorkspace.status).toBe(404);
  });

  it('shows a token set by setSecretToken (a background refresh)', async () => {
    const secretId = newSecret();
    platform.setSecretToken(secretId, 'refreshed-elsewhere');
    expect((await readSecret(secretId)).json<SecretBody>().data.attributes.credentials.access_token).toBe('refreshed-elsewhere');
    expect(platform.secret(secretId).accessToken).toBe('refreshed-elsewhere');
  });

  it('secret() throws on an unknown id', () => {
    expect(() => platform.secret('nope')).toThrow(/no secret/);
  });
});

describe('POST …/secrets/:id/refresh', () => {
  it('refreshes against the sandbox token endpoint, rotating the stored pair', async () => {
    const pair = kommo.issueTokens();
    const secretId = platform.createSecret(pair);
    const before = platform.refreshCount(secretId);
    const response = await refreshSecret(secretId);
    expect(response.status).toBe(200);
    const credentials = response.json<SecretBody>().data.attributes.credentials;
    expect(credentials.access_token).not.toBe(pair.accessToken);
    expect(credentials.refresh_token).not.toBe(pair.refreshToken);
    expect(platform.secret(secretId)).toEqual({ accessToken: credentials.access_token, refreshToken: credentials.refresh_token });
    expect(platform.refreshCount(secretId)).toBe(before + 1);
    // The refresh really went to Kommo: the token endpoint saw it, and the old refresh token is now revoked there.
    expect(kommo.requestLog.filter((entry) => entry.path === '/oauth2/access_token' && entry.status === 200)).toHaveLength(1);
    const reuse = await call(kommo.baseUrl, 'POST', '/oauth2/access_token', {
      body: { client_id: kommo.clientId, client_secret: kommo.clientSecret, grant_type: 'refresh_token', refresh_token: pair.refreshToken, redirect_uri: kommo.redirectUri },
    });
    expect(reuse.json()).toMatchObject({ status: 401, hint: 'Token has been revoked' });
    // And the new access token works on the API.
    expect((await call(kommo.baseUrl, 'GET', '/api/v4/account', { token: credentials.access_token as string })).status).toBe(200);
  });

  it('rotates again on every refresh', async () => {
    const secretId = newSecret();
    const seen = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      await refreshSecret(secretId);
      seen.add(platform.secret(secretId).refreshToken);
    }
    expect(seen.size).toBe(3);
  });

  it('runs concurrent refreshes of one secret one after another, so both succeed', async () => {
    const secretId = newSecret();
    const statuses = (await Promise.all([refreshSecret(secretId), refreshSecret(secretId)])).map((response) => response.status);
    expect(statuses).toEqual([200, 200]);
    expect(platform.refreshCount(secretId)).toBe(2);
  });

  it('fails with 400 and marks the secret errored when Kommo refuses the refresh token', async () => {
    const pair = kommo.issueTokens();
    const secretId = platform.createSecret(pair);
    // Someone else used the refresh token first: Kommo now calls it revoked.
    await call(kommo.baseUrl, 'POST', '/oauth2/access_token', {
      body: { client_id: kommo.clientId, client_secret: kommo.clientSecret, grant_type: 'refresh_token', refresh_token: pair.refreshToken },
    });
    const response = await refreshSecret(secretId);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.json())).toContain('Token has been revoked');
    expect((await readSecret(secretId)).json<SecretBody>().data.attributes.state).toBe('error');
  });

  it('fails with 400 when the Kommo side misbehaves (a fault on the token endpoint)', async () => {
    const secretId = newSecret();
    kommo.injectFault('/oauth2/access_token', { kind: 'status', status: 503 });
    expect((await refreshSecret(secretId)).status).toBe(400);
    expect((await refreshSecret(secretId)).status).toBe(200);
  });

  it('answers 401 without Basic auth and does not refresh', async () => {
    const secretId = newSecret();
    const response = await call(platform.url, 'POST', secretPath(platform, secretId, '/refresh'));
    expect(response.status).toBe(401);
    expect(platform.refreshCount(secretId)).toBe(0);
  });

  it('answers 404 for an unknown secret', async () => {
    expect((await refreshSecret('ffffffffffffffffffffffff')).status).toBe(404);
  });

  it('answers data as a one-element array with refreshResponseShape "array"', async () => {
    const arrayPlatform = await startFakePlatform({ kommo, refreshResponseShape: 'array' });
    try {
      const secretId = arrayPlatform.createSecret(kommo.issueTokens());
      const body = (await refreshSecret(secretId, arrayPlatform)).json<{ data: unknown }>();
      expect(Array.isArray(body.data)).toBe(true);
      expect(body.data).toEqual([expect.objectContaining({ id: secretId, type: 'auth-secret' })]);
      // GET keeps the object shape.
      expect(Array.isArray((await readSecret(secretId, arrayPlatform)).json<{ data: unknown }>().data)).toBe(false);
    } finally {
      await arrayPlatform.close();
    }
  });

  it('refreshCount() without an id sums over secrets', async () => {
    const total = platform.refreshCount();
    await refreshSecret(newSecret());
    await refreshSecret(newSecret());
    expect(platform.refreshCount()).toBe(total + 2);
  });
});

describe('route()', () => {
  it('serves extra routes without Basic auth, passing the parsed body, and records the call', async () => {
    const seen: unknown[] = [];
    platform.route('POST', /^\/result\/[a-z0-9]+$/, (_req, body) => {
      seen.push(body);
      return { status: 200, body: { ok: true } };
    });
    platform.route('GET', '/v1/tasks/flow/steps/step', () => ({ status: 200, body: { config: { a: 1 } } }));
    const posted = await call(platform.url, 'POST', '/result/abc123', { body: { hello: 'world' } });
    expect(posted.status).toBe(200);
    expect(posted.json()).toEqual({ ok: true });
    expect(seen).toEqual([{ hello: 'world' }]);
    expect((await call(platform.url, 'GET', '/v1/tasks/flow/steps/step')).json()).toEqual({ config: { a: 1 } });
    expect(platform.calls.at(-1)).toMatchObject({ method: 'GET', path: '/v1/tasks/flow/steps/step', authorized: false });
  });

  it('404s on unknown paths for an authorized caller', async () => {
    expect((await call(platform.url, 'GET', '/v2/unknown', { headers: basicAuth(platform) })).status).toBe(404);
  });
});
