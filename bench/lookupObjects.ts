/**
 * Lookup at Kommo's read ceiling. Kommo serves 250 objects per request and 7 requests per second:
 * 1,750 objects/s. Against the sandbox with 250 ms latency per request and its 7/s limit (with the
 * ban after three 429s) on:
 *
 * - `emitAll` and `emitIndividually` of 5,000 objects through the real Lookup Objects
 *   `process` (the process-wide limiter paces; pages are read ahead of the emitter), next to the
 *   same action reading page by page (`aheadPages: 0`) as the baseline. The process is warm as a
 *   running container's is: the account model read (one small lookup) and the limiter past its
 *   slow start (whole listings until it is); objects/s is 5,000 over the wall time of the
 *   message, and 429s come from the sandbox's request log. The first message of a fresh process
 *   (slow start paid inside it) is reported beside them.
 * - Peak RSS of a child process running `emitIndividually` of 20,000 objects (each message
 *   serialised, as sailor does, then dropped), next to the same for 2,000 objects; and the live
 *   heap (what survives a full collection, sampled every 1,000 messages) of the same two runs:
 *   flat means it does not grow with the result. RSS also holds garbage V8 has not collected yet,
 *   so it rises with the garbage made until V8's heap sizing levels off (BENCHMARKS.md). For
 *   contrast the details hold the live heap of `emitAll` of 5,000, which holds every object.
 * - Kommo requests per message of Lookup Object with warm caches, by id and by email.
 * - `emitIndividually` of 20,000 objects at 250 ms and 7/s: a long listing pays the limiter's slow
 *   start once (its baseline is the page-by-page rate of the 5,000 run: it does not depend on size).
 */
import { fork } from 'child_process';
import { join } from 'path';
import { createLookupObjects, processAction as lookupObjects } from '../lib/actions/lookupObjects';
import { processAction as lookupObject } from '../lib/actions/lookupObject';
import type { ComponentContext, Message } from '../lib/context';
import type { AdaptiveRateLimiter } from '../lib/client/rateLimiter';
import * as processScope from '../lib/processScope';
import { DEFAULT_RATE_LIMIT, startSandbox, type Sandbox } from '../sandbox';
import type { BenchResult, Figure } from './report';
import { countingLogger, delay, round } from './support';

/** Kommo's read ceiling: 250 objects per page × 7 pages per second. */
export const READ_CEILING_PER_SECOND = 250 * DEFAULT_RATE_LIMIT.requestsPerSecond;
const OBJECTS = 5000;
const RSS_SMALL = 2000;
const RSS_LARGE = 20000;
const LATENCY_MS = 250;
const PRICE = 4242;

/** A handler context whose `emit` counts data messages and drops them. */
function countingContext(): ComponentContext & { dataMessages: () => number } {
  let data = 0;
  return {
    logger: countingLogger(),
    dataMessages: () => data,
    emit(event: string) {
      if (event === 'data') data += 1;
      return Promise.resolve();
    },
  };
}

/** Creates `count` leads at `PRICE` through the API, 250 per request (call it with latency and limit off). */
async function createLeads(sandbox: Sandbox, count: number): Promise<void> {
  for (let start = 0; start < count; start += 250) {
    const items = Array.from({ length: Math.min(250, count - start) }, (_, index) => ({ name: `Bench lead ${start + index}`, price: PRICE }));
    const response = await fetch(`${sandbox.baseUrl}/api/v4/leads`, {
      method: 'POST', headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(items),
    });
    if (response.status !== 200) throw new Error(`creating leads: ${response.status}`);
  }
}

/** One listing variant, measured from the sandbox's log and the wall clock. */
export interface ListingMeasurement {
  variant: string;
  objects: number;
  elapsedMs: number;
  objectsPerSecond: number;
  ofCeiling: number;
  requests: number;
  statusCounts: Record<string, number>;
  /** Each request's arrival (ms after the message started) and status: where the time went. */
  arrivals: string[];
}

type Handler = typeof lookupObjects;

/**
 * How warm the process is when the measured message arrives: `fresh` has read the account model
 * only (one small lookup), so the listing pays the limiter's slow start; `running` has also served
 * listings until the limiter left slow start, as a container that has been handling messages has.
 */
