/**
 * `npm start`: runs the component's built functions the way the elastic.io runtime calls them
 * (tools/runtime.ts) against the embedded Kommo sandbox, a sandbox served in another terminal, or
 * a real Kommo account, and prints what they emitted. `npm start -- -h` lists the modes.
 */
import fs from 'fs';
import { createRequire } from 'module';
import path from 'path';
import { parseArgs } from 'util';
import { startFakePlatform, startSandbox, type Sandbox } from '../sandbox';
import type { Logger, Message } from '../lib/context';
import type { ValueKind } from '../lib/entities/customFields';
import type { EioProperty } from '../lib/entities/schema';
import {
  callHook,
  callProcess,
  callService,
  callVerifyCredentials,
  CallResult,
  ComponentFunction,
  Emitted,
  exportedFunction,
  FunctionKind,
  loadFunction,
  loadVerifyCredentials,
  LoggedLine,
} from './runtime';
import { addCuts, Cuts, DEFAULT_LIMITS, describeCuts, noCuts, summarize, SummaryLimits } from './summarize';

const HELP = `Runs the component's built functions the way the elastic.io runtime calls them.

  npm start                                  a demo against an embedded Kommo sandbox
  npm start -- --action KEY [--body JSON] [--cfg CFG] [--full]
                                             process(msg, cfg) of an action
  npm start -- --trigger KEY [--body JSON] [--cfg CFG] [--full] [--reset-snapshot]
                                             process(msg, cfg, snapshot) of a trigger; the snapshot
                                             is kept in .tmp/runner/ so the next run continues
  npm start -- --trigger KEY --startup       the startup(cfg) hook; its result is saved locally
  npm start -- --trigger KEY --shutdown      the shutdown(cfg, data) hook, given the saved result
  npm start -- --action KEY --metadata       what getMetaModel(cfg) returns (dynamic metadata)
  npm start -- --action KEY --select MODEL   what the select model MODEL(cfg) returns
  npm start -- --verify [--cfg CFG]          verifyCredentials(cfg); exits 1 when it fails
  npm start -- --serve-sandbox               keep a sandbox running (until Ctrl-C) for other runs

Every --action form also works with --trigger and the other way round.

Options
  --body JSON       the message body: inline JSON, or @FILE to read it from a file
                    (e.g. a saved webhook delivery: --body @delivery.json)
  --message JSON    the whole incoming message instead ({"body": …, "headers": …, "query": …}),
                    inline or @FILE (a webhook delivery as the gateway passes it, with the
                    secret in "additionalUrlPath": samples/webhook-delivery.json)
  --cfg CFG         the step's configuration: a JSON file, or an inline JSON object. It holds
                    what the platform merges into cfg: the credential's fields and the step's
                    fields, e.g.
                      {"doNotThrow404": true}                       (a step field; credentials
                                                                     from the sandbox or env)
                      {"baseUrl": "https://acme.kommo.com", "retries": "2",
                       "oauth": {"access_token": "…"}}              (credential in the file)
  --full            print emitted messages in full (default: a summary that says what it cut)
  --reset-snapshot  start the trigger from an empty snapshot
  -h, --help        this text

A trigger runs with ELASTICIO_FLOW_ID=local-flow, ELASTICIO_STEP_ID=step_1 and
ELASTICIO_MESSAGE_CRYPTO_PASSWORD=local-runner-password unless they are set, and against the
embedded sandbox with ELASTICIO_FLOW_WEBHOOK_URI=http://127.0.0.1:9/hook/local-flow.

Where requests go
  KOMMO_BASE_URL and KOMMO_ACCESS_TOKEN (environment or .env) both set: that Kommo account.
  --cfg with "oauth" or "secretId": the credential in the file.
  Otherwise an embedded sandbox, started for this run and seeded with demo data (its writes
  are gone after the run; --serve-sandbox keeps one running and prints the two variables).
`;

/** A mistake in how the runner was called: exit code 2 and a pointer to -h. */
class UsageError extends Error {}

