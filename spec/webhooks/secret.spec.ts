import { KommoConfigError } from '../../lib/client/errors';
import {
  buildWebhookDestination,
  DeliveryAddress,
  describeDestination,
  deriveWebhookToken,
  isWebhookDestinationOfFlow,
  verifyDeliveryToken,
  webhookBaseUriFromEnv,
  webhookTokenInputFromEnv,
} from '../../lib/webhooks/secret';

const KEY = 'platform-crypto-password-0123';
const FLOW = '6512a3f0c2b4e10012345678';
const OTHER_FLOW = '6512a3f0c2b4e10012345679';
const STEP = 'step_1';
/** Computed outside the code under test: printf 'kommo-webhook-token/v1\n<flow>\nstep_1' | openssl dgst -sha256 -hmac <key>. */
const TOKEN = '8f4260aadf82d2c93991b0cd4d56a38d4bb23bc80ebe461757497cb3833ace39';
const OTHER_FLOW_TOKEN = 'ef6767591eefb3cfb3f506b0b8e08022cb01f9e3a2c636cab3a8fbec22bbd5f6';
const BASE = `https://in.elastic.example/hook/${FLOW}`;

function configErrorOf(action: () => unknown): KommoConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof KommoConfigError) return error;
    throw error;
  }
  throw new Error('expected a KommoConfigError, but nothing was thrown');
}

describe('deriveWebhookToken', () => {
  it('is the HMAC-SHA256 of the label, flow id and step id under the key, in hex (a change would orphan every subscription)', () => {
    expect(deriveWebhookToken({ key: KEY, flowId: FLOW, stepId: STEP })).toBe(TOKEN);
    expect(deriveWebhookToken({ key: KEY, flowId: OTHER_FLOW, stepId: STEP })).toBe(OTHER_FLOW_TOKEN);
  });

  it.each<[string, { key: string; flowId: string; stepId: string }]>([
    ['another step', { key: KEY, flowId: FLOW, stepId: 'step_2' }],
    ['another key', { key: `${KEY}x`, flowId: FLOW, stepId: STEP }],
    ['flow and step ids run together differently', { key: KEY, flowId: `${FLOW}s`, stepId: 'tep_1' }],
  ])('differs for %s', (_name, input) => {
    expect(deriveWebhookToken(input)).toMatch(/^[0-9a-f]{64}$/);
    expect(deriveWebhookToken(input)).not.toBe(TOKEN);
  });

  it.each<[string, { key: string; flowId: string; stepId: string }]>([
    ['an empty key', { key: '', flowId: FLOW, stepId: STEP }],
    ['a newline in an id', { key: KEY, flowId: `${FLOW}\nx`, stepId: STEP }],
    ['an empty id', { key: KEY, flowId: FLOW, stepId: '' }],
  ])('refuses %s', (_name, input) => {
    expect(configErrorOf(() => deriveWebhookToken(input)).message).not.toContain(KEY);
  });
});

describe('webhookTokenInputFromEnv', () => {
  const env = { ELASTICIO_MESSAGE_CRYPTO_PASSWORD: KEY, ELASTICIO_FLOW_ID: FLOW, ELASTICIO_STEP_ID: STEP };

  it('reads the key, flow id and step id', () => {
    expect(webhookTokenInputFromEnv(env)).toEqual({ key: KEY, flowId: FLOW, stepId: STEP });
  });

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['no key', { ...env, ELASTICIO_MESSAGE_CRYPTO_PASSWORD: undefined }, /^ELASTICIO_MESSAGE_CRYPTO_PASSWORD is not set, so the webhook secret cannot be derived\./],
    ['an empty key', { ...env, ELASTICIO_MESSAGE_CRYPTO_PASSWORD: '' }, /^ELASTICIO_MESSAGE_CRYPTO_PASSWORD is not set/],
    ['no flow id', { ...env, ELASTICIO_FLOW_ID: undefined }, /^ELASTICIO_FLOW_ID is not set, so the webhook secret cannot be derived\./],
    ['a flow id with a space', { ...env, ELASTICIO_FLOW_ID: 'a b' }, /^ELASTICIO_FLOW_ID is not a valid id/],
    ['no step id', { ...env, ELASTICIO_STEP_ID: '' }, /^ELASTICIO_STEP_ID is not set/],
  ])('fails with a clear error on %s, never repeating the key', (_name, broken, message) => {
    const error = configErrorOf(() => webhookTokenInputFromEnv(broken));
    expect(error.message).toMatch(message);
    expect(error.message).toContain('The elastic.io platform sets it in every flow container');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(KEY);
  });
});

