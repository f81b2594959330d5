/**
 * The Kommo API client: composes the layers (url, rate limiter, transport, token source, retry
 * policy, errors) into one request loop. Each layer does one job; this file only sequences them.
 */
import type { Logger } from '../context';
import { CredentialConfig, resolveCredential, TokenSource } from './auth';
import { httpError, networkError } from './errors';
import { ClientSettings, parseBounded, resolveSettings, RETRIES } from './options';
import { RateLimiter, rateFeedback, sharedRateLimiter } from './rateLimiter';
import { decideRetry, HttpMethod, RetryDecision } from './retryPolicy';
import { sharedTransport, Transport } from './transport';
import { AccountBase, parseBaseUrl, resolveApiUrl } from './url';

/** A Kommo answer the caller accepted: 2xx, or a status it asked to receive (e.g. 404). */
export interface KommoResponse {
  status: number;
  statusText: string;
  /** Plain object, lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON, text for non-JSON answers, `undefined` when empty (204). */
  body: unknown;
}

/** One request through the client. */
export interface KommoRequest {
  method: HttpMethod;
  /** A path relative to `{base}/api/v4/`, e.g. `leads?limit=5`; never another origin. */
  url: string;
  /** Sent as JSON for methods other than GET. */
  body?: unknown;
  /** Non-2xx statuses returned as a response instead of thrown, e.g. `[404]`. */
  acceptStatuses?: readonly number[];
}

/** Collaborators, injectable for tests and benchmarks. */
export interface ClientDeps {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  transport?: Transport;
  /** `null` turns pacing off (benchmarks of raw overhead). */
  rateLimiter?: RateLimiter | null;
  sleep?: (delayMs: number) => Promise<void>;
  nowMs?: () => number;
  random?: () => number;
  /** Overrides of resolved settings, and a cap on retries (verifyCredentials: a person is waiting). */
  overrides?: Partial<ClientSettings> & { maxRetries?: number };
}

const USER_AGENT = 'elasticio-kommo-component/1.0.0';

function defaultSleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

/** Sends requests to one Kommo account with its token, pacing and retry policy. */
export class KommoClient {
  constructor(
    readonly base: AccountBase,
    private readonly tokens: TokenSource,
    private readonly settings: ClientSettings & { retries: number },
    private readonly deps: Required<Omit<ClientDeps, 'env' | 'overrides' | 'rateLimiter'>> & { rateLimiter: RateLimiter | null },
  ) {}

  /**
   * Sends one request: at most `retries + 1` attempts, plus one replay after a token renewal.
   * Resolves with 2xx (or an accepted status); rejects with a KommoError otherwise.
   */
  async request(request: KommoRequest): Promise<KommoResponse> {
    const url = resolveApiUrl(this.base, request.url);
    const path = `${url.pathname}${url.search}`;
    const body = request.method === 'GET' ? undefined : request.body;
    let token = await this.tokens.currentToken();
    let replayedAfterRenewal = false;
    let waitedMs = 0;
    for (let httpAttempts = 1; ; httpAttempts += 1) {
      // The replay after a renewal is extra: the retry policy counts the attempts before it.
      const policyAttempt = replayedAfterRenewal ? httpAttempts - 1 : httpAttempts;
      const permit = await this.deps.rateLimiter?.acquire(this.base.origin);
      const outcome = await this.deps.transport({
        method: request.method,
        url,
        headers: this.headers(token, body !== undefined),
        body,
        timeoutMs: this.settings.requestTimeoutMs,
      });
      permit?.settle(rateFeedback(outcome, this.deps.nowMs()));

      if (outcome.kind === 'response' && outcome.status === 401 && !replayedAfterRenewal) {
        const renewed = await this.tokens.renewAfterRejection(token);
        if (renewed !== undefined) {
          this.logAttempt(request.method, url, '401', httpAttempts, 'replay with renewed token');
          token = renewed;
          replayedAfterRenewal = true;
          continue;
        }
      }
      if (outcome.kind === 'response'
        && ((outcome.status >= 200 && outcome.status < 300) || request.acceptStatuses?.includes(outcome.status))) {
        this.logAttempt(request.method, url, String(outcome.status), httpAttempts, 'done');
        return { status: outcome.status, statusText: outcome.statusText, headers: outcome.headers, body: outcome.body };
      }

      const decision: RetryDecision = outcome.kind === 'response' && outcome.status < 400
        ? { action: 'stop', reason: 'not-retryable' } // 1xx/3xx: redirects are never followed
        : decideRetry(outcome, request.method, policyAttempt, {
          ...this.settings,
          waitedMs,
          nowMs: this.deps.nowMs(),
          jitter: this.deps.random(),
        });
      const status = outcome.kind === 'response' ? String(outcome.status) : outcome.code;
      if (decision.action === 'retry') {
        this.logAttempt(request.method, url, status, httpAttempts, `retry in ${decision.delayMs} ms`);
        await this.deps.sleep(decision.delayMs);
        waitedMs += decision.delayMs;
        continue;
      }
      this.logAttempt(request.method, url, status, httpAttempts, `stop: ${decision.reason}`);
      const identity = { method: request.method, path, attempts: httpAttempts };
      if (outcome.kind === 'network') throw networkError(identity, this.base.origin, outcome.code, this.settings.requestTimeoutMs);
      throw httpError({ ...identity, ...outcome, retryAfterMs: decision.retryAfterMs });
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

/** Resolves credential, Base URL and settings, then builds a client. Throws KommoConfigError on bad configuration. */
export async function createKommoClient(cfg: CredentialConfig, deps: ClientDeps): Promise<KommoClient> {
  const { maxRetries = RETRIES.max, ...overrides } = deps.overrides ?? {};
  const settings = { ...resolveSettings(deps.env), ...overrides };
  const credential = await resolveCredential(cfg, deps.env);
  const base = parseBaseUrl(credential.baseUrl);
  const configuredRetries = parseBounded(credential.retries, RETRIES, 'Number of retries') ?? RETRIES.defaultValue;
  const retries = Math.min(configuredRetries, maxRetries);
  return new KommoClient(base, credential.tokens, { ...settings, retries }, {
    logger: deps.logger,
    transport: deps.transport ?? sharedTransport(),
    rateLimiter: deps.rateLimiter === undefined ? sharedRateLimiter(settings.rateLimitRps) : deps.rateLimiter,
    sleep: deps.sleep ?? defaultSleep,
    nowMs: deps.nowMs ?? Date.now,
    random: deps.random ?? Math.random,
  });
}
