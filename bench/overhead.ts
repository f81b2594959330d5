/**
 * Client overhead: CPU time per request of the production client against bare axios, the same
 * sequential `GET /api/v4/account` to the same local sandbox.
 *
 * CPU time, not wall time: wall time on a shared 2-core machine moves with whatever else runs
 * (re-runs of the wall-clock figure gave 1.075, 1.107 and 1.176 against the 1.10 goal), while
 * the CPU a process spends on its requests is its own. So the requests are sent from a child
 * process (bench/overheadWorker.js, which runs the `tsc` output) whose user + system time is
 * counted, and the sandbox runs here, on this process's account. "ours" is the production path:
 * the process's transport, the adaptive limiter, and sailor's own logger writing its JSON lines
 * to a pipe that this process reads and discards (see the worker for the limiter's clock).
 *
 * A round runs batches of every variant, interleaved, so that load from other work on the
 * machine falls on all of them alike; the figure is the median over rounds of the per-round
 * ratio ours / bare. Rounds are added until the interquartile range of those ratios is below
 * `maxSpread` (the goal's margin, 0.10): at least `minRounds`, at most `maxRounds`, and none
 * starts after `budgetMs`.
 */
import { fork, type ChildProcess } from 'child_process';
import { readdirSync, statSync } from 'fs';
import os from 'os';
import { join } from 'path';
import { startSandbox, type Sandbox } from '../sandbox';
import type { BenchResult } from './report';
import { delay, median, quantile, round } from './support';

export interface OverheadOptions {
  /** Sequential GETs per variant in one batch; a round interleaves the variants' batches. */
  requestsPerBatch: number;
  batchesPerRound: number;
  /** Rounds before the measured ones: the first requests are still JIT-compiling. */
  warmupRounds: number;
  minRounds: number;
  maxRounds: number;
  /** Rounds stop once the interquartile range of the per-round ratios is below this. */
  maxSpread: number;
  /** No round starts after this long (warm-up included). */
  budgetMs: number;
}

export const DEFAULT_OVERHEAD_OPTIONS: OverheadOptions = {
  requestsPerBatch: 50,
  batchesPerRound: 40,
  warmupRounds: 1,
  minRounds: 9,
  maxRounds: 25,
  maxSpread: 0.1,
  budgetMs: 45_000,
};

/** What the worker measures; see bench/overheadWorker.js. */
export type OverheadVariant = 'ours' | 'oursLineFiltered' | 'clientOnly' | 'bare' | 'axiosDefaults';

/** What the worker is given (as JSON in argv[2]). */
interface OverheadTask {
  baseUrl: string;
  accessToken: string;
}

/** To the worker: run one round. */
interface OverheadCommand {
  variants: readonly OverheadVariant[];
  batches: number;
  requestsPerBatch: number;
}

/** What one variant spent in one round: user + system CPU time, and wall time. */
interface Spent {
  requests: number;
  cpuUs: number;
  wallMs: number;
}

/** From the worker. */
type OverheadReport =
  | { kind: 'ready'; limiterClockSpeedup: number }
  /** `limiterTimers`: timers the limiter has set since the worker started (0 expected). */
  | { kind: 'round'; spent: Partial<Record<OverheadVariant, Spent>>; limiterTimers: number }
  | { kind: 'failed'; message: string };

/** The goal: ours ≤ 1.10 × bare. */
const GOAL_RATIO = 1.1;
const VARIANTS: readonly OverheadVariant[] = ['ours', 'bare', 'oursLineFiltered', 'clientOnly'];
const WORKER = join(__dirname, 'overheadWorker.js');
const LIB = join(__dirname, '..', 'lib');

/** The worker runs the tsc output: every `lib/**\/*.ts` needs a `.js` at least as new. */
function assertBuilt(directory: string = LIB): void {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) assertBuilt(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const built = path.replace(/\.ts$/, '.js');
      let builtMs: number;
      try {
        builtMs = statSync(built).mtimeMs;
      } catch {
        builtMs = Number.NEGATIVE_INFINITY;
      }
      if (builtMs < statSync(path).mtimeMs) throw new Error(`overhead bench: ${built} is missing or older than its source; run \`npm run build\` first (\`npm run bench\` does).`);
    }
  }
}

/**
 * The identity the platform gives every step container; sailor's logger copies these into every
 * line, so a line is as long as in production. The values are made up but shaped like real ones.
 */
