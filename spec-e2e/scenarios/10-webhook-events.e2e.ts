/**
 * Scenario 10: Receive Webhook Events in the real runtime, the flow's whole life.
 * - `run.js` with `ELASTICIO_STARTUP_REQUIRED=1`: `startup` subscribes the flow's secret
 *   destination in the Kommo sandbox, and sailor hands what it returned to the platform.
 * - A write in the sandbox: its dispatcher posts Kommo's form-encoded delivery to a stand-in for
 *   the platform's webhook gateway, which publishes it to the step's queue (body nested, as a form
 *   parser passes it; then raw) → one data message per entity out of sailor.
 * - A forged delivery (wrong secret in the address) → no data, no error, acked, no Kommo request.
 * - `run.js` with `ELASTICIO_HOOK_SHUTDOWN=1`: `shutdown` gets the stored data and deletes the
 *   subscription; the platform's data is gone.
 */
import { randomUUID } from 'crypto';
import { deriveWebhookToken } from '../../lib/webhooks/secret';
import { call } from '../../sandbox/test/client';
import { Rig } from '../harness/rig';
import { CRYPTO } from '../harness/sailorProcess';
import { waitUntil } from '../harness/wait';
import { startWebhookGateway, type WebhookGateway } from '../harness/webhookGateway';

const EVENTS = ['add_lead', 'update_lead', 'status_lead', 'add_contact'];

describe('Receive Webhook Events: startup, deliveries through the gateway, shutdown', () => {
  const flowId = `flow-${randomUUID()}`;
  let rig: Rig;
  let gateway: WebhookGateway;
  let destination: string;

  const kommo = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await call(rig.kommo.baseUrl, method, path, { token: rig.kommo.accessToken, body });
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${response.text}`);
    return response.json();
  };
  const ids = (answer: Record<string, unknown>, kind: string): number[] =>
    ((answer._embedded as Record<string, Array<{ id: number }>>)[kind]).map((item) => item.id);
  const dataBodies = (): Array<Record<string, unknown>> => rig.bus.data.map((out) => out.message.body);

  beforeAll(async () => {
    gateway = await startWebhookGateway({ flowId, form: 'nested', publish: (message) => rig.bus.publish(message) });
    rig = await Rig.start({
      scenario: 'webhook',
      flowId,
      functionName: 'receiveWebhookEvents',
      config: ({ secretId }) => ({ secretId, events: EVENTS }),
      env: { ELASTICIO_STARTUP_REQUIRED: '1', ELASTICIO_FLOW_WEBHOOK_URI: gateway.baseUri },
    });
    destination = `${gateway.baseUri}/${deriveWebhookToken({ key: CRYPTO.password, flowId, stepId: rig.identity.stepId })}`;
  });
  afterAll(async () => {
    await rig?.close();
    await gateway?.close();
  });

  it('startup subscribed the flow\'s secret destination with the configured events, and the platform holds {destination}', () => {
    expect(rig.kommo.webhooks.subscriptions()).toMatchObject([{ destination, settings: EVENTS, disabled: false }]);
    expect(rig.platform.hookDataCalls()).toEqual(['POST']);
    expect(rig.platform.hookData()).toEqual({ destination });
    // The hook logged on its own (no sailor logger), without the secret.
    expect(rig.sailor.output()).toContain('INFO Kommo webhook ');
    expect(rig.sailor.output()).not.toContain(destination);
  });

  it('a batch create reaches the flow through the gateway as a nested body: one data message per lead', async () => {
    const leadIds = ids(await kommo('POST', '/api/v4/leads', [{ name: 'From the website', price: 700 }, { name: 'From a fair' }]), 'leads');
    await waitUntil(() => dataBodies().length >= 2, () => `2 data messages; sailor output:\n${rig.tail()}`);
    expect(gateway.published.map((message) => typeof message.body)).toEqual(['object']);
    expect(dataBodies().map((body) => [body.event, body.entity_type, (body.object as { id: number }).id])).toEqual([
      ['add_lead', 'leads', leadIds[0]],
      ['add_lead', 'leads', leadIds[1]],
    ]);
    expect(dataBodies()[0]).toMatchObject({
      action: 'add',
      account: { id: rig.kommo.accountId, subdomain: rig.kommo.subdomain },
      object: { name: 'From the website', price: 700, custom_fields_by_id: {} },
    });
  });

  it('a stage move reaches the flow as a raw body: update and status messages for the lead', async () => {
    gateway.setForm('raw');
    const before = dataBodies().length;
    const pipelines = (await kommo('GET', '/api/v4/leads/pipelines'))._embedded as { pipelines: Array<{ _embedded: { statuses: Array<{ id: number }> } }> };
    const stage = pipelines.pipelines[0]._embedded.statuses.at(-3)?.id;
    await kommo('PATCH', '/api/v4/leads/1000001', { status_id: stage });
    await waitUntil(() => dataBodies().length >= before + 2, () => `2 more data messages; sailor output:\n${rig.tail()}`);
    expect(typeof gateway.published.at(-1)?.body).toBe('string');
    expect(dataBodies().slice(before).map((body) => body.event)).toEqual(['update_lead', 'status_lead']);
    expect(dataBodies().at(-1)?.object).toMatchObject({ id: 1000001, status_id: stage });
  });

  it('a forged delivery (a wrong secret in the address) gives no message, no error and no Kommo request', async () => {
    const dataBefore = dataBodies().length;
    const kommoBefore = rig.kommo.requestLog.length;
    const real = rig.kommo.webhooks.deliveries[0];
    const origin = new URL(gateway.baseUri).origin;
    const answer = await call(origin, 'POST', `/hook/${flowId}/${'f'.repeat(64)}`, { raw: real.body, headers: { ...real.headers, 'x-amocrm-requestid': 'forged-e2e-0001' } });
    expect(answer.status).toBe(200);
    await waitUntil(() => rig.sailor.output().includes('Kommo webhook delivery dropped: the delivery URL carries a wrong webhook secret'), () => `the warning; sailor output:\n${rig.tail()}`);
    const settled = await rig.settle();
    expect(settled).toEqual({ exit: { code: 0, signal: null }, leftInInput: 0 });
    expect(dataBodies()).toHaveLength(dataBefore);
    expect(rig.bus.errors).toEqual([]);
    expect(rig.bus.rejected).toEqual([]);
    expect(rig.kommo.requestLog.length).toBe(kommoBefore);
  });

  it('the shutdown hook deletes the subscription with the stored data, and the platform drops the data', async () => {
    const run = await rig.runShutdownHook();
    expect(run.exit).toEqual({ code: 0, signal: null });
    expect(rig.kommo.webhooks.subscriptions()).toEqual([]);
    expect(rig.platform.hookDataCalls()).toEqual(['POST', 'GET', 'DELETE']);
    expect(rig.platform.hookData()).toBeUndefined();
    expect(run.output).toContain('INFO Kommo webhook ');
    expect(run.output).toMatch(/INFO Kommo webhook http:\/\/127\.0\.0\.1:\d+\/hook\/flow-[0-9a-f-]+\/… deleted/);
    expect(run.output).not.toContain(destination);
  });
});
