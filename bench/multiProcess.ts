/**
 * Several containers on one Kommo account. Every step of a flow runs in its own container, so a
 * flow with three Kommo steps is three processes, each pacing itself, against one account. Here:
 * 2 and 3 real child processes (bench/multiProcessWorker.ts), each with its own limiter and
 * keep-alive pool, start together against one sandbox account that enforces 7 requests/s with
 * Kommo-like escalation: `banAfterViolations` 429s within 60 s bring a 60 s HTML 403 ban.
 *
 * Each scenario runs twice on a reset sandbox: with the feedback (the adaptive limiter: pause
 * and slow down on 429, breaker on the HTML 403) and without it (the 1.0 limiter: the window
 * alone, `adaptive: false`). Kommo documents a block after "repeated" 429s but no number, so
 * the ban threshold varies: 3 (the sandbox's default, our guess), 10 and 20.
 */
import { fork } from 'child_process';
import { join } from 'path';
import { DEFAULT_RATE_LIMIT, startSandbox, type RequestLogEntry, type Sandbox } from '../sandbox';
import type { MessageEnd, WorkerMessage, WorkerTask } from './multiProcessWorker';
import type { BenchResult, Figure } from './report';
import { round } from './support';

export interface MultiProcessOptions {
  processes: readonly number[];
  banThresholds: readonly number[];
  callersPerProcess: number;
  messagesPerCaller: number;
}

export const DEFAULT_MULTI_PROCESS_OPTIONS: MultiProcessOptions = {
  processes: [2, 3],
  banThresholds: [DEFAULT_RATE_LIMIT.banAfterViolations, 10, 20],
  callersPerProcess: 10,
  messagesPerCaller: 6,
};

const WORKER = join(__dirname, 'multiProcessWorker.ts');
/** A scenario that has not finished in this long has hung: its workers are killed. */
const SCENARIO_TIMEOUT_MS = 180_000;

/** One scenario as the sandbox and the workers saw it. */
export interface ScenarioMeasurement {
  processes: number;
  feedback: boolean;
  banAfterViolations: number;
  messages: number;
  /** How the messages ended, summed over the workers. */
  ends: Record<MessageEnd, number>;
  /** Wall clock from `go` to the last worker's `done`. */
  elapsedMs: number;
  requests: number;
  statusCounts: Record<string, number>;
  /** 200 answers per second of wall clock: what the flow got done. */
  okPerSecond: number;
  /** Most arrivals in any (t − 1000 ms, t], all processes together. */
  maxRequestsInAnyWindow: number;
  /** Milliseconds from the first arrival to the first 429, and to the first 403 (the ban). */
  first429AfterMs: number | null;
  banAfterMs: number | null;
}

interface RunningWorker {
  ready: Promise<void>;
  done: Promise<Extract<WorkerMessage, { kind: 'done' }>>;
  go(): void;
  kill(): void;
}

