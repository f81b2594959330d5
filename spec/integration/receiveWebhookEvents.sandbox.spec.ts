/**
 * Receive Webhook Events against the Kommo sandbox over real HTTP on 127.0.0.1: `startup` and
 * `shutdown` manage the sandbox's subscription, and the sandbox's dispatcher posts deliveries in
 * Kommo's real format (from real writes) to a stand-in for the platform's webhook gateway, which
 * hands each one to `process` in the body form under test. Kommo requests are counted in the
 * sandbox's request log (the writes these tests make are never GETs, the trigger only reads).
 */
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { KommoConfigError, KommoError } from '../../lib/client/errors';
import type { Message } from '../../lib/context';
import * as processScope from '../../lib/processScope';
import { createReceiveWebhookEvents } from '../../lib/triggers/receiveWebhookEvents';
import { WEBHOOK_EVENT_CODES } from '../../lib/webhooks/events';
import { deriveWebhookToken } from '../../lib/webhooks/secret';
import { call } from '../../sandbox/test/client';
import { startWebhookGateway, type GatewayBodyForm, type GatewayMessage, type WebhookGateway } from '../../spec-e2e/harness/webhookGateway';
import { allStrings, recordingContext, rejection, type RecordingContext } from '../helpers';
import { useSandbox } from './sandboxSuite';

const KEY = 'flow-message-password-0123';
const FLOW = 'flow-6512a3f0c2b4e100';
const STEP = 'step_1';
const TOKEN = deriveWebhookToken({ key: KEY, flowId: FLOW, stepId: STEP });
/** 2026-03-01 00:00 in the sandbox account's zone (America/New_York, UTC−5 in March). */
const CONTRACT_DAY = Date.UTC(2026, 2, 1, 5) / 1000;

const { sandbox, cfg: sandboxCfg } = useSandbox();
let gateway: WebhookGateway;
let env: Record<string, string>;
const NOW_MS = Date.UTC(2026, 0, 1);
let cfg: Record<string, unknown>;
const handled: Array<{ ctx: RecordingContext; done: Promise<unknown> }> = [];
/** Field ids of the sandbox's seeded lead fields, by type. */
const leadField: Record<string, number> = {};
let dealSourceWebsite: number;

const trigger = () => {
  const built = createReceiveWebhookEvents({ env, nowMs: () => NOW_MS });
  // No pacing: the sandbox runs without its rate limit here; the limiter is tested on its own.
  return { process: built.process.withDeps({ rateLimiter: null }), startup: built.startup.withDeps({ rateLimiter: null }), shutdown: built.shutdown.withDeps({ rateLimiter: null }) };
};

function deliver(message: GatewayMessage): Promise<unknown> {
  const ctx = recordingContext();
  const done = trigger().process.call(ctx, message as unknown as Message, cfg);
  handled.push({ ctx, done });
  return done;
}

