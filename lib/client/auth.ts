/**
 * Where the bearer token (and the credential's settings) come from. The platform refreshes Kommo
 * tokens: this module never calls Kommo's token endpoint and never emits `updateKeys`, because
 * Kommo rotates the refresh token on every use and a second refresher revokes the credential
 * (docs/kommo-api.md §2.3).
 */
import axios from 'axios';
import { secretCache } from '../processScope';
import { configError, KommoError, platformError } from './errors';
import { PlatformSettings, resolvePlatformSettings } from './options';

/** The credential part of a step's configuration, as sailor passes it. */
export interface CredentialConfig {
  /** Set by the platform for steps whose credential is an Auth Secret (the normal case). */
  secretId?: string;
  /** Legacy credentials and verifyCredentials: the OAuth token response. */
  oauth?: { access_token?: unknown };
  baseUrl?: unknown;
  retries?: unknown;
}

/** Supplies the token for each attempt, and a fresher one after Kommo rejected it. */
export interface TokenSource {
  /** The token to send now. */
  currentToken(): Promise<string>;
  /**
   * Called after Kommo answered 401 to `rejectedToken`. Resolves to a different token to replay
   * with once, or `undefined` when there is none (the 401 is final).
   */
  renewAfterRejection(rejectedToken: string): Promise<string | undefined>;
}

/** A resolved credential: the token source and the settings that travel with it. */
export interface Credential {
  tokens: TokenSource;
  /** Base URL as configured (cfg first, then the secret's fields); validated by the url layer. */
  baseUrl: unknown;
  /** "Number of retries" as configured; validated by options. */
  retries: unknown;
  /**
   * What tells this credential apart from others in the process (the secret's cache key, or the
   * token itself): caches key by it, hashed (processScope `credentialScope`). Never log it.
   */
  identity: string;
}

const PLATFORM_TIMEOUT_MS = 10000;

/** What the component needs from an Auth Secret. */
export interface SecretSnapshot {
  accessToken: string;
  fields: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the token and fields from a secrets API answer; `data` may be an object or an array. */
export function secretFromResponse(body: unknown): SecretSnapshot | undefined {
  const data = isRecord(body) ? body.data : undefined;
  const entry = Array.isArray(data) ? data[0] : data;
  const attributes = isRecord(entry) && isRecord(entry.attributes) ? entry.attributes : undefined;
  const credentials = attributes && isRecord(attributes.credentials) ? attributes.credentials : undefined;
  const accessToken = credentials?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') return undefined;
  return { accessToken, fields: isRecord(credentials?.fields) ? credentials.fields : {} };
}

/** The platform's secrets API for one secret. */
class SecretsApi {
  constructor(private readonly platform: PlatformSettings, private readonly secretId: string) {}

  read(): Promise<SecretSnapshot> {
    return this.call('GET', '', 'read');
  }

  /** Asks the platform to refresh; some platform versions answer without the secret, so re-read then. */
  async refresh(): Promise<SecretSnapshot> {
    return this.call('POST', '/refresh', 'refresh', true).catch((error: unknown) => {
      if (error instanceof MissingSecretBody) return this.read();
      throw error;
    });
  }

