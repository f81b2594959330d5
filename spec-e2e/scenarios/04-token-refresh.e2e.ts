/**
 * Scenario 4: the cached token goes stale mid-run. The component must get a new one from the
 * platform (never from Kommo's token endpoint), with exactly one refresh, and replay the request.
 */
import { Rig } from '../harness/rig';
import { rawResponse } from '../harness/outputs';

describe('Make Raw Request when Kommo rejects the cached token', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start({ scenario: 'refresh', config: ({ secretId }) => ({ secretId }) });
  });
  afterAll(() => rig?.close());

  it('re-reads the secret, asks the platform for exactly one refresh, replays, and succeeds', async () => {
    const first = rig.send({ url: 'account', method: 'GET' });
    await rig.outcomes([first]);
    const staleToken = rig.platform.fake.secret(rig.secretId).accessToken;
    rig.kommo.revokeAccessToken(staleToken);
    const logBefore = rig.kommo.requestLog.length;
    const platformBefore = rig.platform.fake.calls.length;

    const second = rig.send({ url: 'account', method: 'GET' });
    await rig.outcomes([second]);

    for (const input of [first, second]) {
      const { data, errors } = rig.bus.outputsOf(input);
      expect(errors).toEqual([]);
      expect(data).toHaveLength(1);
      expect(rawResponse(data[0]).statusCode).toBe(200);
    }
    expect(rig.platform.fake.refreshCount(rig.secretId)).toBe(1);
    // Re-read first (the platform may already hold a fresher token), refresh only when it does not.
    const secretPath = `/v2/workspaces/${rig.platform.fake.workspaceId}/secrets/${rig.secretId}`;
    const calls = rig.platform.fake.calls.slice(platformBefore).map((call) => `${call.method} ${call.path}`);
    expect(calls.slice(0, 2)).toEqual([`GET ${secretPath}`, `POST ${secretPath}/refresh`]);
    expect(rig.platform.fake.secret(rig.secretId).accessToken).not.toBe(staleToken);
    // The second message: one rejected attempt, one replay with the new token, nothing else.
    const attempts = rig.kommo.requestLog.slice(logBefore).filter((entry) => entry.path.startsWith('/api/v4/'));
    expect(attempts.map((entry) => [entry.path, entry.status])).toEqual([
      ['/api/v4/account', 401],
      ['/api/v4/account', 200],
    ]);
    // The one token-endpoint call is the platform's refresh: the component never calls it itself.
    expect(rig.kommo.requestLog.filter((entry) => entry.path.startsWith('/oauth2'))).toHaveLength(1);
  });

  it('takes a token the platform refreshed in the background without asking for another refresh', async () => {
    const staleToken = rig.platform.fake.secret(rig.secretId).accessToken;
    const refreshesBefore = rig.platform.fake.refreshCount(rig.secretId);
    const fresh = rig.kommo.issueTokens();
    rig.platform.fake.setSecretToken(rig.secretId, fresh.accessToken);
    rig.kommo.revokeAccessToken(staleToken);
    const logBefore = rig.kommo.requestLog.length;

    const input = rig.send({ url: 'account', method: 'GET' });
    await rig.outcomes([input]);

    const { data, errors } = rig.bus.outputsOf(input);
    expect(errors).toEqual([]);
    expect(data.map((out) => rawResponse(out).statusCode)).toEqual([200]);
    expect(rig.platform.fake.refreshCount(rig.secretId)).toBe(refreshesBefore);
    expect(rig.kommo.requestLog.slice(logBefore).map((entry) => [entry.path, entry.status])).toEqual([
      ['/api/v4/account', 401],
      ['/api/v4/account', 200],
    ]);

    // All three inputs acked.
    const settled = await rig.settle();
    expect(settled.exit.code).toBe(0);
    expect(settled.leftInInput).toBe(0);
    expect(rig.bus.rejected).toEqual([]);
  });
});
