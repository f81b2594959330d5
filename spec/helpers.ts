/**
 * Shared test fixtures: a handler context whose logger and emit record everything, so tests can
 * assert on log lines and emitted events (and scan them for secrets).
 */
import type { ComponentContext, Logger } from '../lib/context';

/** A log line as the runtime would print it: sailor coerces the first argument to a string. */
export interface LogLine {
  level: keyof Logger;
  text: string;
}

/** A context like sailor's TaskExec, recording logs and emitted events. */
export interface RecordingContext extends ComponentContext {
  logs: LogLine[];
  emitted: Array<{ event: string; payload: unknown }>;
}

export function recordingContext(): RecordingContext {
  const logs: LogLine[] = [];
  const emitted: Array<{ event: string; payload: unknown }> = [];
  const record = (level: keyof Logger) => (message: string, ...args: unknown[]) => {
    logs.push({ level, text: [String(message), ...args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg)))].join(' ') });
  };
  return {
    logs,
    emitted,
    logger: { trace: record('trace'), debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
    async emit(event: string, payload?: unknown) {
      emitted.push({ event, payload });
    },
  };
}

/** Platform env for the secret path, pointing at a given API URI. */
export function platformEnv(apiUri: string): NodeJS.ProcessEnv {
  return {
    ELASTICIO_API_URI: apiUri,
    ELASTICIO_API_USERNAME: 'task-user@example.com',
    ELASTICIO_API_KEY: 'platform-api-key-0123456789',
    ELASTICIO_WORKSPACE_ID: 'ws-1',
  };
}

/** Every string reachable from a value (error properties, nested bodies), for secret scans. */
export function allStrings(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  const own = Object.getOwnPropertyNames(value).map((key) => (value as Record<string, unknown>)[key]);
  return own.flatMap((entry) => allStrings(entry, seen));
}

/** A loopback port with nothing listening: connecting to it fails with a real ECONNREFUSED. */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Awaits a promise that must reject, and returns what it rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/**
 * Stands in for an object a `beforeAll` hook creates, so a spec can name it at module level:
 * every property read or write goes to `current()` (methods bound to it), which should throw
 * while the object does not exist yet.
 */
export function standIn<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_, key) {
      const target = current();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(_, key, value) {
      return Reflect.set(current(), key, value);
    },
  });
}
