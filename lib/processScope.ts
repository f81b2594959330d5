/**
 * The only module with process-wide state. Every message a container handles shares it, so it
 * holds exactly what must outlive one message:
 *
 * - the keep-alive transport (one connection pool per process);
 * - the rate limiter (one per process; it keeps a separate pace per account origin);
 * - the secret cache (one read of a credential's secret per process, docs/design.md
 *   "Where the token and settings come from");
 * - a TTL cache for account metadata (custom-field definitions and the like), keyed by a
 *   {@link CredentialScope} so that nothing read with one credential is served to another;
 * - the webhook replay guard: the Kommo request ids this container has already received
 *   (lib/webhooks/replay.ts), so a delivery Kommo repeats is emitted once per container;
 * - per-key queues ({@link exclusive}) that keep two messages from interleaving work on one key
 *   (two upserts of one email must not both create).
 *
 * Everything is created on first use, and {@link reset} forgets it all (tests). Import it as a
 * namespace: `import * as processScope from '../processScope'`.
 */
import { createHash } from 'crypto';
import type { SecretCacheEntry } from './client/auth';
import { resolveSettings } from './client/options';
import { createRateLimiter, RateLimiter } from './client/rateLimiter';
import { createAxiosTransport, Transport } from './client/transport';
import { ReplayGuard } from './webhooks/replay';

/**
 * One Kommo account reached with one credential: the only key the metadata cache takes, made
 * only by {@link credentialScope}, so a cache entry can never be looked up without a credential.
 */
export type CredentialScope = string & { readonly __credentialScope: unique symbol };

interface MemoEntry {
  value: Promise<unknown>;
  /** When the entry stops being served; infinite while its load is running. */
  expiresAtMs: number;
}

/** Options of {@link reset}: what tests inject. */
export interface ScopeOptions {
  /** Monotonic time in ms for the metadata cache's expiry. Default: `performance.now()`. */
  nowMs?: () => number;
}

let transport: Transport | undefined;
let rateLimiter: RateLimiter | undefined;
let secrets = new Map<string, SecretCacheEntry>();
let metadata = new Map<string, MemoEntry>();
let replayGuard: ReplayGuard | undefined;
/** Per key: a promise that settles when the last task queued for the key has settled. */
let queueTails = new Map<string, Promise<void>>();
// Monotonic: a wall-clock step (NTP) must not expire or revive cache entries.
let nowMs: () => number = () => performance.now();

/** The process's keep-alive transport. */
export function sharedTransport(): Transport {
  transport ??= createAxiosTransport();
  return transport;
}

/**
 * The process's rate limiter. Every client and message shares it; it keys its pace by the
 * account origin it is asked for, so one account has one pace whatever the settings of the
 * steps that reach it. The rate is the process's `KOMMO_RATE_LIMIT_RPS`.
 */
export function sharedRateLimiter(): RateLimiter {
  rateLimiter ??= createRateLimiter({ requestsPerSecond: resolveSettings().rateLimitRps });
  return rateLimiter;
}

/** The process's secret cache, keyed by auth.ts (platform, workspace and secret id). */
export function secretCache(): Map<string, SecretCacheEntry> {
  return secrets;
}

/**
 * The process's memory of webhook deliveries (Kommo's `x-amocrm-requestid`), bounded in time and
 * entries (lib/webhooks/replay.ts). One per container: another replica has its own.
 */
export function webhookReplayGuard(): ReplayGuard {
  replayGuard ??= new ReplayGuard();
  return replayGuard;
}

/**
 * The cache scope of one account (`origin`) reached with one credential (`credentialId`, e.g.
 * the secret's key, or the token). The id is hashed: a scope never holds a token in clear.
 */
export function credentialScope(origin: string, credentialId: string): CredentialScope {
  const digest = createHash('sha256').update(credentialId).digest('hex').slice(0, 32);
  return `${origin} ${digest}` as CredentialScope;
}

function memoKey(namespace: string, scope: CredentialScope): string {
  return `${namespace}\n${scope}`;
}

/**
 * The cached value of `namespace` (e.g. `custom_fields/leads`) for one credential scope, loading
 * it with `load` when absent or older than `ttlMs`. Concurrent callers share one load; a failed
 * load is not kept, so the next caller tries again.
 */
export function memo<T>(namespace: string, scope: CredentialScope, ttlMs: number, load: () => Promise<T>): Promise<T> {
  if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError(`ttlMs must be a finite number of milliseconds ≥ 0; got ${ttlMs}.`);
  const key = memoKey(namespace, scope);
  const now = nowMs();
  const cached = metadata.get(key);
  if (cached !== undefined && cached.expiresAtMs > now) return cached.value as Promise<T>;
  dropExpired(now);
  const entry: MemoEntry = { value: Promise.resolve().then(load), expiresAtMs: Number.POSITIVE_INFINITY };
  metadata.set(key, entry);
  entry.value.then(
    () => { entry.expiresAtMs = nowMs() + ttlMs; },
    () => { if (metadata.get(key) === entry) metadata.delete(key); },
  );
  return entry.value as Promise<T>;
}

/** The cached value of `namespace` for one scope (loaded or loading, not expired), without loading it. */
export function peek<T>(namespace: string, scope: CredentialScope): Promise<T> | undefined {
  const cached = metadata.get(memoKey(namespace, scope));
  return cached !== undefined && cached.expiresAtMs > nowMs() ? cached.value as Promise<T> : undefined;
}

/** Forgets the cached value of `namespace` for one scope, e.g. after Kommo refused a value as unknown. */
export function invalidate(namespace: string, scope: CredentialScope): void {
  metadata.delete(memoKey(namespace, scope));
}

/** Expired entries go when a new one is added: the cache grows with accounts, not with time. */
function dropExpired(now: number): void {
  for (const [key, entry] of metadata) if (entry.expiresAtMs <= now) metadata.delete(key);
}

/**
 * Runs `task` after every task queued earlier under the same `key` in this process has settled
 * (whatever their outcome), and resolves or rejects as `task` does. Tasks under different keys
 * run concurrently. The key is held in memory only; callers hash what they would not log.
 */
export async function exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queueTails.get(key) ?? Promise.resolve();
  let release: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => { release = resolve; });
  const tail = previous.then(() => settled);
  const queues = queueTails;
  queues.set(key, tail);
  try {
    await previous;
    return await task();
  } finally {
    release();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

/** How many keys have a task running or waiting (tests: the queues do not grow). */
export function exclusiveKeys(): number {
  return queueTails.size;
}

/**
 * Forgets all process-wide state, as a new process would start: the transport (its idle
 * keep-alive sockets do not hold the process open and close on their own), the limiter's paces,
 * cached secrets and metadata, and the webhook deliveries seen. For tests; `options` injects the metadata cache's clock.
 */
export function reset(options: ScopeOptions = {}): void {
  transport = undefined;
  rateLimiter = undefined;
  secrets = new Map();
  metadata = new Map();
  replayGuard = undefined;
  queueTails = new Map();
  nowMs = options.nowMs ?? (() => performance.now());
}
