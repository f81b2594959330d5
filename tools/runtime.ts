/**
 * Calls a component's functions the way sailor 2.7.8 does (docs/elasticio-platform.md §1–2,
 * docs/elasticio-triggers.md §1–3), so that what works here works on the platform (the e2e suite
 * runs the same handlers inside the real runtime):
 * - `process(msg, cfg, snapshot)` with `this` = {logger, emit}: a resolved truthy value becomes a
 *   data message, a throw or rejection an error, a falsy value nothing; `snapshot` replaces the
 *   snapshot and `updateSnapshot` shallow-merges into it;
 * - hooks `init(cfg)`, `startup(cfg)`, `shutdown(cfg, data)` called as methods of the module (no
 *   logger, no emit);
 * - `getMetaModel(cfg)` and select models with `this` = {logger, emit};
 * - `verifyCredentials(cfg)`: a throw becomes `{verified: false, reason}`.
 */
import fs from 'fs';
import { createRequire } from 'module';
import path from 'path';
import type { Logger, Message } from '../lib/context';

/** What the platform would have seen from one call. */
export type Emitted =
  | { event: 'data'; message: Message }
  | { event: 'error'; error: Error }
  | { event: 'rebound'; reason: unknown }
  | { event: 'snapshot' | 'updateSnapshot'; snapshot: unknown }
  | { event: string; payload: unknown };

/** A log line the component wrote through the runtime's logger (coerced to a string, as bunyan does). */
export interface LoggedLine {
  level: keyof Logger;
  text: string;
}

/** Outcome of one `process` call: what was emitted, what was logged, and the snapshot afterwards. */
export interface CallResult {
  emitted: Emitted[];
  logs: LoggedLine[];
  snapshot: Record<string, unknown>;
}

/** The two kinds of functions `component.json` declares. */
export type FunctionKind = 'action' | 'trigger';

/** A function of the component, loaded from its built module. */
export interface ComponentFunction {
  kind: FunctionKind;
  key: string;
  /** The module's `module.exports`, exactly what sailor's `require` returns. */
  exports: Record<string, unknown>;
}

type Handler = (this: unknown, ...args: unknown[]) => unknown;

interface Manifest {
  actions?: Record<string, { main?: string }>;
  triggers?: Record<string, { main?: string }>;
}

const plural = (kind: FunctionKind): string => `${kind}s`;

