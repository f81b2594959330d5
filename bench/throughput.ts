/**
 * Throughput at Kommo's limit: 140 GETs from 20 concurrent messages (20 callers × 7 messages
 * each) against a sandbox enforcing 7 requests/s with Kommo-like escalation (3 × 429 within
 * 60 s → 60 s of HTML 403 on every request). Variants, each on a freshly reset sandbox:
 *
 * - ours: the real Make Raw Request `processAction`, so the process-wide shared limiter paces;
 * - no limiter: KommoClient with pacing off (default retry policy), same 20 × 7;
 * - naive serial: bare axios, one request at a time, no pacing, no retries;
 * - naive paced serial: the same, sleeping 1000/7 ms after every answer.
 *
 * Rates come from the sandbox's request log (arrival times): `(requests − 1) / span` from the
 * first to the last arrival, and the steadier `(requests − 7) / span`, which discounts the
 * burst of 7 a window-based pacer sends at t = 0 (see BENCHMARKS.md).
 */
import http from 'http';
import axios from 'axios';
import { processAction } from '../lib/actions/makeRawRequest';
import { createKommoClient } from '../lib/client/KommoClient';
import { DEFAULT_RATE_LIMIT, startSandbox, type RequestLogEntry, type Sandbox } from '../sandbox';
import type { BenchResult, Figure } from './report';
import { concurrently, countingLogger, delay, round, runMessage, sequentially } from './support';

export interface ThroughputOptions {
  callers: number;
  messagesPerCaller: number;
}

export const DEFAULT_THROUGHPUT_OPTIONS: ThroughputOptions = { callers: 20, messagesPerCaller: 7 };

const LIMIT_PER_SECOND = DEFAULT_RATE_LIMIT.requestsPerSecond;
/** The sandbox counts arrivals in (t − 1000 ms, t]. */
const WINDOW_MS = 1000;
const BODY = { method: 'GET', url: 'account' };

/** What one variant did, from the sandbox's point of view and the callers'. */
export interface VariantMeasurement {
  variant: string;
  messages: number;
  messagesSucceeded: number;
  /** Wall clock from the first call to the last answer. */
  elapsedMs: number;
  requests: number;
  statusCounts: Record<string, number>;
  /** `(requests − 1) / (last arrival − first arrival)`. */
  spanRatePerSecond: number;
  /** `(requests − N) / span`: one pacer burst fewer. */
  sustainedRatePerSecond: number;
  /** Successful answers per second of wall clock. */
  goodputPerSecond: number;
  /** Most arrivals in any (t − 1000 ms, t] window: the server's own count. */
  maxRequestsInAnyWindow: number;
  /** 1-based arrival index of the first 429, and of the first 403 (the ban). */
  first429AtRequest: number | null;
  banAtRequest: number | null;
  /** Milliseconds from the first arrival to the first 403. */
  banAfterMs: number | null;
  /** The first two windows' arrivals (ms after the first) and statuses: where a cold start shows. */
  firstArrivals: string[];
}

function statusCounts(log: readonly RequestLogEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of log) counts[entry.status] = (counts[entry.status] ?? 0) + 1;
  return counts;
}