const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
  const response = await call(sandbox.baseUrl, method, path, { token: sandbox.accessToken, body });
  if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${response.text}`);
  return response.text === '' ? {} : response.json();
};

const createdIds = (answer: Record<string, unknown>, kind: string): number[] =>
  ((answer._embedded as Record<string, Array<{ id: number }>>)[kind]).map((item) => item.id);

beforeAll(async () => {
  gateway = await startWebhookGateway({ flowId: FLOW, form: 'nested', publish: deliver });
  env = { ELASTICIO_MESSAGE_CRYPTO_PASSWORD: KEY, ELASTICIO_FLOW_ID: FLOW, ELASTICIO_STEP_ID: STEP, ELASTICIO_FLOW_WEBHOOK_URI: gateway.baseUri };
  const fields = (await api('GET', '/api/v4/leads/custom_fields?limit=50'))._embedded as { custom_fields: Array<{ id: number; type: string; enums: Array<{ id: number; value: string }> | null }> };
  for (const field of fields.custom_fields) leadField[field.type] ??= field.id;
  dealSourceWebsite = fields.custom_fields.find((field) => field.id === 710001)?.enums?.find((option) => option.value === 'Website')?.id ?? 0;
});

afterAll(async () => {
  await gateway.close();
});

beforeEach(() => {
  handled.length = 0;
  gateway.published.length = 0;
  gateway.refused.length = 0;
  gateway.setForm('nested');
  cfg = sandboxCfg({ events: ['add_lead', 'update_lead', 'status_lead', 'delete_lead'] });
});

/** Waits for the dispatcher, the gateway and every `process` call; returns the calls' contexts. */
async function settle(): Promise<RecordingContext[]> {
  await sandbox.webhooks.idle();
  await gateway.idle();
  await Promise.allSettled(handled.map((entry) => entry.done));
  return handled.map((entry) => entry.ctx);
}

const dataBodies = (contexts: RecordingContext[]): Array<Record<string, unknown>> =>
  contexts.flatMap((ctx) => ctx.emitted.filter((entry) => entry.event === 'data').map((entry) => (entry.payload as Message<Record<string, unknown>>).body));

const kommoReads = (): string[] => sandbox.requestLog.filter((entry) => entry.method === 'GET').map((entry) => decodeURIComponent(entry.path));

async function startFlow(): Promise<string> {
  const data = await trigger().startup.call(recordingContext(), cfg);
  sandbox.requestLog.length = 0;
  return data.destination;
}

describe('startup and shutdown', () => {
  it('startup subscribes the flow URL plus the token with the chosen events and returns {destination}: GET + POST', async () => {
    const data = await trigger().startup.call(recordingContext(), cfg);
    expect(data).toEqual({ destination: `${gateway.baseUri}/${TOKEN}` });
    expect(sandbox.webhooks.subscriptions()).toMatchObject([{ destination: data.destination, disabled: false, settings: ['add_lead', 'update_lead', 'delete_lead', 'status_lead'] }]);
    expect(sandbox.requestLog.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['GET /api/v4/webhooks', 'POST /api/v4/webhooks']);
  });

  it('startup again keeps the subscription (one GET); other events replace it; a disabled one comes back enabled', async () => {
    const destination = await startFlow();
    await trigger().startup.call(recordingContext(), cfg);
    expect(sandbox.requestLog.map((entry) => entry.method)).toEqual(['GET']);

    sandbox.requestLog.length = 0;
    cfg.events = ['add_contact'];
    await trigger().startup.call(recordingContext(), cfg);
    expect(sandbox.webhooks.subscriptions()).toMatchObject([{ destination, settings: ['add_contact'], disabled: false }]);
    expect(sandbox.requestLog.map((entry) => entry.method)).toEqual(['GET', 'DELETE', 'POST']);

    sandbox.webhooks.disable(destination);
    await trigger().startup.call(recordingContext(), cfg);
    expect(sandbox.webhooks.subscriptions()).toMatchObject([{ destination, settings: ['add_contact'], disabled: false }]);
  });

  it('startup removes a destination of this flow under an earlier secret and leaves other flows and other destinations alone', async () => {
    const stale = `${gateway.baseUri}/${'a'.repeat(64)}`;
    const otherFlow = `${gateway.baseUri}x/${TOKEN}`;
    const unrelated = 'http://127.0.0.1:9/somewhere-else';
    for (const destination of [stale, otherFlow, unrelated]) await api('POST', '/api/v4/webhooks', { destination, settings: ['add_lead'] });
    const destination = await startFlow();
    expect(sandbox.webhooks.subscriptions().map((subscription) => subscription.destination).sort()).toEqual([destination, otherFlow, unrelated].sort());
  });

  it('every event code the trigger offers is one Kommo accepts (the sandbox checks the documented list)', async () => {
    cfg.events = [...WEBHOOK_EVENT_CODES];
    await trigger().startup.call(recordingContext(), cfg);
    expect(sandbox.webhooks.subscriptions()[0].settings).toEqual([...WEBHOOK_EVENT_CODES]);
  });

  it('shutdown deletes the subscription and is safe to run twice: the second run finds nothing (one GET)', async () => {
    const destination = await startFlow();
    await trigger().shutdown.call(recordingContext(), cfg, { destination });
    expect(sandbox.webhooks.subscriptions()).toEqual([]);
    expect(sandbox.requestLog.map((entry) => entry.method)).toEqual(['GET', 'DELETE']);
    sandbox.requestLog.length = 0;
    await trigger().shutdown.call(recordingContext(), cfg, { destination });
    expect(sandbox.requestLog.map((entry) => entry.method)).toEqual(['GET']);
  });

  it('shutdown without the startup data deletes every destination of this flow, and only those', async () => {
    const otherFlow = `${gateway.baseUri}x/${TOKEN}`;
    await api('POST', '/api/v4/webhooks', { destination: otherFlow, settings: ['add_lead'] });
    await startFlow();
    await api('POST', '/api/v4/webhooks', { destination: `${gateway.baseUri}/${'b'.repeat(64)}`, settings: ['add_lead'] });
    await trigger().shutdown.call(recordingContext(), cfg, {});
    expect(sandbox.webhooks.subscriptions().map((subscription) => subscription.destination)).toEqual([otherFlow]);
  });

  it.each<[string, () => void, RegExp]>([
    ['no events', () => { cfg.events = []; }, /^Events is required/],
    ['an event Kommo does not send', () => { cfg.events = ['status_contact']; }, /^Events has an event Kommo does not send: "status_contact"/],
    ['no flow webhook URL', () => { delete env.ELASTICIO_FLOW_WEBHOOK_URI; }, /^ELASTICIO_FLOW_WEBHOOK_URI is not set/],
    ['no message password', () => { delete env.ELASTICIO_MESSAGE_CRYPTO_PASSWORD; }, /^ELASTICIO_MESSAGE_CRYPTO_PASSWORD is not set/],
  ])('startup with %s fails with a KommoConfigError before any request', async (_name, breakIt, message) => {
    const saved = { ...env };
    breakIt();
    try {
      const error = await rejection(trigger().startup.call(recordingContext(), cfg));
      expect(error).toBeInstanceOf(KommoConfigError);
      expect((error as Error).message).toMatch(message);
      expect(sandbox.requestLog).toEqual([]);
    } finally {
      env = saved;
    }
  });

  it('hooks called without `this` (as sailor calls them) log to stdout, and no line carries the token', async () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const { startup, shutdown } = trigger();
      const data = await startup.call(undefined, cfg);
      await shutdown.call({} as never, cfg, data);
    } finally {
      write.mockRestore();
    }
    expect(lines.filter((line) => line.startsWith('INFO Kommo webhook '))).toEqual([
      expect.stringMatching(new RegExp(`^INFO Kommo webhook ${gateway.baseUri}/… subscribed to add_lead, update_lead, delete_lead, status_lead: created\\n$`)),
      expect.stringMatching(new RegExp(`^INFO Kommo webhook ${gateway.baseUri}/… deleted\\n$`)),
    ]);
    expect(lines.join('')).not.toContain(TOKEN);
  });
});

describe('process: deliveries the sandbox dispatched from real writes', () => {
  const lead = () => ({
    name: 'Website order #1042',
    price: 1500,
    custom_fields_values: [
      { field_id: 710001, values: [{ enum_id: dealSourceWebsite }] },
      { field_id: 710002, values: [{ value: CONTRACT_DAY }] },
      { field_id: 710003, values: [{ value: 'EXT-9' }] },
      { field_id: leadField.checkbox, values: [{ value: true }] },
    ],
    _embedded: { tags: [{ name: 'web' }] },
  });

  it.each<[GatewayBodyForm]>([['nested'], ['flat'], ['raw'], ['rawData']])(
    'a lead added, body %s: one message in the v4 shape with custom_fields_by_id; custom fields and the time zone read once, then cached',
    async (form) => {
      gateway.setForm(form);
      await startFlow();
      const [id] = createdIds(await api('POST', '/api/v4/leads', [lead()]), 'leads');
      const [message] = dataBodies(await settle());
      expect(message).toEqual({
        event: 'add_lead',
        entity_type: 'leads',
        action: 'add',
        account: { id: sandbox.accountId, subdomain: sandbox.subdomain },
        object: expect.objectContaining({
          id,
          name: 'Website order #1042',
          price: 1500,
          custom_fields_by_id: { 710001: 'Website', 710002: '2026-03-01', 710003: 'EXT-9', [leadField.checkbox]: true },
          _embedded: { tags: [{ id: expect.any(Number), name: 'web' }] },
        }),
      });
      expect((message.object as Record<string, unknown>).custom_fields_values).toEqual(expect.arrayContaining([
        { field_id: 710002, field_name: 'Contract date', field_code: null, field_type: 'date', values: [{ value: CONTRACT_DAY }] },
        { field_id: leadField.checkbox, field_name: expect.any(String), field_code: null, field_type: 'checkbox', values: [{ value: true }] },
      ]));
      expect(kommoReads()).toEqual(['/api/v4/leads/custom_fields?page=1&limit=50', '/api/v4/account?with=datetime_settings']);

      sandbox.requestLog.length = 0;
      await api('POST', '/api/v4/leads', [lead()]);
      expect(dataBodies(await settle())).toHaveLength(2);
      expect(kommoReads()).toEqual([]);
    },
  );

  it('several entities and actions in one delivery: one message each, in delivery order, companies reported as companies and the singular task as tasks', async () => {
    cfg.events = ['add_lead', 'update_lead', 'status_lead', 'add_contact', 'add_company', 'add_task'];
    await startFlow();
    sandbox.webhooks.configure({ coalesceMs: 300 });
    const leadIds = createdIds(await api('POST', '/api/v4/leads', [{ name: 'A' }, { name: 'B' }]), 'leads');
    const [contactId] = createdIds(await api('POST', '/api/v4/contacts', [{ name: 'Jane' }]), 'contacts');
    const [companyId] = createdIds(await api('POST', '/api/v4/companies', [{ name: 'Acme' }]), 'companies');
    const [taskId] = createdIds(await api('POST', '/api/v4/tasks', [{ text: 'Call back', complete_till: 1772400000, entity_type: 'leads', entity_id: leadIds[0] }]), 'tasks');
    const pipelines = (await api('GET', '/api/v4/leads/pipelines'))._embedded as { pipelines: Array<{ id: number; _embedded: { statuses: Array<{ id: number }> } }> };
    const stage = pipelines.pipelines[0]._embedded.statuses.at(-3)?.id;
    await api('PATCH', `/api/v4/leads/${leadIds[1]}`, { status_id: stage });
    const contexts = await settle();
    expect(sandbox.webhooks.deliveries).toHaveLength(1);
    const bodies = dataBodies(contexts);
    expect(bodies.map((body) => [body.event, body.entity_type, (body.object as { id: number }).id])).toEqual([
      ['add_lead', 'leads', leadIds[0]],
      ['add_lead', 'leads', leadIds[1]],
      ['update_lead', 'leads', leadIds[1]],
      ['status_lead', 'leads', leadIds[1]],
      ['add_contact', 'contacts', contactId],
      ['add_company', 'companies', companyId],
      ['add_task', 'tasks', taskId],
    ]);
    expect(bodies[3].object).toMatchObject({ status_id: stage });
    expect(bodies[6].object).toMatchObject({ entity_type: 'leads', entity_id: leadIds[0], complete_till: 1772400000, is_completed: false, text: 'Call back' });
  });

  it('a forged delivery (no token, a wrong token, another flow\'s token) costs nothing: a warning, no message, no error, no Kommo request', async () => {
    await startFlow();
    await api('POST', '/api/v4/leads', [lead()]);
    await settle();
    const real = sandbox.webhooks.deliveries[0];
    handled.length = 0;
    sandbox.requestLog.length = 0;
    processScope.reset();
    const otherFlowToken = deriveWebhookToken({ key: KEY, flowId: `${FLOW}x`, stepId: STEP });
    for (const path of ['', `/${'0'.repeat(64)}`, `/${otherFlowToken}`, `/${TOKEN.slice(0, 63)}`]) {
      await call(gateway.baseUri.replace(/\/hook\/.*/, ''), 'POST', `/hook/${FLOW}${path}`, {
        raw: real.body, headers: { ...real.headers, 'x-amocrm-requestid': `forged-${path.length}-0000` },
      });
    }
    const contexts = await settle();
    expect(contexts).toHaveLength(4);
    for (const ctx of contexts) {
      expect(ctx.emitted).toEqual([]);
      expect(ctx.logs).toEqual([{ level: 'warn', text: expect.stringMatching(/^Kommo webhook delivery dropped: the delivery URL carries (no|a wrong) webhook secret$/) }]);
    }
    expect(sandbox.requestLog).toEqual([]);
  });

  it('a delivery posted again with the same request id is dropped (warning, nothing else); the first emitted once', async () => {
    await startFlow();
    await api('POST', '/api/v4/leads', [lead()]);
    const first = dataBodies(await settle());
    expect(first).toHaveLength(1);
    const real = sandbox.webhooks.deliveries[0];
    handled.length = 0;
    sandbox.requestLog.length = 0;
    await call(gateway.baseUri.replace(/\/hook\/.*/, ''), 'POST', `/hook/${FLOW}/${TOKEN}`, { raw: real.body, headers: real.headers });
    const [ctx] = await settle();
    expect(ctx.emitted).toEqual([]);
    expect(ctx.logs).toEqual([{ level: 'warn', text: `Kommo webhook delivery dropped: delivery ${real.headers['x-amocrm-requestid']} was already received` }]);
    expect(sandbox.requestLog).toEqual([]);
  });

  it('events the step does not subscribe are not emitted (a subscription left with more events)', async () => {
    await startFlow();
    cfg.events = ['status_lead'];
    await api('POST', '/api/v4/leads', [lead()]);
    const [ctx] = await settle();
    expect(ctx.emitted).toEqual([]);
    expect(ctx.logs.map((line) => line.level)).toEqual(['warn']);
    expect(ctx.logs[0].text).toMatch(/dropped: the delivery contains no reportable entities: add_lead is not among the subscribed events/);
  });

  describe('with fetchFullObjects', () => {
    let evil: Server;
    let evilRequests = 0;

    beforeAll(async () => {
      evil = createServer((_req, res) => {
        evilRequests += 1;
        res.end('{}');
      });
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => evil.close(() => resolve()));
    });
    beforeEach(() => {
      cfg.fetchFullObjects = true;
      cfg.events = [...cfg.events as string[], 'add_contact', 'add_company'];
    });

    it('reads the objects again with one filter[id][] request per entity type: a short status delivery becomes the whole lead', async () => {
      await startFlow();
      const leadIds = createdIds(await api('POST', '/api/v4/leads', [{ name: 'A', price: 10 }, { name: 'B', price: 20 }, { name: 'C', price: 30 }]), 'leads');
      await settle();
      handled.length = 0;
      sandbox.requestLog.length = 0;
      sandbox.webhooks.configure({ coalesceMs: 300 });
      const pipelines = (await api('GET', '/api/v4/leads/pipelines'))._embedded as { pipelines: Array<{ _embedded: { statuses: Array<{ id: number }> } }> };
      const stage = pipelines.pipelines[0]._embedded.statuses.at(-3)?.id;
      sandbox.requestLog.length = 0;
      await api('PATCH', '/api/v4/leads', leadIds.map((id) => ({ id, status_id: stage })));
      const [contactId] = createdIds(await api('POST', '/api/v4/contacts', [{ name: 'Jane' }]), 'contacts');
      const [companyId] = createdIds(await api('POST', '/api/v4/companies', [{ name: 'Acme' }]), 'companies');
      const bodies = dataBodies(await settle());
      expect(kommoReads()).toEqual([
        `/api/v4/leads?filter[id][]=${leadIds[0]}&filter[id][]=${leadIds[1]}&filter[id][]=${leadIds[2]}&limit=3`,
        `/api/v4/contacts?filter[id][]=${contactId}&limit=1`,
        `/api/v4/companies?filter[id][]=${companyId}&limit=1`,
      ]);
      const status = bodies.filter((body) => body.event === 'status_lead');
      expect(status).toHaveLength(3);
      expect(status[1].object).toMatchObject({ id: leadIds[1], name: 'B', price: 20, status_id: stage, custom_fields_by_id: {} });
      expect(bodies.find((body) => body.event === 'add_company')).toMatchObject({ entity_type: 'companies', object: { id: companyId, name: 'Acme' } });
    });

    it('emits only what Kommo confirms: an added lead Kommo no longer has is left out, a deletion is emitted as delivered', async () => {
      await startFlow();
      const [id] = createdIds(await api('POST', '/api/v4/leads', [{ name: 'Kept' }]), 'leads');
      await settle();
      handled.length = 0;
      sandbox.requestLog.length = 0;
      // The API cannot delete leads, so the delivery is edited: the add names an id Kommo does not
      // have (as after a deletion), and a deletion of the real lead is appended in Kommo's form.
      const real = sandbox.webhooks.deliveries[0];
      const gone = id + 1000;
      const body = `${real.body.replace(`leads%5Badd%5D%5B0%5D%5Bid%5D=${id}&`, `leads%5Badd%5D%5B0%5D%5Bid%5D=${gone}&`)}&leads%5Bdelete%5D%5B0%5D%5Bid%5D=${id}&leads%5Bdelete%5D%5B0%5D%5Bstatus_id%5D=142`;
      expect(body).toContain(String(gone));
      await call(gateway.baseUri.replace(/\/hook\/.*/, ''), 'POST', `/hook/${FLOW}/${TOKEN}`, { raw: body, headers: { ...real.headers, 'x-amocrm-requestid': 'edited-delivery-01' } });
      const contexts = await settle();
      const bodies = dataBodies(contexts);
      expect(bodies.map((message) => message.event)).toEqual(['delete_lead']);
      expect(bodies[0].object).toEqual({ id, status_id: 142, custom_fields_by_id: {} });
      expect(kommoReads()).toEqual([`/api/v4/leads?filter[id][]=${gone}&limit=1`]);
      expect(contexts[0].logs.map((line) => line.text)).toContainEqual(
        `Kommo webhook delivery edited-delivery-01: Kommo did not return add_lead ${gone} (deleted since, or not visible to the credential's user); not emitted`,
      );
    });

    it('never sends a request to the host a delivery names in account[_links][self] or account[subdomain]', async () => {
      await startFlow();
      await api('POST', '/api/v4/leads', [{ name: 'A' }]);
      await settle();
      const real = sandbox.webhooks.deliveries[0];
      handled.length = 0;
      const evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
      const body = real.body.replace(/account%5B_links%5D%5Bself%5D=[^&]*/, `account%5B_links%5D%5Bself%5D=${encodeURIComponent(evilOrigin)}`)
        .replace(/account%5Bsubdomain%5D=[^&]*/, `account%5Bsubdomain%5D=${encodeURIComponent(`${evilOrigin}/?`)}`);
      expect(body).toContain(encodeURIComponent(evilOrigin));
      await call(gateway.baseUri.replace(/\/hook\/.*/, ''), 'POST', `/hook/${FLOW}/${TOKEN}`, { raw: body, headers: { ...real.headers, 'x-amocrm-requestid': 'evil-host-00001' } });
      expect(dataBodies(await settle())).toHaveLength(1);
      expect(evilRequests).toBe(0);
      expect(new Set(sandbox.requestLog.map((entry) => entry.host))).toEqual(new Set([new URL(sandbox.baseUrl).host]));
    });

    it('fails with a clear error when the account ignores API filters (objects cannot be confirmed)', async () => {
      await startFlow();
      sandbox.configure({ ignoreFilters: true });
      await api('POST', '/api/v4/leads', [{ name: 'A' }]);
      const failure = await settle().then(() => rejection(handled[0].done));
      expect(failure).toBeInstanceOf(KommoError);
      expect((failure as Error).message).toMatch(/this account ignores API filters, so the delivered objects cannot be confirmed/);
    });
  });

  it('never answers the HTTP caller itself and never logs the token', async () => {
    await startFlow();
    await api('POST', '/api/v4/leads', [lead()]);
    const contexts = await settle();
    expect(contexts.flatMap((ctx) => ctx.emitted.map((entry) => entry.event))).toEqual(['data']);
    expect(allStrings(contexts.map((ctx) => ctx.logs))).not.toEqual(expect.arrayContaining([expect.stringContaining(TOKEN)]));
    expect(sandbox.webhooks.deliveries.map((delivery) => delivery.outcome)).toEqual(['delivered']);
  });
});
