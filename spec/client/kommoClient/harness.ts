/**
 * Shared fixtures of the KommoClient specs (one spec file per concern in this folder): the
 * platform's secrets API and the Kommo account scripted with nock, and a client whose clock,
 * randomness and sleep are injected, so no test waits for a backoff and every delay is asserted.
 * Importing this module loads nock: real-server specs must not import it.
 */
import nock from 'nock';
import type { CredentialConfig } from '../../../lib/client/auth';
import { ClientDeps, createKommoClient, KommoClient, KommoRequest } from '../../../lib/client/KommoClient';
import type { Transport, TransportOutcome, TransportRequest } from '../../../lib/client/transport';
import { sharedTransport } from '../../../lib/processScope';
import { platformEnv, RecordingContext, recordingContext, rejection } from '../../helpers';

export const KOMMO = 'https://acme.kommo.com';
export const OTHER_KOMMO = 'https://other.kommo.com';
export const PLATFORM = 'https://platform.test';
export const SECRET_PATH = '/v2/workspaces/ws-1/secrets/s1';
export const REFRESH_PATH = `${SECRET_PATH}/refresh`;
export const LEADS = '/api/v4/leads';

export const TOKEN_A = 'tok-SECRET-abc123';
export const TOKEN_B = 'tok-SECRET-renewed-456';
export const TOKEN_C = 'tok-SECRET-other-789';
export const REFRESH_TOKEN = 'refresh-SECRET-def456';
export const CLIENT_SECRET = 'client-SECRET-ghi789';
export const ENV = platformEnv(PLATFORM);
export const PLATFORM_KEY = String(ENV.ELASTICIO_API_KEY);
export const BASIC = `Basic ${Buffer.from(`${String(ENV.ELASTICIO_API_USERNAME)}:${PLATFORM_KEY}`).toString('base64')}`;
export const FIXED_NOW = Date.parse('2026-03-02T10:00:00Z');

export const SECRET_CFG: CredentialConfig = { secretId: 's1' };
/** A token given in cfg (the oauth path), with `retries` as the test needs it. */
export function oauthCfg(retries?: number): CredentialConfig {
  return { oauth: { access_token: 'tok' }, baseUrl: KOMMO, ...(retries === undefined ? {} : { retries }) };
}

export const GET_LEADS: KommoRequest = { method: 'GET', url: 'leads' };

/** A secrets API answer in the platform's shape; `data` as an object, or as a one-element array. */
export function secretBody(accessToken: string, fields: Record<string, unknown> = { baseUrl: KOMMO }, shape: 'object' | 'array' = 'object'): object {
  const entry = {
    id: 's1',
    type: 'auth-secret',
    attributes: {
      name: 'Kommo',
      state: 'ready',
      credentials: { access_token: accessToken, refresh_token: REFRESH_TOKEN, expires_in: 86400, fields },
    },
  };
  return { data: shape === 'array' ? [entry] : entry };
}

/** The platform API: every call must carry the task's Basic credentials (never the bearer). */
export function platform(): nock.Scope {
  return nock(PLATFORM, { reqheaders: { authorization: BASIC } });
}

/** The Kommo account: every call must carry a bearer token. */
export function kommo(origin = KOMMO): nock.Scope {
  return nock(origin, { reqheaders: { authorization: /^Bearer / } });
}

export interface Harness {
  ctx: RecordingContext;
  /** Delays the client asked to sleep, in order. */
  sleeps: number[];
  deps: ClientDeps;
  client(cfg?: CredentialConfig): Promise<KommoClient>;
  /** Log lines, as the runtime would print them. */
  lines(): string[];
}

/** A client factory with no pacing, a fixed clock, jitter factor 1.0 and a recording sleep. */
export function harness(env: NodeJS.ProcessEnv = ENV, extra: Partial<ClientDeps> = {}): Harness {
  const ctx = recordingContext();
  const sleeps: number[] = [];
  const deps: ClientDeps = {
    logger: ctx.logger,
    env,
    rateLimiter: null,
    sleep: async (delayMs: number) => { sleeps.push(delayMs); },
    random: () => 0.5, // jitter factor exactly 1.0
    nowMs: () => FIXED_NOW,
    ...extra,
  };
  return {
    ctx,
    sleeps,
    deps,
    client: (cfg = SECRET_CFG) => createKommoClient(cfg, deps),
    lines: () => ctx.logs.map((line) => line.text),
  };
}

/** A transport that answers from a script, in order, and records what it was asked. */
export function scriptedTransport(outcomes: TransportOutcome[]): { transport: (request: TransportRequest) => Promise<TransportOutcome>; sent: TransportRequest[] } {
  const sent: TransportRequest[] = [];
  return {
    sent,
    transport: async (request) => {
      sent.push(request);
      const outcome = outcomes.shift();
      if (outcome === undefined) throw new Error(`unscripted request ${request.method} ${request.url.pathname}`);
      return outcome;
    },
  };
}

/** In a {@link faultyTransport} plan: let this attempt through to nock. */
export const PASS = 'pass';

/**
 * The real transport (answered by nock), recording every attempt, with network failures
 * scripted in: each attempt takes the next entry of `plan`, a system error code (`ECONNRESET`)
 * or {@link PASS}; once the plan is used up, attempts pass. Network failures are scripted here
 * rather than with nock's replyWithError, whose mock socket can emit its error after the request
 * stopped listening and crash the test run; transport.spec.ts meets real resets and refusals.
 */
export function faultyTransport(plan: string[] = []): { transport: Transport; sent: TransportRequest[] } {
  const remaining = [...plan];
  const sent: TransportRequest[] = [];
  return {
    sent,
    transport: async (request) => {
      sent.push(request);
      const next = remaining.shift();
      if (next !== undefined && next !== PASS) return { kind: 'network', code: next };
      return sharedTransport()(request);
    },
  };
}

/** Awaits a promise that must reject with an instance of `type`. */
export async function rejectionOf<T extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(type);
  return error as T;
}

/** Counts what reaches a host, however it was matched. */
export function countRequests(scope: nock.Scope): { count: number } {
  const counter = { count: 0 };
  scope.on('request', () => { counter.count += 1; });
  return counter;
}
