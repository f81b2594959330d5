/**
 * Calls a component function the way sailor 2.7.8 does (lib/executor.js, docs/elasticio-platform.md
 * §1.3): `this` carries `logger` and `emit`; a resolved truthy value becomes a data message; a
 * throw or rejection becomes an error; a falsy value emits nothing. What works here works on the
 * platform (the e2e suite runs the same handlers inside the real runtime).
 */
import fs from 'fs';
import path from 'path';
import type { Logger, Message } from '../lib/context';

/** What the platform would have seen from one call. */
export type Emitted =
  | { event: 'data'; message: Message }
  | { event: 'error'; error: Error }
  | { event: 'rebound'; reason: unknown }
  | { event: string; payload: unknown };

/** A log line the component wrote through the runtime's logger (coerced to a string, as bunyan is). */
export interface LoggedLine {
  level: keyof Logger;
  text: string;
}

/** Outcome of one call. */
export interface CallResult {
  emitted: Emitted[];
  logs: LoggedLine[];
}

type Handler = (this: unknown, ...args: unknown[]) => unknown;

const root = path.join(__dirname, '..');

interface Manifest {
  actions?: Record<string, { main: string }>;
  triggers?: Record<string, { main: string }>;
}

/** Loads a function's built module as sailor's component reader does: component.json `main`, triggers first. */
export async function loadFunction(name: string): Promise<{ process: Handler }> {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'component.json'), 'utf8')) as Manifest;
  const entry = manifest.triggers?.[name] ?? manifest.actions?.[name];
  if (!entry) {
    const known = [...Object.keys(manifest.triggers ?? {}), ...Object.keys(manifest.actions ?? {})];
    throw new Error(`component.json has no trigger or action "${name}"; known: ${known.join(', ')}`);
  }
  return (await import(path.join(root, entry.main))) as { process: Handler };
}

/** Loads the built verifyCredentials.js; like sailor, a missing file is reported (sailor would silently verify). */
export async function loadVerifyCredentials(): Promise<Handler> {
  const file = path.join(root, 'verifyCredentials.js');
  if (!fs.existsSync(file)) throw new Error('verifyCredentials.js is not built: run `npm run build`');
  const loaded = (await import(file)) as Handler | { default: Handler };
  // `export =` compiles to `module.exports = fn`; a dynamic import may wrap it as `default`.
  return typeof loaded === 'function' ? loaded : loaded.default;
}

function recordingLogger(logs: LoggedLine[]): Logger {
  const line = (level: keyof Logger) => (message: unknown) => logs.push({ level, text: String(message) });
  return { trace: line('trace'), debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** Runs `process(msg, cfg, snapshot)` with a runtime-like `this` and collects what it emitted. */
export async function callProcess(handler: Handler, msg: Message, cfg: object, snapshot: object = {}): Promise<CallResult> {
  const emitted: Emitted[] = [];
  const logs: LoggedLine[] = [];
  const context = {
    logger: recordingLogger(logs),
    async emit(event: string, payload?: unknown) {
      if (event === 'data') emitted.push({ event, message: payload as Message });
      else if (event === 'error') emitted.push({ event, error: payload as Error });
      else if (event === 'rebound') emitted.push({ event, reason: payload });
      else emitted.push({ event, payload });
    },
  };
  try {
    const result = await handler.call(context, msg, cfg, snapshot);
    if (result) await context.emit('data', result);
  } catch (error) {
    await context.emit('error', error);
  }
  return { emitted, logs };
}

/**
 * Runs verifyCredentials as sailor's runService does (docs/elasticio-platform.md §2.2): a throw becomes
 * `{verified: false, reason}`; an answer without `verified` counts as verified.
 */
export async function callVerifyCredentials(handler: Handler, cfg: object): Promise<{ result: { verified: boolean; reason?: string }; logs: LoggedLine[] }> {
  const logs: LoggedLine[] = [];
  const context = { logger: recordingLogger(logs), emit: async () => undefined };
  try {
    const answer = (await handler.call(context, cfg)) as { verified?: boolean; reason?: string } | undefined;
    return { result: answer && 'verified' in answer ? { verified: Boolean(answer.verified), reason: answer.reason } : { verified: true }, logs };
  } catch (error) {
    return { result: { verified: false, reason: error instanceof Error ? error.message : String(error) }, logs };
  }
}