  private async call(method: 'GET' | 'POST', suffix: string, action: 'read' | 'refresh', bodyOptional = false): Promise<SecretSnapshot> {
    const path = `/v2/workspaces/${encodeURIComponent(this.platform.workspaceId)}/secrets/${encodeURIComponent(this.secretId)}${suffix}`;
    let response;
    try {
      response = await axios.request({
        method,
        url: `${this.platform.apiUri}${path}`,
        auth: { username: this.platform.username, password: this.platform.apiKey },
        timeout: PLATFORM_TIMEOUT_MS,
        maxRedirects: 0,
        validateStatus: () => true,
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const failure = typeof code === 'string' ? code : 'EUNKNOWN';
      // The HTTP library's error holds the request config (Basic credentials): keep only its words.
      const cause = Object.assign(new Error(error instanceof Error ? error.message : failure), { code: failure });
      throw platformError(action, this.secretId, failure, cause);
    }
    if (response.status < 200 || response.status >= 300) throw platformError(action, this.secretId, response.status);
    const secret = secretFromResponse(response.data);
    if (!secret) {
      if (bodyOptional) throw new MissingSecretBody('the refresh answer carried no secret');
      throw platformError(action, this.secretId, 'no access token in the secret');
    }
    return secret;
  }
}

/** Internal signal: the refresh answer carried no secret. */
class MissingSecretBody extends KommoError {}

/**
 * One secret in the process's secret cache (processScope), keyed by platform, workspace and
 * secretId: steady state costs no platform call.
 */
export interface SecretCacheEntry {
  snapshot: Promise<SecretSnapshot>;
  /** The renewal in flight, shared by every request whose token was rejected meanwhile (single flight). */
  renewal?: { rejectedToken: string; token: Promise<string | undefined> };
}

class SecretTokenSource implements TokenSource {
  constructor(private readonly api: SecretsApi, private readonly cacheKey: string) {}

  /** The cached secret, reading it once per process. */
  snapshot(): Promise<SecretSnapshot> {
    const cache = secretCache();
    let cached = cache.get(this.cacheKey);
    if (!cached) {
      const entry: SecretCacheEntry = { snapshot: this.api.read() };
      cache.set(this.cacheKey, entry);
      // A failed read must not poison the cache for later messages.
      entry.snapshot.catch(() => {
        if (cache.get(this.cacheKey) === entry) cache.delete(this.cacheKey);
      });
      cached = entry;
    }
    return cached.snapshot;
  }

  async currentToken(): Promise<string> {
    return (await this.snapshot()).accessToken;
  }

  renewAfterRejection(rejectedToken: string): Promise<string | undefined> {
    this.snapshot(); // makes sure a cache entry exists, synchronously
    const cached = secretCache().get(this.cacheKey) as SecretCacheEntry;
    // Checked and claimed before any await: 401s that arrive in the same tick share one renewal.
    if (cached.renewal?.rejectedToken === rejectedToken) return cached.renewal.token;
    // A renewal for another token may be running: let it finish, then look again.
    const previous = cached.renewal?.token.catch(() => undefined) ?? Promise.resolve(undefined);
    const token = previous.then(() => this.renewUnlessStale(cached, rejectedToken));
    const renewal = { rejectedToken, token };
    cached.renewal = renewal;
    const forget = () => {
      if (cached.renewal === renewal) cached.renewal = undefined;
    };
    token.then(forget, forget);
    return token;
  }

  private async renewUnlessStale(cached: SecretCacheEntry, rejectedToken: string): Promise<string | undefined> {
    const current = await cached.snapshot;
    // Someone else already renewed while this request was in flight.
    if (current.accessToken !== rejectedToken) return current.accessToken;
    return this.renew(rejectedToken);
  }

  /** Re-read first (the platform may have refreshed already); refresh only if the token is unchanged. */
  private async renew(rejectedToken: string): Promise<string | undefined> {
    let secret = await this.api.read();
    if (secret.accessToken === rejectedToken) secret = await this.api.refresh();
    this.store(secret);
    return secret.accessToken === rejectedToken ? undefined : secret.accessToken;
  }

  private store(secret: SecretSnapshot): void {
    const cached = secretCache().get(this.cacheKey);
    if (cached) cached.snapshot = Promise.resolve(secret);
    else secretCache().set(this.cacheKey, { snapshot: Promise.resolve(secret) });
  }
}

class StaticTokenSource implements TokenSource {
  constructor(private readonly token: string) {}

  async currentToken(): Promise<string> {
    return this.token;
  }

  /** A token given directly cannot be refreshed here: a 401 is final. */
  async renewAfterRejection(): Promise<undefined> {
    return undefined;
  }
}

/** `''` and `null` count as absent. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/**
 * Resolves the credential by docs/design.md's rules: `cfg.secretId` (settings from cfg, else the
 * secret's fields), else `cfg.oauth.access_token`, else a configuration error.
 */
export async function resolveCredential(cfg: CredentialConfig, env: NodeJS.ProcessEnv = process.env): Promise<Credential> {
  if (present(cfg.secretId)) {
    const secretId = String(cfg.secretId);
    const platform = resolvePlatformSettings(env);
    const cacheKey = `${platform.apiUri}|${platform.workspaceId}|${secretId}`;
    const source = new SecretTokenSource(new SecretsApi(platform, secretId), cacheKey);
    const { fields } = await source.snapshot();
    return {
      tokens: source,
      baseUrl: present(cfg.baseUrl) ? cfg.baseUrl : fields.baseUrl,
      retries: present(cfg.retries) ? cfg.retries : fields.retries,
      identity: `secret ${cacheKey}`,
    };
  }
  const token = cfg.oauth?.access_token;
  if (typeof token === 'string' && token !== '') {
    return { tokens: new StaticTokenSource(token), baseUrl: cfg.baseUrl, retries: cfg.retries, identity: `token ${token}` };
  }
  throw configError('No Kommo credential: the configuration has neither a secretId (an Auth Secret) nor oauth.access_token. '
    + 'Select or create a Kommo credential for this step.');
}
