/** Scenario 5: "Don't throw error on 404 Response" decides whether a 404 is data or an error. */
import { Rig } from '../harness/rig';
import { rawResponse } from '../harness/outputs';

describe('Make Raw Request on a 404', () => {
  let rig: Rig;
  const missingLead = { url: 'leads/987654321', method: 'GET' };

  beforeAll(async () => {
    rig = await Rig.start({ scenario: 'not-found', config: ({ secretId }) => ({ secretId, doNotThrow404: true }) });
  });
  afterAll(() => rig?.close());

  it('with doNotThrow404 on: a data message with statusCode 404, input acked', async () => {
    const input = rig.send(missingLead);
    await rig.outcomes([input]);
    const settled = await rig.settle();

    const { data, errors } = rig.bus.outputsOf(input);
    expect(errors).toEqual([]);
    expect(data).toHaveLength(1);
    expect(rawResponse(data[0]).statusCode).toBe(404);
    expect(settled.exit.code).toBe(0);
    expect(settled.leftInInput).toBe(0);
    expect(rig.bus.rejected).toEqual([]);
  });

  it('with doNotThrow404 off: an error message, input rejected, one attempt', async () => {
    rig.platform.setStepConfig({ secretId: rig.secretId, doNotThrow404: false });
    await rig.startSailor();
    const logBefore = rig.kommo.requestLog.length;
    const input = rig.send(missingLead);
    await rig.outcomes([input]);
    await rig.rejected([input]);
    const settled = await rig.settle();

    const { data, errors } = rig.bus.outputsOf(input);
    expect(data).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0].error.message).toMatch(/404/);
    expect(rig.kommo.requestLog.slice(logBefore).map((entry) => entry.status)).toEqual([404]);
    expect(settled.exit.code).toBe(0);
    expect(settled.leftInInput).toBe(0);
  });
});
