/**
 * Everything one scenario needs, wired the way the platform wires a flow step: a Kommo sandbox,
 * the fake platform holding the OAuth secret, the step's queues on the run's broker, and sailor
 * running one built action or trigger (Make Raw Request unless the scenario names another). `close()` stops all of it, whatever state the test
 * left it in.
 */
import { randomUUID } from 'crypto';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox';
import { amqpUri } from './broker';
import { MessageBus, type SentInput, type StepIdentity } from './bus';
import { messageCipher } from './crypto';
import { startStepPlatform, type StepPlatform } from './platform';
import { CRYPTO, forkSailor, SailorProcess, sailorEnv, type Exit } from './sailorProcess';
import { stepTopology } from './topology';
import { waitUntil } from './wait';

/** Component tunables that keep retries fast; scenarios may override. */
const FAST_COMPONENT_ENV: Record<string, string> = {
  KOMMO_RETRY_BASE_DELAY_MS: '20',
  KOMMO_RETRY_MAX_DELAY_MS: '100',
};

export interface RigOptions {
  /** Short name used in queue names and diagnostics. */
  scenario: string;
  sandbox?: SandboxOptions;
  /** Extra credential fields stored in the platform secret (the secret always holds a valid token pair). */
  secretFields?(kommo: Sandbox): Record<string, unknown>;
  /** The step's `config` (credential fields merged with the action's fields, §1.3). */
  config(ctx: { kommo: Sandbox; secretId: string }): Record<string, unknown>;
  /** Extra env for sailor and the component. */
  env?: Record<string, string>;
  /** The action or trigger sailor runs (`ELASTICIO_FUNCTION`); default `makeRawRequest`. */
  functionName?: string;
  /** The flow id (default: a fresh one), for what must know it before sailor starts, e.g. a webhook address. */
  flowId?: string;
}

/** How a hook-only container ended (`ELASTICIO_HOOK_SHUTDOWN`). */
export interface HookRun {
  exit: Exit;
  output: string;
}

export interface Settled {
  exit: Exit;
  /** Inputs back in the input queue: delivered but neither acked nor rejected. */
  leftInInput: number;
}

export class Rig {
  private sailorProcess: SailorProcess | undefined;

  private constructor(
    readonly kommo: Sandbox,
    readonly platform: StepPlatform,
    readonly secretId: string,
    readonly bus: MessageBus,
    readonly identity: StepIdentity,
    private readonly options: RigOptions,
  ) {}

  static async start(options: RigOptions): Promise<Rig> {
    const identity: StepIdentity = {
      flowId: options.flowId ?? `flow-${randomUUID()}`,
      stepId: 'step_1',
      execId: randomUUID(),
      userId: 'user-e2e',
      workspaceId: '',
    };
    const kommo = await startSandbox(options.sandbox);
    const platform = await startStepPlatform(kommo, identity).catch(async (err: unknown) => {
      await kommo.close();
      throw err;
    });
    identity.workspaceId = platform.fake.workspaceId;
    const secretId = platform.fake.createSecret({
      accessToken: kommo.accessToken,
      refreshToken: kommo.refreshToken,
      fields: options.secretFields?.(kommo) ?? { baseUrl: kommo.baseUrl },
    });
    platform.setStepConfig(options.config({ kommo, secretId }));
    let bus: MessageBus;
    try {
      bus = await MessageBus.open(amqpUri(), stepTopology(options.scenario), messageCipher(CRYPTO.password, CRYPTO.iv), identity);
    } catch (err) {
      await platform.close();
      await kommo.close();
      throw err;
    }
    const rig = new Rig(kommo, platform, secretId, bus, identity, options);
    try {
      await rig.startSailor();
    } catch (err) {
      await rig.close();
      throw err;
    }
    return rig;
  }

  get sailor(): SailorProcess {
    if (!this.sailorProcess) throw new Error('sailor is not running');
    return this.sailorProcess;
  }

