import nock from 'nock';
import verifyCredentials from '../verifyCredentials';
import { closedPort, recordingContext, rejection } from './helpers';
import { useNockIsolation } from './nockIsolation';

const BASE = 'https://acme.kommo.com';
const TOKEN = 'tok-verify-0123456789';

function verify(cfg: Record<string, unknown>) {
  return verifyCredentials.call(recordingContext(), cfg);
}

useNockIsolation();

describe('verifyCredentials', () => {
  it('verifies with one GET /api/v4/account', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } }).get('/api/v4/account').reply(200, { id: 1 });
    await expect(verify({ oauth: { access_token: TOKEN }, baseUrl: BASE })).resolves.toEqual({ verified: true });
    expect(scope.isDone()).toBe(true);
  });

  it('says the token was rejected and to reconnect on 401', async () => {
    nock(BASE).get('/api/v4/account').reply(401, { title: 'Unauthorized', status: 401, detail: 'Invalid user name or password' });
    await expect(verify({ oauth: { access_token: TOKEN }, baseUrl: BASE })).rejects.toThrow(/401.*Reconnect the credential/s);
  });

  it('names the Base URL problem without sending anything', async () => {
    await expect(verify({ oauth: { access_token: TOKEN }, baseUrl: 'ftp://acme.kommo.com' })).rejects.toThrow(/Base URL/);
  });

  it('says the host is unreachable on a network error, and retries at most once', async () => {
    nock.enableNetConnect('127.0.0.1');
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const failure = await rejection(verify({ oauth: { access_token: TOKEN }, baseUrl: unreachable, retries: '10' }));
    nock.disableNetConnect();
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(TypeError);
    // retries 10 is capped at one retry: a person is waiting on the button
    expect((failure as Error).message).toMatch(/Could not reach Kommo at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*after 2 attempts/);
  });

  it('explains a missing credential', async () => {
    await expect(verify({ baseUrl: BASE })).rejects.toThrow(/neither a secretId .* nor oauth.access_token/);
  });
});
