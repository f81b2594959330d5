/** Scenario 2: a write goes through exactly once. */
import { Rig } from '../harness/rig';
import { rawResponse } from '../harness/outputs';

describe('Make Raw Request POST', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start({ scenario: 'create-lead', config: ({ secretId }) => ({ secretId }) });
  });
  afterAll(() => rig?.close());

  it('creates exactly one lead in Kommo and returns Kommo’s answer as data', async () => {
    const before = rig.kommo.entities('leads').length;
    const input = rig.send({ url: 'leads', method: 'POST', data: [{ name: 'E2E lead' }] });
    await rig.outcomes([input]);
    const settled = await rig.settle();

    const { data, errors } = rig.bus.outputsOf(input);
    expect(errors).toEqual([]);
    expect(data).toHaveLength(1);
    expect(rawResponse(data[0]).statusCode).toBe(200);
    const leads = rig.kommo.entities('leads');
    expect(leads).toHaveLength(before + 1);
    expect(leads.filter((lead) => lead.name === 'E2E lead')).toHaveLength(1);

    expect(settled.exit.code).toBe(0);
    expect(settled.leftInInput).toBe(0);
    expect(rig.bus.rejected).toEqual([]);
  });
});
