/**
 * The secret that tells Kommo's deliveries apart from forged ones.
 *
 * Kommo does not sign CRM webhooks (docs/kommo-api.md §9), so the only thing a forger cannot
 * copy is the URL Kommo posts to. The subscription's destination is therefore the flow's webhook
 * URL plus one extra path segment, the **webhook token**:
 *
 *     destination = ELASTICIO_FLOW_WEBHOOK_URI + "/" + token
 *     token       = hex(HMAC-SHA256(key, "kommo-webhook-token/v1\n" + flowId + "\n" + stepId))
 *     key         = ELASTICIO_MESSAGE_CRYPTO_PASSWORD
 *
 * Why derived and not random: `startup` and `process` can run in different containers, hooks get
 * no `this`, and what `startup` returns is handed to `shutdown` only, never to `process`
 * (docs/elasticio-triggers.md §2). A random token would have to be fetched back in `process` from
 * somewhere (Kommo's webhook list, or the platform's internal hook-data API), costing requests on
 * the path every forged delivery takes. A derived token is recomputed locally by every container
 * of the flow from values the platform gives all of them: the flow and step ids, and the message
 * encryption password. That password is secret (the platform's own message encryption rests on
 * it), is present in every trigger container (where `startup` runs too) and must stay stable for
 * as long as the flow's queued messages must stay readable. Checking a delivery costs one HMAC
 * and a constant-time comparison: no request, no message.
 *
 * The token travels as a path segment, not a query parameter: the platform documents extra path
 * after the flow's hook URL and hands it to `process` as `additionalUrlPath`
 * (docs/elasticio-triggers.md §2), and 64 hex characters survive any routing rule.
 *
 * Limits, also stated in the README:
 * - Whoever sees the destination can forge deliveries: Kommo shows it to the account's
 *   administrators, and it passes through the platform's gateway. They are trusted with the
 *   account's data anyway; the token keeps out everyone else.
 * - The token does not rotate on restart: the same flow and step always get the same token while
 *   the platform keeps the same password. A leaked destination is retired by recreating the flow.
 * - If the platform ever changes the password, deliveries to the old destination are dropped with
 *   a warning until the flow is restarted (startup subscribes the new destination and removes the
 *   old one, which `isWebhookDestinationOfFlow` recognises without the old key).
 * - Someone who holds the platform's password for this flow can compute the token; flow and step
 *   ids are bound into the HMAC, so a token of one flow or step never opens another.
 * - `shutdown` needs no key: it deletes the destination `startup` returned, or every destination of
 *   this flow when that data is lost.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { configError } from '../client/errors';

/** The HMAC input's label: a future scheme gets a new label instead of colliding with this one. */
const TOKEN_LABEL = 'kommo-webhook-token/v1';

/** A webhook token: the HMAC-SHA256 digest in lower-case hex. */
const TOKEN_FORMAT = /^[0-9a-f]{64}$/;

/** What a token is derived from. All three come from the platform's environment. */
export interface WebhookTokenInput {
  /** The HMAC key: the flow's message encryption password. Never logged, never in an error. */
  readonly key: string;
  /** The flow (task) id: `ELASTICIO_FLOW_ID`. */
  readonly flowId: string;
  /** The trigger step's id: `ELASTICIO_STEP_ID`. */
  readonly stepId: string;
}

/** The environment variables the token and the destination are built from. */
export const WEBHOOK_ENV = {
  key: 'ELASTICIO_MESSAGE_CRYPTO_PASSWORD',
  flowId: 'ELASTICIO_FLOW_ID',
  stepId: 'ELASTICIO_STEP_ID',
  baseUri: 'ELASTICIO_FLOW_WEBHOOK_URI',
} as const;

/** The platform's environment, as `process.env` has it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Ids end up in the HMAC input between newlines; a control character would make two inputs read alike. */
const ID_FORMAT = /^[\x21-\x7e]{1,200}$/;

/**
 * Reads the token's inputs from the platform's environment. Throws a `KommoConfigError` naming
 * the missing or unusable variable (never its value): without them no delivery can be checked,
 * and accepting unchecked deliveries is not an option.
 */
export function webhookTokenInputFromEnv(env: Environment): WebhookTokenInput {
  const key = env[WEBHOOK_ENV.key];
  if (key === undefined || key === '') {
    throw configError(`${WEBHOOK_ENV.key} is not set, so the webhook secret cannot be derived. `
      + 'The elastic.io platform sets it in every flow container; run the trigger through the platform or set it for a local run.');
  }
  const ids = { flowId: env[WEBHOOK_ENV.flowId], stepId: env[WEBHOOK_ENV.stepId] };
  for (const [name, value] of Object.entries(ids)) {
    const variable = WEBHOOK_ENV[name as keyof typeof ids];
    if (value === undefined || !ID_FORMAT.test(value)) {
      throw configError(`${variable} is ${value === undefined || value === '' ? 'not set' : 'not a valid id'}, so the webhook secret cannot be derived. `
        + 'The elastic.io platform sets it in every flow container; run the trigger through the platform or set it for a local run.');
    }
  }
  return { key, flowId: ids.flowId as string, stepId: ids.stepId as string };
}

