/**
 * The first step of handling a webhook message: decide whether a delivery is admitted at all,
 * before anything costs a request. In order, cheapest and most decisive first:
 *
 * 1. the token in the delivery URL (secret.ts) — a forged delivery stops here;
 * 2. the `x-amocrm-requestid` seen before in this container (replay.ts) — a repeated one stops here;
 * 3. the body, in any of the platform's shapes (form.ts) — an empty or undecodable one stops here.
 *
 * A refused delivery yields a reason to log as a warning: no message, no error, no request
 * (a thrown error would be retried by nobody and only fill the platform's error list; Kommo has
 * already had its answer from the gateway). Admitted deliveries go on to `convertDelivery`.
 */
import { DEFAULT_FORM_LIMITS, FormLimits, FormTree, parseFormBody } from './form';
import { ReplayGuard } from './replay';
import { DeliveryAddress, verifyDeliveryToken } from './secret';

/** The parts of a webhook message the trigger reads (docs/elasticio-triggers.md §2). */
export interface WebhookRequest extends DeliveryAddress {
  /** The form as the gateway parsed it (nested or flat), the raw text, or `{rawData: text}`. */
  readonly body?: unknown;
  /** The HTTP request's headers as the gateway reports them. */
  readonly headers?: unknown;
}

/** What admission needs. */
export interface AdmitOptions {
  /** This flow step's webhook token (`deriveWebhookToken`). */
  readonly expectedToken: string;
  /** Now, in ms since the epoch (injected, so tests never wait). */
  readonly nowMs: number;
  /** The process's duplicate memory; without one, repeated deliveries are admitted. */
  readonly replayGuard?: ReplayGuard;
  readonly limits?: FormLimits;
}

/** The outcome of admission. */
export type Admission =
  | {
    readonly admitted: true;
    readonly tree: FormTree;
    /** Kommo's `x-amocrm-requestid`, when the delivery had a well-formed one (safe to log). */
    readonly requestId?: string;
    /** Fields of the body that were left out, one line per kind with a count. */
    readonly ignored: readonly string[];
  }
  | { readonly admitted: false; readonly reason: string };

/** Kommo's delivery id header (docs/kommo-fidelity.md "Webhook deliveries"). */
const REQUEST_ID_HEADER = 'x-amocrm-requestid';

/** A request id worth remembering and logging: a UUID or similar, nothing else. */
const REQUEST_ID_FORMAT = /^[A-Za-z0-9-]{8,64}$/;

/** Kommo's request id from the headers (any letter case), when it is well-formed. */
export function kommoRequestId(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== REQUEST_ID_HEADER) continue;
    return typeof value === 'string' && REQUEST_ID_FORMAT.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * The body to decode. The gateway passes a form parsed into an object by default; a step or a
 * component that consumes raw data gets `{rawData: "<form text>"}` instead
 * (docs/elasticio-triggers.md §2). This trigger does not declare `consumesRawData` (not verified
 * whether `?raw=true` would also be needed), but accepts that shape and a bare string as well.
 */
export function deliveryBody(request: WebhookRequest): unknown {
  const body = request.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const rawData: unknown = (body as { rawData?: unknown }).rawData;
    if (typeof rawData === 'string') return rawData;
  }
  return body;
}

/** Decides whether a delivery is admitted; see the module comment for the order of checks. */
export function admitDelivery(request: WebhookRequest, options: AdmitOptions): Admission {
  const token = verifyDeliveryToken(request, options.expectedToken);
  if (!token.ok) return { admitted: false, reason: token.reason };
  const requestId = kommoRequestId(request.headers);
  if (requestId !== undefined && options.replayGuard?.seen(requestId, options.nowMs) === true) {
    return { admitted: false, reason: `delivery ${requestId} was already received` };
  }
  const parsed = parseFormBody(deliveryBody(request), options.limits ?? DEFAULT_FORM_LIMITS);
  if (!parsed.ok) return { admitted: false, reason: parsed.reason };
  if (parsed.fieldCount === 0) {
    return { admitted: false, reason: parsed.ignored.length === 0 ? 'the delivery is empty' : `the delivery has no usable fields: ${parsed.ignored.join('; ')}` };
  }
  return { admitted: true, tree: parsed.tree, ignored: parsed.ignored, ...(requestId === undefined ? {} : { requestId }) };
}