const useColor = process.stdout.isTTY;
const paint = (code: string) => (text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const yellow = paint('33');

function indent(text: string, prefix = '    '): string {
  return text.split('\n').map((line) => `${prefix}${line}`).join('\n');
}

/** Reads KEY=VALUE lines of a .env file into the environment (values already set win). */
function loadDotEnv(file: string): void {
  if (!fs.existsSync(file)) return;
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    const value = match[2].replace(/^(['"])(.*)\1$/, '$2');
    process.env[match[1]] ??= value;
  }
}

/** Parses JSON; a syntax error says where it broke, with the line and a caret under the spot. */
function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const position = Number(/position (\d+)/.exec(reason)?.[1] ?? text.length);
    const lineStart = text.lastIndexOf('\n', position - 1) + 1;
    const lineEnd = text.indexOf('\n', position) === -1 ? text.length : text.indexOf('\n', position);
    const lineNumber = text.slice(0, lineStart).split('\n').length;
    const column = position - lineStart;
    const windowStart = Math.max(lineStart, position - 60);
    const shown = text.slice(windowStart, Math.min(lineEnd, position + 20));
    const caret = `${' '.repeat(position - windowStart)}^`;
    const short = reason.replace(/\s*(in JSON )?at position \d+.*$/, '').replace(/ of JSON input$/, ' of the text');
    throw new UsageError(`${what} is not valid JSON: ${short} at line ${lineNumber}, column ${column + 1}:\n  ${shown}\n  ${caret}`);
  }
}

/** Reads a file named on the command line; a failure names the option it came from. */
function readOptionFile(file: string, option: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'is not readable' : `cannot be read (${code ?? String(error)})`;
    throw new UsageError(`The ${option} file ${file} ${why}.`);
  }
}

/** `--body`/`--message`: inline JSON, or `@FILE`. */
function readJsonArgument(value: string, option: string): unknown {
  if (value.startsWith('@')) return parseJson(readOptionFile(value.slice(1), option), `The ${option} file ${value.slice(1)}`);
  return parseJson(value, option);
}

function requireObject(value: unknown, what: string, example: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new UsageError(`${what} must be a JSON object, e.g. ${example}; got ${JSON.stringify(value)?.slice(0, 80)}.`);
}

/** `--cfg`: a JSON file, or an inline JSON object. */
function readCfg(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  const inline = value.trimStart().startsWith('{');
  const parsed = inline ? parseJson(value, '--cfg') : parseJson(readOptionFile(value, '--cfg'), `The --cfg file ${value}`);
  return requireObject(parsed, inline ? '--cfg' : `The --cfg file ${value}`, '{"baseUrl": "https://acme.kommo.com", "oauth": {"access_token": "…"}}');
}

// --- output ---------------------------------------------------------------------------------

/** How much of emitted values to print: everything (`--full`), or a summary within limits. */
type Detail = 'full' | SummaryLimits;

/** The demo shows one item per list and the first keys of each object: enough to see the shape. */
const DEMO_LIMITS: SummaryLimits = { maxArrayItems: 1, maxObjectKeys: 12, maxStringChars: 120, maxDepth: 12 };

/** Prints a JSON value in full or summarised; returns what the summary cut. */
function printValue(value: unknown, detail: Detail, prefix = '    '): Cuts {
  const { value: shown, cuts } = detail === 'full' ? { value, cuts: noCuts() } : summarize(value, detail);
  console.log(indent(JSON.stringify(shown, null, 2) ?? 'undefined', prefix));
  return cuts;
}

function printLogs(logs: LoggedLine[]): void {
  for (const line of logs) console.log(dim(`    log ${line.level}: ${line.text}`));
}

function printEmitted(entry: Emitted, detail: Detail): Cuts {
  if (entry.event === 'data' && 'message' in entry) {
    console.log(green('  → data message'));
    const { body, ...rest } = entry.message;
    let cuts = printValue(body, detail);
    const extra = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined && !(typeof value === 'object' && value !== null && Object.keys(value).length === 0)));
    if (Object.keys(extra).length > 0) {
      console.log(dim('    with message fields:'));
      cuts = addCuts(cuts, printValue(extra, detail));
    }
    return cuts;
  }
  if (entry.event === 'error' && 'error' in entry) {
    const error = entry.error as unknown;
    const name = error instanceof Error ? error.name : typeof error;
    console.log(red(`  → error message (the platform routes the input to the error queue): ${name}`));
    console.log(indent(error instanceof Error ? error.message : String(error)));
    return noCuts();
  }
  if (entry.event === 'rebound' && 'reason' in entry) {
    const reason = entry.reason instanceof Error ? entry.reason.message : String(entry.reason);
    console.log(yellow(`  → rebound (the platform re-delivers the message later): ${reason}`));
    return noCuts();
  }
  if ('snapshot' in entry) {
    console.log(yellow(`  → ${entry.event}`));
    return printValue(entry.snapshot, detail);
  }
  console.log(yellow(`  → ${entry.event}`));
  return 'payload' in entry && entry.payload !== undefined ? printValue(entry.payload, detail) : noCuts();
}

