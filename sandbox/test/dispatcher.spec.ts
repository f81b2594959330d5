/**
 * Webhook deliveries as Kommo sends them (docs/kommo-fidelity.md, "Webhook deliveries as Kommo
 * sends them"; docs/kommo-api.md §8, §9), received by a real server on 127.0.0.1 and decoded with
 * Node's URLSearchParams only.
 */
import { ACCOUNT_ID, CURRENT_USER_ID, SUBDOMAIN } from '..';
import { call, type RawResponse } from './client';
import { useSandbox } from './fixtures';
import { startReceiver, type ReceivedDelivery, type Receiver } from './receiver';

const { clock, sandbox } = useSandbox({ rateLimit: false });
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.behave({ status: 200 });
});
afterAll(async () => {
  await receiver.close();
});

const api = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
  call(sandbox().baseUrl, method, path, { token: sandbox().accessToken, body });

async function subscribe(settings: string[], destination = receiver.url): Promise<void> {
  expect((await api('POST', '/api/v4/webhooks', { destination, settings })).status).toBe(200);
}

async function create(kind: string, items: Array<Record<string, unknown>>): Promise<number[]> {
  const response = await api('POST', `/api/v4/${kind}`, items);
  expect(response.status).toBe(200);
  return response.json<{ _embedded: Record<string, Array<{ id: number }>> }>()._embedded[kind].map((item) => item.id);
}

/** The one delivery the receiver got once the dispatcher is idle. */
async function onlyDelivery(): Promise<ReceivedDelivery> {
  await sandbox().webhooks.idle();
  expect(receiver.received).toHaveLength(1);
  return receiver.received[0];
}

/** Keys under `prefix`, without it: `leads[add][0]` → `['id', 'name', …]`. */
const keysUnder = (fields: URLSearchParams, prefix: string): string[] =>
  [...fields.keys()].filter((key) => key.startsWith(`${prefix}[`)).map((key) => key.slice(prefix.length));

