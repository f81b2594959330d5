/**
 * Tokens of the default account and the token endpoint `POST /oauth2/access_token`
 * (docs/kommo-api.md §2.2–docs/kommo-api.md §2.4).
 *
 * Refresh tokens are strictly single-use: the first refresh rotates the pair and the old refresh
 * token answers `Token has been revoked` from then on. docs/kommo-api.md §2.3 also describes a grace period until
 * the new pair is used; we leave it out because it is undocumented in detail and the SDK
 * maintainer reports the strict behaviour (Issue #123), which is the one a client must survive.
 * An access token stays valid until it expires or is revoked, even after a refresh: access
 * tokens are self-contained JWTs, and nothing documents server-side revocation on refresh.
 */
import { randomBytes, randomUUID } from 'crypto';
import { oauthProblem, type Problem } from './problems';
import { isRecord } from './httpIo';

/** Refresh tokens expire after three months without use (docs/kommo-api.md §2.3). */
const REFRESH_TOKEN_TTL_MS = 90 * 24 * 3600 * 1000;
/** Authorization codes live 20 minutes and are exchanged once (docs/kommo-api.md §0). */
const AUTHORIZATION_CODE_TTL_MS = 20 * 60 * 1000;

/** Who an access token acts for. */
export interface AccessGrant {
  accountId: number;
  userId: number;
}

/** The integration's registered OAuth client. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

interface AccessTokenRecord extends AccessGrant {
  expiresAtMs: number;
  revoked: boolean;
}

interface RefreshTokenRecord extends AccessGrant {
  expiresAtMs: number;
  used: boolean;
}

interface AuthorizationCodeRecord {
  expiresAtMs: number;
  used: boolean;
}

/** What the token endpoint answers: the token response, or an OAuth problem. */
export type TokenEndpointAnswer = { ok: true; tokens: Record<string, unknown> } | { ok: false; problem: Problem };

export class TokenStore {
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly authorizationCodes = new Map<string, AuthorizationCodeRecord>();

  constructor(
    private readonly client: OAuthClient,
    private readonly grant: AccessGrant,
    private readonly accessTokenTtlSeconds: number,
    private readonly now: () => number,
  ) {}

  /** A new pair for the default account; earlier pairs are unaffected. */
  issuePair(): TokenPair {
    const nowMs = this.now();
    const accessToken = this.mintAccessToken(nowMs);
    const refreshToken = `def50200${randomBytes(48).toString('hex')}`;
    this.accessTokens.set(accessToken, { ...this.grant, expiresAtMs: nowMs + this.accessTokenTtlSeconds * 1000, revoked: false });
    this.refreshTokens.set(refreshToken, { ...this.grant, expiresAtMs: nowMs + REFRESH_TOKEN_TTL_MS, used: false });
    return { accessToken, refreshToken };
  }

  /**
   * Make `pair` valid again from now: un-revoked, unexpired, its refresh token unused (the
   * sandbox's reset). Other tokens are left alone, so a fake-platform secret holding a rotated
   * pair keeps working across resets.
   */
  revalidate(pair: TokenPair): void {
    const nowMs = this.now();
    this.accessTokens.set(pair.accessToken, { ...this.grant, expiresAtMs: nowMs + this.accessTokenTtlSeconds * 1000, revoked: false });
    this.refreshTokens.set(pair.refreshToken, { ...this.grant, expiresAtMs: nowMs + REFRESH_TOKEN_TTL_MS, used: false });
  }

  issueAuthorizationCode(): string {
    const code = `def50200${randomBytes(32).toString('hex')}`;
    this.authorizationCodes.set(code, { expiresAtMs: this.now() + AUTHORIZATION_CODE_TTL_MS, used: false });
    return code;
  }

  revokeAccessToken(token: string): void {
    const record = this.accessTokens.get(token);
    if (record) record.revoked = true;
  }

  /** The grant behind a bearer token, or undefined when it is unknown, revoked or expired. */
  verifyAccessToken(token: string): AccessGrant | undefined {
    const record = this.accessTokens.get(token);
    if (!record || record.revoked || this.now() >= record.expiresAtMs) return undefined;
    return { accountId: record.accountId, userId: record.userId };
  }