function printResult({ emitted, logs }: CallResult, detail: Detail): void {
  printLogs(logs);
  if (emitted.length === 0) console.log(yellow('  → emitted nothing (the message is acknowledged without output)'));
  let cuts = noCuts();
  for (const entry of emitted) cuts = addCuts(cuts, printEmitted(entry, detail));
  const note = describeCuts(cuts);
  if (note) console.log(dim(note));
}

// --- where requests go ----------------------------------------------------------------------

interface Target {
  cfg: Record<string, unknown>;
  /** Names the account in local file names: `sandbox`, or the Base URL's host. */
  name: string;
  close(): Promise<void>;
}

function hostOf(baseUrl: unknown): string {
  try {
    return new URL(String(baseUrl).includes('://') ? String(baseUrl) : `https://${String(baseUrl)}`).host;
  } catch {
    return 'unknown-host';
  }
}

/** Credentials: from --cfg, else KOMMO_BASE_URL + KOMMO_ACCESS_TOKEN, else an embedded sandbox. */
async function resolveTarget(cfg: Record<string, unknown>): Promise<Target> {
  const baseUrl = process.env.KOMMO_BASE_URL || undefined;
  const token = process.env.KOMMO_ACCESS_TOKEN || undefined;
  if (baseUrl && !token) throw new UsageError('KOMMO_BASE_URL is set but KOMMO_ACCESS_TOKEN is not: set both to use that Kommo account (a long-lived token from the integration\'s "Keys and scopes" tab), or neither to use the sandbox.');
  if (token && !baseUrl) throw new UsageError('KOMMO_ACCESS_TOKEN is set but KOMMO_BASE_URL is not: set both to use a Kommo account (e.g. KOMMO_BASE_URL=https://acme.kommo.com), or neither to use the sandbox.');
  const noop = async () => undefined;

  if ('oauth' in cfg || 'secretId' in cfg) {
    console.log(bold(`Credential from --cfg${cfg.baseUrl ? ` for ${String(cfg.baseUrl)}` : ''}${baseUrl ? ' (KOMMO_BASE_URL and KOMMO_ACCESS_TOKEN are not used)' : ''}`));
    return { cfg, name: 'secretId' in cfg ? `secret-${String(cfg.secretId)}` : hostOf(cfg.baseUrl), close: noop };
  }
  if ('baseUrl' in cfg) {
    throw new UsageError('--cfg sets baseUrl but holds no credential: add "oauth": {"access_token": "…"} to it, or remove baseUrl and set KOMMO_BASE_URL and KOMMO_ACCESS_TOKEN.');
  }
  if (baseUrl && token) {
    console.log(bold(`Kommo account at ${baseUrl}`));
    return { cfg: { oauth: { access_token: token }, baseUrl, ...cfg }, name: hostOf(baseUrl), close: noop };
  }
  const sandbox = await startSandbox();
  console.log(bold(`Kommo sandbox at ${sandbox.baseUrl} (started for this run; KOMMO_BASE_URL and KOMMO_ACCESS_TOKEN select a real account)`));
  // A webhook trigger's startup registers this address; the default goes nowhere but loopback.
  process.env.ELASTICIO_FLOW_WEBHOOK_URI ||= 'http://127.0.0.1:9/hook/local-flow';
  return { cfg: { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl, ...cfg }, name: 'sandbox', close: () => sandbox.close() };
}

/**
 * The flow variables a webhook trigger derives its secret from (lib/webhooks/secret.ts), set for
 * local runs when absent: with them, `--startup` subscribes the same destination every time and
 * a saved delivery (samples/webhook-delivery.json) carries the matching token.
 */
const LOCAL_FLOW_ENV: Readonly<Record<string, string>> = {
  ELASTICIO_FLOW_ID: 'local-flow',
  ELASTICIO_STEP_ID: 'step_1',
  ELASTICIO_MESSAGE_CRYPTO_PASSWORD: 'local-runner-password',
};

// --- local state: a trigger's snapshot and its startup data, per function and account ---------

