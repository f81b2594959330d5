/**
 * Runs polls against the model Kommo the way the platform runs a polling trigger (the stored
 * snapshot goes in, messages and snapshots come out; a failed poll keeps the snapshots it already
 * wrote), and judges the result with an oracle built from the model's version history:
 * - repeated: a version `(id, timestamp)` emitted more than once;
 * - phantom: a version emitted that never existed;
 * - lost: a version that was current for the whole of a poll that read up to its upper bound,
 *   stamped within that bound, and not emitted by the end of that poll (or of any later one);
 * - out of order: versions of one id emitted in a non-increasing timestamp order.
 * Pollers are plugged in as functions, so the naive baseline is judged by the same oracle.
 */
import type { PollIo, PollOptions } from '../../lib/polling/poll';
import type { FakeKommo, FakeRecord } from './fakeKommo';

/** What the oracle needs from a poll. */
export interface PollerResult {
  upperBound: number | null;
  caughtUp: boolean;
}

/** The poll's I/O; snapshots of any shape (the naive baseline keeps its own). */
export type HarnessIo = Omit<PollIo<FakeRecord>, 'saveSnapshot'> & { saveSnapshot(snapshot: object): Promise<void> };

/** A polling implementation: reads the stored snapshot, talks to Kommo through `io`. */
export type Poller = (snapshot: unknown, io: HarnessIo, options: PollOptions) => Promise<PollerResult>;

interface PollRecord {
  index: number;
  startMs: number;
  endMs: number;
  result?: PollerResult;
  error?: unknown;
  requests: number;
  snapshots: number;
}

/** The oracle's verdict. */
export interface Verdict {
  emitted: number;
  repeated: string[];
  phantom: string[];
  lost: string[];
  outOfOrder: string[];
  /** Largest snapshot written, bytes. */
  maxSnapshotBytes: number;
}

export class PollHarness {
  /** The step's snapshot as the platform holds it. */
  snapshot: unknown = {};
  readonly polls: PollRecord[] = [];
  /** Every emitted version, in order: `key@at` and the poll that emitted it. */
  readonly emissions: Array<{ version: string; key: string; at: number; poll: number }> = [];
  maxSnapshotBytes = 0;
  readonly snapshotSizes: number[] = [];

  constructor(private readonly kommo: FakeKommo, private readonly poller: Poller, private readonly field: 'updated_at' | 'created_at') {}

  /** One poll; a thrown error is recorded and returned, not rethrown (the platform would log it and tick again). */
  async poll(options: PollOptions = {}): Promise<PollRecord> {
    const index = this.polls.length;
    const requestsBefore = this.kommo.requests;
    const record: PollRecord = { index, startMs: this.kommo.serverMs, endMs: 0, requests: 0, snapshots: 0 };
    this.polls.push(record);
    const io: HarnessIo = {
      fetchPage: async (query) => this.kommo.list(query),
      emitPage: async (records) => {
        for (const item of records) {
          const at = item[this.field] as number;
          const key = String(item.id);
          this.emissions.push({ version: `${key}@${at}`, key, at, poll: index });
        }
      },
      saveSnapshot: async (snapshot: object) => {
        const bytes = Buffer.byteLength(JSON.stringify(snapshot), 'utf8');
        this.snapshotSizes.push(bytes);
        this.maxSnapshotBytes = Math.max(this.maxSnapshotBytes, bytes);
        record.snapshots += 1;
        this.snapshot = JSON.parse(JSON.stringify(snapshot));
      },
    };
    try {
      record.result = await this.poller(this.snapshot, io, options);
    } catch (error) {
      record.error = error;
    }
    record.endMs = this.kommo.serverMs;
    record.requests = this.kommo.requests - requestsBefore;
    return record;
  }

  /** Polls until a poll reads up to its bound and emits nothing (at most `maxPolls`). */
  async drain(options: PollOptions = {}, maxPolls = 200): Promise<void> {
    for (let i = 0; i < maxPolls; i += 1) {
      const before = this.emissions.length;
      const record = await this.poll(options);
      if (record.result?.caughtUp && this.emissions.length === before) return;
      this.kommo.advance(1000);
    }
    throw new Error(`not drained after ${maxPolls} polls`);
  }

  verdict(): Verdict {
    const versions = this.kommo.versions();
    const known = new Set(versions.map((v) => `${v.key}@${v.at}`));
    const firstEmission = new Map<string, number>();
    const counts = new Map<string, number>();
    const lastAtByKey = new Map<string, number>();
    const outOfOrder: string[] = [];
    for (const emission of this.emissions) {
      counts.set(emission.version, (counts.get(emission.version) ?? 0) + 1);
      if (!firstEmission.has(emission.version)) firstEmission.set(emission.version, emission.poll);
      const last = lastAtByKey.get(emission.key);
      if (last !== undefined && emission.at <= last) outOfOrder.push(`${emission.key}: ${last} then ${emission.at}`);
      lastAtByKey.set(emission.key, emission.at);
    }
    const lost = new Set<string>();
    for (const poll of this.polls) {
      const bound = poll.result?.upperBound;
      if (!poll.result?.caughtUp || bound === null || bound === undefined) continue;
      for (const v of versions) {
        const stable = v.fromMs <= poll.startMs && (v.toMs === null || v.toMs >= poll.endMs);
        const version = `${v.key}@${v.at}`;
        const emittedBy = firstEmission.get(version);
        if (stable && v.at <= bound && (emittedBy === undefined || emittedBy > poll.index)) lost.add(version);
      }
    }
    return {
      emitted: this.emissions.length,
      repeated: [...counts].filter(([, count]) => count > 1).map(([version]) => version),
      phantom: [...counts.keys()].filter((version) => !known.has(version)),
      lost: [...lost],
      outOfOrder,
      maxSnapshotBytes: this.maxSnapshotBytes,
    };
  }
}
