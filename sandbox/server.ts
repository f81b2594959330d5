/**
 * The Kommo side: one HTTP server on 127.0.0.1 for the default account.
 *
 * Each request goes through, in order: request log → body → scripted fault → ban check and
 * rate limit → the token endpoint, or bearer auth and the `/api/v4` routes → (an
 * after-processing fault may replace the answer) → response.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { randomBytes, randomUUID } from 'crypto';
import { setTimeout as sleep } from 'timers/promises';
import { ChangeFeed } from './changes';
import { SandboxClock } from './clock';
import { CustomFieldCatalog } from './customFieldCatalog';
import { KnobBox } from './knobs';
import { BANNED, jsonAnswer, problemAnswer, writeAnswer, type Answer } from './answers';
import { FaultBook } from './faults';
import { parseBody, readRawBody, type ParsedBody } from './httpIo';
import { TokenStore, type AccessGrant, type TokenPair } from './oauth';
import { problem, serverErrorProblem, unauthorizedProblem } from './problems';
import { RateLimiter } from './rateLimit';
import { createApiRouter } from './routes';
import { WebhookDispatcher } from './dispatcher';
import { EventJournal } from './events';
import { createJournalRouter } from './journalRoutes';
import { WebhookRegistry } from './webhooks';
import { ACCOUNT_ID, CURRENT_USER_ID, SUBDOMAIN } from './seed';
import { EntityStore } from './store';
import type { CustomFieldKind, EntityKind, Fault, RateLimitSettings, RequestLogEntry, Sandbox, SandboxKnobs, SandboxOptions } from './types';
import type { JournalEvent, SandboxWebhooks } from './webhookTypes';

const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 86400;
const TOKEN_PATH = '/oauth2/access_token';
/** Long enough that a benchmark's keep-alive agent never meets a closed socket between requests. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** How the request's bearer token fared. */
type AuthVerdict = { kind: 'valid'; grant: AccessGrant } | { kind: 'invalid' } | { kind: 'missing' };

class KommoSandbox implements Sandbox {
  baseUrl = '';
  port = 0;
  readonly accountId = ACCOUNT_ID;
  readonly subdomain = SUBDOMAIN;
  readonly clientId = randomUUID();
  readonly clientSecret = randomBytes(32).toString('base64url');
  readonly redirectUri = 'https://sandbox-integration.example/oauth/callback';
  readonly requestLog: RequestLogEntry[] = [];
  readonly accessToken: string;
  readonly refreshToken: string;

  readonly changes: Pick<ChangeFeed, 'subscribe'>;

  private readonly now: () => number;
  private readonly clock: SandboxClock;
  private readonly knobBox: KnobBox;
  private readonly feed = new ChangeFeed();
  private readonly server: Server;
  private readonly tokens: TokenStore;
  private readonly initialPair: TokenPair;
  private readonly store: EntityStore;
  private readonly limiter: RateLimiter;
  private readonly faults = new FaultBook();
  private readonly route: ReturnType<typeof createApiRouter>;
  // Events journal and webhooks: both follow the store's change feed.
  private readonly journal = new EventJournal(ACCOUNT_ID);
  private readonly webhookRegistry: WebhookRegistry;
  private readonly dispatcher: WebhookDispatcher;
  private readonly journalRoute: ReturnType<typeof createJournalRouter>;
  readonly webhooks: SandboxWebhooks;