describe('webhookBaseUriFromEnv', () => {
  it('reads the flow webhook URL', () => {
    expect(webhookBaseUriFromEnv({ ELASTICIO_FLOW_WEBHOOK_URI: ` ${BASE} ` })).toBe(BASE);
  });

  it.each<[string | undefined, RegExp]>([
    [undefined, /^ELASTICIO_FLOW_WEBHOOK_URI is not set: the platform sets it for webhook triggers\./],
    ['', /is not set/],
    ['/hook/abc', /is not an absolute URL/],
    ['ftp://in.example/hook/abc', /must be an http\(s\) URL/],
  ])('fails with a clear error on %j', (value, message) => {
    expect(configErrorOf(() => webhookBaseUriFromEnv({ ELASTICIO_FLOW_WEBHOOK_URI: value })).message).toMatch(message);
  });
});

describe('buildWebhookDestination', () => {
  it.each<[string, string]>([
    [BASE, `${BASE}/${TOKEN}`],
    [`${BASE}/`, `${BASE}/${TOKEN}`],
    [`${BASE}//`, `${BASE}/${TOKEN}`],
    [`${BASE}?raw=true`, `${BASE}/${TOKEN}?raw=true`],
    ['http://127.0.0.1:8090/hook/flow-1', `http://127.0.0.1:8090/hook/flow-1/${TOKEN}`],
  ])('appends the token to %s as one path segment', (base, destination) => {
    expect(buildWebhookDestination(base, TOKEN)).toBe(destination);
  });

  it.each<[string, string, RegExp]>([
    ['not a URL', TOKEN, /is not an absolute URL/],
    ['javascript:alert(1)', TOKEN, /must be an http\(s\) URL/],
    ['https://user:pw@in.example/hook/x', TOKEN, /must not contain credentials or a fragment/],
    [`${BASE}#frag`, TOKEN, /must not contain credentials or a fragment/],
    [BASE, TOKEN.toUpperCase(), /64 lower-case hex characters/],
    [BASE, 'short', /64 lower-case hex characters/],
  ])('refuses base %j with token %j', (base, token, message) => {
    expect(configErrorOf(() => buildWebhookDestination(base, token)).message).toMatch(message);
  });
});

describe('isWebhookDestinationOfFlow', () => {
  it.each<[string, boolean]>([
    [`${BASE}/${TOKEN}`, true],
    [`${BASE}/${OTHER_FLOW_TOKEN}`, true],
    [`${BASE}/${TOKEN}/`, false],
    [`${BASE}`, false],
    [`${BASE}/${TOKEN}/extra`, false],
    [`${BASE}/not-a-token`, false],
    [`${BASE}/${TOKEN.toUpperCase()}`, false],
    [`https://in.elastic.example/hook/${OTHER_FLOW}/${TOKEN}`, false],
    [`https://in.elastic.example/hook/${FLOW}x/${TOKEN}`, false],
    [`http://in.elastic.example/hook/${FLOW}/${TOKEN}`, false],
    [`https://other.example/hook/${FLOW}/${TOKEN}`, false],
    [`${BASE}/${TOKEN}?x=1`, false],
    ['https://acme.example/kommo-hook', false],
    ['not a url', false],
  ])('%s → %s', (destination, expected) => {
    expect(isWebhookDestinationOfFlow(destination, BASE)).toBe(expected);
  });

  it('keeps a query of the base in the comparison', () => {
    expect(isWebhookDestinationOfFlow(buildWebhookDestination(`${BASE}?raw=true`, TOKEN), `${BASE}?raw=true`)).toBe(true);
    expect(isWebhookDestinationOfFlow(`${BASE}/${TOKEN}`, `${BASE}?raw=true`)).toBe(false);
  });

  it('is false, not an error, for an unusable base', () => {
    expect(isWebhookDestinationOfFlow(`${BASE}/${TOKEN}`, 'not a url')).toBe(false);
  });
});

