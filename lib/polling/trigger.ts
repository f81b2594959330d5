/**
 * What both polling triggers do around the poll loop, the one way: read pages of a Kommo list
 * with `pageFetcher`, hand each page's new records to the trigger's `emit`, write the snapshot
 * through the step (after the data, lib/polling/poll.ts), honour "Single page per interval" and
 * "Retrieve sample" (`ELASTICIO_FLOW_TYPE=debug`: at most one page, no snapshot, and an error
 * that says so when there is nothing to show).
 */
import type { KommoApi } from '../client/KommoClient';
import { KommoError } from '../client/errors';
import type { Logger } from '../context';
import type { PollConfig } from './config';
import { pageFetcher, type PolledList } from './kommoPages';
import { runPoll, type PollReport } from './poll';

/** The parts of a step's context a poll uses. */
export interface PollingContext {
  readonly snapshot: unknown;
  readonly retrieveSample: boolean;
  readonly logger: Logger;
  emitSnapshot(snapshot: Record<string, unknown>): Promise<void>;
}

/** One trigger's poll: what is read, and how its records become messages. */
export interface PollingRun<T> {
  poll: PollConfig;
  list: PolledList;
  /** Plural noun for messages, e.g. `leads`, `events`. */
  what: string;
  singlePagePerInterval: boolean;
  /** Emits one page's new records (as messages, in order). */
  emit(records: readonly T[]): Promise<void>;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** What a "Retrieve sample" run that found nothing says instead of an empty sample. */
export function emptySampleError(what: string, poll: PollConfig, report: PollReport): KommoError {
  const until = report.upperBound === null ? 'now' : `${iso(report.upperBound)} (Kommo's clock minus ${poll.safetyLagSeconds} s)`;
  return new KommoError(`Retrieve sample found no ${what} with ${poll.field} from ${iso(poll.startSeconds)} to ${until}. `
    + 'Create or change one in Kommo, or set an earlier Start Time, and retrieve the sample again. No snapshot was written.');
}

/** Runs one poll of a trigger against Kommo and returns what it did. */
export async function pollKommo<T>(client: Pick<KommoApi, 'get'>, context: PollingContext, run: PollingRun<T>): Promise<PollReport> {
  const report = await runPoll<T>(run.poll, context.snapshot, {
    fetchPage: pageFetcher<T>(client, run.list),
    emitPage: (records) => run.emit(records),
    saveSnapshot: (snapshot) => context.emitSnapshot({ ...snapshot }),
  }, { debug: context.retrieveSample, ...(run.singlePagePerInterval ? { maxDataPages: 1 } : {}) });
  if (report.snapshotIgnored !== undefined && report.snapshotIgnored !== 'none') {
    context.logger.info(`Polling ${run.what} from startTime ${iso(run.poll.startSeconds)}: the stored snapshot was not used (${report.snapshotIgnored})`);
  }
  if (context.retrieveSample && report.emittedRecords === 0) throw emptySampleError(run.what, run.poll, report);
  return report;
}
