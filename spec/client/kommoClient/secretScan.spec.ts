import type { CredentialConfig } from '../../../lib/client/auth';
import { KommoError } from '../../../lib/client/errors';
import { createKommoClient, KommoRequest } from '../../../lib/client/KommoClient';
import { allStrings, rejection } from '../../helpers';
import { useNockIsolation } from '../../nockIsolation';
import {
  KOMMO, SECRET_PATH, REFRESH_PATH, LEADS, TOKEN_A, TOKEN_B, REFRESH_TOKEN, CLIENT_SECRET, ENV, PLATFORM_KEY, BASIC, SECRET_CFG, GET_LEADS, secretBody, platform, kommo, Harness, harness, netError,
} from './harness';

useNockIsolation();

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
