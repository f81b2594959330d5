/**
 * Client overhead: sequential GETs through KommoClient (pacing off, sandbox limit off) against
 * bare axios with a keep-alive agent, to the same in-process sandbox. All variants are warmed
 * up, then run in rotating order each round so drift on a small machine hits them alike; the
 * figure is the ratio of the medians.
 *
 * The baseline is axios as lean as it gets: keep-alive and `maxRedirects: 0`, like the client's
 * transport. With axios's default `maxRedirects` (21) every request goes through the
 * follow-redirects wrapper, which is slower than the client; that variant is measured too and
 * reported in the details, but comparing against it would flatter the client.
 */
import http from 'http';
import axios from 'axios';
import { createKommoClient } from '../lib/client/KommoClient';
import { startSandbox, type Sandbox } from '../sandbox';
import type { BenchResult } from './report';
import { countingLogger, median, round, sequentially } from './support';

export interface OverheadOptions {
  requestsPerRun: number;
  rounds: number;
  warmupRequests: number;
}

export const DEFAULT_OVERHEAD_OPTIONS: OverheadOptions = { requestsPerRun: 2000, rounds: 9, warmupRequests: 1000 };

const PATH = 'account';

/** Fails loudly on anything but 200: a benchmark of errors measures nothing. */
function expectOk(status: number, who: string): void {
  if (status !== 200) throw new Error(`overhead bench: ${who} got HTTP ${status}`);
}

/** Counts the sandbox's non-200 answers, then empties its log so 20,000 entries do not pile up. */
function drainLog(sandbox: Sandbox): number {
  const failures = sandbox.requestLog.filter((entry) => entry.status !== 200).length;
  sandbox.requestLog.length = 0;
  return failures;
}

interface Variant {
  name: 'ours' | 'bare' | 'axiosDefaults';
  call: () => Promise<void>;
  runsMs: number[];
}

/** Rotates the variants' order each round: round r starts at variant r mod n. */
function rotated<T>(items: readonly T[], by: number): T[] {
  return items.map((_, index) => items[(index + by) % items.length]);
}

export async function runOverhead(options: OverheadOptions = DEFAULT_OVERHEAD_OPTIONS): Promise<BenchResult> {
  const sandbox = await startSandbox({ rateLimit: false });
  try {
    const logger = countingLogger();
    const client = await createKommoClient(
      { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl },
      { logger, rateLimiter: null },
    );
    const bare = axios.create({ httpAgent: new http.Agent({ keepAlive: true }), maxRedirects: 0 });
    const axiosDefaults = axios.create({ httpAgent: new http.Agent({ keepAlive: true }) });
    const url = `${sandbox.baseUrl}/api/v4/${PATH}`;
    const headers = { authorization: `Bearer ${sandbox.accessToken}`, accept: 'application/json' };

    const ours: Variant = {
      name: 'ours',
      call: async () => expectOk((await client.request({ method: 'GET', url: PATH })).status, 'KommoClient'),
      runsMs: [],
    };
    const bareVariant: Variant = { name: 'bare', call: async () => expectOk((await bare.get(url, { headers })).status, 'bare axios'), runsMs: [] };
    const defaultsVariant: Variant = {
      name: 'axiosDefaults',
      call: async () => expectOk((await axiosDefaults.get(url, { headers })).status, 'axios defaults'),
      runsMs: [],
    };
    const variants = [ours, bareVariant, defaultsVariant];
    const timeRunMs = async (call: () => Promise<void>): Promise<number> => {
      const startMs = performance.now();
      await sequentially(options.requestsPerRun, call);
      return performance.now() - startMs;
    };

    // Two warm-up passes over every variant: the first full runs are still JIT-compiling.
    for (let pass = 0; pass < 2; pass += 1) {
      for (const variant of variants) await sequentially(options.warmupRequests, variant.call);
    }
    let failedAnswers = drainLog(sandbox);
    const logCallsBefore = logger.calls();

    for (let roundIndex = 0; roundIndex < options.rounds; roundIndex += 1) {
      for (const variant of rotated(variants, roundIndex)) variant.runsMs.push(await timeRunMs(variant.call));
      failedAnswers += drainLog(sandbox);
    }

    const oursMedianMs = median(ours.runsMs);
    const bareMedianMs = median(bareVariant.runsMs);
    const defaultsMedianMs = median(defaultsVariant.runsMs);
    const ratio = oursMedianMs / bareMedianMs;
    // Each round's ours/bare pair ran back to back: their ratio is immune to slow drift in machine load.
    const pairedRatios = ours.runsMs.map((ms, index) => ms / bareVariant.runsMs[index]);
    const perRequestUs = (ms: number): number => round((ms * 1000) / options.requestsPerRun, 1);
    const logCallsPerRequest = (logger.calls() - logCallsBefore) / (options.rounds * options.requestsPerRun);
    return {
      name: 'overhead',
      figures: [{
        figure: `${options.requestsPerRun} sequential GETs, median ms`,
        ours: round(oursMedianMs, 1),
        baselineLabel: 'bare axios, keep-alive',
        baseline: round(bareMedianMs, 1),
        ratio: round(ratio),
        goal: 'ratio ≤ 1.10',
        met: ratio <= 1.1,
      }],
      details: {
        ...options,
        path: `/api/v4/${PATH}`,
        order: 'rotating per round: ours-bare-defaults, bare-defaults-ours, ...',
        baseline: 'axios.create({ httpAgent: keep-alive, maxRedirects: 0 }), default JSON parsing',
        oursRunsMs: ours.runsMs.map((ms) => round(ms, 1)),
        bareRunsMs: bareVariant.runsMs.map((ms) => round(ms, 1)),
        axiosDefaultsRunsMs: defaultsVariant.runsMs.map((ms) => round(ms, 1)),
        oursMedianMs: round(oursMedianMs, 1),
        bareMedianMs: round(bareMedianMs, 1),
        axiosDefaultsMedianMs: round(defaultsMedianMs, 1),
        oursMicrosecondsPerRequest: perRequestUs(oursMedianMs),
        bareMicrosecondsPerRequest: perRequestUs(bareMedianMs),
        axiosDefaultsMicrosecondsPerRequest: perRequestUs(defaultsMedianMs),
        overheadMicrosecondsPerRequest: perRequestUs(oursMedianMs - bareMedianMs),
        ratio: round(ratio),
        medianOfPairedRatios: round(median(pairedRatios)),
        pairedRatios: pairedRatios.map((value) => round(value)),
        ratioToAxiosDefaults: round(oursMedianMs / defaultsMedianMs),
        logCallsPerRequest,
        failedAnswers,
      },
    };
  } finally {
    await sandbox.close();
  }
}
