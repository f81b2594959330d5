import nock from 'nock';
import { KommoConfigError, KommoNetworkError } from '../lib/client/errors';
import type { Transport } from '../lib/client/transport';
import verifyCredentials from '../verifyCredentials';
import { closedPort, recordingContext, rejection } from './helpers';
import { useNockIsolation } from './nockIsolation';

const BASE = 'https://acme.kommo.com';
const TOKEN = 'tok-verify-0123456789';

/** Waits the client asks for are recorded, not slept: no test here waits for a backoff. */
function verifier() {
  const sleeps: number[] = [];
  const sent: string[] = [];
  const check = verifyCredentials.withDeps({ rateLimiter: null, sleep: async (delayMs) => { sleeps.push(delayMs); } });
  return {
    sleeps,
    sent,
    verify: (cfg: Record<string, unknown>) => check.call(recordingContext(), cfg),
    /** The same check with a transport that records what would have been sent. */
    verifyRecording: (cfg: Record<string, unknown>) => {
      const transport: Transport = async (request) => {
        sent.push(request.url.toString());
        return { kind: 'response', status: 200, statusText: 'OK', connectionReused: true, headers: {}, body: {} };
      };
      return check.withDeps({ transport }).call(recordingContext(), cfg);
    },
  };
}

useNockIsolation();

describe('verifyCredentials', () => {
  it('verifies with one GET /api/v4/account', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } }).get('/api/v4/account').reply(200, { id: 1 });
    await expect(verifier().verify({ oauth: { access_token: TOKEN }, baseUrl: BASE })).resolves.toEqual({ verified: true });
    expect(scope.isDone()).toBe(true);
  });

  it('says the token was rejected and to reconnect on 401', async () => {
    nock(BASE).get('/api/v4/account').reply(401, { title: 'Unauthorized', status: 401, detail: 'Invalid user name or password' });
    await expect(verifier().verify({ oauth: { access_token: TOKEN }, baseUrl: BASE })).rejects.toThrow(/401.*Reconnect the credential/s);
  });

  it.each([
    ['ftp://acme.kommo.com', /the scheme "ftp:" is not supported; use https:\/\//],
    ['http://acme.kommo.com', /https only/],
    ['https://example.com', /"example\.com" is not a Kommo account host/],
  ])('names the Base URL problem of %s without sending anything', async (baseUrl, reason) => {
    const v = verifier();
    const failure = await rejection(v.verifyRecording({ oauth: { access_token: TOKEN }, baseUrl }));
    expect(failure).toBeInstanceOf(KommoConfigError);
    expect((failure as Error).message).toMatch(/^Base URL must be https:\/\/\{your-account\}\.kommo\.com/);
    expect((failure as Error).message).toMatch(reason);
    expect(v.sent).toEqual([]);
  });

  it('the recording transport does record a good Base URL (so "sends nothing" above means something)', async () => {
    const v = verifier();
    await expect(v.verifyRecording({ oauth: { access_token: TOKEN }, baseUrl: BASE })).resolves.toEqual({ verified: true });
    expect(v.sent).toEqual([`${BASE}/api/v4/account`]);
  });

  it('says the host is unreachable on a network error, and retries at most once', async () => {
    nock.enableNetConnect('127.0.0.1');
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const v = verifier();
    const failure = await rejection(v.verify({ oauth: { access_token: TOKEN }, baseUrl: unreachable, retries: '10' }));
    nock.disableNetConnect();
    expect(failure).toBeInstanceOf(KommoNetworkError);
    // retries 10 is capped at one retry: a person is waiting on the button
    expect((failure as Error).message).toMatch(/Could not reach Kommo at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*after 2 attempts/);
    expect(v.sleeps).toHaveLength(1);
  });

  it('explains a missing credential', async () => {
    await expect(verifier().verify({ baseUrl: BASE })).rejects.toThrow(/neither a secretId .* nor oauth.access_token/);
  });
});
