/**
 * One error hierarchy for everything the Kommo client can fail with, built by the factory
 * functions at the bottom of this file. No error here ever carries a token, a secret or an
 * Authorization header: messages and properties are built only from method, path, status and
 * what Kommo itself said.
 */

/** Kommo's problem+json validation entry (kommo-api.md §4). */
export interface KommoValidationError {
  request_id?: string;
  errors?: Array<{ code?: string; path?: string; detail?: string }>;
}

/** Base class: every error the component raises on purpose is a KommoError. */
export class KommoError extends Error {
  override readonly name: string = 'KommoError';
}

/**
 * Raised before any request when configuration or input is wrong (Base URL, retries, url,
 * method, a missing credential, an out-of-range environment variable). The message says what is
 * wrong and how to fix it.
 */
export class KommoConfigError extends KommoError {
  override readonly name: string = 'KommoConfigError';
}

/** What identifies a request in an error: never the full URL with a query, never a header. */
export interface RequestIdentity {
  method: string;
  /** Path and query below the Base URL's origin, e.g. `/api/v4/leads?limit=5`. */
  path: string;
  /** How many HTTP attempts were made for this request, including the failing one. */
  attempts: number;
}

/** Details of a non-2xx answer, as Kommo sent it. */
export interface HttpFailure extends RequestIdentity {
  status: number;
  statusText?: string;
  /** Kommo's `x-request-id` response header, for support tickets. */
  requestId?: string;
  title?: string;
  detail?: string;
  validationErrors?: KommoValidationError[];
  /** The parsed response body (JSON) or a text excerpt (HTML, plain text). */
  responseBody?: unknown;
}

/** Raised when Kommo answered with a non-2xx status that the retry policy did not (or no longer) retry. */
export class KommoHttpError extends KommoError {
  override readonly name: string = 'KommoHttpError';
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly attempts: number;
  readonly requestId?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly validationErrors?: KommoValidationError[];
  readonly responseBody?: unknown;

