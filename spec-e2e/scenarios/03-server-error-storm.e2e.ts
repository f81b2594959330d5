/** Scenario 3: a Kommo outage ends as one error message after exactly R+1 attempts. */
import { Rig } from '../harness/rig';

describe('Make Raw Request under a 500 storm', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start({
      scenario: 'storm-500',
      secretFields: (kommo) => ({ baseUrl: kommo.baseUrl, retries: 2 }),
      config: ({ secretId }) => ({ secretId }),
    });
  });
  afterAll(() => rig?.close());

  it('gives up after 3 attempts with retries 2: one error message, the input rejected', async () => {
    rig.kommo.injectFault('/api/v4/leads', { kind: 'status', status: 500 }, 1000);
    const input = rig.send({ url: 'leads', method: 'GET' });
    await rig.outcomes([input]);
    await rig.rejected([input]);
    const settled = await rig.settle();

    const { data, errors } = rig.bus.outputsOf(input);
    expect(data).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0].error.message).toMatch(/500/);
    expect(errors[0].errorInput).toMatchObject({ id: input.id, body: { url: 'leads', method: 'GET' } });
    expect(rig.kommo.requestLog.filter((entry) => entry.path === '/api/v4/leads')).toHaveLength(3);

    expect(settled.exit.code).toBe(0);
    expect(settled.leftInInput).toBe(0);
    expect(rig.bus.rejected.map((r) => r.messageId)).toEqual([input.messageId]);
  });
});
