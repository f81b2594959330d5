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

    const second = rig.send({ url: 'account', method: 'GET' });
    await rig.outcomes([second]);

    for (const input of [first, second]) {
      const { data, errors } = rig.bus.outputsOf(input);
      expect(errors).toEqual([]);
      expect(data).toHaveLength(1);
      expect(rawResponse(data[0]).statusCode).toBe(200);
    }
    expect(rig.platform.fake.refreshCount(rig.secretId)).toBe(1);
    expect(rig.platform.fake.secret(rig.secretId).accessToken).not.toBe(staleToken);
    // The second message: one rejected attempt, one replay with the new token, nothing else.
    const attempts = rig.kommo.requestLog.slice(logBefore).filter((entry) => entry.path.startsWith('/api/v4/'));
    expect(attempts.map((entry) => [entry.path, entry.status])).toEqual([
      ['/api/v4/account', 401],
      ['/api/v4/account', 200],
    ]);
    // The one token-endpoint call is the platform's refresh: the component never calls it itself.
    expect(rig.kommo.requestLog.filter((entry) => entry.path.startsWith('/oauth2'))).toHaveLength(1);

    const settled = await rig.settle();
    expect(settled.exit.code).toBe(0);
    expect(settled.leftInInput).toBe(0);
    expect(rig.bus.rejected).toEqual([]);
  });
});