type Warmth = 'fresh' | 'running';

/** Serves whole listings (read ahead) until the limiter has left slow start for the sandbox (at most 3). */
async function warmPace(sandbox: Sandbox, cfg: Record<string, unknown>): Promise<void> {
  const origin = new URL(sandbox.baseUrl).origin;
  const limiter = processScope.sharedRateLimiter() as AdaptiveRateLimiter;
  for (let listing = 0; listing < 3 && limiter.snapshot(origin).inFlightLimit !== undefined; listing += 1) {
    await lookupObjects.call(countingContext(), { body: { filter: { price: PRICE }, maxResults: OBJECTS } }, { ...cfg, emitBehavior: 'emitIndividually' });
  }
  if (limiter.snapshot(origin).inFlightLimit !== undefined) throw new Error('lookup bench: the limiter is still in slow start after warming up');
}

async function measureListing(sandbox: Sandbox, variant: string, handler: Handler, emitBehavior: 'emitAll' | 'emitIndividually', expected = OBJECTS, warmth: Warmth = 'running'): Promise<ListingMeasurement> {
  const cfg = { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl, objectType: 'leads', emitBehavior };
  // A fresh process scope per variant (no pace carried over), warmed as `warmth` says.
  processScope.reset();
  await delay(1100);
  sandbox.resetRateLimit();
  await handler.call(countingContext(), { body: { filter: { id: 1000001 } } }, { ...cfg, emitBehavior: 'emitAll' });
  if (warmth === 'running') await warmPace(sandbox, cfg);
  await delay(1100);
  sandbox.resetRateLimit();
  sandbox.requestLog.length = 0;

  const context = countingContext();
  const body = { filter: { price: PRICE }, ...(emitBehavior === 'emitAll' ? { maxResults: expected } : {}) };
  const startMs = performance.now();
  const startedAt = Date.now();
  const message = await handler.call(context, { body }, cfg) as Message<{ results?: unknown[] }> | undefined;
  const elapsedMs = performance.now() - startMs;
  const objects = emitBehavior === 'emitAll' ? message?.body.results?.length ?? 0 : context.dataMessages();
  if (objects !== expected) throw new Error(`${variant}: expected ${expected} objects, got ${objects}`);
  const statusCounts: Record<string, number> = {};
  for (const entry of sandbox.requestLog) statusCounts[entry.status] = (statusCounts[entry.status] ?? 0) + 1;
  const objectsPerSecond = (objects * 1000) / elapsedMs;
  return {
    variant,
    objects,
    elapsedMs: round(elapsedMs, 1),
    objectsPerSecond: round(objectsPerSecond, 1),
    ofCeiling: round(objectsPerSecond / READ_CEILING_PER_SECOND),
    requests: sandbox.requestLog.length,
    statusCounts,
    arrivals: sandbox.requestLog.map((entry) => `${entry.at - startedAt}:${entry.status}`),
  };
}

/** What the RSS child reports. */
interface ChildReport {
  emitted: number;
  /** Peak of the heap that survives a full collection, sampled every 1,000 messages. */
  liveHeapMiB: number;
  maxRssMiB: number;
  elapsedMs: number;
}

/**
 * Runs Lookup Objects in a child process (the sandbox stays here) and reads its peak RSS; with
 * `sampleHeap` the child also collects garbage every 1,000 messages to sample its live heap (which
 * keeps its RSS down, so RSS comes from runs without it).
 */
function runChild(sandbox: Sandbox, emitBehavior: 'emitAll' | 'emitIndividually', maxResults: number, sampleHeap = false): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'lookupRssChild.ts'), [], {
      execArgv: ['--import', 'tsx', ...(sampleHeap ? ['--expose-gc'] : [])],
      env: { ...process.env, BENCH_BASE_URL: sandbox.baseUrl, BENCH_TOKEN: sandbox.accessToken, BENCH_EMIT: emitBehavior, BENCH_MAX: String(maxResults), BENCH_PRICE: String(PRICE) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let report: ChildReport | undefined;
    child.on('message', (message) => {
      report = message as ChildReport;
    });
    child.on('error', reject);
    child.on('exit', (code) => (report && code === 0 ? resolve(report) : reject(new Error(`RSS child exited with ${code}`))));
  });
}