  constructor(private readonly options: SandboxOptions) {
    this.now = options.now ?? Date.now;
    const grant = { accountId: ACCOUNT_ID, userId: CURRENT_USER_ID };
    const client = { clientId: this.clientId, clientSecret: this.clientSecret, redirectUri: this.redirectUri };
    this.tokens = new TokenStore(client, grant, options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS, this.now);
    this.initialPair = this.tokens.issuePair();
    this.accessToken = this.initialPair.accessToken;
    this.refreshToken = this.initialPair.refreshToken;
    this.clock = new SandboxClock(this.now);
    this.changes = { subscribe: (listener) => this.feed.subscribe(listener) };
    const catalog = new CustomFieldCatalog();
    this.knobBox = new KnobBox(options, this.clock, catalog);
    const knobBox = this.knobBox;
    const customFields = {
      catalog,
      get timezone(): string {
        return knobBox.values.timezone;
      },
    };
    this.store = new EntityStore(options.seed ?? true, this.clock, this.feed, customFields);
    // The journal and the dispatcher follow the store's change feed, on Kommo's clock.
    this.webhookRegistry = new WebhookRegistry(ACCOUNT_ID, () => this.clock.nowMs());
    const account = {
      id: ACCOUNT_ID,
      subdomain: SUBDOMAIN,
      get timeZone(): string {
        return knobBox.values.timezone;
      },
    };
    this.dispatcher = new WebhookDispatcher(this.webhookRegistry, account, () => this.clock.nowMs(), options.webhooks);
    this.feed.subscribe((change) => this.journal.record(change));
    this.feed.subscribe((change) => this.dispatcher.accept(change));
    this.journalRoute = createJournalRouter(this.journal, this.webhookRegistry, () => this.knobBox.orderRandom());
    this.webhooks = {
      deliveries: this.dispatcher.deliveries,
      subscriptions: () => this.webhookRegistry.list(),
      disable: (destination) => this.webhookRegistry.disable(destination),
      configure: (settings) => this.dispatcher.configure(settings),
      idle: () => this.dispatcher.idle(),
    };
    this.limiter = new RateLimiter(options.rateLimit ?? {});
    this.route = createApiRouter({ store: this.store, knobs: this.knobBox, clock: this.clock });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.failInternally(res, error));
    });
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.baseUrl = `http://127.0.0.1:${this.port}`;
  }

  injectFault(pathPattern: string | RegExp, fault: Fault, times = 1, method?: string): void {
    this.faults.add(pathPattern, fault, times, method);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  revokeAccessToken(token: string): void {
    this.tokens.revokeAccessToken(token);
  }

  issueTokens(): TokenPair {
    return this.tokens.issuePair();
  }

  issueAuthorizationCode(): string {
    return this.tokens.issueAuthorizationCode();
  }

  configureRateLimit(settings: Partial<RateLimitSettings> | false): void {
    this.limiter.configure(settings);
  }

  resetRateLimit(): void {
    this.limiter.reset();
  }

  configure(knobs: Partial<SandboxKnobs>): void {
    this.knobBox.configure(knobs);
  }

  get knobs(): Readonly<SandboxKnobs> {
    return structuredClone(this.knobBox.values);
  }

  entities(kind: EntityKind): Array<Record<string, unknown>> {
    return this.store.all(kind).flatMap((record) => this.store.snapshot(kind, record.id) ?? []);
  }

  notes(kind: CustomFieldKind): Array<Record<string, unknown>> {
    return structuredClone(this.store.notesOf(kind));
  }

  tags(kind: CustomFieldKind): Array<{ id: number; name: string; color: string | null }> {
    return structuredClone(this.store.tags.list(kind));
  }

  events(): JournalEvent[] {
    return structuredClone([...this.journal.all()]);
  }

  reset(): void {
    this.knobBox.restore();
    this.store.reset();
    this.journal.reset();
    this.webhookRegistry.reset();
    this.dispatcher.reset();
    this.tokens.revalidate(this.initialPair);
    this.limiter.configure(false);
    this.limiter.configure(this.options.rateLimit ?? {});
    this.limiter.reset();
    this.faults.clear();
    this.requestLog.length = 0;
  }

  async close(): Promise<void> {
    this.dispatcher.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Hung requests and idle keep-alive sockets would hold close() open forever.
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const pathWithSearch = req.url ?? '/';
    const host = req.headers.host ?? `127.0.0.1:${this.port}`;
    const url = new URL(pathWithSearch, `http://${host}`);
    const entry: RequestLogEntry = { at: this.now(), method, path: pathWithSearch, status: 0, host };
    this.requestLog.push(entry);

    let rawBody: string;
    try {
      rawBody = await readRawBody(req);
    } catch {
      return; // the client went away mid-body; nothing to answer
    }
    const body = parseBody(rawBody, req.headers['content-type']);
    if (body.kind === 'ok') entry.body = body.value;

    const fault = this.faults.take(method, url.pathname, pathWithSearch);
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'delay') await sleep(fault.ms);
    const faultFirst = fault && (fault.kind === 'status' || fault.kind === 'reset') && !fault.afterProcessing;
    if (faultFirst) {
      await this.latency();
      return this.answerWithFault(req, res, entry, fault);
    }

    const answer = this.process(method, url, req, body, entry);
    await this.latency();
    if (fault && (fault.kind === 'status' || fault.kind === 'reset')) return this.answerWithFault(req, res, entry, fault);
    this.respond(res, entry, answer);
  }

  /** Gateway rules first (ban, rate), then the token endpoint or the authenticated API. */
  private process(method: string, url: URL, req: IncomingMessage, body: ParsedBody, entry: RequestLogEntry): Answer {
    const verdict = this.limiter.admit(this.now());
    if (verdict.kind === 'banned') return BANNED;
    if (verdict.kind === 'throttle') return this.tooManyRequests();

    if (url.pathname === TOKEN_PATH) {
      if (method !== 'POST') return problemAnswer(problem(405, `Method ${method} is not allowed here`), { allow: 'POST' });
      if (body.kind === 'invalid') return problemAnswer(problem(400, body.reason));
      const answer = this.tokens.exchange(body.kind === 'ok' ? body.value : undefined);
      return answer.ok ? jsonAnswer(200, answer.tokens, 'application/json') : problemAnswer(answer.problem);
    }
    if (!url.pathname.startsWith('/api/v4/')) return problemAnswer(problem(404, 'Not found'));

    const auth = this.authenticate(req);
    entry.authorization = auth.kind;
    if (auth.kind !== 'valid') return problemAnswer(unauthorizedProblem());
    entry.accountId = auth.grant.accountId;
    const request = { method, url, origin: url.origin, body, grant: auth.grant };
    return this.journalRoute(request) ?? this.route(request);
  }

  private authenticate(req: IncomingMessage): AuthVerdict {
    const header = req.headers.authorization;
    if (header === undefined || header.trim() === '') return { kind: 'missing' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const grant = match ? this.tokens.verifyAccessToken(match[1]) : undefined;
    return grant ? { kind: 'valid', grant } : { kind: 'invalid' };
  }

  /** Kommo's documented 429 body (docs/kommo-api.md §3); the header only when configured. */
  private tooManyRequests(): Answer {
    const settings = this.limiter.current;
    const retryAfter = settings?.retryAfterSeconds ?? 1;
    const headers = settings?.sendRetryAfterHeader ? { 'retry-after': String(retryAfter) } : undefined;
    return problemAnswer(problem(429, 'You have sent too many requests in a given amount of time', { retry_after: retryAfter }), headers);
  }

  private answerWithFault(req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry, fault: Extract<Fault, { kind: 'status' | 'reset' }>): void {
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    this.respond(res, entry, this.faultAnswer(fault));
  }

  private faultAnswer(fault: Extract<Fault, { kind: 'status' }>): Answer {
    if (fault.body !== undefined) {
      return { status: fault.status, body: fault.body, contentType: fault.contentType ?? 'text/plain', headers: fault.headers };
    }
    if (fault.status === 403) return { ...BANNED, headers: fault.headers };
    if (fault.status === 429) {
      const answer = this.tooManyRequests();
      return { ...answer, headers: { ...answer.headers, ...fault.headers } };
    }
    const payload = fault.status >= 500 ? serverErrorProblem(fault.status) : problem(fault.status, 'Scripted fault');
    const answer = problemAnswer(payload, fault.headers);
    return fault.contentType ? { ...answer, contentType: fault.contentType } : answer;
  }

  /** The latency knob: every answer waits this long (after the write was applied). */
  private async latency(): Promise<void> {
    const latencyMs = this.knobBox.values.latencyMs;
    if (latencyMs > 0) await sleep(latencyMs);
  }

  private respond(res: ServerResponse, entry: RequestLogEntry, answer: Answer): void {
    entry.status = answer.status;
    // The Date header follows Kommo's clock, offset knob included.
    writeAnswer(res, { ...answer, headers: { date: new Date(this.clock.nowMs()).toUTCString(), ...answer.headers } });
  }

  private failInternally(res: ServerResponse, error: unknown): void {
    // A sandbox bug must be visible in the test that hit it, not a hung request.
    console.error('kommo sandbox: internal error', error);
    if (!res.headersSent) writeAnswer(res, problemAnswer(serverErrorProblem(500)));
    else res.destroy();
  }
}

/** Start a sandbox on 127.0.0.1; see {@link SandboxOptions} for the defaults. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = new KommoSandbox(options);
  await sandbox.listen(options.port ?? 0);
  return sandbox;
}