describe('a delivery', () => {
  it('carries a batch create of three leads as one POST with leads[add][0..2], legacy names, string values and the account block', async () => {
    await subscribe(['add_lead']);
    const ids = await create('leads', [{ name: 'One', price: 100 }, { name: 'Two' }, { name: 'Three' }]);
    const delivery = await onlyDelivery();
    expect(delivery.method).toBe('POST');
    expect(delivery.path).toBe('/kommo-hook');
    expect(delivery.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(delivery.headers['user-agent']).toBe('amoCRM-Webhooks/3.0');
    expect(delivery.headers['x-amocrm-requestid']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Brackets travel percent-encoded, as PHP's http_build_query sends them.
    expect(delivery.body).toContain('leads%5Badd%5D%5B0%5D%5Bid%5D=');

    const fields = delivery.fields;
    expect(ids.map((_, index) => fields.get(`leads[add][${index}][id]`))).toEqual(ids.map(String));
    expect(fields.get('leads[add][3][id]')).toBeNull();
    const seconds = String(Math.floor(clock.ms / 1000));
    expect(Object.fromEntries(keysUnder(fields, 'leads[add][0]').map((key) => [key, fields.get(`leads[add][0]${key}`)]))).toEqual({
      '[id]': String(ids[0]),
      '[name]': 'One',
      '[status_id]': '7000012',
      '[price]': '100',
      '[responsible_user_id]': String(CURRENT_USER_ID),
      '[last_modified]': seconds,
      '[modified_user_id]': String(CURRENT_USER_ID),
      '[created_user_id]': String(CURRENT_USER_ID),
      '[date_create]': seconds,
      '[pipeline_id]': '7000001',
      '[account_id]': String(ACCOUNT_ID),
      '[created_at]': seconds,
      '[updated_at]': seconds,
    });
    expect(fields.get('account[id]')).toBe(String(ACCOUNT_ID));
    expect(fields.get('account[subdomain]')).toBe(SUBDOMAIN);
    // The account's Kommo host, never the sandbox: receivers must not route tokens by it.
    expect(fields.get('account[_links][self]')).toBe(`https://${SUBDOMAIN}.kommo.com`);
  });

  it('sends nothing for writes no subscription asks for', async () => {
    await subscribe(['add_contact']);
    const [leadId] = await create('leads', [{ name: 'Quiet' }]);
    await api('PATCH', `/api/v4/leads/${leadId}`, { name: 'Still quiet' });
    await sandbox().webhooks.idle();
    expect(receiver.received).toEqual([]);
    expect(sandbox().webhooks.deliveries).toEqual([]);
  });

  it('puts a stage move under leads[status] in the short digital-pipeline shape, next to leads[update]', async () => {
    const [leadId] = await create('leads', [{ name: 'Mover' }]);
    await subscribe(['update_lead', 'status_lead']);
    await api('PATCH', `/api/v4/leads/${leadId}`, { status_id: 142 });
    const { fields } = await onlyDelivery();
    expect(keysUnder(fields, 'leads[status][0]').sort()).toEqual(['[id]', '[old_pipeline_id]', '[old_status_id]', '[pipeline_id]', '[status_id]']);
    expect(fields.get('leads[status][0][id]')).toBe(String(leadId));
    expect(fields.get('leads[status][0][status_id]')).toBe('142');
    expect(fields.get('leads[status][0][old_status_id]')).toBe('7000012');
    expect(fields.get('leads[update][0][status_id]')).toBe('142');
  });

  it('puts a new responsible user under [responsible] with old_responsible_user_id', async () => {
    const [leadId] = await create('leads', [{ name: 'Handover' }]);
    await subscribe(['responsible_lead']);
    await api('PATCH', `/api/v4/leads/${leadId}`, { responsible_user_id: 9000002 });
    const { fields } = await onlyDelivery();
    expect(fields.get('leads[responsible][0][responsible_user_id]')).toBe('9000002');
    expect(fields.get('leads[responsible][0][old_responsible_user_id]')).toBe(String(CURRENT_USER_ID));
    expect(fields.get('leads[update][0][id]')).toBeNull();
  });

  it('sends companies under contacts with type=company, next to contacts with type=contact', async () => {
    await subscribe(['add_contact', 'add_company']);
    sandbox().webhooks.configure({ coalesceMs: 200 });
    const [contactId] = await create('contacts', [{ first_name: 'Ada', last_name: 'Lovelace' }]);
    const [companyId] = await create('companies', [{ name: 'Analytical Engines' }]);
    const { fields } = await onlyDelivery();
    expect([fields.get('contacts[add][0][id]'), fields.get('contacts[add][0][type]'), fields.get('contacts[add][0][name]')]).toEqual([String(contactId), 'contact', 'Ada Lovelace']);
    expect([fields.get('contacts[add][1][id]'), fields.get('contacts[add][1][type]')]).toEqual([String(companyId), 'company']);
    expect([...fields.keys()].some((key) => key.startsWith('companies'))).toBe(false);
  });

  it('sends tasks under the singular task key with local formatted datetimes', async () => {
    await subscribe(['add_task']);
    // 2026-01-01T00:00:00Z is 2025-12-31 19:00:00 in the account's zone (America/New_York).
    const [taskId] = await create('tasks', [{ text: 'Call back', complete_till: 1767225600, entity_type: 'leads', entity_id: 1000001 }]);
    const { fields } = await onlyDelivery();
    expect([...fields.keys()].some((key) => key.startsWith('tasks'))).toBe(false);
    expect(fields.get('task[add][0][id]')).toBe(String(taskId));
    expect(fields.get('task[add][0][complete_till]')).toBe('2025-12-31 19:00:00');
    expect(fields.get('task[add][0][date_create]')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(fields.get('task[add][0][element_id]')).toBe('1000001');
    expect(fields.get('task[add][0][element_type]')).toBe('2');
    expect(fields.get('task[add][0][text]')).toBe('Call back');
    expect(fields.get('task[add][0][status]')).toBe('0');
  });

  it('writes custom fields in the legacy shape, a date as a bare value', async () => {
    await subscribe(['add_lead']);
    await create('leads', [
      {
        name: 'With fields',
        custom_fields_values: [
          { field_id: 710001, values: [{ enum_id: 810003 }] },
          { field_id: 710002, values: [{ value: 1615845600 }] },
          { field_id: 710003, values: [{ value: 'ERP-42' }] },
        ],
      },
    ]);
    const { fields } = await onlyDelivery();
    const field = (index: number, rest: string): string | null => fields.get(`leads[add][0][custom_fields][${index}]${rest}`);
    const byId = new Map([0, 1, 2].map((index) => [field(index, '[id]'), index]));
    const select = byId.get('710001') ?? -1;
    const date = byId.get('710002') ?? -1;
    const text = byId.get('710003') ?? -1;
    expect([field(select, '[name]'), field(select, '[values][0][value]'), field(select, '[values][0][enum]')]).toEqual(['Deal source', 'Trade show', '810003']);
    // A date field stores the start of its day in the account's zone (America/New_York): 2021-03-15 00:00 -04:00.
    expect(field(date, '[values][0]')).toBe('1615780800');
    expect(field(date, '[values][0][value]')).toBeNull();
    expect([field(text, '[code]'), field(text, '[values][0][value]'), field(text, '[values][0][enum]')]).toEqual(['EXTERNAL_ID', 'ERP-42', null]);
  });

  it('gives each subscription its own delivery with only the codes it holds', async () => {
    const other = await startReceiver('/other');
    try {
      await subscribe(['add_lead']);
      await subscribe(['add_contact'], other.url);
      sandbox().webhooks.configure({ coalesceMs: 200 });
      await create('leads', [{ name: 'L' }]);
      await create('contacts', [{ first_name: 'C' }]);
      await sandbox().webhooks.idle();
      expect(receiver.received.map((delivery) => [...delivery.fields.keys()][0])).toEqual(['leads[add][0][id]']);
      expect(other.received.map((delivery) => [...delivery.fields.keys()][0])).toEqual(['contacts[add][0][id]']);
    } finally {
      await other.close();
    }
  });

  it('logs what it posted where, with status and duration', async () => {
    await subscribe(['add_lead']);
    await create('leads', [{ name: 'Logged' }]);
    const received = await onlyDelivery();
    expect(sandbox().webhooks.deliveries).toEqual([
      {
        at: clock.ms,
        subscriptionId: sandbox().webhooks.subscriptions()[0].id,
        destination: receiver.url,
        headers: expect.objectContaining({ 'x-amocrm-requestid': received.headers['x-amocrm-requestid'] }),
        body: received.body,
        status: 200,
        outcome: 'delivered',
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('refuses destinations that are not loopback http URLs, without counting a failure', async () => {
    await subscribe(['add_lead'], 'https://hooks.example.test/kommo');
    sandbox().webhooks.configure({ maxFailures: 0 });
    await create('leads', [{ name: 'Nowhere' }]);
    await sandbox().webhooks.idle();
    expect(sandbox().webhooks.deliveries).toEqual([expect.objectContaining({ outcome: 'refused', status: 0, error: expect.stringContaining('127.0.0.1') })]);
    expect(sandbox().webhooks.subscriptions()[0].disabled).toBe(false);
  });
});

describe('failures', () => {
  it('counts a non-2xx answer as a failure', async () => {
    receiver.behave({ status: 500 });
    await subscribe(['add_lead']);
    await create('leads', [{ name: 'Rejected' }]);
    await sandbox().webhooks.idle();
    expect(sandbox().webhooks.deliveries[0]).toMatchObject({ status: 500, outcome: 'failed' });
  });

  it('counts an answer slower than the timeout as a failure', async () => {
    sandbox().webhooks.configure({ timeoutMs: 100 });
    receiver.behave({ status: 200, delayMs: 1000 });
    await subscribe(['add_lead']);
    await create('leads', [{ name: 'Slow' }]);
    await sandbox().webhooks.idle();
    const [delivery] = sandbox().webhooks.deliveries;
    expect(delivery).toMatchObject({ status: 0, outcome: 'failed', error: expect.stringContaining('100 ms') });
    expect(delivery.durationMs).toBeGreaterThanOrEqual(90);
    expect(delivery.durationMs).toBeLessThan(900);
  });

  async function failOnce(name: string): Promise<void> {
    await create('leads', [{ name }]);
    await sandbox().webhooks.idle();
  }

  it('disables the subscription after more than maxFailures failures within the window, then sends nothing', async () => {
    sandbox().webhooks.configure({ maxFailures: 2, failureWindowMs: 60_000 });
    receiver.behave({ status: 503 });
    await subscribe(['add_lead']);
    await failOnce('1');
    await failOnce('2');
    expect(sandbox().webhooks.subscriptions()[0].disabled).toBe(false);
    await failOnce('3');
    expect(sandbox().webhooks.subscriptions()[0].disabled).toBe(true);
    const listed = await api('GET', '/api/v4/webhooks');
    expect(listed.json<{ _embedded: { webhooks: Array<{ disabled: boolean }> } }>()._embedded.webhooks[0].disabled).toBe(true);
    await failOnce('4');
    expect(receiver.received).toHaveLength(3);
  });

  it('forgets failures older than the window (sandbox clock)', async () => {
    sandbox().webhooks.configure({ maxFailures: 2, failureWindowMs: 60_000 });
    receiver.behave({ status: 503 });
    await subscribe(['add_lead']);
    await failOnce('1');
    await failOnce('2');
    clock.advance(61_000);
    await failOnce('3');
    expect(sandbox().webhooks.subscriptions()[0].disabled).toBe(false);
  });

  it('resumes deliveries once a disabled subscription is posted again', async () => {
    await subscribe(['add_lead']);
    sandbox().webhooks.disable(receiver.url);
    await create('leads', [{ name: 'Missed' }]);
    await sandbox().webhooks.idle();
    expect(receiver.received).toEqual([]);
    await subscribe(['add_lead']);
    await create('leads', [{ name: 'Seen' }]);
    expect((await onlyDelivery()).fields.get('leads[add][0][name]')).toBe('Seen');
  });
});

describe('idle() and reset()', () => {
  it('resolves at once when nothing is pending', async () => {
    await expect(sandbox().webhooks.idle()).resolves.toBeUndefined();
  });

  it('reset() empties the log and restores the dispatch settings', async () => {
    await subscribe(['add_lead']);
    sandbox().webhooks.configure({ coalesceMs: 5000 });
    await create('leads', [{ name: 'Pending' }]);
    sandbox().reset();
    await sandbox().webhooks.idle();
    expect(sandbox().webhooks.deliveries).toEqual([]);
    expect(receiver.received).toEqual([]);
    // Back to the 50 ms window: a new subscription's delivery arrives promptly.
    await subscribe(['add_lead']);
    const started = Date.now();
    await create('leads', [{ name: 'After reset' }]);
    await onlyDelivery();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
