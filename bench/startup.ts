/**
 * Start-up cost in the real runtime: time from forking sailor's `run.js` to the first processed
 * message (its data message arriving on the step's data queue), and the sailor child's resident
 * set size right then, for this component (Make Raw Request on the secret path, one GET to the
 * sandbox) against an empty component (one action returning `{body: {}}`) generated into a temp
 * dir that uses this repository's node_modules (so the same sailor). The input message waits in
 * the queue before the fork. Runs alternate between the two; medians are reported.
 *
 * Built from the e2e harness's modules (broker, queues, message crypto, fake platform), imported
 * read-only; only the fork (which needs another cwd) is bench/sailor.ts.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { randomUUID } from 'crypto';
import { startSandbox } from '../sandbox';
import { MessageBus, type StepIdentity } from '../spec-e2e/harness/bus';
import { messageCipher } from '../spec-e2e/harness/crypto';
import { startStepPlatform, type StepPlatform } from '../spec-e2e/harness/platform';
import { CRYPTO, sailorEnv } from '../spec-e2e/harness/sailorProcess';
import { stepTopology } from '../spec-e2e/harness/topology';
import type { BenchResult } from './report';
import { forkRunJs, residentKiB, stopSailor } from './sailor';
import { delay, median, round } from './support';

export interface StartupOptions {
  runsPerComponent: number;
  /** Give up on one start after this long. */
  timeoutMs: number;
}

export const DEFAULT_STARTUP_OPTIONS: StartupOptions = { runsPerComponent: 5, timeoutMs: 30_000 };

const REPO_ROOT = resolve(__dirname, '..');

interface ComponentUnderTest {
  kind: 'ours' | 'empty';
  dir: string;
  functionName: string;
  config: Record<string, unknown>;
  body: Record<string, unknown>;
}

interface StartMeasurement {
  kind: ComponentUnderTest['kind'];
  firstMessageMs: number;
  initEndedMs: number;
  rssKiB: number;
}

/** A minimal component: component.json and one action returning `{body: {}}`, with this repo's node_modules. */
function writeEmptyComponent(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kommo-bench-empty-'));
  const manifest = {
    title: 'Empty',
    description: 'Start-up baseline for the Kommo component benchmarks',
    actions: { noop: { title: 'Noop', main: './noop.js', metadata: { in: {}, out: {} } } },
  };
  writeFileSync(join(dir, 'component.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'noop.js'), "exports.process = async function noop() {\n  return { body: {} };\n};\n");
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await delay(1);
  }
  return true;
}

async function measureStart(amqpUri: string, platform: StepPlatform, identity: StepIdentity, component: ComponentUnderTest, timeoutMs: number): Promise<StartMeasurement> {
  platform.setStepConfig(component.config);
  const cipher = messageCipher(CRYPTO.password, CRYPTO.iv);
  const bus = await MessageBus.open(amqpUri, stepTopology(`bench-startup-${component.kind}`), cipher, identity);
  try {
    bus.send(component.body);
    const api = { apiUri: platform.fake.url, username: platform.fake.username, apiKey: platform.fake.apiKey };
    const sailor = forkRunJs(component.dir, sailorEnv(identity, api, bus.topology, amqpUri, component.functionName));
    try {
      const processed = await waitFor(() => bus.data.length + bus.errors.length > 0, timeoutMs);
      const firstMessageMs = performance.now() - sailor.forkedAtMs;
      const rssKiB = residentKiB(sailor.child.pid);
      if (!processed || bus.errors.length > 0) {
        const what = processed ? `an error: ${bus.errors[0].error.message}` : `nothing within ${timeoutMs} ms`;
        throw new Error(`startup bench: ${component.kind} produced ${what}; sailor output:\n${sailor.output().slice(-3000)}`);
      }
      const initEndedMs = (await sailor.initEnded) - sailor.forkedAtMs;
      return { kind: component.kind, firstMessageMs, initEndedMs, rssKiB };
    } finally {
      await stopSailor(sailor);
    }
  } finally {
    await bus.close();
  }
}

export async function runStartup(amqpUri: string, options: StartupOptions = DEFAULT_STARTUP_OPTIONS): Promise<BenchResult> {
  const kommo = await startSandbox({ rateLimit: false });
  const identity: StepIdentity = { flowId: `flow-${randomUUID()}`, stepId: 'step_1', execId: randomUUID(), userId: 'user-bench', workspaceId: '' };
  const platform = await startStepPlatform(kommo, identity);
  identity.workspaceId = platform.fake.workspaceId;
  const emptyDir = writeEmptyComponent();
  try {
    const secretId = platform.fake.createSecret({ accessToken: kommo.accessToken, refreshToken: kommo.refreshToken, fields: { baseUrl: kommo.baseUrl } });
    const ours: ComponentUnderTest = { kind: 'ours', dir: REPO_ROOT, functionName: 'makeRawRequest', config: { secretId }, body: { method: 'GET', url: 'account' } };
    const empty: ComponentUnderTest = { kind: 'empty', dir: emptyDir, functionName: 'noop', config: {}, body: {} };
    const measurements: StartMeasurement[] = [];
    for (let run = 0; run < options.runsPerComponent; run += 1) {
      for (const component of run % 2 === 0 ? [ours, empty] : [empty, ours]) {
        measurements.push(await measureStart(amqpUri, platform, identity, component, options.timeoutMs));
      }
    }
    const of = (kind: StartMeasurement['kind'], pick: (m: StartMeasurement) => number): number[] => measurements.filter((m) => m.kind === kind).map(pick);
    const firstMessage = { ours: median(of('ours', (m) => m.firstMessageMs)), empty: median(of('empty', (m) => m.firstMessageMs)) };
    const rssMiB = { ours: median(of('ours', (m) => m.rssKiB)) / 1024, empty: median(of('empty', (m) => m.rssKiB)) / 1024 };
    const initEnded = { ours: median(of('ours', (m) => m.initEndedMs)), empty: median(of('empty', (m) => m.initEndedMs)) };
    return {
      name: 'startup',
      figures: [
        {
          figure: 'fork run.js → first message done, median ms',
          ours: round(firstMessage.ours, 1),
          baselineLabel: 'empty component',
          baseline: round(firstMessage.empty, 1),
          ratio: round(firstMessage.ours / firstMessage.empty),
          goal: 'report only',
        },
        {
          figure: 'sailor RSS after first message, median MiB',
          ours: round(rssMiB.ours, 1),
          baselineLabel: 'empty component',
          baseline: round(rssMiB.empty, 1),
          ratio: round(rssMiB.ours / rssMiB.empty),
          goal: 'report only',
        },
      ],
      details: {
        ...options,
        node: process.version,
        measuredFrom: 'performance.now() before fork() to the data message on the data queue (1 ms polling); RSS = /proc/<pid>/status VmRSS then',
        oursMessage: 'Make Raw Request GET account, cfg {secretId}: one secret read + one Kommo GET',
        initEndedMedianMs: { ours: round(initEnded.ours, 1), empty: round(initEnded.empty, 1) },
        runs: measurements.map((m) => ({ ...m, firstMessageMs: round(m.firstMessageMs, 1), initEndedMs: round(m.initEndedMs, 1) })),
      },
    };
  } finally {
    rmSync(emptyDir, { recursive: true, force: true });
    await platform.close();
    await kommo.close();
  }
}
