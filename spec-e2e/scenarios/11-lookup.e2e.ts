/**
 * Scenario 11: the lookup actions in the real runtime.
 * - Lookup Objects, emit individually, over 600 objects: 600 data messages for one input, which
 *   is acked once.
 * - Lookup Object with "Wait for object to exist": a rebound on the rebound queue (with
 *   `reboundIteration`), delivered again as the platform does after the expiration, then data once
 *   the object exists.
 * - getMetaModel and every select model of both actions through `runService.js`, their results
 *   POSTed as the platform receives them.
 */
import { randomUUID } from 'crypto';
import { startSandbox, type Sandbox } from '../../sandbox';
import type { StepIdentity } from '../harness/bus';
import { startStepPlatform, type StepPlatform } from '../harness/platform';
import { Rig } from '../harness/rig';
import { runService } from '../harness/runService';
import { waitUntil } from '../harness/wait';

/** Creates objects through the sandbox's API (one request per 250). */
async function create(kommo: Sandbox, kind: string, items: unknown[]): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < items.length; start += 250) {
    const response = await fetch(`${kommo.baseUrl}/api/v4/${kind}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kommo.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(items.slice(start, start + 250)),
    });
    if (response.status !== 200) throw new Error(`creating ${kind}: ${response.status} ${await response.text()}`);
    const body = await response.json() as { _embedded: Record<string, Array<{ id: number }>> };
    ids.push(...body._embedded[kind].map((item) => item.id));
  }
  return ids;
}

describe('Lookup Objects, emit individually, in sailor', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start({
      scenario: 'lookup-objects',
      functionName: 'lookupObjects',
      config: ({ secretId }) => ({ secretId, objectType: 'leads', emitBehavior: 'emitIndividually' }),
    });
  });
  afterAll(() => rig?.close());

  it('emits 600 data messages for one input of 600 matches, in Kommo\'s order, and acks the input once; bad input goes to the error queue', async () => {
    const ids = await create(rig.kommo, 'leads', Array.from({ length: 600 }, (_, index) => ({ name: `E2E bulk ${index}`, price: 4242 })));
    // The set-up's own requests do not count against the component's 7 per second.
    rig.kommo.resetRateLimit();
    rig.kommo.requestLog.length = 0;

    const bad = rig.send({ filter: { price: 'cheap' } });
    const input = rig.send({ filter: { price: 4242 } });
    await waitUntil(() => rig.bus.outputsOf(input).data.length >= 600, () => `600 data messages, got ${rig.bus.outputsOf(input).data.length}; sailor output:\n${rig.tail()}`, 60_000);
    await rig.rejected([bad]);
    const settled = await rig.settle();

    // Bad input: one error message naming the key, the input rejected, nothing asked of Kommo for it.
    const failed = rig.bus.outputsOf(bad);
    expect(failed.data).toEqual([]);
    expect(failed.errors).toHaveLength(1);
    expect(failed.errors[0].error.message).toMatch(/^filter\.price cannot be text; it takes a number or \{"from"/);
    expect(rig.bus.rejected.map((entry) => entry.messageId)).toEqual([bad.messageId]);

    const { data, errors } = rig.bus.outputsOf(input);
    expect(errors).toEqual([]);
    expect(data.map((out) => out.message.body.id)).toEqual(ids);
    expect(data.every((out) => (out.message.body.custom_fields_by_id as unknown) !== undefined)).toBe(true);
    expect(rig.bus.data).toHaveLength(600);
    expect(settled.exit.code).toBe(0);
    expect(settled.leftInInput).toBe(0);
    // Pages 1–3 hold the 600 (the third short); pages read ahead past the end answer 204 and add nothing.
    const listing = rig.kommo.requestLog.filter((entry) => entry.path.startsWith('/api/v4/leads?'))
      .map((entry) => ({ page: Number(new URL(entry.path, rig.kommo.baseUrl).searchParams.get('page')), status: entry.status }));
    expect(listing.filter((entry) => entry.status === 200).map((entry) => entry.page).sort()).toEqual([1, 2, 3]);
    expect(listing.filter((entry) => entry.page > 3).every((entry) => entry.status === 204)).toBe(true);
    expect(listing.length).toBeLessThanOrEqual(3 + 7);
    expect(rig.kommo.requestLog.filter((entry) => entry.status !== 200 && entry.status !== 204)).toEqual([]);
  });
});

describe('Lookup Object, wait for object to exist, in sailor', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start({
      scenario: 'lookup-rebound',
      functionName: 'lookupObject',
      config: ({ secretId }) => ({ secretId, objectType: 'contacts', lookupCriteria: 'email', waitForObjectToExist: true }),
    });
  });
  afterAll(() => rig?.close());

  it('rebounds while no contact has the email (reboundIteration 1, 2), then emits it once it exists', async () => {
    const input = rig.send({ email: 'Later@Example.org' });
    await waitUntil(() => rig.bus.reboundMessages.length === 1, () => `a rebound; sailor output:\n${rig.tail()}`);
    expect(rig.bus.reboundMessages[0].headers).toMatchObject({ messageId: input.messageId, reboundIteration: 1, reboundReason: 'No contact matches Email (email) yet; waiting for it to exist.' });
    expect(rig.bus.reboundMessages[0].expiration).toBe('15000');

    // The platform delivers the rebound again after its expiration; the contact is still missing.
    rig.bus.redeliver(rig.bus.reboundMessages[0]);
    await waitUntil(() => rig.bus.reboundMessages.length === 2, () => `a second rebound; sailor output:\n${rig.tail()}`);
    expect(rig.bus.reboundMessages[1].headers).toMatchObject({ messageId: input.messageId, reboundIteration: 2 });
    expect(rig.bus.reboundMessages[1].expiration).toBe('30000');
    expect(rig.bus.outputsOf(input)).toEqual({ data: [], errors: [] });

    const [id] = await create(rig.kommo, 'contacts', [{ name: 'Arrived later', custom_fields_values: [{ field_code: 'EMAIL', values: [{ value: 'later@example.org', enum_code: 'WORK' }] }] }]);
    rig.bus.redeliver(rig.bus.reboundMessages[1]);
    await rig.outcomes([input]);
    const settled = await rig.settle();

    const { data, errors } = rig.bus.outputsOf(input);
    expect(errors).toEqual([]);
    expect(data).toHaveLength(1);
    expect(data[0].message.body).toMatchObject({ id, name: 'Arrived later', custom_fields_by_id: { 720002: [{ value: 'later@example.org', enum_code: 'WORK' }] } });
    expect(rig.bus.reboundMessages).toHaveLength(2);
    expect(settled.exit.code).toBe(0);
    expect(settled.leftInInput).toBe(0);
    expect(rig.bus.rejected).toEqual([]);
  });
});

describe('getMetaModel and select models of the lookup actions in sailor\'s service runner', () => {
  let kommo: Sandbox;
  let platform: StepPlatform;
  let secretId: string;
  const identity: StepIdentity = { flowId: `flow-${randomUUID()}`, stepId: 'step_1', execId: randomUUID(), userId: 'user-e2e', workspaceId: '' };

  beforeAll(async () => {
    kommo = await startSandbox({ customersMode: 'segments' });
    platform = await startStepPlatform(kommo, identity);
    identity.workspaceId = platform.fake.workspaceId;
    secretId = platform.fake.createSecret({ accessToken: kommo.accessToken, refreshToken: kommo.refreshToken, fields: { baseUrl: kommo.baseUrl } });
  });
  afterAll(async () => {
    await platform?.close();
    await kommo?.close();
  });

  const call = (method: 'getMetaModel' | 'selectModel', actionOrTrigger: string, fields: Record<string, unknown>, getModelMethod?: string) =>
    runService(method, { secretId, ...fields }, platform, identity, undefined, undefined, { actionOrTrigger, getModelMethod });

  it.each([
    ['lookupObject', 'getObjectTypes', {}, { leads: 'Leads', contacts: 'Contacts', companies: 'Companies', tasks: 'Tasks', customers: 'Customers' }],
    ['lookupObject', 'getLookupCriteria', { objectType: 'contacts' }, expect.objectContaining({ id: 'ID', name: 'Name', email: 'Email', phone: 'Phone', cf_720003: 'Position' })],
    ['lookupObject', 'getLinkedObjects', { objectType: 'leads' }, expect.objectContaining({ contacts: 'Contacts' })],
    ['lookupObjects', 'getObjectTypes', {}, expect.objectContaining({ leads: 'Leads' })],
    ['lookupObjects', 'getLinkedObjects', { objectType: 'companies' }, expect.objectContaining({ leads: 'Leads', contacts: 'Contacts' })],
  ])('%s %s', async (action, model, fields, expected) => {
    const run = await call('selectModel', action, fields, model);
    expect(run.exit.code).toBe(0);
    expect(run.posted).toEqual([{ status: 'success', data: expected }]);
  });

  it('lookupObject getMetaModel: the criterion in, the object with its custom fields out', async () => {
    const run = await call('getMetaModel', 'lookupObject', { objectType: 'contacts', lookupCriteria: 'email' });
    expect(run.exit.code).toBe(0);
    expect(run.posted).toHaveLength(1);
    const [{ status, data }] = run.posted as Array<{ status: string; data: { in: { properties: Record<string, unknown> }; out: { properties: Record<string, { properties?: Record<string, unknown> }> } } }>;
    expect(status).toBe('success');
    expect(data.in.properties).toEqual({ email: { type: 'string', title: 'Email', required: true } });
    expect(data.out.properties.custom_fields_by_id.properties?.['720002']).toMatchObject({ type: 'array', title: 'Email' });
  });

  it('lookupObjects getMetaModel: emit page fields in, results with isLastPage out', async () => {
    const run = await call('getMetaModel', 'lookupObjects', { objectType: 'customers', emitBehavior: 'emitPage' });
    const [{ status, data }] = run.posted as Array<{ status: string; data: { in: { properties: Record<string, unknown> }; out: { properties: Record<string, unknown> } } }>;
    expect(status).toBe('success');
    expect(Object.keys(data.in.properties)).toEqual(['query', 'filter', 'orderBy', 'orderDirection', 'pageSize', 'pageNumber']);
    expect(Object.keys(data.out.properties)).toEqual(['results', 'pageNumber', 'pageSize', 'isLastPage']);
  });

  it('a bad configuration is posted as an error the designer shows', async () => {
    const run = await call('getMetaModel', 'lookupObject', { objectType: 'deals', lookupCriteria: 'id' });
    expect(run.exit.code).toBe(0);
    expect(run.posted).toEqual([{ status: 'error', data: { message: expect.stringContaining('Object type must be one of leads, contacts, companies, tasks, customers; got "deals"') } }]);
  });
});