const STEP_ENV: Readonly<Record<string, string>> = {
  ELASTICIO_API_USERNAME: 'integrator@example.com',
  ELASTICIO_COMP_ID: '64f1c2d3e4a5b6c7d8e9f0a1',
  ELASTICIO_COMP_NAME: 'kommo',
  ELASTICIO_CONTAINER_ID: '3f9a2b7c-1d4e-4f6a-9b8c-7d2e1f0a3b5c',
  ELASTICIO_CONTRACT_ID: '5a1b2c3d4e5f6a7b8c9d0e1f',
  ELASTICIO_EXEC_ID: '9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f',
  ELASTICIO_EXEC_TYPE: 'flow-step',
  ELASTICIO_EXECUTION_RESULT_ID: '6b5a4f3e2d1c0b9a8f7e6d5c',
  ELASTICIO_FLOW_ID: '65a0b1c2d3e4f5a6b7c8d9e0',
  ELASTICIO_FLOW_VERSION: '0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6',
  ELASTICIO_FUNCTION: 'makeRawRequest',
  ELASTICIO_STEP_ID: 'step_2',
  ELASTICIO_TASK_USER_EMAIL: 'integrator@example.com',
  ELASTICIO_TENANT_ID: '5e4d3c2b1a0f9e8d7c6b5a4f',
  ELASTICIO_USER_ID: '5f6e7d8c9b0a1f2e3d4c5b6a',
  ELASTICIO_WORKSPACE_ID: '60a1b2c3d4e5f6a7b8c9d0e1',
};

type RoundReport = Extract<OverheadReport, { kind: 'round' }>;

interface Worker {
  round(command: OverheadCommand): Promise<RoundReport>;
  /** Bytes the worker wrote to stdout (sailor's log lines) so far. */
  stdoutBytes(): number;
  /** How much faster than real time the worker's limiter clock runs. */
  limiterClockSpeedup: number;
  stop(): Promise<void>;
}