  /** Handle a decoded token-endpoint body (JSON or form fields). */
  exchange(body: unknown): TokenEndpointAnswer {
    if (!isRecord(body)) return badRequest('Check the `grant_type` parameter');
    const field = (name: string): string | undefined => (typeof body[name] === 'string' ? (body[name] as string) : undefined);

    const grantType = field('grant_type');
    if (grantType !== 'refresh_token' && grantType !== 'authorization_code') {
      return grantType === undefined ? badRequest('Check the `grant_type` parameter') : badRequest('Unsupported grant type');
    }
    // A wrong client is a 400 like other bad parameters (docs/kommo-api.md §2.4).
    if (field('client_id') !== this.client.clientId || field('client_secret') !== this.client.clientSecret) {
      return badRequest('Client authentication failed');
    }
    const redirectUri = field('redirect_uri');
    return grantType === 'refresh_token'
      ? this.exchangeRefreshToken(field('refresh_token'), redirectUri)
      : this.exchangeAuthorizationCode(field('code'), redirectUri);
  }

  private exchangeRefreshToken(refreshToken: string | undefined, redirectUri: string | undefined): TokenEndpointAnswer {
    if (refreshToken === undefined) return badRequest('Check the `refresh_token` parameter');
    // Whether Kommo rejects a refresh without redirect_uri is undocumented (docs/kommo-api.md §2.2): we accept its
    // absence but reject a wrong one.
    if (redirectUri !== undefined && redirectUri !== this.client.redirectUri) return badRequest('Redirect URI mismatch');
    const record = this.refreshTokens.get(refreshToken);
    if (!record) return { ok: false, problem: oauthProblem(401, 'Cannot decrypt the refresh token') };
    if (record.used) return { ok: false, problem: oauthProblem(401, 'Token has been revoked') };
    if (this.now() >= record.expiresAtMs) return { ok: false, problem: oauthProblem(401, 'Token has expired') };
    record.used = true;
    return this.tokenResponse();
  }

  private exchangeAuthorizationCode(code: string | undefined, redirectUri: string | undefined): TokenEndpointAnswer {
    if (code === undefined) return badRequest('Check the `code` parameter');
    if (redirectUri !== this.client.redirectUri) return badRequest('Redirect URI mismatch');
    const record = this.authorizationCodes.get(code);
    if (!record) return badRequest('Cannot decrypt the authorization code');
    if (record.used) return badRequest('Authorization code has been revoked');
    if (this.now() >= record.expiresAtMs) return badRequest('Authorization code has expired');
    record.used = true;
    return this.tokenResponse();
  }

  private tokenResponse(): TokenEndpointAnswer {
    const pair = this.issuePair();
    return {
      ok: true,
      tokens: {
        token_type: 'Bearer',
        expires_in: this.accessTokenTtlSeconds,
        access_token: pair.accessToken,
        refresh_token: pair.refreshToken,
        server_time: Math.floor(this.now() / 1000),
      },
    };
  }

  /**
   * JWT-shaped like Kommo's (docs/kommo-api.md §2.2) so clients that peek at claims see realistic
   * ones; the signature is random bytes, and a random `jti` makes every token unique.
   */
  private mintAccessToken(nowMs: number): string {
    const issuedAt = Math.floor(nowMs / 1000);
    const header = { typ: 'JWT', alg: 'RS256', jti: randomUUID() };
    const claims = {
      aud: this.client.clientId,
      jti: header.jti,
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + this.accessTokenTtlSeconds,
      sub: String(this.grant.userId),
      account_id: this.grant.accountId,
      base_domain: 'kommo.com',
      api_domain: 'api-c.kommo.com',
      version: 2,
      scopes: ['crm', 'notifications'],
    };
    return [base64Url(JSON.stringify(header)), base64Url(JSON.stringify(claims)), randomBytes(64).toString('base64url')].join('.');
  }
}

function base64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function badRequest(hint: string): TokenEndpointAnswer {
  return { ok: false, problem: oauthProblem(400, hint) };
}
