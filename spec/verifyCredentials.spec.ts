import nock from 'nock';
import verifyCredentials from '../verifyCredentials';
import { clearSecretCache } from '../lib/client/auth';
import { recordingContext } from './helpers';

const BASE = 'https://acme.kommo.com';
const TOKEN = 'tok-verify-0123456789';

function verify(cfg: Record<string, unknown>) {
  return verifyCredentials.call(recordingContext(), cfg);
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => clearSecretCache());
afterEach(() => nock.cleanAll());

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
    const scope = nock(BASE).get('/api/v4/account').times(2).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const failure = await verify({ oauth: { access_token: TOKEN }, baseUrl: BASE, retries: '10' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(TypeError);
    expect((failure as Error).message).toMatch(/Could not reach Kommo.*ECONNREFUSED.*2 attempts/);
    expect(scope.isDone()).toBe(true);
  });

  it('explains a missing credential', async () => {
    await expect(verify({ baseUrl: BASE })).rejects.toThrow(/neither a secretId .* nor oauth.access_token/);
  });
});
