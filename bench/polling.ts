/**
 * The polling trigger (Get New and Updated Objects Polling) against the sandbox, with the naive
 * `updated_at > last` poller (spec/triggers/naive.ts: offset pages from the largest stamp seen) as
 * the baseline in the same run:
 *
 * - catch-up: one poll over 10,000 leads with distinct `updated_at` seconds, the sandbox at 250 ms
 *   per answer and 7 requests/s (Kommo's read ceiling: 250 per page × 7 pages/s = 1,750 objects/s),
 *   the component's shared limiter pacing; objects/s as a fraction of 1,750;
 * - idle: the poll after it, with nothing new: Kommo requests and milliseconds;
 * - tie: 300 leads stamped with one second between 20 before and 20 after, the order inside the
 *   second shuffled on every request (no latency, no limit): objects lost by each poller, reading
 *   every page, and one page per poll.
 */
import { createKommoClient } from '../lib/client/KommoClient';
import type { ComponentContext } from '../lib/context';
import { reset as resetProcessScope } from '../lib/processScope';
import { processTrigger } from '../lib/triggers/getNewAndUpdatedObjectsPolling';
import { startSandbox, type Sandbox } from '../sandbox';
import { naivePoll } from '../spec/triggers/naive';
import type { BenchResult, Figure } from './report';
import { countingLogger, round } from './support';

export interface PollingOptions {
  objects: number;
  latencyMs: number;
  tied: number;
}

export const DEFAULT_POLLING_OPTIONS: PollingOptions = { objects: 10_000, latencyMs: 250, tied: 300 };

/** Kommo's read ceiling: 250 objects per page, 7 pages per second. */
const CEILING_OBJECTS_PER_SECOND = 1750;
const PAGE_SIZE = 250;

interface PollOutcome {
  ids: number[];
  snapshot: Record<string, unknown>;
  elapsedMs: number;
  requests: number;
  maxSnapshotBytes: number;
}