describe('verifyDeliveryToken', () => {
  it.each<[string, DeliveryAddress]>([
    ['additionalUrlPath with a leading slash', { additionalUrlPath: `/${TOKEN}` }],
    ['additionalUrlPath without slashes', { additionalUrlPath: TOKEN }],
    ['additionalUrlPath with a trailing slash', { additionalUrlPath: `/${TOKEN}/` }],
    ['a relative url', { url: `/hook/${FLOW}/${TOKEN}` }],
    ['an absolute url with a query', { url: `${BASE}/${TOKEN}?raw=true` }],
    ['an empty additionalUrlPath and a url', { additionalUrlPath: '', url: `/hook/${FLOW}/${TOKEN}` }],
    ['additionalUrlPath over a url without the token', { additionalUrlPath: `/${TOKEN}`, url: `/hook/${FLOW}` }],
  ])('admits the right token in %s', (_name, address) => {
    expect(verifyDeliveryToken(address, TOKEN)).toEqual({ ok: true });
  });

  it.each<[string, DeliveryAddress, string]>([
    ['no address at all', {}, 'the delivery URL carries no webhook secret'],
    ['the bare flow URL', { url: `/hook/${FLOW}` }, 'the delivery URL carries no webhook secret'],
    ['the token in the query instead of the path', { url: `/hook/${FLOW}?token=${TOKEN}` }, 'the delivery URL carries no webhook secret'],
    ['an extra segment after the token', { additionalUrlPath: `/${TOKEN}/x` }, 'the delivery URL carries no webhook secret'],
    ['the token in upper case', { additionalUrlPath: `/${TOKEN.toUpperCase()}` }, 'the delivery URL carries no webhook secret'],
    ['a non-string additionalUrlPath', { additionalUrlPath: [TOKEN] }, 'the delivery URL carries no webhook secret'],
    ['a token one character off', { additionalUrlPath: `/${TOKEN.slice(0, -1)}0` }, 'the delivery URL carries a wrong webhook secret'],
    ['the token of another flow', { additionalUrlPath: `/${OTHER_FLOW_TOKEN}` }, 'the delivery URL carries a wrong webhook secret'],
    ['the token of another flow in the url', { url: `/hook/${FLOW}/${OTHER_FLOW_TOKEN}` }, 'the delivery URL carries a wrong webhook secret'],
    ['the right token in the url but a wrong additionalUrlPath', { additionalUrlPath: '/x', url: `/hook/${FLOW}/${TOKEN}` }, 'the delivery URL carries no webhook secret'],
  ])('refuses %s', (_name, address, reason) => {
    const check = verifyDeliveryToken(address, TOKEN);
    expect(check).toEqual({ ok: false, reason });
  });

  it('never repeats the presented or the expected token in its reason', () => {
    const check = verifyDeliveryToken({ additionalUrlPath: `/${OTHER_FLOW_TOKEN}` }, TOKEN);
    expect(JSON.stringify(check)).not.toMatch(/[0-9a-f]{16}/);
  });

  it('refuses to compare against a malformed expected token', () => {
    expect(() => verifyDeliveryToken({ additionalUrlPath: '/' }, '')).toThrow(KommoConfigError);
  });
});

describe('describeDestination', () => {
  it.each([
    ['the token replaced', `${BASE}/${TOKEN}`, `https://in.elastic.example/hook/${FLOW}/…`],
    ['a query left out', `${BASE}/${TOKEN}?x=1`, `https://in.elastic.example/hook/${FLOW}/…?…`],
    ['a destination without a token as it is', BASE, BASE],
    ['no URL', 'not a url', 'a destination that is not a URL'],
  ])('shows %s', (_name, destination, shown) => {
    expect(describeDestination(destination)).toBe(shown);
    expect(describeDestination(destination)).not.toContain(TOKEN);
  });
});