function stateFile(root: string, fn: ComponentFunction, target: Target, what: 'snapshot' | 'startup'): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(root, '.tmp', 'runner', `${fn.kind}.${safe(fn.key)}.${safe(target.name)}.${what}.json`);
}

function readState(file: string): Record<string, unknown> | undefined {
  if (!fs.existsSync(file)) return undefined;
  return requireObject(parseJson(fs.readFileSync(file, 'utf8'), `The saved state ${file}`), `The saved state ${file}`, '{}');
}

function writeState(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

// --- the calls --------------------------------------------------------------------------------

/** The incoming message: `--message`, or `--body` wrapped as sailor delivers it. */
function readMessage(values: Values): Message {
  const message: Message = values.message !== undefined
    ? (requireObject(readJsonArgument(values.message, '--message'), '--message', '{"body": {…}, "headers": {…}}') as unknown as Message)
    : { body: values.body === undefined ? {} : readJsonArgument(values.body, '--body') };
  message.id ??= `local-${Date.now()}`;
  message.headers ??= {};
  return message;
}

async function runProcess(root: string, fn: ComponentFunction, target: Target, message: Message, options: { detail: Detail; resetSnapshot: boolean }): Promise<boolean> {
  const snapshotFile = stateFile(root, fn, target, 'snapshot');
  if (options.resetSnapshot) fs.rmSync(snapshotFile, { force: true });
  const snapshot = readState(snapshotFile) ?? {};
  const relative = path.relative(root, snapshotFile);
  console.log(bold(`${fn.kind} ${fn.key}: process(msg, cfg${fn.kind === 'trigger' ? ', snapshot' : ''})`));
  if (fn.kind === 'trigger') console.log(dim(`  snapshot ${Object.keys(snapshot).length > 0 ? `from ${relative}` : '{} (a first run)'}: ${JSON.stringify(snapshot)}`));
  if (typeof fn.exports.init === 'function') await callHook(fn, 'init', target.cfg);
  const result = await callProcess(exportedFunction(fn, 'process'), message, target.cfg, snapshot);
  printResult(result, options.detail);
  if (result.emitted.some((entry) => entry.event === 'snapshot' || entry.event === 'updateSnapshot')) {
    writeState(snapshotFile, result.snapshot);
    console.log(dim(`  snapshot saved to ${relative} (the next run continues from it; --reset-snapshot starts over): ${JSON.stringify(result.snapshot)}`));
  }
  return !result.emitted.some((entry) => entry.event === 'error');
}

async function runStartup(root: string, fn: ComponentFunction, target: Target): Promise<void> {
  console.log(bold(`${fn.kind} ${fn.key}: startup(cfg)`));
  const file = stateFile(root, fn, target, 'startup');
  const result = await callHook(fn, 'startup', target.cfg);
  // Sailor stores `{}` for an empty result (docs/elasticio-triggers.md §2).
  const data = result && typeof result === 'object' && Object.keys(result).length > 0 ? result : {};
  console.log(green('  → startup returned'));
  printValue(data, 'full');
  writeState(file, data);
  console.log(dim(`  saved to ${path.relative(root, file)}; --shutdown passes it to shutdown(cfg, data)`));
}

async function runShutdown(root: string, fn: ComponentFunction, target: Target): Promise<void> {
  const file = stateFile(root, fn, target, 'startup');
  const saved = readState(file);
  console.log(bold(`${fn.kind} ${fn.key}: shutdown(cfg, data)`));
  console.log(dim(saved ? `  data from ${path.relative(root, file)}: ${JSON.stringify(saved)}` : '  no startup data saved for this trigger and account: data is {}'));
  await callHook(fn, 'shutdown', target.cfg, saved ?? {});
  fs.rmSync(file, { force: true });
  console.log(green('  → shutdown finished; the saved startup data is removed'));
}

async function runService(fn: ComponentFunction, method: string, target: Target, detail: Detail): Promise<void> {
  console.log(bold(`${fn.kind} ${fn.key}: ${method}(cfg)`));
  const { result, logs } = await callService(fn, method, target.cfg);
  printLogs(logs);
  console.log(green(`  → ${method} returned`));
  const note = describeCuts(printValue(result, detail));
  if (note) console.log(dim(note));
}

async function runVerify(root: string, cfg: object): Promise<boolean> {
  const { result, logs } = await callVerifyCredentials(loadVerifyCredentials(root), cfg);
  printLogs(logs);
  console.log(result.verified ? green('  → {"verified": true}') : red(`  → {"verified": false, "reason": ${JSON.stringify(result.reason)}}`));
  return result.verified;
}

/** Runs one action in the demo, credential from the fake platform's secret. */
async function demoAction(root: string, body: unknown, cfg: Record<string, unknown>): Promise<void> {
  const fn = loadFunction(root, 'action', 'makeRawRequest');
  printResult(await callProcess(exportedFunction(fn, 'process'), { id: `demo-${Date.now()}`, body, headers: {} }, cfg), DEMO_LIMITS);
}

/** A built module of the component (`npm start` builds first), typed by its source. */
function builtModule<T>(root: string, file: string): T {
  return createRequire(path.join(root, 'component.json'))(path.join(root, file)) as T;
}

/** A `custom_fields_by_id` property as the demo prints it: its JSON type and, for choices and dates, what it holds. */
function describeProperty(property: EioProperty, kind: ValueKind): string {
  const choices = (labels: readonly string[]) => labels.map((label) => JSON.stringify(label)).join(' | ');
  if (kind === 'day') return 'string "YYYY-MM-DD" (a day in the account\'s time zone)';
  if (kind === 'dateTime') return 'string, ISO 8601 with the account\'s offset';
  if (property.enum) return `string: ${choices(property.enum)}`;
  if (property.type !== 'array') return property.type;
  const items = property.items;
  if (items?.enum) return `array of ${choices(items.enum)}`;
  const codes = items?.properties?.enum_code?.enum;
  if (items?.properties?.value) return `array of {value, enum_code${codes ? `: ${codes.join(' | ')}` : ''}}`;
  return 'array: Kommo\'s values, as Kommo returns them';
}

/**
 * The account's custom fields as the mapper will see them: `custom_fields_by_id` of the upsert
 * in-schema for contacts, built by the schema builder from the account's field definitions, and
 * the Kommo requests it cost (a `getMetaModel` call pays the same: one pass over the field pages).
 */
async function demoCustomFields(root: string, sandbox: Sandbox, cfg: Record<string, unknown>): Promise<void> {
  const { createKommoClient } = builtModule<typeof import('../lib/client/KommoClient')>(root, 'lib/client/KommoClient.js');
  const { accountModelFor } = builtModule<typeof import('../lib/entities/accountModel')>(root, 'lib/entities/accountModel.js');
  const { OBJECT_TYPES } = builtModule<typeof import('../lib/entities/registry')>(root, 'lib/entities/registry.js');
  const { buildUpsertInSchema } = builtModule<typeof import('../lib/entities/schema')>(root, 'lib/entities/schema.js');
  const { valueKind } = builtModule<typeof import('../lib/entities/customFields')>(root, 'lib/entities/customFields.js');
  const logs: LoggedLine[] = [];
  const line = (level: keyof Logger) => (message: string) => { logs.push({ level, text: String(message) }); };
  const logger: Logger = { trace: line('trace'), debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  const firstRequest = sandbox.requestLog.length;
  const contacts = OBJECT_TYPES.contacts;
  const fields = await accountModelFor(await createKommoClient(cfg, { logger })).customFields(contacts);
  const schema = buildUpsertInSchema(contacts, fields, 'email');
  const requests = sandbox.requestLog.slice(firstRequest).map((entry) => `${entry.method} ${entry.path}`);
  printLogs(logs);
  const properties = schema.properties.custom_fields_by_id.properties ?? {};
  console.log(green(`  → custom_fields_by_id of the upsert in-schema for contacts: ${Object.keys(properties).length} fields (id, title, Kommo type, value in a message)`));
  const titleWidth = Math.max(...fields.map((field) => (properties[String(field.id)].title ?? '').length));
  const typeWidth = Math.max(...fields.map((field) => field.type.length));
  for (const field of fields) {
    const property = properties[String(field.id)];
    console.log(`    ${field.id}  ${(property.title ?? '').padEnd(titleWidth)}  ${field.type.padEnd(typeWidth)}  ${describeProperty(property, valueKind(field.type))}`);
  }
  console.log(dim(`  Built from ${requests.length} Kommo request(s): ${requests.join(', ')}. A getMetaModel call costs one pass over the type's field pages (50 fields per page).`));
}

/** The demo: a person's first look at what the component does, against the sandbox. */
async function demo(root: string): Promise<void> {
  const sandbox = await startSandbox({ rateLimit: { requestsPerSecond: 7 } });
  const platform = await startFakePlatform({ kommo: sandbox });
  Object.assign(process.env, {
    ELASTICIO_API_URI: platform.url,
    ELASTICIO_API_USERNAME: platform.username,
    ELASTICIO_API_KEY: platform.apiKey,
    ELASTICIO_WORKSPACE_ID: platform.workspaceId,
  });
  const secretId = platform.createSecret({
    accessToken: sandbox.accessToken,
    refreshToken: sandbox.refreshToken,
    fields: { baseUrl: sandbox.baseUrl, retries: '2' },
  });
  console.log(bold(`Kommo sandbox at ${sandbox.baseUrl}; fake elastic.io platform at ${platform.url}`));
  console.log(dim('Each step calls the built handler exactly as the runtime does and prints what it emitted.\n'));

  const steps: Array<[string, () => Promise<unknown>]> = [
    ['verifyCredentials with the OAuth token (the Verify button)', () => runVerify(root, { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl })],
    ['verifyCredentials with a revoked token', () => runVerify(root, { oauth: { access_token: 'revoked-token' }, baseUrl: sandbox.baseUrl })],
    ['Make Raw Request: GET account (credential from the platform secret)', () => demoAction(root, { url: 'account', method: 'GET' }, { secretId })],
    ['Make Raw Request: POST leads (create one lead)', () => demoAction(root, { url: '/api/v4/leads', method: 'POST', data: [{ name: 'Demo deal from npm start', price: 1500, request_id: 'demo-1' }] }, { secretId })],
    ['Make Raw Request: GET leads?limit=3&order[id]=desc', () => demoAction(root, { url: 'leads?limit=3&order[id]=desc', method: 'GET' }, { secretId })],
    ['Make Raw Request: GET leads/999999 (404, default config)', () => demoAction(root, { url: 'leads/999999', method: 'GET' }, { secretId })],
    ['Make Raw Request: GET leads/999999 with "Don\'t throw error on 404 Response"', () => demoAction(root, { url: 'leads/999999', method: 'GET' }, { secretId, doNotThrow404: true })],
    ['Make Raw Request: url pointing at another host (refused before sending)', () => demoAction(root, { url: 'https://evil.example/api/v4/leads', method: 'GET' }, { secretId })],
    ['The account\'s custom fields as the mapper will see them (contacts)', () => demoCustomFields(root, sandbox, { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl })],
  ];
  const messages = steps.filter(([title]) => title.startsWith('Make Raw Request')).length;
  try {
    for (const [index, [title, step]] of steps.entries()) {
      console.log(bold(`${index + 1}. ${title}`));
      await step();
      console.log('');
    }
    console.log(dim(`Sandbox received ${sandbox.requestLog.length} Kommo requests; the platform received ${platform.calls.length} secret call(s) for ${messages} messages.`));
    console.log(dim('npm start -- -h shows how to run any action or trigger, with your own body and configuration.'));
  } finally {
    await platform.close();
    await sandbox.close();
  }
}

/** Keeps a sandbox running so that several runs (and triggers' snapshots) see the same data. */
async function serveSandbox(): Promise<void> {
  const sandbox = await startSandbox();
  console.log(bold(`Kommo sandbox at ${sandbox.baseUrl}, seeded with demo data; its writes last until Ctrl-C.`));
  console.log('In another terminal:');
  console.log(`  export KOMMO_BASE_URL=${sandbox.baseUrl} KOMMO_ACCESS_TOKEN=${sandbox.accessToken}`);
  console.log('  npm start -- --action makeRawRequest --body \'{"url": "leads", "method": "GET"}\'');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
}

// --- command line -----------------------------------------------------------------------------

const OPTIONS = {
  action: { type: 'string' },
  trigger: { type: 'string' },
  body: { type: 'string' },
  message: { type: 'string' },
  cfg: { type: 'string' },
  full: { type: 'boolean' },
  'reset-snapshot': { type: 'boolean' },
  startup: { type: 'boolean' },
  shutdown: { type: 'boolean' },
  metadata: { type: 'boolean' },
  select: { type: 'string' },
  verify: { type: 'boolean' },
  'serve-sandbox': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function parseCommandLine(args: string[]): Values {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
    const positional = /Unexpected argument '([^']+)'/.exec(message)?.[1];
    const missing = /Option '([^ ']+)[^']*' argument missing/.exec(message)?.[1];
    if (unknown) throw new UsageError(`Unknown option ${unknown}.`);
    if (positional) throw new UsageError(`Unexpected argument ${JSON.stringify(positional)}: every value belongs to an option (quote JSON, e.g. --body '{"url": "leads"}').`);
    if (missing) throw new UsageError(`${missing} needs a value.`);
    throw new UsageError(message);
  }
}