  constructor(message: string, failure: HttpFailure) {
    super(message);
    this.status = failure.status;
    this.method = failure.method;
    this.path = failure.path;
    this.attempts = failure.attempts;
    this.requestId = failure.requestId;
    this.title = failure.title;
    this.detail = failure.detail;
    this.validationErrors = failure.validationErrors;
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

  constructor(message: string, failure: HttpFailure, retryAfterMs?: number) {
    super(message, failure);
    this.retryAfterMs = retryAfterMs;
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

  constructor(message: string, identity: RequestIdentity, code: string) {
    super(message);
    this.method = identity.method;
    this.path = identity.path;
    this.attempts = identity.attempts;
    this.code = code;
  }
}

const TEXT_EXCERPT_CHARS = 300;

function attemptsText(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

/** Why a status failed and what the user can do about it. */
function hintFor(status: number, isHtml: boolean): string {
  if (status === 401) return 'Kommo rejected the access token. Reconnect the credential (re-authorize the Kommo integration).';
  if (status === 402) return 'The Kommo account\'s paid or trial period has ended.';
  if (status === 403 && isHtml) {
    return 'This is probably an IP or account block after too many requests (Kommo answers every request with 403 while it lasts). '
      + 'Lower the request rate and ask Kommo support to lift the block, giving the account subdomain.';
  }
  if (status === 403) return 'The Kommo user behind the credential lacks the rights for this request.';
  if (status === 404) return 'The path or entity does not exist in this Kommo account. Enable "Don\'t throw error on 404 Response" to receive 404 as data.';
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

function describeValidation(errors: KommoValidationError[] | undefined): string {
  if (!errors || errors.length === 0) return '';
  const parts = errors.flatMap((entry) => (entry.errors ?? []).map((e) => {
    const item = entry.request_id !== undefined ? `item ${entry.request_id}: ` : '';
    return `${item}${e.path ?? '?'} ${e.code ?? ''}${e.detail ? ` (${e.detail})` : ''}`.trim();
  }));
  return parts.length ? ` Validation errors: ${parts.join('; ')}.` : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads Kommo's problem+json fields (kommo-api.md §4) from a parsed body, when present. */
function problemFields(body: unknown): Pick<HttpFailure, 'title' | 'detail' | 'validationErrors'> {
  if (!isRecord(body)) return {};
  const validation = body['validation-errors'];
  return {
    title: typeof body.title === 'string' ? body.title : undefined,
    detail: typeof body.detail === 'string' ? body.detail : undefined,
    validationErrors: Array.isArray(validation) ? validation.filter(isRecord) as KommoValidationError[] : undefined,
  };
}

/** A non-2xx answer that is final after the retry policy. */
export interface HttpFailureInput extends RequestIdentity {
  status: number;
  statusText?: string;
  headers: Record<string, string>;
  body: unknown;
  /** For 429: what Kommo asked to wait, when the wait was beyond the cap. */
  retryAfterMs?: number;
}

/** Whether an answer is an HTML page (Kommo's block page, a gateway error) rather than JSON or text. */
export function isHtmlAnswer(headers: Record<string, string>, body: unknown): boolean {
  const contentType = headers['content-type'] ?? '';
  return contentType.startsWith('text/html') || (typeof body === 'string' && /^\s*</.test(body));
}

/** The factory: maps a final non-2xx answer to the right error class with a message a person can act on. */
export function httpError(input: HttpFailureInput): KommoHttpError {
  const isHtml = isHtmlAnswer(input.headers, input.body);
  const problem = problemFields(input.body);
  const failure: HttpFailure = {
    method: input.method,
    path: input.path,
    attempts: input.attempts,
    status: input.status,
    statusText: input.statusText,
    requestId: input.headers['x-request-id'],
    ...problem,
    responseBody: typeof input.body === 'string' ? describeBody(input.body) : input.body,
  };
  const said = problem.detail ?? problem.title ?? describeBody(input.body);
  const waitText = input.retryAfterMs !== undefined ? ` Kommo asked to wait ${Math.ceil(input.retryAfterMs / 1000)} s.` : '';
  const message = `Kommo answered ${input.status}${input.statusText ? ` ${input.statusText}` : ''} to ${input.method} ${input.path}`
    + ` after ${attemptsText(input.attempts)}${said ? `: ${said}` : ''}.${describeValidation(problem.validationErrors)}`
    + `${waitText} ${hintFor(input.status, isHtml)}`.trimEnd();
  if (input.status === 401) return new KommoAuthError(message, failure);
  if (input.status === 429) return new KommoRateLimitError(message, failure, input.retryAfterMs);
  return new KommoHttpError(message, failure);
}

/** The factory for failures with no HTTP answer. `origin` is the Base URL's origin (no credentials in it). */
export function networkError(identity: RequestIdentity, origin: string, code: string, timeoutMs?: number): KommoNetworkError {
  const cause = code === 'ETIMEDOUT' || code === 'ECONNABORTED'
    ? `no answer within ${timeoutMs ?? '?'} ms`
    : code;
  const hint = code === 'ENOTFOUND' || code === 'EAI_AGAIN'
    ? 'The host name does not resolve: check the Base URL.'
    : 'Check the Base URL and that the Kommo host is reachable; try again later.';
  return new KommoNetworkError(
    `Could not reach Kommo at ${origin} (${cause}): ${identity.method} ${identity.path} failed after ${attemptsText(identity.attempts)}. ${hint}`,
    identity,
    code === 'ECONNABORTED' ? 'ETIMEDOUT' : code,
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
export function configError(message: string): KommoConfigError {
  return new KommoConfigError(message);
}

/**
 * The factory for failures of the elastic.io platform's secrets API (reading or refreshing the
 * credential). A 4xx means the step's credential is gone or not accessible: a configuration
 * problem; anything else is a platform outage.
 */
export function platformError(action: 'read' | 'refresh', secretId: string, failure: number | string): KommoError {
  const what = typeof failure === 'number' ? `HTTP ${failure}` : failure;
  const doing = action === 'read' ? 'read' : 'refresh';
  if (typeof failure === 'number' && failure >= 400 && failure < 500) {
    return new KommoConfigError(`The elastic.io platform refused to ${doing} the credential secret ${secretId} (${what}). `
      + 'Check that the Kommo credential still exists and is connected; reconnect it if needed.');
  }
  return new KommoError(`Could not ${doing} the credential secret ${secretId} from the elastic.io platform (${what}); try again later.`);
}
