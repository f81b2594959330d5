/**
 * One error hierarchy for everything the Kommo client can fail with, built by the factory
 * functions at the bottom of this file. No error here ever carries a token, a secret or an
 * Authorization header, nor a request's query string (it can carry personal data, e.g.
 * `query=+15551234567`): messages and properties are built only from method, path (without the
 * query), status and what Kommo itself said, with anything the query contained cut out of that.
 */
import { mayHaveBeenApplied } from './retryPolicy';

/** One entry of Kommo's problem+json `validation-errors` list (docs/kommo-api.md §4). */
export interface KommoValidationEntry {
  request_id?: string;
  errors?: Array<{ code?: string; path?: string; detail?: string }>;
}

/**
 * One reason Kommo gave for refusing an item of a write, normalised from either 400 shape
 * (docs/kommo-fidelity.md rows 10 and 11).
 */
export interface ItemRejection {
  /** The item's `request_id` as sent, from the `validation-errors` shape. */
  requestId?: string;
  /** The entity id Kommo keyed the reason by, from the `{"errors": {"<id>": "…"}}` shape. */
  entityId?: string;
  /** Where in the item, e.g. `custom_fields_values.6.values.0.value`; the `errors` shape has none. */
  path?: string;
  /** Kommo's code, e.g. `NotSupportedChoice`; the `errors` shape has none. */
  code?: string;
  /** Kommo's words. */
  detail: string;
}

/** Base class: every error the component raises on purpose is a KommoError. */
export class KommoError extends Error {
  override readonly name: string = 'KommoError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Raised before any request when configuration or input is wrong (Base URL, retries, url,
 * method, a step field, a missing credential, an out-of-range environment variable). The
 * message says what is wrong and how to fix it.
 */
export class KommoConfigError extends KommoError {
  override readonly name: string = 'KommoConfigError';
}

/** What identifies a request in an error: never a query string, never a header. */
export interface RequestIdentity {
  method: string;
  /** The path below the Base URL's origin, without the query, e.g. `/api/v4/leads`. */
  path: string;
  /** How many HTTP attempts were made for this request, including the failing one. */
  attempts: number;
}

/** Details of a non-2xx answer, as Kommo sent it (with the request's query cut out). */
export interface HttpFailure extends RequestIdentity {
  status: number;
  statusText?: string;
  /** Kommo's `x-request-id` response header, for support tickets. */
  requestId?: string;
  title?: string;
  detail?: string;
  /** The parsed response body (JSON) or a text excerpt (HTML, plain text). */
  responseBody?: unknown;
}

/**
 * Raised when Kommo answered with a non-2xx status that the retry policy did not (or no longer)
 * retry and that no subclass describes better.
 */
export class KommoHttpError extends KommoError {
  override readonly name: string = 'KommoHttpError';
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly attempts: number;
  readonly requestId?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly responseBody?: unknown;

  constructor(message: string, failure: HttpFailure, options?: ErrorOptions) {
    super(message, options);
    this.status = failure.status;
    this.method = failure.method;
    this.path = failure.path;
    this.attempts = failure.attempts;
    this.requestId = failure.requestId;
    this.title = failure.title;
    this.detail = failure.detail;
    this.responseBody = failure.responseBody;
  }
}

/** Raised on 401 when no fresher token can be had: the credential must be reconnected. */
export class KommoAuthError extends KommoHttpError {
  override readonly name: string = 'KommoAuthError';
}

/**
 * Raised on 429 when the retries are used up or Kommo asked for a wait longer than the cap.
 * `retryAfterMs` is what Kommo asked for, when it said.
 */
export class KommoRateLimitError extends KommoHttpError {
  override readonly name: string = 'KommoRateLimitError';
  readonly retryAfterMs?: number;