async function startWorker(task: OverheadTask): Promise<Worker> {
  // Sailor logs at `info` unless LOG_LEVEL says otherwise, and not at all under NODE_ENV=test.
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...STEP_ENV };
  delete env.NODE_ENV;
  const child: ChildProcess = fork(WORKER, [JSON.stringify(task)], {
    // Plain node: not this process's tsx loader, which would swap the built lib/ for its sources.
    execArgv: [],
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stdoutBytes = 0;
  let stderr = '';
  // Read and dropped, as the container runtime reads a step's stdout.
  child.stdout?.on('data', (chunk: Buffer) => { stdoutBytes += chunk.length; });
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (): Promise<OverheadReport> => new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => {
      child.off('message', onMessage);
      reject(new Error(`overhead worker exited (code ${code}): ${stderr.trim().slice(0, 500)}`));
    };
    const onMessage = (report: OverheadReport): void => {
      child.off('exit', onExit);
      resolve(report);
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
  const ready = await next();
  if (ready.kind !== 'ready') {
    child.kill();
    throw new Error(`overhead worker: expected ready, got ${JSON.stringify(ready)}`);
  }
  return {
    limiterClockSpeedup: ready.limiterClockSpeedup,
    async round(command) {
      const answer = next();
      child.send(command);
      const report = await answer;
      if (report.kind === 'failed') throw new Error(`overhead worker: ${report.message}`);
      if (report.kind !== 'round') throw new Error(`overhead worker: unexpected ${JSON.stringify(report)}`);
      return report;
    },
    stdoutBytes: () => stdoutBytes,
    async stop() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

/** Counts the sandbox's non-200 answers, then empties its log so the entries do not pile up. */
function drainLog(sandbox: Sandbox): number {
  const failures = sandbox.requestLog.filter((entry) => entry.status !== 200).length;
  sandbox.requestLog.length = 0;
  return failures;
}

function interquartileRange(values: readonly number[]): number {
  return quantile(values, 0.75) - quantile(values, 0.25);
}

const loadAverage = (): number[] => os.loadavg().map((load) => round(load, 2));

export async function runOverhead(options: OverheadOptions = DEFAULT_OVERHEAD_OPTIONS): Promise<BenchResult> {
  assertBuilt();
  const startMs = performance.now();
  const loadAtStart = loadAverage();
  const sandbox = await startSandbox({ rateLimit: false });
  let worker: Worker | undefined;
  try {
    worker = await startWorker({ baseUrl: sandbox.baseUrl, accessToken: sandbox.accessToken });
    const command: OverheadCommand = { variants: VARIANTS, batches: options.batchesPerRound, requestsPerBatch: options.requestsPerBatch };
    for (let warmup = 0; warmup < options.warmupRounds; warmup += 1) await worker.round(command);
    let failedAnswers = drainLog(sandbox);
    const logBytesBefore = worker.stdoutBytes();
    const warmupSeconds = round((performance.now() - startMs) / 1000, 1);

    const rounds: RoundReport[] = [];
    const spent = (variant: OverheadVariant): Spent[] => rounds.map((report) => {
      const value = report.spent[variant];
      if (value === undefined) throw new Error(`overhead worker: no figures for ${variant}`);
      return value;
    });
    const cpuUsPerRequest = (variant: OverheadVariant): number[] => spent(variant).map((value) => value.cpuUs / value.requests);
    let pairedRatios: number[] = [];
    let stoppedBecause = `${options.maxRounds} rounds`;
    while (rounds.length < options.maxRounds) {
      rounds.push(await worker.round(command));
      failedAnswers += drainLog(sandbox);
      const ours = cpuUsPerRequest('ours');
      pairedRatios = cpuUsPerRequest('bare').map((bareUs, index) => ours[index] / bareUs);
      if (rounds.length >= options.minRounds && interquartileRange(pairedRatios) < options.maxSpread) {
        stoppedBecause = `spread below ${options.maxSpread}`;
        break;
      }
      if (performance.now() - startMs > options.budgetMs) {
        stoppedBecause = `time budget of ${options.budgetMs / 1000} s`;
        break;
      }
    }
    // The worker writes its lines before it reports; give the pipe a moment to deliver the last ones.
    await delay(100);
    const oursRequests = spent('ours').reduce((sum, value) => sum + value.requests, 0);
    const logBytes = worker.stdoutBytes() - logBytesBefore;
    if (logBytes === 0) throw new Error('overhead bench: sailor\'s logger wrote nothing; is LOG_LEVEL above info?');

    const cpuMedianUs = (variant: OverheadVariant): number => median(cpuUsPerRequest(variant));
    const wallMedianUs = (variant: OverheadVariant): number => median(spent(variant).map((value) => (value.wallMs * 1000) / value.requests));
    const ratio = median(pairedRatios);
    const spread = interquartileRange(pairedRatios);
    const requestsPerRound = options.batchesPerRound * options.requestsPerBatch;
    return {
      name: 'overhead',
      figures: [
        {
          figure: `${requestsPerRound} sequential GETs × ${rounds.length} rounds, client CPU µs/request`,
          ours: round(cpuMedianUs('ours'), 1),
          baselineLabel: 'bare axios, keep-alive',
          baseline: round(cpuMedianUs('bare'), 1),
          ratio: round(ratio),
          goal: `ratio ≤ ${GOAL_RATIO.toFixed(2)}`,
          met: ratio <= GOAL_RATIO,
        },
        {
          figure: 'client CPU ratio: spread over rounds (IQR)',
          ours: round(spread),
          baselineLabel: 'margin of the goal',
          baseline: round(GOAL_RATIO - 1, 2),
          ratio: round(spread / (GOAL_RATIO - 1)),
          goal: '< margin',
          met: spread < GOAL_RATIO - 1,
        },
      ],
      details: {
        ...options,
        path: '/api/v4/account',
        measure: 'user + system CPU time of the client process (process.cpuUsage) per request; the sandbox runs in the parent process',
        ours: 'createKommoClient: process transport, adaptive limiter on a sped-up clock, sailor ComponentLogger at info writing to a pipe',
        baseline: 'axios.create({ httpAgent: keep-alive, maxRedirects: 0 }), default JSON parsing, no logging',
        order: 'each round: batches of every variant, interleaved, the order rotating from batch to batch',
        limiterClockSpeedup: worker.limiterClockSpeedup,
        limiterTimers: rounds[rounds.length - 1]?.limiterTimers,
        rounds: rounds.length,
        stoppedBecause,
        warmupSeconds,
        ratio: round(ratio),
        ratioOfMedians: round(cpuMedianUs('ours') / cpuMedianUs('bare')),
        pairedRatios: pairedRatios.map((value) => round(value)),
        interquartileRange: round(spread),
        minToMax: [round(Math.min(...pairedRatios)), round(Math.max(...pairedRatios))],
        overheadCpuMicrosecondsPerRequest: round(cpuMedianUs('ours') - cpuMedianUs('bare'), 1),
        wallRatio: round(wallMedianUs('ours') / wallMedianUs('bare')),
        logBytesPerRequest: round(logBytes / oursRequests, 1),
        variants: Object.fromEntries(VARIANTS.map((variant) => [variant, {
          cpuMicrosecondsPerRequest: round(cpuMedianUs(variant), 1),
          ratioToBare: round(cpuMedianUs(variant) / cpuMedianUs('bare')),
          wallMicrosecondsPerRequest: round(wallMedianUs(variant), 1),
          cpuMicrosecondsPerRequestByRound: cpuUsPerRequest(variant).map((us) => round(us, 1)),
        }])),
        failedAnswers,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadAverage(),
        seconds: round((performance.now() - startMs) / 1000, 1),
      },
    };
  } finally {
    await worker?.stop();
    await sandbox.close();
  }
}