async function api(sandbox: Sandbox, method: string, path: string, body: unknown): Promise<{ _embedded: { leads: Array<{ id: number }> } }> {
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sandbox ${method} ${path}: ${response.status}`);
  return (await response.json()) as { _embedded: { leads: Array<{ id: number }> } };
}

/** Creates leads and stamps them `stamp(i)` (PATCH with `updated_at`, which the sandbox keeps). */
async function leads(sandbox: Sandbox, count: number, stamp: (index: number) => number): Promise<number[]> {
  const ids: number[] = [];
  for (let done = 0; done < count; done += PAGE_SIZE) {
    const size = Math.min(PAGE_SIZE, count - done);
    const created = await api(sandbox, 'POST', '/api/v4/leads', Array.from({ length: size }, (_, i) => ({ name: `Bench lead ${done + i}` })));
    const batch = created._embedded.leads.map((lead) => lead.id);
    await api(sandbox, 'PATCH', '/api/v4/leads', batch.map((id, i) => ({ id, updated_at: stamp(done + i) })));
    ids.push(...batch);
  }
  return ids;
}

function cfg(sandbox: Sandbox, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl, objectType: 'leads', ...fields };
}

/** One poll of the component's trigger, the way sailor calls it. */
async function pollOurs(sandbox: Sandbox, snapshot: Record<string, unknown>, fields: Record<string, unknown> = {}): Promise<PollOutcome> {
  const ids: number[] = [];
  let latest = snapshot;
  let maxSnapshotBytes = 0;
  const context: ComponentContext = {
    logger: countingLogger(),
    emit: async (event: string, payload?: unknown) => {
      if (event === 'data') ids.push((payload as { body: { id: number } }).body.id);
      if (event === 'snapshot') {
        latest = payload as Record<string, unknown>;
        maxSnapshotBytes = Math.max(maxSnapshotBytes, Buffer.byteLength(JSON.stringify(latest)));
      }
    },
  };
  const before = sandbox.requestLog.length;
  const started = performance.now();
  await processTrigger.call(context, { body: {} }, cfg(sandbox, fields) as never, snapshot);
  return { ids, snapshot: latest, elapsedMs: performance.now() - started, requests: sandbox.requestLog.length - before, maxSnapshotBytes };
}

/** One poll of the naive baseline through the component's client (same pacing and transport). */
async function pollNaive(sandbox: Sandbox, snapshot: { last?: number }, maxPages = Infinity): Promise<PollOutcome & { last: number }> {
  const client = await createKommoClient(cfg(sandbox), { logger: countingLogger() });
  const ids: number[] = [];
  const before = sandbox.requestLog.length;
  const started = performance.now();
  const { last } = await naivePoll(client, 'updated_at', PAGE_SIZE, snapshot, (records) => ids.push(...records.map((record) => record.id as number)), maxPages);
  return { ids, snapshot: { last }, last, elapsedMs: performance.now() - started, requests: sandbox.requestLog.length - before, maxSnapshotBytes: Buffer.byteLength(JSON.stringify({ last })) };
}

function lostAndRepeated(all: readonly number[], seen: readonly number[]): { lost: number; repeated: number } {
  const set = new Set(seen);
  return { lost: all.filter((id) => !set.has(id)).length, repeated: seen.length - set.size };
}

export async function runPolling(options: PollingOptions = DEFAULT_POLLING_OPTIONS): Promise<BenchResult> {
  const sandbox = await startSandbox({ rateLimit: false });
  try {
    // --- catch-up over `objects` leads, one second apart, all older than the safety lag
    const nowSeconds = Math.floor(Date.now() / 1000);
    const firstStamp = nowSeconds - options.objects - 3600;
    await leads(sandbox, options.objects, (index) => firstStamp + index);
    const all = sandbox.entities('leads').map((lead) => lead.id as number);
    sandbox.configure({ latencyMs: options.latencyMs });
    sandbox.configureRateLimit({});
    resetProcessScope();
    const ours = await pollOurs(sandbox, {});
    const oursIdle = await pollOurs(sandbox, ours.snapshot);
    resetProcessScope();
    const naive = await pollNaive(sandbox, {});
    const naiveIdle = await pollNaive(sandbox, naive.snapshot);
    const oursRate = ours.ids.length / (ours.elapsedMs / 1000);
    const naiveRate = naive.ids.length / (naive.elapsedMs / 1000);

    // --- the tie: `tied` leads in one second between neighbours, shuffled per request
    sandbox.reset();
    sandbox.configure({ latencyMs: 0, unstableOrderSeed: 13 });
    sandbox.configureRateLimit(false);
    const tieSecond = Math.floor(Date.now() / 1000) - 600;
    await leads(sandbox, 20, () => tieSecond - 1);
    await leads(sandbox, options.tied, () => tieSecond);
    await leads(sandbox, 20, () => tieSecond + 1);
    const tieAll = sandbox.entities('leads').map((lead) => lead.id as number);
    const tie: Record<string, { lost: number; repeated: number; polls: number }> = {};
    for (const singlePage of [false, true]) {
      resetProcessScope();
      const seenOurs: number[] = [];
      let snapshotOurs: Record<string, unknown> = {};
      const seenNaive: number[] = [];
      let snapshotNaive: { last?: number } = {};
      const polls = singlePage ? 6 : 2;
      for (let poll = 0; poll < polls; poll += 1) {
        const outcome = await pollOurs(sandbox, snapshotOurs, singlePage ? { singlePagePerInterval: true } : {});
        seenOurs.push(...outcome.ids);
        snapshotOurs = outcome.snapshot;
        const naiveOutcome = await pollNaive(sandbox, snapshotNaive, singlePage ? 1 : Infinity);
        seenNaive.push(...naiveOutcome.ids);
        snapshotNaive = naiveOutcome.snapshot;
      }
      const label = singlePage ? 'onePagePerPoll' : 'allPages';
      tie[`ours.${label}`] = { ...lostAndRepeated(tieAll, seenOurs), polls };
      tie[`naive.${label}`] = { ...lostAndRepeated(tieAll, seenNaive), polls };
    }

    const figures: Figure[] = [
      {
        figure: `catch-up poll, ${options.objects} objects: objects/s ÷ 1,750`,
        ours: round(oursRate / CEILING_OBJECTS_PER_SECOND),
        baselineLabel: 'naive > last, offset pages',
        baseline: round(naiveRate / CEILING_OBJECTS_PER_SECOND),
        ratio: round(oursRate / naiveRate),
        goal: 'report (sequential pages: ≤ 1000/latency pages/s)',
      },
      {
        figure: 'idle poll: Kommo requests',
        ours: oursIdle.requests,
        baselineLabel: 'naive > last',
        baseline: naiveIdle.requests,
        ratio: round(oursIdle.requests / naiveIdle.requests),
        goal: '1',
        met: oursIdle.requests === 1,
      },
      {
        figure: `${options.tied} in one second, shuffled, all pages: lost`,
        ours: tie['ours.allPages'].lost,
        baselineLabel: 'naive > last',
        baseline: tie['naive.allPages'].lost,
        ratio: tie['naive.allPages'].lost === 0 ? Number.NaN : round(tie['ours.allPages'].lost / tie['naive.allPages'].lost),
        goal: '0 lost, 0 repeated',
        met: tie['ours.allPages'].lost === 0 && tie['ours.allPages'].repeated === 0,
      },
      {
        figure: `${options.tied} in one second, shuffled, one page per poll: lost`,
        ours: tie['ours.onePagePerPoll'].lost,
        baselineLabel: 'naive > last',
        baseline: tie['naive.onePagePerPoll'].lost,
        ratio: tie['naive.onePagePerPoll'].lost === 0 ? Number.NaN : round(tie['ours.onePagePerPoll'].lost / tie['naive.onePagePerPoll'].lost),
        goal: '0 lost, 0 repeated',
        met: tie['ours.onePagePerPoll'].lost === 0 && tie['ours.onePagePerPoll'].repeated === 0,
      },
    ];
    const summary = (outcome: PollOutcome) => ({
      emitted: outcome.ids.length, lostOrRepeated: lostAndRepeated(all, outcome.ids), elapsedMs: Math.round(outcome.elapsedMs), requests: outcome.requests, maxSnapshotBytes: outcome.maxSnapshotBytes,
    });
    return {
      name: 'polling',
      figures,
      details: {
        options,
        catchUp: {
          ours: { ...summary(ours), objectsPerSecond: round(oursRate, 1) },
          naive: { ...summary(naive), objectsPerSecond: round(naiveRate, 1) },
        },
        idle: { ours: { requests: oursIdle.requests, elapsedMs: Math.round(oursIdle.elapsedMs) }, naive: { requests: naiveIdle.requests, elapsedMs: Math.round(naiveIdle.elapsedMs) } },
        tie,
      },
    };
  } finally {
    await sandbox.close();
  }
}