/** Refuses combinations that would silently do something other than what was asked. */
function checkCombination(values: Values): void {
  const given = (names: Array<keyof Values>) => names.filter((name) => values[name] !== undefined && values[name] !== false).map((name) => `--${name}`);
  const fn = given(['action', 'trigger']);
  const calls = given(['startup', 'shutdown', 'metadata', 'select']);
  if (values['serve-sandbox'] && given(Object.keys(OPTIONS).filter((name) => name !== 'serve-sandbox') as Array<keyof Values>).length > 0) {
    throw new UsageError('--serve-sandbox takes no other option: it only keeps a sandbox running.');
  }
  if (fn.length > 1) throw new UsageError('Give --action KEY or --trigger KEY, not both.');
  if (values.verify) {
    const extra = given(['action', 'trigger', 'body', 'message', 'full', 'reset-snapshot', 'startup', 'shutdown', 'metadata', 'select']);
    if (extra.length > 0) throw new UsageError(`--verify checks the credential and takes only --cfg; drop ${extra.join(', ')}.`);
    return;
  }
  if (fn.length === 0) {
    const needFunction = given(['body', 'message', 'cfg', 'full', 'reset-snapshot', 'startup', 'shutdown', 'metadata', 'select']);
    if (needFunction.length > 0) throw new UsageError(`${needFunction.join(', ')} needs --action KEY or --trigger KEY (or --verify for --cfg): which function should run?`);
    return;
  }
  if (values.body !== undefined && values.message !== undefined) throw new UsageError('Give --body or --message, not both (--message includes the body).');
  if (calls.length > 1) throw new UsageError(`${calls.join(' and ')}: one call per run.`);
  if (calls.length === 1) {
    const processOnly = given(['body', 'message', 'reset-snapshot']);
    if (processOnly.length > 0) throw new UsageError(`${processOnly.join(', ')} belongs to process(msg, cfg, snapshot); ${calls[0]} does not take it.`);
  }
}