function maxInAnyWindow(arrivalsMs: readonly number[]): number {
  let max = 0;
  let start = 0;
  for (let end = 0; end < arrivalsMs.length; end += 1) {
    while (arrivalsMs[start] <= arrivalsMs[end] - WINDOW_MS) start += 1;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

function firstIndexOf(log: readonly RequestLogEntry[], status: number): number | null {
  const index = log.findIndex((entry) => entry.status === status);
  return index < 0 ? null : index + 1;
}

/** Runs one variant on a reset sandbox and reads its request log. */
async function measure(sandbox: Sandbox, variant: string, messages: number, run: () => Promise<number>): Promise<VariantMeasurement> {
  sandbox.reset();
  const startMs = performance.now();
  const messagesSucceeded = await run();
  const elapsedMs = performance.now() - startMs;
  const log = [...sandbox.requestLog];
  const arrivalsMs = log.map((entry) => entry.at).sort((a, b) => a - b);
  const spanMs = arrivalsMs.length > 1 ? arrivalsMs[arrivalsMs.length - 1] - arrivalsMs[0] : Number.NaN;
  const counts = statusCounts(log);
  const banAtRequest = firstIndexOf(log, 403);
  return {
    variant,
    messages,
    messagesSucceeded,
    elapsedMs: round(elapsedMs, 1),
    requests: log.length,
    statusCounts: counts,
    spanRatePerSecond: round(((log.length - 1) * 1000) / spanMs),
    sustainedRatePerSecond: round(((log.length - LIMIT_PER_SECOND) * 1000) / spanMs),
    goodputPerSecond: round(((counts[200] ?? 0) * 1000) / elapsedMs),
    maxRequestsInAnyWindow: maxInAnyWindow(arrivalsMs),
    first429AtRequest: firstIndexOf(log, 429),
    banAtRequest,
    banAfterMs: banAtRequest === null ? null : log[banAtRequest - 1].at - arrivalsMs[0],
    firstArrivals: log.slice(0, 2 * LIMIT_PER_SECOND + 2).map((entry) => `${entry.at - arrivalsMs[0]}:${entry.status}`),
  };
}

export async function runThroughput(options: ThroughputOptions = DEFAULT_THROUGHPUT_OPTIONS): Promise<BenchResult> {
  const sandbox = await startSandbox({ rateLimit: { ...DEFAULT_RATE_LIMIT } });
  const messages = options.callers * options.messagesPerCaller;
  const cfg = { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl };
  const bare = axios.create({ httpAgent: new http.Agent({ keepAlive: true }), maxRedirects: 0, validateStatus: () => true });
  const bareGet = async (): Promise<boolean> => {
    const response = await bare.get(`${sandbox.baseUrl}/api/v4/account`, { headers: { authorization: `Bearer ${sandbox.accessToken}` } });
    return response.status === 200;
  };
  try {
    let succeeded = 0;
    const count = (ok: boolean): void => {
      if (ok) succeeded += 1;
    };

    const ours = await measure(sandbox, 'ours: processAction, shared limiter', messages, async () => {
      succeeded = 0;
      await concurrently(options.callers, options.messagesPerCaller, async () => {
        count((await runMessage(processAction, BODY, cfg)).kind === 'data');
      });
      return succeeded;
    });

    const noLimiter = await measure(sandbox, 'no limiter: KommoClient, pacing off', messages, async () => {
      succeeded = 0;
      await concurrently(options.callers, options.messagesPerCaller, async () => {
        const client = await createKommoClient(cfg, { logger: countingLogger(), rateLimiter: null });
        count(await client.request({ method: 'GET', url: BODY.url }).then(() => true, () => false));
      });
      return succeeded;
    });

    const naiveSerial = await measure(sandbox, 'naive serial: bare axios, no pacing', messages, async () => {
      succeeded = 0;
      await sequentially(messages, async () => count(await bareGet()));
      return succeeded;
    });

    const pauseMs = 1000 / LIMIT_PER_SECOND;
    const naivePaced = await measure(sandbox, `naive paced serial: bare axios, sleep ${round(pauseMs, 1)} ms after each`, messages, async () => {
      succeeded = 0;
      await sequentially(messages, async (index) => {
        count(await bareGet());
        if (index < messages - 1) await delay(pauseMs);
      });
      return succeeded;
    });

    const fraction = (rate: number): number => round(rate / LIMIT_PER_SECOND);
    const c429 = (m: VariantMeasurement): number => m.statusCounts[429] ?? 0;
    const c403 = (m: VariantMeasurement): number => m.statusCounts[403] ?? 0;
    const ratio = (a: number, b: number): number => (b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : round(a / b));
    const label = `${options.callers}×${options.messagesPerCaller} GETs at 7/s`;
    const figures: Figure[] = [
      {
        figure: `${label}: rate/7, (n−1)/span`,
        ours: fraction(ours.spanRatePerSecond),
        baselineLabel: 'naive paced serial',
        baseline: fraction(naivePaced.spanRatePerSecond),
        ratio: ratio(ours.spanRatePerSecond, naivePaced.spanRatePerSecond),
        goal: '≥ 0.95',
        met: ours.spanRatePerSecond / LIMIT_PER_SECOND >= 0.95,
      },
      {
        figure: `${label}: rate/7, sustained (n−7)/span`,
        ours: fraction(ours.sustainedRatePerSecond),
        baselineLabel: 'naive paced serial',
        baseline: fraction(naivePaced.sustainedRatePerSecond),
        ratio: ratio(ours.sustainedRatePerSecond, naivePaced.sustainedRatePerSecond),
        goal: '≥ 0.95',
        met: ours.sustainedRatePerSecond / LIMIT_PER_SECOND >= 0.95,
      },
      {
        figure: `${label}: 429 answers`,
        ours: c429(ours),
        baselineLabel: 'no limiter',
        baseline: c429(noLimiter),
        ratio: ratio(c429(ours), c429(noLimiter)),
        goal: '0',
        met: c429(ours) === 0,
      },
      {
        figure: `${label}: 403 (ban) answers`,
        ours: c403(ours),
        baselineLabel: 'no limiter',
        baseline: c403(noLimiter),
        ratio: ratio(c403(ours), c403(noLimiter)),
        goal: '0',
        met: c403(ours) === 0,
      },
      {
        figure: `${label}: messages succeeded`,
        ours: ours.messagesSucceeded,
        baselineLabel: 'no limiter',
        baseline: noLimiter.messagesSucceeded,
        ratio: ratio(ours.messagesSucceeded, noLimiter.messagesSucceeded),
        goal: `${messages}`,
        met: ours.messagesSucceeded === messages,
      },
      {
        figure: `${messages} serial GETs: 429 answers`,
        ours: c429(ours),
        baselineLabel: 'naive serial',
        baseline: c429(naiveSerial),
        ratio: ratio(c429(ours), c429(naiveSerial)),
        goal: '0',
        met: c429(ours) === 0,
      },
    ];
    return {
      name: 'throughput',
      figures,
      details: {
        ...options,
        sandboxRateLimit: DEFAULT_RATE_LIMIT,
        rateMeasure: '(requests − 1) / (last arrival − first arrival) from the sandbox request log; sustained: (requests − 7) / span',
        variants: [ours, noLimiter, naiveSerial, naivePaced],
      },
    };
  } finally {
    await sandbox.close();
  }
}
