import { convertDelivery } from '../../lib/webhooks/convert';
import { Admission, admitDelivery, AdmitOptions, deliveryBody, kommoRequestId, WebhookRequest } from '../../lib/webhooks/delivery';
import { ReplayGuard } from '../../lib/webhooks/replay';
import { deriveWebhookToken } from '../../lib/webhooks/secret';
import { ACCOUNT_PAIRS, bodyShapes, LEAD_STATUS_SHORT, MIXED_DELIVERY, rawForm } from './fixtures';

const KEY = 'platform-crypto-password-0123';
const FLOW = '6512a3f0c2b4e10012345678';
const TOKEN = deriveWebhookToken({ key: KEY, flowId: FLOW, stepId: 'step_1' });
const OTHER_FLOW_TOKEN = deriveWebhookToken({ key: KEY, flowId: '6512a3f0c2b4e10099999999', stepId: 'step_1' });
const REQUEST_ID = '2f1e8a4c-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

/** A webhook message as the gateway would publish it for a delivery to this step's destination. */
function delivery(body: unknown, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    body,
    headers: { 'user-agent': 'amoCRM-Webhooks/3.0', 'content-type': 'application/x-www-form-urlencoded', 'x-amocrm-requestid': REQUEST_ID },
    url: `/hook/${FLOW}/${TOKEN}`,
    additionalUrlPath: `/${TOKEN}`,
    ...overrides,
  };
}

function admit(request: WebhookRequest, options: Partial<AdmitOptions> = {}): Admission {
  return admitDelivery(request, { expectedToken: TOKEN, nowMs: 1_000_000, ...options });
}

function admitted(request: WebhookRequest, options: Partial<AdmitOptions> = {}): Extract<Admission, { admitted: true }> {
  const result = admit(request, options);
  if (!result.admitted) throw new Error(`expected the delivery to be admitted, got: ${result.reason}`);
  return result;
}

/** A body that fails the test if anything reads it. */
function untouchableBody(): object {
  return new Proxy({}, {
    get: () => { throw new Error('the body of a refused delivery was read'); },
    ownKeys: () => { throw new Error('the body of a refused delivery was read'); },
    getOwnPropertyDescriptor: () => { throw new Error('the body of a refused delivery was read'); },
    getPrototypeOf: () => { throw new Error('the body of a refused delivery was read'); },
  });
}

describe('admitDelivery + convertDelivery: every body shape gives the same messages', () => {
  const reference = convertDelivery(admitted(delivery(rawForm(MIXED_DELIVERY))).tree, { timeZone: 'UTC' });

  it('converts the reference delivery into six events', () => {
    expect(reference.ok && reference.events.map((event) => event.event)).toEqual(['add_lead', 'add_lead', 'status_lead', 'add_contact', 'add_company', 'add_task']);
  });

  it.each(bodyShapes(MIXED_DELIVERY))('%s', (_name, body) => {
    const admission = admitted(delivery(body));
    expect(admission.requestId).toBe(REQUEST_ID);
    expect(admission.ignored).toEqual([]);
    expect(convertDelivery(admission.tree, { timeZone: 'UTC' })).toEqual(reference);
  });
});

describe('admitDelivery: forged deliveries are refused before their body is read', () => {
  it.each<[string, Partial<WebhookRequest>, string]>([
    ['no secret in the URL', { url: `/hook/${FLOW}`, additionalUrlPath: undefined }, 'the delivery URL carries no webhook secret'],
    ['no URL at all', { url: undefined, additionalUrlPath: undefined }, 'the delivery URL carries no webhook secret'],
    ['the secret in a query parameter', { url: `/hook/${FLOW}?secret=${TOKEN}`, additionalUrlPath: '' }, 'the delivery URL carries no webhook secret'],
    ['a wrong secret', { url: undefined, additionalUrlPath: `/${'0'.repeat(64)}` }, 'the delivery URL carries a wrong webhook secret'],
    ['the secret of another flow', { url: undefined, additionalUrlPath: `/${OTHER_FLOW_TOKEN}` }, 'the delivery URL carries a wrong webhook secret'],
  ])('%s', (_name, overrides, reason) => {
    const guard = new ReplayGuard();
    expect(admit(delivery(untouchableBody(), overrides), { replayGuard: guard })).toEqual({ admitted: false, reason });
    // A forged delivery leaves no trace: the genuine delivery with the same request id is still admitted.
    expect(guard.size).toBe(0);
    expect(admitted(delivery(rawForm([...LEAD_STATUS_SHORT, ...ACCOUNT_PAIRS])), { replayGuard: guard }).requestId).toBe(REQUEST_ID);
  });
});

