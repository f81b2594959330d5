/**
 * Scenario 1: the normal flow step. The credential lives in a platform secret; the component
 * reads it once per container and then costs zero platform calls per message.
 */
import { Rig } from '../harness/rig';
import { rawResponse } from '../harness/outputs';

describe('Make Raw Request through a platform secret', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start({
      scenario: 'secret-path',
      secretFields: (kommo) => ({ baseUrl: kommo.baseUrl, retries: 2 }),
      config: ({ secretId }) => ({ secretId, doNotThrow404: false }),
    });
  });
  afterAll(() => rig?.close());

  it('answers 20 GETs with one 200 data message each, acks them all, and reads the secret exactly once', async () => {
    const inputs = Array.from({ length: 20 }, () => rig.send({ url: 'leads?limit=5', method: 'GET' }));
    await rig.outcomes(inputs);
    const settled = await rig.settle();

    for (const input of inputs) {
      const { data, errors } = rig.bus.outputsOf(input);
      expect(errors).toEqual([]);
      expect(data).toHaveLength(1);
      expect(rawResponse(data[0]).statusCode).toBe(200);
    }
    expect(rig.platform.secretReads(rig.secretId)).toBe(1);
    expect(rig.platform.fake.refreshCount(rig.secretId)).toBe(0);
    // One Kommo request per message, paced under Kommo's limit (the sandbox enforces 7/s here).
    expect(rig.kommo.requestLog.map((entry) => [entry.path, entry.status])).toEqual(inputs.map(() => ['/api/v4/leads?limit=5', 200]));

    expect(settled.exit).toEqual({ code: 0, signal: null });
    expect(settled.leftInInput).toBe(0);
    expect(rig.bus.rejected).toEqual([]);
  });
});
