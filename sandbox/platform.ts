/**
 * A fake of elastic.io's secrets API (docs/elasticio-platform.md §3.3; docs/design.md "Where the token and
 * settings come from"). Refresh is real: the platform posts the stored refresh token to the
 * sandbox's token endpoint, so Kommo's rotation rules apply to it as they would in production.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { randomBytes, randomUUID } from 'crypto';
import { isRecord, parseBody, readRawBody } from './httpIo';
import type { FakePlatform, FakePlatformOptions, PlatformCall, PlatformRouteHandler, PlatformRouteResult, PlatformSecretSeed, Sandbox } from './types';

interface StoredSecret {
  id: string;
  name: string;
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
  fields: Record<string, unknown>;
  state: 'ready' | 'error';
  error?: string;
}

interface ExtraRoute {
  method: string;
  path: string | RegExp;
  handler: PlatformRouteHandler;
}

const SECRET_PATH = /^\/v2\/workspaces\/([^/]+)\/secrets\/([^/]+?)(\/refresh)?\/?$/;

function errorBody(status: number, title: string, detail: string): PlatformRouteResult {
  return { status, body: { errors: [{ status: String(status), title, detail }] } };
}

class FakeElasticPlatform implements FakePlatform {
  url = '';
  // URL-safe on purpose: harnesses put it in URLs as userinfo, where '@' would need encoding.
  readonly username = 'sandbox-task-user';
  readonly apiKey = randomUUID();
  readonly workspaceId = randomBytes(12).toString('hex');
  readonly calls: PlatformCall[] = [];

  private readonly server: Server;
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly refreshCounts = new Map<string, number>();
  /** Refreshes of one secret run one after another, as a platform holding a lock would run them. */
  private readonly refreshChains = new Map<string, Promise<unknown>>();
  private readonly extraRoutes: ExtraRoute[] = [];
  private readonly kommo: Sandbox;
  private readonly refreshResponseShape: 'object' | 'array';

  constructor(options: FakePlatformOptions) {
    this.kommo = options.kommo;
    this.refreshResponseShape = options.refreshResponseShape ?? 'object';
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        console.error('fake platform: internal error', error);
        if (!res.headersSent) send(res, errorBody(500, 'Internal Server Error', 'fake platform bug'));
      });
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  createSecret(seed: PlatformSecretSeed): string {
    const id = randomBytes(12).toString('hex');
    this.secrets.set(id, {
      id,
      name: `Kommo sandbox credential ${this.secrets.size + 1}`,
      accessToken: seed.accessToken,
      refreshToken: seed.refreshToken,
      expiresInSeconds: 86400,
      fields: { ...seed.fields },
      state: 'ready',
    });
    return id;
  }

  secret(secretId: string): { accessToken: string; refreshToken: string } {
    const stored = this.mustFind(secretId);
    return { accessToken: stored.accessToken, refreshToken: stored.refreshToken };
  }

  setSecretToken(secretId: string, accessToken: string): void {
    this.mustFind(secretId).accessToken = accessToken;
  }

  refreshCount(secretId?: string): number {
    if (secretId !== undefined) return this.refreshCounts.get(secretId) ?? 0;
    let total = 0;
    for (const count of this.refreshCounts.values()) total += count;
    return total;
  }

  route(method: string, path: string | RegExp, handler: PlatformRouteHandler): void {
    this.extraRoutes.push({ method: method.toUpperCase(), path, handler });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private mustFind(secretId: string): StoredSecret {
    const stored = this.secrets.get(secretId);
    if (!stored) throw new Error(`fake platform: no secret ${secretId}`);
    return stored;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = req.url ?? '/';
    const pathname = new URL(path, 'http://platform.invalid').pathname;
    const authorized = this.isAuthorized(req.headers.authorization);
    this.calls.push({ at: Date.now(), method, path, authorized });
    const raw = await readRawBody(req);

    const extra = this.extraRoutes.find(
      (candidate) => candidate.method === method && (typeof candidate.path === 'string' ? candidate.path === pathname : candidate.path.test(pathname)),
    );
    if (extra) {
      const parsed = parseBody(raw, req.headers['content-type']);
      const body = parsed.kind === 'ok' ? parsed.value : raw === '' ? undefined : raw;
      return send(res, await extra.handler(req, body));
    }

    if (!authorized) return send(res, errorBody(401, 'Unauthorized', 'Basic credentials of the task user are required'));
    const match = SECRET_PATH.exec(pathname);
    if (!match) return send(res, errorBody(404, 'Not Found', `No route ${method} ${pathname}`));
    const [, workspaceId, secretId, refresh] = match;
    const stored = this.secrets.get(secretId);
    if (workspaceId !== this.workspaceId || !stored) return send(res, errorBody(404, 'Not Found', `Secret ${secretId} not found`));

    if (refresh === undefined) {
      if (method !== 'GET') return send(res, errorBody(405, 'Method Not Allowed', `${method} is not allowed here`));
      return send(res, { status: 200, body: { data: this.secretDocument(stored) } });
    }
    if (method !== 'POST') return send(res, errorBody(405, 'Method Not Allowed', `${method} is not allowed here`));
    this.refreshCounts.set(secretId, (this.refreshCounts.get(secretId) ?? 0) + 1);
    const previous = this.refreshChains.get(secretId) ?? Promise.resolve();
    const outcome = previous.then(() => this.refreshAgainstKommo(stored));
    this.refreshChains.set(secretId, outcome.catch(() => undefined));
    const failure = await outcome;
    if (failure !== undefined) return send(res, errorBody(400, 'Token refresh failed', failure));
    const document = this.secretDocument(stored);
    // The API docs show an array, the components in the wild read an object (docs/elasticio-platform.md §3.3).
    return send(res, { status: 200, body: { data: this.refreshResponseShape === 'array' ? [document] : document } });
  }

  private isAuthorized(header: string | undefined): boolean {
    const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!match) return false;
    return Buffer.from(match[1], 'base64').toString('utf8') === `${this.username}:${this.apiKey}`;
  }

  private secretDocument(stored: StoredSecret): Record<string, unknown> {
    return {
      id: stored.id,
      type: 'auth-secret',
      attributes: {
        name: stored.name,
        state: stored.state,
        ...(stored.error !== undefined ? { error: stored.error } : {}),
        type: 'oauth2',
        credentials: {
          access_token: stored.accessToken,
          refresh_token: stored.refreshToken,
          expires_in: stored.expiresInSeconds,
          token_type: 'Bearer',
          fields: { ...stored.fields },
        },
      },
      relationships: { workspace: { data: { id: this.workspaceId, type: 'workspace' } } },
    };
  }

  /** One refresh through Kommo's token endpoint; returns a failure description, or undefined on success. */
  private async refreshAgainstKommo(stored: StoredSecret): Promise<string | undefined> {
    let answer: { status: number; text: string };
    try {
      answer = await postJson(`${this.kommo.baseUrl}/oauth2/access_token`, {
        client_id: this.kommo.clientId,
        client_secret: this.kommo.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: stored.refreshToken,
        redirect_uri: this.kommo.redirectUri,
      });
    } catch (error) {
      return this.markFailed(stored, `Kommo token endpoint unreachable: ${error instanceof Error ? error.message : String(error)}`);
    }
    const parsed = parseBody(answer.text, 'application/json');
    const tokens = parsed.kind === 'ok' && isRecord(parsed.value) ? parsed.value : {};
    if (answer.status !== 200 || typeof tokens.access_token !== 'string' || typeof tokens.refresh_token !== 'string') {
      const hint = typeof tokens.hint === 'string' ? `: ${tokens.hint}` : '';
      return this.markFailed(stored, `Kommo token endpoint answered ${answer.status}${hint}`);
    }
    stored.accessToken = tokens.access_token;
    stored.refreshToken = tokens.refresh_token;
    stored.expiresInSeconds = typeof tokens.expires_in === 'number' ? tokens.expires_in : stored.expiresInSeconds;
    stored.state = 'ready';
    delete stored.error;
    return undefined;
  }

  private markFailed(stored: StoredSecret, message: string): string {
    stored.state = 'error';
    stored.error = message;
    return message;
  }
}

function send(res: ServerResponse, result: PlatformRouteResult): void {
  if (result.body === undefined) {
    res.writeHead(result.status, { 'content-length': 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(result.body);
  res.writeHead(result.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function postJson(url: string, payload: unknown): Promise<{ status: number; text: string }> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // The platform does not wait forever on a hung Kommo either.
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Start the fake platform on 127.0.0.1; its refreshes go to `options.kommo`. */
export async function startFakePlatform(options: FakePlatformOptions): Promise<FakePlatform> {
  const platform = new FakeElasticPlatform(options);
  await platform.listen(options.port ?? 0);
  return platform;
}