  /** (Re)starts sailor on this rig's queues, e.g. with another step config after `platform.setStepConfig`. */
  async startSailor(): Promise<SailorProcess> {
    this.sailorProcess = await SailorProcess.start(this.env());
    return this.sailorProcess;
  }

  /**
   * Runs the flow's shutdown hook as the platform does when the flow stops: `run.js` in a container
   * of its own with `ELASTICIO_HOOK_SHUTDOWN` (GET step, GET startup data, `shutdown(cfg, data)`,
   * DELETE the data; docs/elasticio-triggers.md §2). Sailor may leave that container for the
   * platform to stop (it ignores SIGTERM in this mode), so it is killed when it has not exited
   * 2 s after the data was deleted; `exit.signal` says which happened.
   */
  async runShutdownHook(timeoutMs = 20_000): Promise<HookRun> {
    const env: Record<string, string> = { ...this.env(), ELASTICIO_HOOK_SHUTDOWN: '1' };
    // The stopping flow's hook container is not a starting one.
    delete env.ELASTICIO_STARTUP_REQUIRED;
    const { child, output, exited } = forkSailor('run.js', [], env);
    const deleted = (): boolean => this.platform.hookDataCalls().includes('DELETE');
    let exit: Exit | undefined;
    void exited.then((result) => (exit = result));
    await waitUntil(() => exit !== undefined || deleted(), () => `the shutdown hook to finish; its output:\n${output()}`, timeoutMs).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    if (exit === undefined) await waitUntil(() => exit !== undefined, 'the shutdown container to exit', 2_000).catch(() => child.kill('SIGKILL'));
    return { exit: await exited, output: output() };
  }

  private env(): Record<string, string> {
    return sailorEnv(
      this.identity,
      { apiUri: this.platform.fake.url, username: this.platform.fake.username, apiKey: this.platform.fake.apiKey },
      this.bus.topology,
      amqpUri(),
      this.options.functionName ?? 'makeRawRequest',
      { ...FAST_COMPONENT_ENV, ...this.options.env },
    );
  }

  /** Publishes one Make Raw Request input. */
  send(body: Record<string, unknown>, id?: string): SentInput {
    return this.bus.send(body, id);
  }

  /** Waits until every input has produced at least one data or error message. */
  async outcomes(inputs: SentInput[], timeoutMs = 20_000): Promise<void> {
    const pending = (): SentInput[] =>
      inputs.filter((input) => {
        const out = this.bus.outputsOf(input);
        return out.data.length + out.errors.length === 0;
      });
    await waitUntil(() => pending().length === 0, () => `outputs for ${pending().length} of ${inputs.length} inputs; sailor output:\n${this.tail()}`, timeoutMs);
  }

  /** Waits until the broker dead-lettered these inputs (sailor rejected them). */
  async rejected(inputs: SentInput[], timeoutMs = 10_000): Promise<void> {
    const ids = (): Set<string> => new Set(this.bus.rejected.map((r) => r.messageId));
    await waitUntil(() => inputs.every((input) => ids().has(input.messageId)), 'inputs to be rejected', timeoutMs);
  }

  /**
   * Stops sailor as the platform does (SIGTERM) and reports what the broker then holds. After
   * sailor's channel closes, an input is either acked (gone), rejected (in the dead-letter
   * queue) or back in the input queue (never finished): so an empty input queue and no
   * rejections prove the acks. Also completes the recorded outputs (`MessageBus.flush`).
   */
  async settle(): Promise<Settled> {
    const exit = await this.sailor.stop();
    await this.bus.flush();
    return { exit, leftInInput: await this.bus.inputQueueDepth() };
  }

  /** The last lines of sailor's log, for failure messages. */
  tail(lines = 40): string {
    return (this.sailorProcess?.output() ?? '').split('\n').slice(-lines).join('\n');
  }

  async close(): Promise<void> {
    await this.sailorProcess?.kill();
    await this.bus.close().catch(() => undefined);
    await this.platform.close();
    await this.kommo.close();
  }
}
