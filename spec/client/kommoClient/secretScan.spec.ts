/**
 * KommoClient secret scan: no token, key or Authorization value in any error (message, String(),
 * stack, every nested property) or log line. Each row first proves its secret really reached the
 * code that failed (a request carried it, Kommo's answer echoed it, or the failing input held it
 * and the message quotes that input): a row whose secret never got near the error would pass
 * whatever the code did.
 */
import nock from 'nock';
import type { CredentialConfig } from '../../../lib/client/auth';
import { KommoError } from '../../../lib/client/errors';
import { createKommoClient, KommoRequest } from '../../../lib/client/KommoClient';
import { allStrings, rejection } from '../../helpers';
import { useNockIsolation } from '../../nockIsolation';
import { LoopbackServer, startLoopbackServer } from '../loopbackServer';
import {
  BASIC, CLIENT_SECRET, ENV, GET_LEADS, Harness, harness, KOMMO, kommo, LEADS, platform, PLATFORM_KEY, REFRESH_PATH,
  REFRESH_TOKEN, SECRET_CFG, SECRET_PATH, secretBody, TOKEN_A, TOKEN_B,
} from './harness';

useNockIsolation();

/** Resets every connection, for real: network failures come from sockets, not from nock. */
let resetting: LoopbackServer;

beforeAll(async () => {
  resetting = await startLoopbackServer();
  resetting.handler = () => ({ status: 0, reset: true });
});

afterAll(async () => {
  await resetting.close();
});

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

const OAUTH_CFG = { oauth: { access_token: TOKEN_A, refresh_token: REFRESH_TOKEN, client_secret: CLIENT_SECRET }, baseUrl: KOMMO, retries: 1 } as CredentialConfig;

/** How a row's secret reached the failing code; checked before the scan. */
type Exposure =
  | { sent: string } // a request carried this Authorization value
  | { echoed: string } // Kommo's answer contained this secret
  | { quoted: RegExp }; // the failing input held the secret, and the message quotes that input (redacted)

interface Scenario {
  name: string;
  cfg: CredentialConfig;
  /** Kommo, or the platform API, is the resetting loopback server. */
  unreachable?: 'kommo' | 'platform';
  script: () => nock.Scope[];
  request: KommoRequest;
  exposure: Exposure;
}