describe('admitDelivery: replayed deliveries', () => {
  const body = rawForm([...LEAD_STATUS_SHORT, ...ACCOUNT_PAIRS]);

  it('refuses a request id seen within the window, without reading the body again', () => {
    const guard = new ReplayGuard({ windowMs: 60_000, maxEntries: 100 });
    admitted(delivery(body), { replayGuard: guard, nowMs: 0 });
    expect(admit(delivery(untouchableBody()), { replayGuard: guard, nowMs: 59_999 })).toEqual({ admitted: false, reason: `delivery ${REQUEST_ID} was already received` });
    expect(admitted(delivery(body, { headers: { 'x-amocrm-requestid': '9f1e8a4c-5b6d-4e7f-8a9b-0c1d2e3f4a5b' } }), { replayGuard: guard, nowMs: 59_999 }).tree.size).toBe(2);
    expect(admitted(delivery(body), { replayGuard: guard, nowMs: 60_000 }).requestId).toBe(REQUEST_ID);
  });

  it('reads the header in any letter case', () => {
    const guard = new ReplayGuard();
    admitted(delivery(body, { headers: { 'X-AmoCRM-RequestId': REQUEST_ID } }), { replayGuard: guard });
    expect(admit(delivery(body), { replayGuard: guard }).admitted).toBe(false);
  });

  it.each<[string, unknown]>([
    ['no header', { 'user-agent': 'amoCRM-Webhooks/3.0' }],
    ['no headers at all', undefined],
    ['a header that is not an id', { 'x-amocrm-requestid': 'x'.repeat(65) }],
    ['a header with other characters', { 'x-amocrm-requestid': `${REQUEST_ID}\n` }],
    ['a header that is a list', { 'x-amocrm-requestid': [REQUEST_ID, REQUEST_ID] }],
  ])('admits repeats it cannot recognise (%s): content is never a duplicate key', (_name, headers) => {
    const guard = new ReplayGuard();
    const first = admitted(delivery(body, { headers }), { replayGuard: guard });
    expect(first.requestId).toBeUndefined();
    expect(admitted(delivery(body, { headers }), { replayGuard: guard }).tree).toEqual(first.tree);
    expect(guard.size).toBe(0);
  });

  it('admits repeats when no guard is given', () => {
    admitted(delivery(body));
    expect(admitted(delivery(body)).requestId).toBe(REQUEST_ID);
  });
});

describe('admitDelivery: empty, unknown and hostile bodies', () => {
  it.each<[string, unknown, string]>([
    ['an empty object', {}, 'the delivery is empty'],
    ['empty text', '', 'the delivery is empty'],
    ['empty rawData', { rawData: '' }, 'the delivery is empty'],
    ['no body', undefined, 'the delivery has no body'],
    ['a JSON array', [1, 2], 'the delivery body is an array, not a form'],
    ['only forbidden keys', '__proto__[x]=1&constructor[prototype][y]=2', 'the delivery has no usable fields: 2 fields with a forbidden key segment (__proto__, constructor, prototype) ignored'],
    ['only malformed keys', '[x]=1&a[b=2', 'the delivery has no usable fields: 2 fields with a malformed bracket key ignored'],
  ])('refuses %s', (_name, body, reason) => {
    expect(admit(delivery(body))).toEqual({ admitted: false, reason });
  });

  it('admits a delivery with some hostile fields, leaving them out, and pollutes nothing', () => {
    const admission = admitted(delivery(`${rawForm([...LEAD_STATUS_SHORT, ...ACCOUNT_PAIRS])}&leads[status][0][__proto__][polluted]=1`));
    expect(admission.ignored).toEqual(['1 field with a forbidden key segment (__proto__, constructor, prototype) ignored']);
    const result = convertDelivery(admission.tree, { timeZone: 'UTC' });
    expect(result.ok && Object.keys(result.events[0].object)).toEqual(['id', 'status_id', 'old_status_id', 'pipeline_id', 'old_pipeline_id']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('kommoRequestId', () => {
  it.each<[unknown, string | undefined]>([
    [{ 'x-amocrm-requestid': REQUEST_ID }, REQUEST_ID],
    [{ 'X-AMOCRM-REQUESTID': 'abcdef12' }, 'abcdef12'],
    [{ 'x-amocrm-requestid': 'short' }, undefined],
    [{ 'x-amocrm-requestid': 'a b c d e f g h' }, undefined],
    [{ 'x-amocrm-requestid': 42 }, undefined],
    [{}, undefined],
    [null, undefined],
    ['x-amocrm-requestid: 2f1e8a4c', undefined],
  ])('%j → %j', (headers, id) => {
    expect(kommoRequestId(headers)).toBe(id);
  });
});

describe('deliveryBody', () => {
  it.each<[string, unknown, unknown]>([
    ['rawData text', { rawData: 'a=1' }, 'a=1'],
    ['a form object', { leads: {} }, { leads: {} }],
    ['rawData that is not text', { rawData: { a: '1' } }, { rawData: { a: '1' } }],
    ['text', 'a=1', 'a=1'],
  ])('passes on %s', (_name, body, expected) => {
    expect(deliveryBody({ body })).toEqual(expected);
  });
});