async function main(): Promise<void> {
  // Like sailor, the component is the one in the working directory (npm start runs in the repository's root).
  const root = process.cwd();
  const values = parseCommandLine(process.argv.slice(2));
  if (values.help) {
    console.log(HELP);
    return;
  }
  checkCombination(values);
  loadDotEnv(path.join(root, '.env'));
  if (values['serve-sandbox']) return serveSandbox();
  const kind: FunctionKind | undefined = values.action !== undefined ? 'action' : values.trigger !== undefined ? 'trigger' : undefined;
  if (!kind && !values.verify) return demo(root);

  // Everything the person typed is checked before a sandbox starts or a request is sent.
  const cfg = readCfg(values.cfg);
  const fn = kind ? loadFunction(root, kind, String(values[kind])) : undefined;
  const method = values.startup ? 'startup' : values.shutdown ? 'shutdown' : values.metadata ? 'getMetaModel' : values.select ?? 'process';
  if (fn) exportedFunction(fn, method);
  const message = fn && method === 'process' ? readMessage(values) : undefined;
  const detail: Detail = values.full ? 'full' : DEFAULT_LIMITS;
  if (kind === 'trigger') for (const [name, value] of Object.entries(LOCAL_FLOW_ENV)) process.env[name] ||= value;
  const target = await resolveTarget(cfg);
  try {
    let ok = true;
    if (!fn) {
      console.log(bold('verifyCredentials(cfg)'));
      ok = await runVerify(root, target.cfg);
    } else if (method === 'startup') await runStartup(root, fn, target);
    else if (method === 'shutdown') await runShutdown(root, fn, target);
    else if (message) ok = await runProcess(root, fn, target, message, { detail, resetSnapshot: Boolean(values['reset-snapshot']) });
    else await runService(fn, method, target, detail);
    if (!ok) process.exitCode = 1;
  } finally {
    await target.close();
  }
}

main().catch((error: unknown) => {
  const usage = error instanceof UsageError;
  console.error(red(error instanceof Error ? error.message : String(error)));
  if (usage) console.error('npm start -- -h lists the options.');
  process.exitCode = usage ? 2 : 1;
});