/** Derives the webhook token (64 lower-case hex characters) for one flow step. */
export function deriveWebhookToken(input: WebhookTokenInput): string {
  if (input.key === '') throw configError('The webhook secret key is empty.');
  if (!ID_FORMAT.test(input.flowId) || !ID_FORMAT.test(input.stepId)) throw configError('The flow or step id is not a valid id.');
  return createHmac('sha256', input.key).update(`${TOKEN_LABEL}\n${input.flowId}\n${input.stepId}`).digest('hex');
}

/** Parses the flow's webhook URL; only absolute http(s) URLs without credentials or fragment. */
function parseBaseUri(baseUri: string): URL {
  let url: URL;
  try {
    url = new URL(baseUri.trim());
  } catch {
    throw configError(`${WEBHOOK_ENV.baseUri} is not an absolute URL; the platform sets it to the flow's webhook address (https://…/hook/<flow id>).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError(`${WEBHOOK_ENV.baseUri} must be an http(s) URL; the platform sets it to the flow's webhook address (https://…/hook/<flow id>).`);
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    throw configError(`${WEBHOOK_ENV.baseUri} must not contain credentials or a fragment.`);
  }
  return url;
}

/** The path a destination has below its base: the base path without its trailing slashes. */
function basePath(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

/** Reads the flow's webhook URL from the environment; throws a `KommoConfigError` when it is missing. */
export function webhookBaseUriFromEnv(env: Environment): string {
  const baseUri = env[WEBHOOK_ENV.baseUri];
  if (baseUri === undefined || baseUri.trim() === '') {
    throw configError(`${WEBHOOK_ENV.baseUri} is not set: the platform sets it for webhook triggers. `
      + 'Check that the trigger runs as a webhook (real-time) step, or set it for a local run.');
  }
  parseBaseUri(baseUri);
  return baseUri.trim();
}

/**
 * The destination to subscribe in Kommo: the flow's webhook URL with the token as one more path
 * segment (`https://in.example/hook/<flow>/<token>`); a query in the base is kept after it.
 */
export function buildWebhookDestination(baseUri: string, token: string): string {
  if (!TOKEN_FORMAT.test(token)) throw configError('The webhook token must be 64 lower-case hex characters.');
  const url = parseBaseUri(baseUri);
  url.pathname = `${basePath(url)}/${token}`;
  return url.toString();
}

/**
 * Whether a subscribed destination belongs to this flow: the flow's webhook URL plus one token
 * segment, with any token. Lets `startup` remove destinations left by an earlier key, and
 * `shutdown` find this flow's subscriptions when its startup data is lost, without the key.
 */
export function isWebhookDestinationOfFlow(destination: string, baseUri: string): boolean {
  let candidate: URL;
  let base: URL;
  try {
    candidate = new URL(destination);
    base = parseBaseUri(baseUri);
  } catch {
    return false;
  }
  if (candidate.origin !== base.origin || candidate.search !== base.search || candidate.hash !== '') return false;
  const prefix = `${basePath(base)}/`;
  return candidate.pathname.startsWith(prefix) && TOKEN_FORMAT.test(candidate.pathname.slice(prefix.length));
}

/** The parts of a webhook message that carry the URL the delivery was posted to. */
export interface DeliveryAddress {
  /** The path after the flow's hook URL, as the gateway reports it (`/<token>` or `<token>`). */
  readonly additionalUrlPath?: unknown;
  /** The request URL or path as the gateway reports it; used when `additionalUrlPath` is absent. */
  readonly url?: unknown;
}

/** The outcome of checking a delivery's token. */
export type TokenCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The token a delivery was posted with: the extra path, or else the URL's last path segment. */
function presentedToken(address: DeliveryAddress): string | undefined {
  if (typeof address.additionalUrlPath === 'string' && address.additionalUrlPath !== '') {
    return address.additionalUrlPath.replace(/^\/+|\/+$/g, '');
  }
  if (typeof address.url === 'string' && address.url !== '') {
    try {
      // A relative URL (`/hook/<flow>/<token>`) is read against a placeholder origin; only its path is used.
      const segments = new URL(address.url, 'http://gateway.invalid').pathname.split('/').filter((segment) => segment !== '');
      return segments[segments.length - 1];
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Checks that a delivery was posted to this flow step's destination. The comparison runs in
 * constant time; the reasons never contain what was presented.
 */
export function verifyDeliveryToken(address: DeliveryAddress, expectedToken: string): TokenCheck {
  if (!TOKEN_FORMAT.test(expectedToken)) throw configError('The expected webhook token must be 64 lower-case hex characters.');
  const presented = presentedToken(address);
  if (presented === undefined || !TOKEN_FORMAT.test(presented)) {
    return { ok: false, reason: 'the delivery URL carries no webhook secret' };
  }
  // Both are 64 ASCII characters here, so the buffers have equal length as timingSafeEqual requires.
  if (!timingSafeEqual(Buffer.from(presented, 'ascii'), Buffer.from(expectedToken, 'ascii'))) {
    return { ok: false, reason: 'the delivery URL carries a wrong webhook secret' };
  }
  return { ok: true };
}

/**
 * A destination as logs show it: the token segment replaced by `…`, so that a log line never
 * carries the secret (`https://in.example/hook/<flow>/…`). Text that is not a URL is not shown.
 */
export function describeDestination(destination: string): string {
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return 'a destination that is not a URL';
  }
  const segments = url.pathname.split('/');
  const last = segments.length - 1;
  if (TOKEN_FORMAT.test(segments[last])) segments[last] = '…';
  return `${url.origin}${segments.join('/')}${url.search === '' ? '' : '?…'}`;
}
