/**
 * The Kommo API client: composes the layers (url, rate limiter, transport, token source, retry
 * policy, errors) into one request loop. Each layer does one job; this file only sequences them.
 *
 * Two ways in: `request()` takes a url as a person wrote it (Make Raw Request; checked by the
 * raw-path validator), while `get`/`post`/`patch`/`delete`/`paginate` take a trusted entity path
 * built by the component and a typed query (checked by the strict entity-path rule).
 */
import type { Logger } from '../context';
import * as processScope from '../processScope';
import type { CredentialScope } from '../processScope';
import { CredentialConfig, resolveCredential, TokenSource } from './auth';
import { httpError, KommoError, networkError } from './errors';
import { ClientSettings, parseBounded, resolveSettings, RETRIES } from './options';
import { encodeQuery, KommoQuery } from './query';
import { rateFeedback, type RateLimiter } from './rateLimiter';
import { decideRetry, HttpMethod, RetryDecision } from './retryPolicy';
import type { Transport } from './transport';
import { AccountBase, entityApiUrl, parseBaseUrl, resolveApiUrl } from './url';

/** A Kommo answer the caller accepted: 2xx, or a status it asked to receive (e.g. 404). */
export interface KommoResponse {
  status: number;
  statusText: string;
  /** Plain object, lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON, text for non-JSON answers, `undefined` when empty (204). */
  body: unknown;
}

/** One request through {@link KommoClient.request}. */
export interface KommoRequest {
  method: HttpMethod;
  /** A path relative to `{base}/api/v4/`, e.g. `leads?limit=5`; never another origin. */
  url: string;
  /** Sent as JSON for methods other than GET. */
  body?: unknown;
  /** Non-2xx statuses returned as a response instead of thrown, e.g. `[404]`. */
  acceptStatuses?: readonly number[];
  /** A sentence the step adds to the error of a status, e.g. `{404: 'Enable "…" to …'}`. */
  hints?: Readonly<Partial<Record<number, string>>>;
}

/** Options of {@link KommoClient.paginate}. */
export interface PaginateOptions {
  /** The list's key under `_embedded`, e.g. `leads`, `custom_fields`, `events`. */
  embeddedKey: string;
  /** Filters, order, `with`, search; `page` and `limit` belong to the paginator. */
  query?: Omit<KommoQuery, 'page' | 'limit'>;
  /**
   * Items per page, sent as `limit` (1–250, default 250). It must not exceed the endpoint's own
   * cap (custom-field lists: 50), or its first, short, page ends the listing.
   */
  pageSize?: number;
  /** The first page to read, from 1 (default 1). */
  firstPage?: number;
  /** Stop after this many pages (default {@link DEFAULT_MAX_PAGES}). */
  maxPages?: number;
}

/** Kommo's largest page (docs/kommo-api.md §5). */
export const MAX_PAGE_SIZE = 250;

/** The page cap of {@link KommoClient.paginate} when the caller gives none: 25,000 items at 250 per page. */
export const DEFAULT_MAX_PAGES = 100;

/** What entity steps use of a client: also what a handler's unit test fakes. */
export interface KommoApi {
  readonly base: AccountBase;
  /** Key for processScope.memo: this account with this credential. */
  readonly scope: CredentialScope;
  request(request: KommoRequest): Promise<KommoResponse>;
  get(path: string, query?: KommoQuery): Promise<KommoResponse>;
  post(path: string, body: unknown, query?: KommoQuery): Promise<KommoResponse>;
  patch(path: string, body: unknown, query?: KommoQuery): Promise<KommoResponse>;
  delete(path: string, body?: unknown): Promise<KommoResponse>;
  paginate<T>(path: string, options: PaginateOptions): AsyncGenerator<T[], void, undefined>;
}

/** The read side of a client: what code that only lists and reads (the account model) takes, and its tests fake. */
export type KommoReader = Pick<KommoApi, 'scope' | 'get' | 'paginate'>;

/** Collaborators, injectable for tests and benchmarks. */
export interface ClientDeps {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  transport?: Transport;
  /** `null` turns pacing off (benchmarks of raw overhead, unit tests with scripted answers). */
  rateLimiter?: RateLimiter | null;
  sleep?: (delayMs: number) => Promise<void>;
  nowMs?: () => number;
  random?: () => number;
  /** Overrides of resolved settings, and a cap on retries (verifyCredentials: a person is waiting). */
  overrides?: Partial<ClientSettings> & { maxRetries?: number };
}