const scenarios: Scenario[] = [
  {
    name: '401 final on the secret path after refresh',
    cfg: SECRET_CFG,
    script: () => [
      platform().get(SECRET_PATH).reply(200, secretBody(TOKEN_A)).get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
        .post(REFRESH_PATH).reply(200, secretBody(TOKEN_B)),
      kommo().get(LEADS).times(2).reply(401, { title: 'Unauthorized', status: 401, detail: 'Token is invalid' }, { 'content-type': 'application/problem+json' }),
    ],
    request: GET_LEADS,
    exposure: { sent: `Bearer ${TOKEN_B}` },
  },
  {
    name: '401 final on the oauth path',
    cfg: OAUTH_CFG,
    script: () => [kommo().get(LEADS).reply(401, { title: 'Unauthorized', status: 401 }, { 'content-type': 'application/problem+json' })],
    request: GET_LEADS,
    exposure: { sent: `Bearer ${TOKEN_A}` },
  },
  {
    name: 'Kommo echoes the Authorization header in a 400 body',
    cfg: OAUTH_CFG,
    script: () => [kommo().get(LEADS).reply(400, { title: 'Bad Request', status: 400, detail: `Rejected header Authorization: Bearer ${TOKEN_A}`, token: TOKEN_A }, { 'content-type': 'application/problem+json' })],
    request: GET_LEADS,
    exposure: { echoed: TOKEN_A },
  },
  {
    name: 'a proxy error page echoes the request headers (HTML 502, retried then final)',
    cfg: OAUTH_CFG,
    script: () => [kommo().get(LEADS).times(2).reply(502, `<html><body><h1>Bad Gateway</h1><pre>authorization: Bearer ${TOKEN_A}</pre></body></html>`, { 'content-type': 'text/html' })],
    request: GET_LEADS,
    exposure: { echoed: TOKEN_A },
  },
  {
    name: '500 storm',
    cfg: OAUTH_CFG,
    script: () => [kommo().get(LEADS).times(2).reply(500, 'Internal error')],
    request: GET_LEADS,
    exposure: { sent: `Bearer ${TOKEN_A}` },
  },
  {
    name: '429 over the cap',
    cfg: OAUTH_CFG,
    script: () => [kommo().post(LEADS).reply(429, '', { 'retry-after': '300' })],
    request: { method: 'POST', url: 'leads', body: [{ name: 'x' }] },
    exposure: { sent: `Bearer ${TOKEN_A}` },
  },
  {
    name: 'HTML 403 block',
    cfg: OAUTH_CFG,
    script: () => [kommo().get(LEADS).reply(403, '<html><body>Forbidden</body></html>', { 'content-type': 'text/html' })],
    request: GET_LEADS,
    exposure: { sent: `Bearer ${TOKEN_A}` },
  },
  {
    name: 'network error (the HTTP library\'s error holds the request\'s headers)',
    cfg: OAUTH_CFG,
    unreachable: 'kommo',
    script: () => [],
    request: { method: 'POST', url: 'leads', body: { a: 1 } },
    exposure: { sent: `Bearer ${TOKEN_A}` },
  },
  {
    name: 'redirect',
    cfg: OAUTH_CFG,
    script: () => [kommo().get(LEADS).reply(301, '', { location: 'https://evil.example/' })],
    request: GET_LEADS,
    exposure: { sent: `Bearer ${TOKEN_A}` },
  },
  {
    name: 'platform 500 on the secret read',
    cfg: SECRET_CFG,
    script: () => [platform().get(SECRET_PATH).reply(500, 'down')],
    request: GET_LEADS,
    exposure: { sent: BASIC },
  },
  {
    name: 'platform 404 on the secret read',
    cfg: SECRET_CFG,
    script: () => [platform().get(SECRET_PATH).reply(404, { error: 'not found' })],
    request: GET_LEADS,
    exposure: { sent: BASIC },
  },
  {
    name: 'platform unreachable (the HTTP library\'s error, which holds the Basic credentials, becomes the cause)',
    cfg: SECRET_CFG,
    unreachable: 'platform',
    script: () => [],
    request: GET_LEADS,
    exposure: { sent: BASIC },
  },
  {
    name: 'platform 500 on refresh',
    cfg: SECRET_CFG,
    script: () => [
      platform().get(SECRET_PATH).reply(200, secretBody(TOKEN_A)).get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
        .post(REFRESH_PATH).reply(500, 'down'),
      kommo().get(LEADS).reply(401),
    ],
    request: GET_LEADS,
    exposure: { sent: `Bearer ${TOKEN_A}` },
  },
  {
    name: 'Base URL with a password in it',
    cfg: { ...OAUTH_CFG, baseUrl: `https://user:${TOKEN_A}@acme.kommo.com` },
    script: () => [],
    request: GET_LEADS,
    exposure: { quoted: /"https:\/\/\*\*\*@acme\.kommo\.com"/ },
  },
  {
    name: 'origin change with user info in the url',
    cfg: OAUTH_CFG,
    script: () => [],
    request: { method: 'GET', url: `https://x:${TOKEN_A}@evil.example/` },
    exposure: { quoted: /Got "https:\/\/\*\*\*@evil\.example\/"/ },
  },
];

describe('secret scan: no token, key or Authorization value in errors or logs', () => {
  it('the scan itself finds a token hidden in a nested property', () => {
    const leaky = Object.assign(new KommoError('boom'), { config: { headers: { authorization: `Bearer ${TOKEN_A}` } } });
    expect(leaks(exposedTexts(leaky, harness()))).not.toEqual([]);
  });

  it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, { cfg, unreachable, script, request, exposure }) => {
    const sentAuthorizations: string[] = [];
    for (const scope of script()) {
      scope.on('request', (req: { headers: Record<string, unknown> }) => sentAuthorizations.push(String(req.headers.authorization)));
    }
    resetting.received.length = 0;
    const h = harness(unreachable === 'platform' ? { ...ENV, ELASTICIO_API_URI: resetting.origin } : ENV);
    const config = unreachable === 'kommo' ? { ...cfg, baseUrl: resetting.origin } : cfg;

    if (unreachable) nock.enableNetConnect('127.0.0.1');
    const error = await rejection(createKommoClient(config, h.deps).then((client) => client.request(request)));
    nock.disableNetConnect();
    sentAuthorizations.push(...resetting.received.map((received) => String(received.headers.authorization)));

    expect(error).toBeInstanceOf(KommoError);
    if ('sent' in exposure) expect(sentAuthorizations).toContain(exposure.sent);
    if ('echoed' in exposure) expect(sentAuthorizations).toContain(`Bearer ${exposure.echoed}`);
    if ('quoted' in exposure) expect((error as Error).message).toMatch(exposure.quoted);
    expect(leaks(exposedTexts(error, h))).toEqual([]);
  });
});
