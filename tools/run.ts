/**
 * Local runner: drives the component's real (built) handlers the way the runtime does.
 *
 *   npm start                                   demo against an embedded Kommo sandbox
 *   npm start -- --action makeRawRequest --body '{"url":"leads","method":"GET"}' [--cfg cfg.json]
 *   npm start -- --verify [--cfg cfg.json]
 *
 * With KOMMO_BASE_URL and KOMMO_ACCESS_TOKEN in the environment (or in a .env file) it talks to
 * that real Kommo account instead of the sandbox.
 */
import fs from 'fs';
import path from 'path';
import { parseArgs } from 'util';
import { startFakePlatform, startSandbox } from '../sandbox';
import type { Message } from '../lib/context';
import { callProcess, callVerifyCredentials, CallResult, loadFunction, loadVerifyCredentials, LoggedLine } from './runtime';

const root = path.join(__dirname, '..');
const useColor = process.stdout.isTTY;
const paint = (code: string) => (text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const yellow = paint('33');

const MAX_PRINTED_CHARS = 700;

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

function readJson(text: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new Error(`${what} must be a JSON object; got: ${text.slice(0, 200)}`);
}

function printJson(value: unknown): string {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  return text.length > MAX_PRINTED_CHARS ? `${text.slice(0, MAX_PRINTED_CHARS)}\n… (${text.length - MAX_PRINTED_CHARS} more characters)` : text;
}

function indent(text: string, prefix = '    '): string {
  return text.split('\n').map((line) => `${prefix}${line}`).join('\n');
}

function printLogs(logs: LoggedLine[]): void {
  for (const line of logs) console.log(dim(`    log ${line.level}: ${line.text}`));
}

function printResult({ emitted, logs }: CallResult): void {
  printLogs(logs);
  if (emitted.length === 0) console.log(yellow('    emitted nothing (the message is acknowledged without output)'));
  for (const entry of emitted) {
    if (entry.event === 'data' && 'message' in entry) {
      const { statusCode, headers, responseBody } = (entry.message as Message<{ statusCode?: number; headers?: Record<string, string>; responseBody?: unknown }>).body;
      console.log(green(`  → data message: statusCode ${statusCode}`));
      const headerNames = Object.keys(headers ?? {});
      console.log(indent(`headers: ${headerNames.length} (content-type: ${headers?.['content-type'] ?? 'none'})`));
      console.log(indent(responseBody === undefined ? 'responseBody: absent' : `responseBody: ${printJson(responseBody)}`));
    } else if (entry.event === 'error' && 'error' in entry) {
      console.log(red(`  → error message (the platform routes the input to the error queue): ${entry.error.name}`));
      console.log(indent(entry.error.message));
    } else {
      console.log(yellow(`  → ${entry.event}`));
    }
  }
}

async function runAction(action: string, body: unknown, cfg: object): Promise<CallResult> {
  const fn = await loadFunction(action);
  return callProcess(fn.process, { id: `local-${Date.now()}`, body, headers: {} }, cfg);
}

async function runVerify(cfg: object): Promise<void> {
  const { result, logs } = await callVerifyCredentials(await loadVerifyCredentials(), cfg);
  printLogs(logs);
  const text = result.verified ? green('  → {"verified": true}') : red(`  → {"verified": false, "reason": ${JSON.stringify(result.reason)}}`);
  console.log(text);
}

/** The demo: a person's first look at what the component does, against the sandbox. */
async function demo(): Promise<void> {
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

  const steps: Array<[string, () => Promise<void>]> = [
    ['verifyCredentials with the OAuth token (the Verify button)', () => runVerify({ oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl })],
    ['verifyCredentials with a revoked token', () => runVerify({ oauth: { access_token: 'revoked-token' }, baseUrl: sandbox.baseUrl })],
    ['Make Raw Request: GET account (credential from the platform secret)', async () => printResult(await runAction('makeRawRequest', { url: 'account', method: 'GET' }, { secretId }))],
    ['Make Raw Request: POST leads (create one lead)', async () => printResult(await runAction('makeRawRequest', { url: '/api/v4/leads', method: 'POST', data: [{ name: 'Demo deal from npm start', price: 1500, request_id: 'demo-1' }] }, { secretId }))],
    ['Make Raw Request: GET leads?limit=3&order[id]=desc', async () => printResult(await runAction('makeRawRequest', { url: 'leads?limit=3&order[id]=desc', method: 'GET' }, { secretId }))],
    ['Make Raw Request: GET leads/999999 (404, default config)', async () => printResult(await runAction('makeRawRequest', { url: 'leads/999999', method: 'GET' }, { secretId }))],
    ['Make Raw Request: GET leads/999999 with "Don\'t throw error on 404 Response"', async () => printResult(await runAction('makeRawRequest', { url: 'leads/999999', method: 'GET' }, { secretId, doNotThrow404: true }))],
    ['Make Raw Request: url pointing at another host (refused before sending)', async () => printResult(await runAction('makeRawRequest', { url: 'https://evil.example/api/v4/leads', method: 'GET' }, { secretId }))],
  ];
  try {
    for (const [index, [title, step]] of steps.entries()) {
      console.log(bold(`${index + 1}. ${title}`));
      await step();
      console.log('');
    }
    const kommoRequests = sandbox.requestLog.length;
    const platformCalls = platform.calls.length;
    console.log(dim(`Sandbox received ${kommoRequests} Kommo requests; the platform received ${platformCalls} secret call(s) for ${steps.length - 2} messages.`));
  } finally {
    await platform.close();
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  loadDotEnv(path.join(root, '.env'));
  const { values } = parseArgs({
    options: {
      action: { type: 'string' },
      body: { type: 'string' },
      cfg: { type: 'string' },
      verify: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(fs.readFileSync(__filename, 'utf8').split('*/')[0].replace(/^\/\*\*?|^ \* ?/gm, ''));
    return;
  }
  if (!values.action && !values.verify) {
    await demo();
    return;
  }

  let cfg: Record<string, unknown> = values.cfg ? readJson(fs.readFileSync(values.cfg, 'utf8'), `--cfg ${values.cfg}`) : {};
  let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
  if (process.env.KOMMO_BASE_URL && process.env.KOMMO_ACCESS_TOKEN) {
    console.log(bold(`Real Kommo account at ${process.env.KOMMO_BASE_URL}`));
    cfg = { oauth: { access_token: process.env.KOMMO_ACCESS_TOKEN }, baseUrl: process.env.KOMMO_BASE_URL, ...cfg };
  } else if (!cfg.secretId && !cfg.oauth) {
    sandbox = await startSandbox();
    console.log(bold(`Kommo sandbox at ${sandbox.baseUrl} (set KOMMO_BASE_URL and KOMMO_ACCESS_TOKEN for a real account)`));
    cfg = { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl, ...cfg };
  }
  try {
    if (values.verify) {
      console.log(bold('verifyCredentials'));
      await runVerify(cfg);
    } else {
      const body = values.body ? readJson(values.body, '--body') : {};
      console.log(bold(`${values.action} ${JSON.stringify(body)}`));
      const result = await runAction(String(values.action), body, cfg);
      printResult(result);
      if (result.emitted.some((entry) => entry.event === 'error')) process.exitCode = 1;
    }
  } finally {
    await sandbox?.close();
  }
}

main().catch((error: unknown) => {
  console.error(red(error instanceof Error ? error.message : String(error)));
  process.exitCode = 1;
});
