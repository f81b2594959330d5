/**
 * The polling triggers' test world: a strict sandbox on a clock the test moves by hand, writes
 * made over HTTP as the account's admin, and one trigger call run the way sailor runs it
 * (`process(msg, cfg, snapshot)` with a recording `this`), with the client's collaborators
 * injected (no pacing, no real sleeps, a transport the test can hook before each request).
 */
import type { Transport } from '../../lib/client/transport';
import { reset, sharedTransport } from '../../lib/processScope';
import type { StepDeps, StepHandler } from '../../lib/step';
import { startSandbox, type RequestLogEntry, type Sandbox, type SandboxOptions } from '../../sandbox';
import { recordingContext, standIn, type LogLine } from '../helpers';

/** 2026-03-02T00:00:00Z: the sandbox's "now" at start. */
export const START_MS = Date.UTC(2026, 2, 2);

/** A clock moved by the test only. */
export class ManualClock {
  constructor(public ms: number = START_MS) {}

  readonly now = (): number => this.ms;

  advance(ms: number): void {
    this.ms += ms;
  }

  /** Unix seconds of this clock (Kommo's, when the sandbox has no offset). */
  get seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}

export interface World {
  kommo: Sandbox;
  clock: ManualClock;
  /** A JSON call to the sandbox as the account's admin; throws on a non-2xx answer. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** Credential fields for the sandbox plus the trigger's fields. */
  cfg(fields?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

/** Starts a sandbox without rate limit on a manual clock; clears the process scope (caches, transport). */
export async function startWorld(options: SandboxOptions = {}): Promise<World> {
  const clock = new ManualClock();
  const kommo = await startSandbox({ rateLimit: false, now: clock.now, ...options });
  reset();
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${kommo.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${kommo.accessToken}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`sandbox ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
  return {
    kommo,
    clock,
    api,
    // One attempt per request: a scripted 500 fails the poll instead of being retried away.
    cfg: (fields = {}) => ({ oauth: { access_token: kommo.accessToken }, baseUrl: kommo.baseUrl, retries: '0', ...fields }),
    close: () => kommo.close(),
  };
}

/**
 * Registers the hooks of a file's world: started in `beforeAll` (see `startWorld`), closed in
 * `afterAll`, and before each test the clock back at `START_MS`, the sandbox reset and the process
 * scope cleared. Returns a stand-in for the world, usable in hooks and tests (not at module level).
 */
export function useWorld(options: SandboxOptions = {}): World {
  let running: World | undefined;
  const started = (): World => {
    if (running === undefined) throw new Error('the world starts in beforeAll: use it inside a hook or a test, not at module level');
    return running;
  };
  beforeAll(async () => {
    running = await startWorld(options);
  });
  afterAll(async () => {
    await running?.close();
  });
  beforeEach(() => {
    const world = started();
    world.clock.ms = START_MS;
    world.kommo.reset();
    reset();
  });
  return standIn(started);
}

/** What one trigger call did, as the platform would see it. */
export interface StepRun {
  /** Emitted events in order: `data` (the body), `snapshot` (the snapshot). */
  events: Array<{ event: string; payload: unknown }>;
  data: unknown[];
  snapshots: Array<Record<string, unknown>>;
  error?: unknown;
  logs: LogLine[];
  /** Kommo requests of this call (the sandbox's log). */
  requests: RequestLogEntry[];
  /** Kommo's `Date` header of the call's first answer. */
  firstDate?: string;
}

/** Called before each request the trigger sends (1-based within the call); may write to the sandbox. */
export type BeforeRequest = (n: number, url: URL) => Promise<void> | void;

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  beforeRequest?: BeforeRequest;
  /** Sees every `this.emit` before it is recorded; throwing makes that emit fail (sailor could not publish it). */
  onEmit?: (event: string, payload: unknown) => void;
}

/** Runs `process(msg, cfg, snapshot)` once; a thrown error is recorded, not rethrown. */
export async function runStep(world: World, handler: StepHandler<never, unknown>, cfg: Record<string, unknown>, snapshot: unknown, options: RunOptions = {}): Promise<StepRun> {
  const before = world.kommo.requestLog.length;
  const base = sharedTransport();
  let sent = 0;
  let firstDate: string | undefined;
  const transport: Transport = async (request) => {
    sent += 1;
    await options.beforeRequest?.(sent, request.url);
    const outcome = await base(request);
    if (firstDate === undefined && outcome.kind === 'response') firstDate = outcome.headers.date;
    return outcome;
  };
  const deps: StepDeps = { rateLimiter: null, transport, sleep: async () => undefined, nowMs: world.clock.now, env: options.env ?? {} };
  const recording = recordingContext();
  const context = {
    ...recording,
    emit: async (event: string, payload?: unknown) => {
      options.onEmit?.(event, payload);
      await recording.emit(event, payload);
    },
  };
  let error: unknown;
  try {
    await handler.withDeps(deps).call(context, { body: {} }, cfg as never, snapshot);
  } catch (caught) {
    error = caught;
  }
  return {
    events: recording.emitted,
    data: recording.emitted.filter((entry) => entry.event === 'data').map((entry) => (entry.payload as { body: unknown }).body),
    snapshots: recording.emitted.filter((entry) => entry.event === 'snapshot').map((entry) => entry.payload as Record<string, unknown>),
    ...(error === undefined ? {} : { error }),
    logs: recording.logs,
    requests: world.kommo.requestLog.slice(before),
    ...(firstDate === undefined ? {} : { firstDate }),
  };
}