  constructor(message: string, failure: HttpFailure, retryAfterMs?: number, options?: ErrorOptions) {
    super(message, failure, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Raised when what was asked for does not exist: a final 404 (an unknown path or entity), or,
 * through {@link notFoundError}, a 204 to a GET of one entity (Kommo answers an unknown id either
 * way, docs/kommo-fidelity.md row 13). `status` says which.
 */
export class KommoNotFoundError extends KommoHttpError {
  override readonly name: string = 'KommoNotFoundError';
}

/**
 * Raised on a 400 in which Kommo named what it refused, in either of its shapes:
 * `validation-errors: [{request_id, errors: [{code, path, detail}]}]` or
 * `{"errors": {"<entity id>": "reason"}}` (docs/kommo-fidelity.md rows 10, 11). `rejections` lists
 * the reasons, normalised, so a batch can mark the failing items and resubmit the others.
 */
export class KommoValidationError extends KommoHttpError {
  override readonly name: string = 'KommoValidationError';
  readonly rejections: readonly ItemRejection[];

  constructor(message: string, failure: HttpFailure, rejections: readonly ItemRejection[], options?: ErrorOptions) {
    super(message, failure, options);
    this.rejections = rejections;
  }
}

/**
 * Raised without sending anything while Kommo is blocking this process: an earlier request got
 * the HTML 403 Kommo answers every request with during a block, and the rate limiter's breaker
 * keeps requests to that account away from Kommo for a cool-down (requests during a block only
 * risk prolonging it). `retryAfterMs` is how long the cool-down still runs; then one request
 * probes whether the block is over.
 */
export class KommoBlockedError extends KommoError {
  override readonly name: string = 'KommoBlockedError';
  /** The account's origin (scheme, host, port: no credentials, no path). */
  readonly origin: string;
  readonly retryAfterMs: number;

  constructor(message: string, origin: string, retryAfterMs: number) {
    super(message);
    this.origin = origin;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Raised when no HTTP answer arrived: connection refused or reset, DNS failure, timeout. */
export class KommoNetworkError extends KommoError {
  override readonly name: string = 'KommoNetworkError';
  readonly method: string;
  readonly path: string;
  readonly attempts: number;
  /** The system error code, e.g. `ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`. */
  readonly code: string;

  constructor(message: string, identity: RequestIdentity, code: string, options?: ErrorOptions) {
    super(message, options);
    this.method = identity.method;
    this.path = identity.path;
    this.attempts = identity.attempts;
    this.code = code;
  }
}

const TEXT_EXCERPT_CHARS = 300;

/** Query values shorter than this are left in Kommo's text: cutting every `5` of `limit=5` would garble it. */
const MIN_REDACTED_LENGTH = 4;

/** A query value with this many digits may be a phone number, which Kommo may quote as digits only. */
const MIN_PHONE_DIGITS = 7;

const QUERY_REDACTED = '[query value removed]';
const SECRET_REDACTED = '[secret removed]';

function attemptsText(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

/** Why a status failed and what the user can do about it, whatever the step. */
function hintFor(status: number, isHtml: boolean): string {
  if (status === 401) return 'Kommo rejected the access token. Reconnect the credential (re-authorize the Kommo integration).';
  if (status === 402) return 'The Kommo account\'s paid or trial period has ended.';
  if (status === 403 && isHtml) {
    return 'This is probably an IP or account block after too many requests (Kommo answers every request with 403 while it lasts). '
      + 'Lower the request rate and ask Kommo support to lift the block, giving the account subdomain.';
  }
  if (status === 403) return 'The Kommo user behind the credential lacks the rights for this request.';
  if (status === 404 || status === 204) return 'The path or entity does not exist in this Kommo account.';
  if (status === 405) return 'Kommo does not support this method on this path (Kommo API v4 cannot delete leads, contacts or companies).';
  if (status === 422) return 'Kommo could not process the request; batches are limited to 250 items (50 recommended).';
  if (status === 429) return 'Kommo\'s rate limit (7 requests per second) was exceeded.';
  if (status >= 500) return 'Kommo had a server error; try again later.';
  return '';
}

function describeBody(body: unknown): string {
  if (typeof body !== 'string') return '';
  const text = body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > TEXT_EXCERPT_CHARS ? `${text.slice(0, TEXT_EXCERPT_CHARS)}…` : text;
}

function describeRejections(rejections: readonly ItemRejection[]): string {
  if (rejections.length === 0) return '';
  const parts = rejections.map((rejection) => {
    const item = rejection.requestId !== undefined ? `item ${rejection.requestId}: `
      : rejection.entityId !== undefined ? `id ${rejection.entityId}: ` : '';
    if (rejection.path === undefined && rejection.code === undefined) return `${item}${rejection.detail}`;
    const detail = rejection.detail ? ` (${rejection.detail})` : '';
    return `${item}${rejection.path ?? '?'} ${rejection.code ?? ''}`.trim() + detail;
  });
  return ` Validation errors: ${parts.join('; ')}.`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : undefined;
}

/** Kommo's words for one entry of the `errors` map: usually a string, sometimes a list. */
function reasonText(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (Array.isArray(reason) && reason.every((entry) => typeof entry === 'string')) return reason.join('; ');
  return JSON.stringify(reason) ?? '';
}

/** Reads the per-item reasons of a 400 body in both of Kommo's shapes; `[]` when it names none. */
export function itemRejections(body: unknown): ItemRejection[] {
  if (!isRecord(body)) return [];
  const rejections: ItemRejection[] = [];
  const validation = body['validation-errors'];
  if (Array.isArray(validation)) {
    for (const entry of validation.filter(isRecord) as KommoValidationEntry[]) {
      const requestId = optionalString(entry.request_id);
      for (const error of (Array.isArray(entry.errors) ? entry.errors : []).filter(isRecord)) {
        rejections.push({
          ...(requestId !== undefined ? { requestId } : {}),
          ...(optionalString(error.path) !== undefined ? { path: optionalString(error.path) } : {}),
          ...(optionalString(error.code) !== undefined ? { code: optionalString(error.code) } : {}),
          detail: optionalString(error.detail) ?? '',
        });
      }
    }
  }
  if (isRecord(body.errors)) {
    for (const [entityId, reason] of Object.entries(body.errors)) rejections.push({ entityId, detail: reasonText(reason) });
  }
  return rejections;
}

/**
 * Every form in which the request's query values could come back in Kommo's answer (an HTML page
 * echoing the URL, a `_links.self`, a detail quoting the search), longest first.
 */
function queryFragments(search: string): string[] {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return [];
  const fragments = new Set<string>([query]);
  for (const pair of query.split('&')) {
    const raw = pair.slice(pair.indexOf('=') + 1);
    fragments.add(raw);
    try {
      fragments.add(decodeURIComponent(raw));
    } catch {
      // A malformed escape: the raw form is all there is.
    }
  }
  for (const value of new URLSearchParams(query).values()) {
    fragments.add(value.trim());
    // Kommo may quote a search normalised: without the `+` of a phone, or as its digits only.
    fragments.add(value.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''));
    const digits = value.replace(/\D/g, '');
    if (digits.length >= MIN_PHONE_DIGITS) fragments.add(digits);
  }
  return [...fragments].filter((fragment) => fragment.length >= MIN_REDACTED_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * Returns a function that cuts the query's values and the given secrets (the token the request
 * carried: a proxy's error page may echo request headers) out of every string of a value, deeply.
 * Keys are kept: they are Kommo's field names and entity ids, which a batch needs to map reasons back.
 */
function redactor(search: string, secrets: readonly string[]): <T>(value: T) => T {
  const fragments: Array<[string, string]> = [
    ...secrets.filter((secret) => secret.length >= MIN_REDACTED_LENGTH)
      .flatMap((secret): Array<[string, string]> => [[`Bearer ${secret}`, SECRET_REDACTED], [secret, SECRET_REDACTED]]),
    ...queryFragments(search).map((fragment): [string, string] => [fragment, QUERY_REDACTED]),
  ];
  const redactText = (text: string): string => fragments.reduce((result, [fragment, replacement]) => result.split(fragment).join(replacement), text);
  const redact = (value: unknown): unknown => {
    if (typeof value === 'string') return redactText(value);
    if (Array.isArray(value)) return value.map(redact);
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, redact(entry)]));
    return value;
  };
  return <T>(value: T) => (fragments.length === 0 ? value : redact(value) as T);
}

/** A non-2xx answer that is final after the retry policy. */
export interface HttpFailureInput extends RequestIdentity {
  /** The request's query string (`?…` or `''`): never shown, and cut out of what Kommo said. */
  search?: string;
  /** Secrets the request carried (its token): cut out of what Kommo said, should it echo them. */
  secrets?: readonly string[];
  status: number;
  statusText?: string;
  headers: Record<string, string>;
  body: unknown;
  /** For 429: what Kommo asked to wait, when the wait was beyond the cap. */
  retryAfterMs?: number;
  /** A sentence the step adds for this status, e.g. Make Raw Request's 404 checkbox. */
  hint?: string;
}

/** Whether an answer is an HTML page (Kommo's block page, a gateway error) rather than JSON or text. */
export function isHtmlAnswer(headers: Record<string, string>, body: unknown): boolean {
  const contentType = headers['content-type'] ?? '';
  return contentType.startsWith('text/html') || (typeof body === 'string' && /^\s*</.test(body));
}

/** The factory: maps a final non-2xx answer to the right error class with a message a person can act on. */
export function httpError(input: HttpFailureInput): KommoHttpError {
  const redact = redactor(input.search ?? '', input.secrets ?? []);
  const isHtml = isHtmlAnswer(input.headers, input.body);
  const body = redact(input.body);
  const title = isRecord(body) && typeof body.title === 'string' ? body.title : undefined;
  const detail = isRecord(body) && typeof body.detail === 'string' ? body.detail : undefined;
  const rejections = input.status === 400 ? itemRejections(body) : [];
  const failure: HttpFailure = {
    method: input.method,
    path: input.path,
    attempts: input.attempts,
    status: input.status,
    statusText: input.statusText,
    requestId: input.headers['x-request-id'],
    title,
    detail,
    responseBody: typeof body === 'string' ? describeBody(body) : body,
  };
  const said = detail ?? title ?? describeBody(body);
  const waitText = input.retryAfterMs !== undefined ? ` Kommo asked to wait ${Math.ceil(input.retryAfterMs / 1000)} s.` : '';
  const hints = [hintFor(input.status, isHtml), input.hint].filter(Boolean).join(' ');
  const message = `Kommo answered ${input.status}${input.statusText ? ` ${input.statusText}` : ''} to ${input.method} ${input.path}`
    + ` after ${attemptsText(input.attempts)}${said ? `: ${said}` : ''}.${describeRejections(rejections)}`
    + `${waitText} ${hints}`.trimEnd();
  if (input.status === 401) return new KommoAuthError(message, failure);
  if (input.status === 404) return new KommoNotFoundError(message, failure);
  if (input.status === 429) return new KommoRateLimitError(message, failure, input.retryAfterMs);
  if (rejections.length > 0) return new KommoValidationError(message, failure, rejections);
  return new KommoHttpError(message, failure);
}

/**
 * The factory for "none" answered with 204 to a GET of one entity, so that callers treat it as
 * they treat a 404. `path` is the request's path without its query.
 */
export function notFoundError(identity: RequestIdentity): KommoNotFoundError {
  return new KommoNotFoundError(
    `Kommo answered 204 No Content to ${identity.method} ${identity.path} after ${attemptsText(identity.attempts)}: nothing was found. ${hintFor(204, false)}`,
    { ...identity, status: 204, statusText: 'No Content' },
  );
}

/**
 * The factory for failures with no HTTP answer. `origin` is the Base URL's origin (no
 * credentials in it); `cause` is the transport's own error, when it has one without secrets.
 */
export function networkError(identity: RequestIdentity, origin: string, code: string, timeoutMs?: number, cause?: Error): KommoNetworkError {
  const reason = code === 'ETIMEDOUT' || code === 'ECONNABORTED'
    ? `no answer within ${timeoutMs ?? '?'} ms`
    : code;
  const hint = code === 'ENOTFOUND' || code === 'EAI_AGAIN'
    ? 'The host name does not resolve: check the Base URL.'
    : 'Check the Base URL and that the Kommo host is reachable; try again later.';
  return new KommoNetworkError(
    `Could not reach Kommo at ${origin} (${reason}): ${identity.method} ${identity.path} failed after ${attemptsText(identity.attempts)}. ${hint}`,
    identity,
    code === 'ECONNABORTED' ? 'ETIMEDOUT' : code,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The factory for a request refused by the rate limiter's breaker while Kommo blocks the account
 * (an HTML 403 was seen). `origin` is the Base URL's origin (no credentials in it).
 */
export function blockedError(origin: string, retryAfterMs: number): KommoBlockedError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new KommoBlockedError(
    `Kommo is blocking requests to ${origin}: it answered an earlier request with an HTML 403, which is how it blocks `
    + 'an IP or account after too many requests. Nothing was sent: requests during a block can prolong it, so this '
    + `process sends none to this account for another ${seconds} s and then tries one. `
    + 'If several steps or flows use this account at once, lower KOMMO_RATE_LIMIT_RPS; '
    + 'if the block lasts, ask Kommo support to lift it, giving the account subdomain.',
    origin,
    retryAfterMs,
  );
}

/** The factory for configuration and input errors. */
export function configError(message: string, cause?: unknown): KommoConfigError {
  return new KommoConfigError(message, cause === undefined ? undefined : { cause });
}

/**
 * The factory for failures of the elastic.io platform's secrets API (reading or refreshing the
 * credential). A 4xx means the step's credential is gone or not accessible: a configuration
 * problem; anything else is a platform outage. `cause` must carry no credentials (auth.ts passes
 * a copy of the HTTP library's error with only its message and code).
 */
export function platformError(action: 'read' | 'refresh', secretId: string, failure: number | string, cause?: Error): KommoError {
  const what = typeof failure === 'number' ? `HTTP ${failure}` : failure;
  const options = cause === undefined ? undefined : { cause };
  if (typeof failure === 'number' && failure >= 400 && failure < 500) {
    return new KommoConfigError(`The elastic.io platform refused to ${action} the credential secret ${secretId} (${what}). `
      + 'Check that the Kommo credential still exists and is connected; reconnect it if needed.', options);
  }
  return new KommoError(`Could not ${action} the credential secret ${secretId} from the elastic.io platform (${what}); try again later.`, options);
}

/**
 * True when `error`, the final failure of a POST or PATCH, leaves open whether Kommo applied the
 * write (a 500, 502 or 504, a reset or a timeout after sending; the rule is the retry policy's).
 * Such a write is never replayed; a step that must not duplicate asks Kommo what happened.
 */
export function isAmbiguousWriteFailure(error: unknown): boolean {
  if (error instanceof KommoNetworkError) return mayHaveBeenApplied({ kind: 'network', code: error.code });
  if (error instanceof KommoHttpError) return mayHaveBeenApplied({ kind: 'response', status: error.status, headers: {}, body: undefined });
  return false;
}
