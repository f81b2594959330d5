/**
 * One poll: the I/O loop around the pure cursor. The trigger supplies three functions (read a
 * page from Kommo, emit records, write the snapshot) and gets back what happened.
 *
 * Order of effects: a page's records are emitted before the snapshot that covers them, and the
 * snapshot is written after every answer (a checkpoint), so a poll that fails on page N repeats
 * nothing already checkpointed; only a failure between emitting a page and writing its snapshot
 * can repeat that page. A poll that sends no request (the cursor passed `endTime`) writes
 * nothing. A "Retrieve sample" run (`debug`) emits at most one page and writes no snapshot.
 */
import type { PollConfig } from './config';
import { applyPage, initialState, planRequest, type FetchedPage, type PollQuery } from './cursor';
import { encodeSnapshot, MAX_SNAPSHOT_BYTES, readSnapshot, snapshotBytes, type PollSnapshot, type ReadSnapshot } from './snapshot';

/** What the trigger plugs in. */
export interface PollIo<T> {
  /** One Kommo request (204 → no records); `serverNowSeconds` from the answer's `Date` header. */
  fetchPage(query: PollQuery): Promise<FetchedPage<T>>;
  /** Emits one page's new records (as messages, individually or as one `{results}`). */
  emitPage(records: readonly T[]): Promise<void>;
  /** Writes the snapshot (the platform's `snapshot` event). */
  saveSnapshot(snapshot: PollSnapshot): Promise<void>;
}

/** Limits of one poll. */
export interface PollOptions {
  /** Stop after this many pages with data (`singlePagePerInterval` → 1). Default: no limit. */
  maxDataPages?: number;
  /** Stop after this many requests (a safety net; the snapshot continues the work). Default 1,000. */
  maxRequests?: number;
  /** "Retrieve sample": at most one page of data, no snapshot. */
  debug?: boolean;
}

/** What one poll did. */
export interface PollReport {
  requests: number;
  emittedRecords: number;
  emittedPages: number;
  /** True when the poll read everything up to its upper bound (or `endTime`), false when a limit stopped it. */
  caughtUp: boolean;
  /** This poll's last second read (Kommo's clock minus the lag, or `endTime`); null without a request. */
  upperBound: number | null;
  /** Why the stored snapshot was not used, when it was not. */
  snapshotIgnored?: ReadSnapshot['ignored'];
  /** The last snapshot written (none in debug runs). */
  snapshot?: PollSnapshot;
  /** Largest snapshot written during the poll, in bytes. */
  maxSnapshotBytes: number;
}

/** Default cap on requests per poll: 1,000 pages of 250 is a quarter of a million records. */
export const DEFAULT_MAX_REQUESTS_PER_POLL = 1000;

/** Runs one poll. Throws what `fetchPage`/`emitPage`/`saveSnapshot` throw, and the cursor's refusals; snapshots already written stay valid. */
export async function runPoll<T>(config: PollConfig, storedSnapshot: unknown, io: PollIo<T>, options: PollOptions = {}): Promise<PollReport> {
  const start = readSnapshot(config, storedSnapshot);
  const maxDataPages = options.debug ? 1 : options.maxDataPages ?? Infinity;
  const maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS_PER_POLL;
  const report: PollReport = {
    requests: 0, emittedRecords: 0, emittedPages: 0, caughtUp: false, upperBound: null, maxSnapshotBytes: 0,
    ...(start.ignored ? { snapshotIgnored: start.ignored } : {}),
  };
  let state = initialState(start.cursor);
  let written: string | undefined;
  // After every answer: skipped when nothing changed since the last write or the cursor is too big to keep.
  const checkpoint = async (): Promise<void> => {
    const snapshot = encodeSnapshot(config, state.cursor);
    const text = JSON.stringify(snapshot);
    const bytes = snapshotBytes(snapshot);
    if (bytes > MAX_SNAPSHOT_BYTES || text === written) return;
    await io.saveSnapshot(snapshot);
    written = text;
    report.snapshot = snapshot;
    report.maxSnapshotBytes = Math.max(report.maxSnapshotBytes, bytes);
  };

  for (let request = planRequest(config, state); request; request = planRequest(config, state)) {
    const limitReached = report.emittedPages >= maxDataPages || report.requests >= maxRequests;
    // A cursor too big for a snapshot (a crowded second of long event ids) is finished first.
    if (limitReached && (options.debug || snapshotBytes(encodeSnapshot(config, state.cursor)) <= MAX_SNAPSHOT_BYTES)) break;
    const page = await io.fetchPage(request.query);
    report.requests += 1;
    const outcome = applyPage(config, state, request, page);
    if (outcome.emit.length > 0) {
      await io.emitPage(outcome.emit);
      report.emittedPages += 1;
      report.emittedRecords += outcome.emit.length;
    }
    state = outcome.state;
    report.upperBound = state.upperBound;
    if (!options.debug) await checkpoint();
  }
  report.caughtUp = planRequest(config, state) === null;
  return report;
}
