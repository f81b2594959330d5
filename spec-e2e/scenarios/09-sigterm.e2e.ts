/**
 * Scenario 9: the platform stops a container (SIGTERM) while a slow Kommo request is in flight.
 * Sailor stops consuming, lets the message finish, and exits 0: nothing lost, nothing half-done.
 */
import { Rig } from '../harness/rig';
import { rawResponse } from '../harness/outputs';
import { waitUntil } from '../harness/wait';

describe('SIGTERM during a slow Kommo request', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start({ scenario: 'sigterm', config: ({ secretId }) => ({ secretId }) });
  });
  afterAll(() => rig?.close());

  it('finishes the in-flight message as data, acks it, and exits 0', async () => {
    rig.kommo.injectFault('/api/v4/account', { kind: 'delay', ms: 3000 }, 1);
    const input = rig.send({ url: 'account', method: 'GET' });
    await waitUntil(() => rig.kommo.requestLog.some((entry) => entry.path === '/api/v4/account'), 'the request to reach Kommo');
    const signalled = Date.now();
    rig.sailor.signal('SIGTERM');

    const exit = await rig.sailor.waitForExit(15_000);
    await rig.bus.flush();
    expect(exit).toEqual({ code: 0, signal: null });
    // It waited for the request instead of dropping it.
    expect(Date.now() - signalled).toBeGreaterThan(2000);
    const { data, errors } = rig.bus.outputsOf(input);
    expect(errors).toEqual([]);
    expect(data).toHaveLength(1);
    expect(rawResponse(data[0]).statusCode).toBe(200);
    expect(rig.bus.rejected).toEqual([]);
    expect(await rig.bus.inputQueueDepth()).toBe(0);
  });
});