/** Everything one send needs besides the URL. */
interface SendOptions {
  method: HttpMethod;
  body?: unknown;
  acceptStatuses?: readonly number[];
  hints?: KommoRequest['hints'];
}

const USER_AGENT = 'elasticio-kommo-component/1.0.0';

function defaultSleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sends requests to one Kommo account with its token, pacing and retry policy. */
export class KommoClient implements KommoApi {
  private cacheScope?: CredentialScope;

  constructor(
    readonly base: AccountBase,
    /** What tells the credential apart (auth.ts `Credential.identity`); only ever hashed. */
    private readonly credentialIdentity: string,
    private readonly tokens: TokenSource,
    private readonly settings: ClientSettings & { retries: number },
    private readonly deps: Required<Omit<ClientDeps, 'env' | 'overrides' | 'rateLimiter'>> & { rateLimiter: RateLimiter | null },
  ) {}

  /** This account with this credential, for processScope.memo; computed on first use (a hash). */
  get scope(): CredentialScope {
    this.cacheScope ??= processScope.credentialScope(this.base.origin, this.credentialIdentity);
    return this.cacheScope;
  }

  /**
   * Sends one request to a url as a person wrote it (raw-path rules, query kept as given): at
   * most `retries + 1` attempts, plus one replay after a token renewal. Resolves with 2xx (or an
   * accepted status); rejects with a KommoError otherwise.
   */
  async request(request: KommoRequest): Promise<KommoResponse> {
    return this.send(resolveApiUrl(this.base, request.url), request);
  }

  /** `GET /api/v4/{path}?{query}`; `path` is a trusted entity path such as `leads/123`. */
  async get(path: string, query?: KommoQuery): Promise<KommoResponse> {
    return this.send(entityApiUrl(this.base, path, encodeQuery(query)), { method: 'GET' });
  }

  /** `POST /api/v4/{path}` with a JSON body (Kommo's create endpoints take arrays). */
  async post(path: string, body: unknown, query?: KommoQuery): Promise<KommoResponse> {
    return this.send(entityApiUrl(this.base, path, encodeQuery(query)), { method: 'POST', body });
  }

  /** `PATCH /api/v4/{path}` with a JSON body. */
  async patch(path: string, body: unknown, query?: KommoQuery): Promise<KommoResponse> {
    return this.send(entityApiUrl(this.base, path, encodeQuery(query)), { method: 'PATCH', body });
  }

  /** `DELETE /api/v4/{path}`, with a JSON body where Kommo wants one (`DELETE /webhooks {destination}`). */
  async delete(path: string, body?: unknown): Promise<KommoResponse> {
    return this.send(entityApiUrl(this.base, path), { method: 'DELETE', body });
  }

  /**
   * Reads a Kommo list page by page, yielding each page's items in order. Sends an explicit
   * `limit` and counts pages itself: it stops on 204, an empty page or a page shorter than
   * `pageSize`, and after `maxPages` pages. `_links.next` is never followed (Kommo sends it even
   * when no page follows, and its host is not ours to trust; docs/kommo-api.md §5).
   */
  async* paginate<T>(path: string, options: PaginateOptions): AsyncGenerator<T[], void, undefined> {
    const pageSize = parseBounded(options.pageSize, { min: 1, max: MAX_PAGE_SIZE }, 'paginate pageSize') ?? MAX_PAGE_SIZE;
    const firstPage = parseBounded(options.firstPage, { min: 1, max: Number.MAX_SAFE_INTEGER }, 'paginate firstPage') ?? 1;
    const maxPages = parseBounded(options.maxPages, { min: 1, max: Number.MAX_SAFE_INTEGER }, 'paginate maxPages') ?? DEFAULT_MAX_PAGES;
    for (let page = firstPage; page < firstPage + maxPages; page += 1) {
      const response = await this.get(path, { ...options.query, page, limit: pageSize });
      if (response.status === 204 || response.body === undefined) return;
      const items = isRecord(response.body) && isRecord(response.body._embedded) ? response.body._embedded[options.embeddedKey] : undefined;
      if (!Array.isArray(items)) {
        throw new KommoError(`Kommo answered GET /api/v4/${path} (page ${page}) with ${response.status} but no _embedded.${options.embeddedKey} list; `
          + 'the endpoint or its list key is not what the component expected.');
      }
      if (items.length === 0) return;
      yield items as T[];
      if (items.length < pageSize) return;
    }
  }