function startWorker(task: WorkerTask): RunningWorker {
  const child = fork(WORKER, [JSON.stringify(task)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker exited (code ${code}) before reporting: ${stderr.trim().slice(0, 500)}`)));
  });
  const message = (kind: WorkerMessage['kind']): Promise<WorkerMessage> => Promise.race([
    new Promise<WorkerMessage>((resolve) => {
      const listener = (received: WorkerMessage): void => {
        if (received.kind !== kind) return;
        child.off('message', listener);
        resolve(received);
      };
      child.on('message', listener);
    }),
    exited,
  ]);
  exited.catch(() => undefined);
  return {
    ready: message('ready').then(() => undefined),
    done: message('done') as Promise<Extract<WorkerMessage, { kind: 'done' }>>,
    go: () => child.send('go'),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function statusCounts(log: readonly RequestLogEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of log) counts[entry.status] = (counts[entry.status] ?? 0) + 1;
  return counts;
}

function maxInAnyWindow(arrivalsMs: readonly number[]): number {
  let max = 0;
  for (let start = 0, end = 0; end < arrivalsMs.length; end += 1) {
    while (arrivalsMs[start] <= arrivalsMs[end] - 1000) start += 1;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

async function runScenario(sandbox: Sandbox, processes: number, feedback: boolean, banAfterViolations: number, options: MultiProcessOptions): Promise<ScenarioMeasurement> {
  sandbox.reset();
  sandbox.configureRateLimit({ ...DEFAULT_RATE_LIMIT, banAfterViolations });
  const task: WorkerTask = {
    baseUrl: sandbox.baseUrl,
    accessToken: sandbox.accessToken,
    adaptive: feedback,
    callers: options.callersPerProcess,
    messagesPerCaller: options.messagesPerCaller,
  };
  const workers = Array.from({ length: processes }, () => startWorker(task));
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`scenario ${processes} processes, feedback ${feedback} did not finish in ${SCENARIO_TIMEOUT_MS} ms`)), SCENARIO_TIMEOUT_MS);
    });
    await Promise.race([Promise.all(workers.map((worker) => worker.ready)), timeout]);
    // Containers of one flow start together: the hardest case for per-process pacing.
    const startMs = performance.now();
    for (const worker of workers) worker.go();
    const reports = await Promise.race([Promise.all(workers.map((worker) => worker.done)), timeout]);
    const elapsedMs = performance.now() - startMs;

    const log = [...sandbox.requestLog];
    const arrivalsMs = log.map((entry) => entry.at).sort((a, b) => a - b);
    const firstAfterMs = (status: number): number | null => {
      const entry = log.find((candidate) => candidate.status === status);
      return entry === undefined ? null : entry.at - arrivalsMs[0];
    };
    const ends: Record<MessageEnd, number> = { ok: 0, rateLimited: 0, blocked: 0, banned: 0, other: 0 };
    for (const report of reports) for (const key of Object.keys(ends) as MessageEnd[]) ends[key] += report.ends[key];
    const counts = statusCounts(log);
    return {
      processes,
      feedback,
      banAfterViolations,
      messages: processes * options.callersPerProcess * options.messagesPerCaller,
      ends,
      elapsedMs: round(elapsedMs, 1),
      requests: log.length,
      statusCounts: counts,
      okPerSecond: round(((counts[200] ?? 0) * 1000) / elapsedMs),
      maxRequestsInAnyWindow: maxInAnyWindow(arrivalsMs),
      first429AfterMs: firstAfterMs(429),
      banAfterMs: firstAfterMs(403),
    };
  } finally {
    clearTimeout(timer);
    for (const worker of workers) worker.kill();
  }
}

const count = (m: ScenarioMeasurement, status: number): number => m.statusCounts[status] ?? 0;

function ratio(a: number, b: number): number {
  if (b === 0) return a === 0 ? 1 : Number.POSITIVE_INFINITY;
  return round(a / b);
}

/** Table rows for one (processes, threshold) pair: with feedback (ours) against without (baseline). */
function figuresFor(withFeedback: ScenarioMeasurement, without: ScenarioMeasurement, isDefault: boolean): Figure[] {
  const label = `${withFeedback.processes} processes × ${withFeedback.messages / withFeedback.processes} msgs, ban after ${withFeedback.banAfterViolations} 429s`;
  const baselineLabel = 'no feedback (1.0 limiter)';
  const row = (what: string, ours: number, baseline: number, goal: string, met?: boolean): Figure => ({
    figure: `${label}: ${what}`, ours, baselineLabel, baseline, ratio: ratio(ours, baseline), goal, met,
  });
  // Kommo's real threshold is unknown; at 3 no per-process design avoids a ban when containers
  // start together (each must draw its own first 429), so only the higher ones carry a goal.
  const noBanGoal = withFeedback.banAfterViolations > DEFAULT_RATE_LIMIT.banAfterViolations;
  const rows = [
    row('429 answers', count(withFeedback, 429), count(without, 429), 'report only'),
    row('403 (ban) answers', count(withFeedback, 403), count(without, 403), noBanGoal ? '0' : 'report only', noBanGoal ? count(withFeedback, 403) === 0 : undefined),
  ];
  if (isDefault) rows.push(row('200s per second, all processes', withFeedback.okPerSecond, without.okPerSecond, 'report only'));
  rows.push(row('messages succeeded', withFeedback.ends.ok, without.ends.ok, noBanGoal ? `${withFeedback.messages}` : 'report only',
    noBanGoal ? withFeedback.ends.ok === withFeedback.messages : undefined));
  return rows;
}

export async function runMultiProcess(options: MultiProcessOptions = DEFAULT_MULTI_PROCESS_OPTIONS): Promise<BenchResult> {
  const sandbox = await startSandbox({ rateLimit: { ...DEFAULT_RATE_LIMIT } });
  try {
    const scenarios: ScenarioMeasurement[] = [];
    const figures: Figure[] = [];
    for (const banAfterViolations of options.banThresholds) {
      for (const processes of options.processes) {
        const without = await runScenario(sandbox, processes, false, banAfterViolations, options);
        const withFeedback = await runScenario(sandbox, processes, true, banAfterViolations, options);
        scenarios.push(without, withFeedback);
        figures.push(...figuresFor(withFeedback, without, banAfterViolations === DEFAULT_RATE_LIMIT.banAfterViolations));
      }
    }
    return {
      name: 'multiProcess',
      figures,
      details: {
        ...options,
        sandboxRateLimit: DEFAULT_RATE_LIMIT,
        okPerSecond: '200 answers per second of wall clock, from go to the last worker done',
        scenarios,
      },
    };
  } finally {
    await sandbox.close();
  }
}