/** Kommo requests per message of Lookup Object with warm caches. */
async function requestsPerLookup(sandbox: Sandbox, criterion: 'id' | 'email', messages: number): Promise<number> {
  processScope.reset();
  const objectType = criterion === 'id' ? 'leads' : 'contacts';
  const cfg = { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl, objectType, lookupCriteria: criterion };
  const body = criterion === 'id' ? { id: 1000001 } : { email: 'maria.gomez@acme.example' };
  const handler = lookupObject.withDeps({ rateLimiter: null });
  await handler.call(countingContext(), { body }, cfg);
  sandbox.requestLog.length = 0;
  for (let index = 0; index < messages; index += 1) {
    const message = await handler.call(countingContext(), { body }, cfg);
    if (!message) throw new Error(`lookup by ${criterion} found nothing`);
  }
  return sandbox.requestLog.length / messages;
}

export async function runLookupObjects(): Promise<BenchResult> {
  const sandbox = await startSandbox({ rateLimit: false, latencyMs: 0 });
  try {
    // The listings first, with only their 5,000 leads in the sandbox (it shares this process's CPU).
    await createLeads(sandbox, OBJECTS);
    sandbox.configure({ latencyMs: LATENCY_MS });
    sandbox.configureRateLimit({ ...DEFAULT_RATE_LIMIT });
    const sequential = createLookupObjects({ aheadPages: 0 });
    const allOurs = await measureListing(sandbox, 'emitAll, read ahead', lookupObjects, 'emitAll');
    const allSequential = await measureListing(sandbox, 'emitAll, page by page', sequential, 'emitAll');
    const oneOurs = await measureListing(sandbox, 'emitIndividually, read ahead', lookupObjects, 'emitIndividually');
    const oneSequential = await measureListing(sandbox, 'emitIndividually, page by page', sequential, 'emitIndividually');
    const allFresh = await measureListing(sandbox, 'emitAll, read ahead, first message of a fresh process', lookupObjects, 'emitAll', OBJECTS, 'fresh');

    // Memory and request counts without latency or limits.
    sandbox.configure({ latencyMs: 0 });
    sandbox.configureRateLimit(false);
    const heapEmitAll = await runChild(sandbox, 'emitAll', OBJECTS, true);
    await createLeads(sandbox, RSS_LARGE - OBJECTS);
    const rssSmall = await runChild(sandbox, 'emitIndividually', RSS_SMALL);
    const rssLarge = await runChild(sandbox, 'emitIndividually', RSS_LARGE);
    const heapSmall = await runChild(sandbox, 'emitIndividually', RSS_SMALL, true);
    const heapLarge = await runChild(sandbox, 'emitIndividually', RSS_LARGE, true);

    const perId = await requestsPerLookup(sandbox, 'id', 20);
    const perEmail = await requestsPerLookup(sandbox, 'email', 20);

    // A long listing: the limiter's slow start is paid once, the rest runs at its pace.
    sandbox.configure({ latencyMs: LATENCY_MS });
    sandbox.configureRateLimit({ ...DEFAULT_RATE_LIMIT });
    const longOurs = await measureListing(sandbox, `emitIndividually of ${RSS_LARGE}, read ahead`, lookupObjects, 'emitIndividually', RSS_LARGE);

    const c429 = (m: ListingMeasurement): number => m.statusCounts[429] ?? 0;
    const label = `${OBJECTS} objects, ${LATENCY_MS} ms/request, 7/s, running container`;
    const figures: Figure[] = [
      ...([['emitAll', allOurs, allSequential], ['emitIndividually', oneOurs, oneSequential]] as const).flatMap(([mode, ours, baseline]): Figure[] => [
        {
          figure: `Lookup Objects ${mode}, ${label}: objects/s ÷ 1750`,
          ours: ours.ofCeiling,
          baselineLabel: 'page by page',
          baseline: baseline.ofCeiling,
          ratio: round(ours.ofCeiling / baseline.ofCeiling),
          goal: '≥ 0.90',
          met: ours.ofCeiling >= 0.9,
        },
        {
          figure: `Lookup Objects ${mode}, ${label}: 429 answers`,
          ours: c429(ours),
          baselineLabel: 'page by page',
          baseline: c429(baseline),
          ratio: c429(baseline) === 0 ? (c429(ours) === 0 ? 1 : Number.POSITIVE_INFINITY) : round(c429(ours) / c429(baseline)),
          goal: '0',
          met: c429(ours) === 0,
        },
      ]),
      {
        figure: `Lookup Objects emitAll, ${OBJECTS} objects, ${LATENCY_MS} ms/request, 7/s, first message of a fresh process: objects/s ÷ 1750`,
        ours: allFresh.ofCeiling,
        baselineLabel: 'page by page',
        baseline: allSequential.ofCeiling,
        ratio: round(allFresh.ofCeiling / allSequential.ofCeiling),
        goal: 'report (pays the limiter\'s slow start)',
      },
      {
        figure: `Lookup Objects emitIndividually, ${RSS_LARGE} objects, ${LATENCY_MS} ms/request, 7/s: objects/s ÷ 1750`,
        ours: longOurs.ofCeiling,
        baselineLabel: `page by page, ${OBJECTS}`,
        baseline: oneSequential.ofCeiling,
        ratio: round(longOurs.ofCeiling / oneSequential.ofCeiling),
        goal: '≥ 0.90',
        met: longOurs.ofCeiling >= 0.9 && c429(longOurs) === 0,
      },
      {
        figure: `Lookup Objects emitIndividually: peak RSS MiB, ${RSS_LARGE} objects`,
        ours: rssLarge.maxRssMiB,
        baselineLabel: `${RSS_SMALL} objects`,
        baseline: rssSmall.maxRssMiB,
        ratio: round(rssLarge.maxRssMiB / rssSmall.maxRssMiB),
        goal: 'report (V8 heap sizing)',
      },
      {
        figure: `Lookup Objects emitIndividually: live heap MiB after GC, ${RSS_LARGE} objects`,
        ours: heapLarge.liveHeapMiB,
        baselineLabel: `${RSS_SMALL} objects`,
        baseline: heapSmall.liveHeapMiB,
        ratio: round(heapLarge.liveHeapMiB / heapSmall.liveHeapMiB),
        // Keeping the objects would add about 25 MiB (emitAll of 5,000 holds 8 MiB more than this);
        // the JIT's one-time warm-up adds about 1 MiB between 2,000 and 5,000 objects.
        goal: 'flat: + ≤ 2 MiB',
        met: heapLarge.liveHeapMiB - heapSmall.liveHeapMiB <= 2,
      },
      {
        figure: 'Lookup Object, warm caches: Kommo requests/msg by id',
        ours: perId,
        baselineLabel: 'goal',
        baseline: 1,
        ratio: round(perId),
        goal: '1',
        met: perId === 1,
      },
      {
        figure: 'Lookup Object, warm caches: Kommo requests/msg by email',
        ours: perEmail,
        baselineLabel: 'goal',
        baseline: 1,
        ratio: round(perEmail),
        goal: '1',
        met: perEmail === 1,
      },
    ];
    return {
      name: 'lookupObjects',
      figures,
      details: {
        latencyMs: LATENCY_MS,
        sandboxRateLimit: DEFAULT_RATE_LIMIT,
        readCeilingPerSecond: READ_CEILING_PER_SECOND,
        listings: [allOurs, allSequential, oneOurs, oneSequential, allFresh, longOurs],
        peakRss: { [`emitIndividually ${RSS_SMALL}`]: rssSmall, [`emitIndividually ${RSS_LARGE}`]: rssLarge },
        liveHeap: {
          [`emitIndividually ${RSS_SMALL}`]: heapSmall,
          [`emitIndividually ${RSS_LARGE}`]: heapLarge,
          [`emitAll ${OBJECTS} (holds every object)`]: heapEmitAll,
        },
        requestsPerMessage: { lookupById: perId, lookupByEmail: perEmail },
      },
    };
  } finally {
    processScope.reset();
    await sandbox.close();
  }
}
