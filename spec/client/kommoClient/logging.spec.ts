/**
 * KommoClient: Logging: one string line per HTTP attempt, never the query.
 */
import { KommoHttpError } from '../../../lib/client/errors';
import { useNockIsolation } from '../../nockIsolation';
import {
  ENV, faultyTransport, GET_LEADS, harness, KOMMO, kommo, LEADS, PASS, platform, rejectionOf, SECRET_PATH, secretBody, TOKEN_A, TOKEN_C,
} from './harness';

useNockIsolation();

describe('logging: one line per HTTP attempt', () => {
  it('names method, path, status, attempt and the retry delay; strings only; no query', async () => {
    kommo()
      .get(`${LEADS}?query=%2B15551234`).reply(500)
      .get(`${LEADS}?query=%2B15551234`).reply(200, {});
    const h = harness(ENV, { transport: faultyTransport([PASS, 'ECONNRESET', PASS]).transport });
    const client = await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 2 });

    await client.request({ method: 'GET', url: 'leads?query=%2B15551234' });

    expect(h.ctx.logs.every((line) => typeof line.text === 'string')).toBe(true);
    const lines = h.lines();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/GET \/api\/v4\/leads -> 500 attempt 1\/3: retry in 1000 ms/);
    expect(lines[1]).toMatch(/GET \/api\/v4\/leads -> ECONNRESET attempt 2\/3: retry in 2000 ms/);
    expect(lines[2]).toMatch(/GET \/api\/v4\/leads -> 200 attempt 3\/3/);
    expect(lines.join('\n')).not.toMatch(/15551234/);
  });

  it('logs the 401 that led to a replay, and the replay', async () => {
    platform()
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_A))
      .get(SECRET_PATH).reply(200, secretBody(TOKEN_C));
    kommo().get(LEADS).reply(401).get(LEADS).reply(200, {});
    const h = harness();

    await (await h.client()).request(GET_LEADS);

    const lines = h.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/GET \/api\/v4\/leads -> 401 attempt 1\/.*replay/);
    expect(lines[1]).toMatch(/GET \/api\/v4\/leads -> 200 attempt 2\//);
  });

  it('logs the final attempt of a failure with why it stopped', async () => {
    kommo().post(LEADS).reply(502);
    const h = harness();

    await rejectionOf((await h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO })).request({ method: 'POST', url: 'leads', body: [] }), KommoHttpError);

    expect(h.lines()).toEqual([expect.stringMatching(/POST \/api\/v4\/leads -> 502 attempt 1\/6: stop: unsafe-to-replay/)]);
  });
});
