/**
 * KommoClient: Configuration and platform errors raised before any Kommo request.
 */
import nock from 'nock';
import type { CredentialConfig } from '../../../lib/client/auth';
import { KommoConfigError, KommoError } from '../../../lib/client/errors';
import { useNockIsolation } from '../../nockIsolation';
import {
  KOMMO, PLATFORM, SECRET_PATH, TOKEN_A, ENV, SECRET_CFG, GET_LEADS, secretBody, platform, harness, rejectionOf,
} from './harness';

useNockIsolation();

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