  private async send(url: URL, options: SendOptions): Promise<KommoResponse> {
    const { method } = options;
    const body = method === 'GET' ? undefined : options.body;
    let token = await this.tokens.currentToken();
    let replayedAfterRenewal = false;
    let waitedMs = 0;
    for (let httpAttempts = 1; ; httpAttempts += 1) {
      // The replay after a renewal is extra: the retry policy counts the attempts before it.
      const policyAttempt = replayedAfterRenewal ? httpAttempts - 1 : httpAttempts;
      const permit = await this.deps.rateLimiter?.acquire(this.base.origin);
      const outcome = await this.deps.transport({
        method,
        url,
        headers: this.headers(token, body !== undefined),
        body,
        timeoutMs: this.settings.requestTimeoutMs,
      });
      permit?.settle(rateFeedback(outcome, this.deps.nowMs()));

      if (outcome.kind === 'response' && outcome.status === 401 && !replayedAfterRenewal) {
        const renewed = await this.tokens.renewAfterRejection(token);
        if (renewed !== undefined) {
          this.logAttempt(method, url, '401', httpAttempts, 'replay with renewed token');
          token = renewed;
          replayedAfterRenewal = true;
          continue;
        }
      }
      if (outcome.kind === 'response'
        && ((outcome.status >= 200 && outcome.status < 300) || options.acceptStatuses?.includes(outcome.status))) {
        this.logAttempt(method, url, String(outcome.status), httpAttempts, 'done');
        return { status: outcome.status, statusText: outcome.statusText, headers: outcome.headers, body: outcome.body };
      }

      const decision: RetryDecision = outcome.kind === 'response' && outcome.status < 400
        ? { action: 'stop', reason: 'not-retryable' } // 1xx/3xx: redirects are never followed
        : decideRetry(outcome, method, policyAttempt, {
          ...this.settings,
          waitedMs,
          nowMs: this.deps.nowMs(),
          jitter: this.deps.random(),
        });
      const status = outcome.kind === 'response' ? String(outcome.status) : outcome.code;
      if (decision.action === 'retry') {
        this.logAttempt(method, url, status, httpAttempts, `retry in ${decision.delayMs} ms`);
        await this.deps.sleep(decision.delayMs);
        waitedMs += decision.delayMs;
        continue;
      }
      this.logAttempt(method, url, status, httpAttempts, `stop: ${decision.reason}`);
      // The query stays out of errors as it stays out of logs: it can carry personal data.
      const identity = { method, path: url.pathname, attempts: httpAttempts };
      if (outcome.kind === 'network') {
        throw networkError(identity, this.base.origin, outcome.code, this.settings.requestTimeoutMs, outcome.cause);
      }
      throw httpError({
        ...identity,
        ...outcome,
        search: url.search,
        secrets: [token],
        retryAfterMs: decision.retryAfterMs,
        hint: options.hints?.[outcome.status],
      });
    }
  }

  private headers(token: string, hasBody: boolean): Record<string, string> {
    return {
      accept: 'application/json',
      'user-agent': USER_AGENT,
      authorization: `Bearer ${token}`,
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    };
  }

  /** One line per HTTP attempt; the query is left out because it can carry personal data (query=phone). */
  private logAttempt(method: string, url: URL, status: string, attempt: number, next: string): void {
    this.deps.logger.info(`Kommo ${method} ${url.pathname} -> ${status} attempt ${attempt}/${this.settings.retries + 1}: ${next}`);
  }
}

/**
 * Resolves credential, Base URL and settings, then builds a client. Throws KommoConfigError on
 * bad configuration. Transport and limiter default to the process's (processScope).
 */
export async function createKommoClient(cfg: CredentialConfig, deps: ClientDeps): Promise<KommoClient> {
  const { maxRetries = RETRIES.max, ...overrides } = deps.overrides ?? {};
  const settings = { ...resolveSettings(deps.env), ...overrides };
  const credential = await resolveCredential(cfg, deps.env);
  const base = parseBaseUrl(credential.baseUrl);
  const configuredRetries = parseBounded(credential.retries, RETRIES, 'Number of retries') ?? RETRIES.defaultValue;
  const retries = Math.min(configuredRetries, maxRetries);
  return new KommoClient(base, credential.identity, credential.tokens, { ...settings, retries }, {
    logger: deps.logger,
    transport: deps.transport ?? processScope.sharedTransport(),
    rateLimiter: deps.rateLimiter === undefined ? processScope.sharedRateLimiter() : deps.rateLimiter,
    sleep: deps.sleep ?? defaultSleep,
    nowMs: deps.nowMs ?? Date.now,
    random: deps.random ?? Math.random,
  });
}

