/**
 * KommoClient: The bearer token only goes to the Base URL's origin.
 */
import nock from 'nock';
import { KommoConfigError, KommoHttpError } from '../../../lib/client/errors';
import { useNockIsolation } from '../../nockIsolation';
import {
  KOMMO, SECRET_PATH, REFRESH_PATH, LEADS, TOKEN_A, TOKEN_B, BASIC, GET_LEADS, secretBody, platform, kommo, harness, rejectionOf,
} from './harness';

useNockIsolation();

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