function readManifest(root: string): Manifest {
  const file = path.join(root, 'component.json');
  if (!fs.existsSync(file)) throw new Error(`No component.json in ${root}: run the runner from the component's directory (npm start does).`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
}

/**
 * Loads a function's built module by its `component.json` key. Sailor `require`s `main`, so this
 * does too: `module.exports` is then the very object sailor sees (its exported names, and `this`
 * of the hooks).
 */
export function loadFunction(root: string, kind: FunctionKind, key: string): ComponentFunction {
  const manifest = readManifest(root);
  const declared = manifest[plural(kind) as 'actions' | 'triggers'] ?? {};
  const entry = Object.hasOwn(declared, key) ? declared[key] : undefined;
  if (!entry) {
    const other: FunctionKind = kind === 'action' ? 'trigger' : 'action';
    const inOther = Object.hasOwn(manifest[plural(other) as 'actions' | 'triggers'] ?? {}, key);
    const known = Object.keys(declared);
    throw new Error(
      `component.json has no ${kind} ${key}; ${plural(kind)}: ${known.length > 0 ? known.join(', ') : 'none yet'}` +
        (inOther ? `. ${key} is ${other === 'action' ? 'an action' : 'a trigger'}: use --${other} ${key}` : ''),
    );
  }
  if (!entry.main) throw new Error(`component.json's ${kind} ${key} has no "main"`);
  const file = path.join(root, entry.main);
  if (!fs.existsSync(file)) {
    throw new Error(`component.json's ${kind} ${key} points at ${entry.main}, which does not exist: is ${entry.main.replace(/\.js$/, '.ts')} written, and built (npm run build)?`);
  }
  const loadBuilt = createRequire(path.join(root, 'component.json'));
  return { kind, key, exports: loadBuilt(file) as Record<string, unknown> };
}

/** The function a module exports under `name`, or an error saying it does not and what it does export. */
export function exportedFunction(fn: ComponentFunction, name: string): Handler {
  const value = fn.exports[name];
  if (typeof value === 'function') return value as Handler;
  const functions = Object.keys(fn.exports).filter((exported) => typeof fn.exports[exported] === 'function');
  throw new Error(`${fn.kind} ${fn.key} exports no ${name}; it exports: ${functions.length > 0 ? functions.join(', ') : 'no functions'}`);
}

function recordingLogger(logs: LoggedLine[]): Logger {
  const line = (level: keyof Logger) => (message: unknown) => logs.push({ level, text: String(message) });
  return { trace: line('trace'), debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Runs `process(msg, cfg, snapshot)` with a runtime-like `this` and collects what it emitted. The
 * snapshot it returns follows sailor: `snapshot` replaces it, `updateSnapshot` with a plain object
 * (no `$set`) is merged into it, whether or not the call fails afterwards (sailor publishes
 * snapshot events as they are emitted).
 */
export async function callProcess(handler: Handler, msg: Message, cfg: object, snapshot: Record<string, unknown> = {}): Promise<CallResult> {
  const emitted: Emitted[] = [];
  const logs: LoggedLine[] = [];
  let current = structuredClone(snapshot);
  const context = {
    logger: recordingLogger(logs),
    async emit(event: string, payload?: unknown) {
      if (event === 'data') emitted.push({ event, message: payload as Message });
      else if (event === 'error') emitted.push({ event, error: payload as Error });
      else if (event === 'rebound') emitted.push({ event, reason: payload });
      else if (event === 'snapshot') {
        emitted.push({ event, snapshot: payload });
        current = isPlainObject(payload) ? structuredClone(payload) : {};
      } else if (event === 'updateSnapshot') {
        emitted.push({ event, snapshot: payload });
        if (!isPlainObject(payload)) logs.push({ level: 'error', text: 'sailor: You should pass an object to the `updateSnapshot` event' });
        else if ('$set' in payload) logs.push({ level: 'warn', text: 'sailor: $set is not supported any more in `updateSnapshot` event' });
        else Object.assign(current, structuredClone(payload));
      } else emitted.push({ event, payload });
    },
  };
  try {
    const result = await handler.call(context, structuredClone(msg), structuredClone(cfg), structuredClone(current));
    if (result) await context.emit('data', result);
  } catch (error) {
    await context.emit('error', error);
  }
  return { emitted, logs, snapshot: current };
}

/** Calls a hook (`init`, `startup`, `shutdown`) as sailor does: a method of the module, so without a logger or emit. */
export async function callHook(fn: ComponentFunction, hook: 'init' | 'startup' | 'shutdown', cfg: object, data?: unknown): Promise<unknown> {
  const handler = exportedFunction(fn, hook);
  return handler.call(fn.exports, structuredClone(cfg), data);
}

/**
 * Calls `getMetaModel` or a select model as sailor's runService does (docs/elasticio-platform.md
 * §2.3): `this` = {logger, emit}, `(cfg, callback)`, a returned value or the callback's result.
 */
export async function callService(fn: ComponentFunction, method: string, cfg: object): Promise<{ result: unknown; logs: LoggedLine[] }> {
  const handler = exportedFunction(fn, method);
  const logs: LoggedLine[] = [];
  const context = { logger: recordingLogger(logs), emit: async () => undefined };
  const result = await new Promise<unknown>((resolve, reject) => {
    const callback = (error: unknown, value: unknown) => (error ? reject(error) : resolve(value));
    try {
      const returned = handler.call(context, structuredClone(cfg), callback);
      if (returned) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
  return { result, logs };
}

/** Loads the built verifyCredentials.js; a missing file is reported (sailor would silently verify). */
export function loadVerifyCredentials(root: string): Handler {
  const file = path.join(root, 'verifyCredentials.js');
  if (!fs.existsSync(file)) throw new Error('verifyCredentials.js is not built: run `npm run build` (without it the platform accepts any credential)');
  const loaded = createRequire(path.join(root, 'component.json'))(file) as unknown;
  if (typeof loaded !== 'function') throw new Error('verifyCredentials.js does not export a function (module.exports = async function verifyCredentials…)');
  return loaded as Handler;
}

/**
 * Runs verifyCredentials as sailor's runService does (docs/elasticio-platform.md §2.2): a throw
 * becomes `{verified: false, reason}`; an answer without `verified` counts as verified.
 */
export async function callVerifyCredentials(handler: Handler, cfg: object): Promise<{ result: { verified: boolean; reason?: string }; logs: LoggedLine[] }> {
  const logs: LoggedLine[] = [];
  const context = { logger: recordingLogger(logs), emit: async () => undefined };
  try {
    const answer = (await handler.call(context, structuredClone(cfg))) as { verified?: boolean; reason?: string } | undefined;
    return { result: answer && 'verified' in answer ? { verified: Boolean(answer.verified), reason: answer.reason } : { verified: true }, logs };
  } catch (error) {
    return { result: { verified: false, reason: error instanceof Error ? error.message : String(error) }, logs };
  }
}
