/**
 * Sailor's message-processing container (`run.js`) as a child process, started the way the
 * platform starts it: cwd = the component root, configuration only through env (§4.2).
 */
import { fork, type ChildProcess } from 'child_process';
import { resolve } from 'path';
import type { StepIdentity } from './bus';
import type { StepTopology } from './topology';

export const REPO_ROOT = resolve(__dirname, '../..');
const SAILOR_DIR = resolve(REPO_ROOT, 'node_modules/elasticio-sailor-nodejs');
/**
 * The built component sailor runs: this repository, or `E2E_COMPONENT_ROOT` (a copy with a
 * deliberate bug, to check that a scenario catches it).
 */
export const COMPONENT_ROOT = process.env.E2E_COMPONENT_ROOT ? resolve(process.env.E2E_COMPONENT_ROOT) : REPO_ROOT;

/** The Node binary for sailor and the component: `E2E_NODE` (e.g. a Node 24) or the test runner's own. */
export function nodeBinary(): string {
  return process.env.E2E_NODE || process.execPath;
}

export const CRYPTO = { password: 'e2e-crypto-password', iv: 'iv=any16_symbols' } as const;

export interface PlatformAccess {
  apiUri: string;
  username: string;
  apiKey: string;
}

/** The env every sailor entry point asserts, plus what the platform always sets. */
export function baseEnv(identity: StepIdentity, api: PlatformAccess, extra: Record<string, string> = {}): Record<string, string> {
  return {
    // Nothing else from the test runner leaks in (NODE_ENV=test would, for one, mute sailor's logs).
    PATH: process.env.PATH ?? '',
    ELASTICIO_FLOW_ID: identity.flowId,
    ELASTICIO_STEP_ID: identity.stepId,
    ELASTICIO_EXEC_ID: identity.execId,
    ELASTICIO_USER_ID: identity.userId,
    ELASTICIO_WORKSPACE_ID: identity.workspaceId,
    ELASTICIO_CONTAINER_ID: `container-${identity.execId}`,
    ELASTICIO_COMP_ID: 'kommo-component',
    ELASTICIO_API_URI: api.apiUri,
    ELASTICIO_API_USERNAME: api.username,
    ELASTICIO_API_KEY: api.apiKey,
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
    ...extra,
  };
}

export function sailorEnv(
  identity: StepIdentity,
  api: PlatformAccess,
  topology: StepTopology,
  amqpUri: string,
  functionName: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return baseEnv(identity, api, {
    ELASTICIO_FUNCTION: functionName,
    ELASTICIO_AMQP_URI: amqpUri,
    ELASTICIO_LISTEN_MESSAGES_ON: topology.inputQueue,
    ELASTICIO_PUBLISH_MESSAGES_TO: topology.publishExchange,
    ELASTICIO_DATA_ROUTING_KEY: topology.routingKeys.data,
    ELASTICIO_ERROR_ROUTING_KEY: topology.routingKeys.error,
    ELASTICIO_SNAPSHOT_ROUTING_KEY: topology.routingKeys.snapshot,
    ELASTICIO_REBOUND_ROUTING_KEY: topology.routingKeys.rebound,
    ELASTICIO_MESSAGE_CRYPTO_PASSWORD: CRYPTO.password,
    ELASTICIO_MESSAGE_CRYPTO_IV: CRYPTO.iv,
    ...extra,
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Spawns a sailor entry point with IPC, capturing its output for diagnostics. */
export function forkSailor(
  entry: 'run.js' | 'runService.js',
  args: string[],
  env: Record<string, string>,
  componentRoot: string = COMPONENT_ROOT,
): { child: ChildProcess; output: () => string; exited: Promise<Exit> } {
  const child = fork(resolve(SAILOR_DIR, entry), args, {
    // Sailor finds component.json and verifyCredentials.js relative to its cwd, like the platform's image.
    cwd: componentRoot,
    env,
    execPath: nodeBinary(),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exited = new Promise<Exit>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { child, output: () => Buffer.concat(chunks).toString('utf8'), exited };
}

export class SailorProcess {
  private exit: Exit | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly output: () => string,
    readonly exited: Promise<Exit>,
  ) {
    void exited.then((exit) => (this.exit = exit));
  }

  /** Forks run.js and resolves once sailor reports `init:ended` (consuming); rejects with its log if it dies first. */
  static async start(env: Record<string, string>, timeoutMs = 20_000): Promise<SailorProcess> {
    const { child, output, exited } = forkSailor('run.js', [], env);
    const sailor = new SailorProcess(child, output, exited);
    const ready = new Promise<void>((done) => {
      child.on('message', (msg: unknown) => {
        if (typeof msg === 'object' && msg !== null && (msg as { event?: unknown }).event === 'init:ended') done();
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const failure = Promise.race([
      exited.then((exit) => `exited (${exit.code ?? exit.signal}) before init:ended`),
      new Promise<string>((done) => (timer = setTimeout(() => done(`did not reach init:ended within ${timeoutMs} ms`), timeoutMs))),
    ]);
    const outcome = await Promise.race([ready.then(() => undefined), failure]);
    clearTimeout(timer);
    if (outcome !== undefined) {
      await sailor.kill();
      throw new Error(`sailor ${outcome}; its output:\n${output()}`);
    }
    return sailor;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /**
   * The platform's way of stopping a container: SIGTERM, then sailor finishes the in-flight
   * message, disconnects and exits. Resolves with how it exited; a sailor that hangs is
   * SIGKILLed after `timeoutMs` and reported as such (signal SIGKILL), never left behind.
   */
  async stop(timeoutMs = 10_000): Promise<Exit> {
    this.signal('SIGTERM');
    return this.waitForExit(timeoutMs);
  }

  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((done) => (timer = setTimeout(() => done('hung'), timeoutMs)));
    const result = await Promise.race([this.exited, hung]);
    clearTimeout(timer);
    if (result === 'hung') return this.kill();
    return result;
  }

  /** Last resort for cleanup. */
  async kill(): Promise<Exit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
}
