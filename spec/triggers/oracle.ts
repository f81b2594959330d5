/**
 * Runs a polling trigger against the sandbox the way the platform does (the stored snapshot goes
 * in, messages and snapshots come out, a failed poll keeps the snapshots it already wrote) and
 * judges the result with an oracle built from the sandbox's own history:
 * - entities: every version `(id, timestamp)` a lead had, from the change feed, with the feed
 *   positions between which it was current;
 * - events: the journal (`kommo.events()`), read at the start of every poll (events never change).
 *
 * Verdict: *repeated* — a version emitted twice; *phantom* — emitted but never existed; *lost* —
 * current during the whole of a poll that read up to its bound `U` (Kommo's `Date` of its first
 * answer minus the lag), stamped `≤ U`, and not emitted by the end of that poll; *out of order* —
 * versions of one id not emitted in increasing timestamp order.
 */
import type { StepHandler } from '../../lib/step';
import { DEFAULT_SAFETY_LAG_SECONDS } from '../../lib/polling/config';
import type { EntityChange } from '../../sandbox';
import { seededRandom } from '../../sandbox/random';
import { runStep, type BeforeRequest, type StepRun, type World } from './world';

/** What is polled: a lead field, or the journal's events of one entity type. */
export type Target = { kind: 'leads'; field: 'updated_at' | 'created_at' } | { kind: 'events'; entityType: string };

interface Version {
  key: string;
  at: number;
  fromSeq: number;
  toSeq: number | null;
}

export interface PollRecord {
  index: number;
  startSeq: number;
  endSeq: number;
  run: StepRun;
  upperBound?: number;
  caughtUp: boolean;
}

export interface Verdict {
  emitted: number;
  repeated: string[];
  phantom: string[];
  lost: string[];
  outOfOrder: string[];
  maxSnapshotBytes: number;
}

export interface HarnessOptions {
  /** Runs before each list request of a poll (1-based among them), e.g. to write between two pages. */
  beforeListRequest?: BeforeRequest;
  /** Sees every emitted event of a poll; throwing fails the emit (a lost snapshot). */
  onEmit?: (event: string, payload: unknown, poll: number) => void;
}

export class SandboxPollHarness {
  /** The step's snapshot as the platform holds it. */
  snapshot: unknown = {};
  readonly polls: PollRecord[] = [];
  readonly emissions: Array<{ key: string; at: number; poll: number }> = [];
  readonly snapshotSizes: number[] = [];
  options: HarnessOptions = {};
  private seq = 0;
  private readonly versionsByKey = new Map<string, Version[]>();
  private readonly stop: () => void;
  private readonly listPath: string;

  constructor(
    private readonly world: World,
    private readonly handler: StepHandler<never, unknown>,
    private readonly cfg: Record<string, unknown>,
    private readonly target: Target,
  ) {
    this.listPath = target.kind === 'events' ? '/api/v4/events' : `/api/v4/${target.kind}`;
    this.stop = world.kommo.changes.subscribe((change) => this.record(change));
    if (target.kind === 'leads') {
      for (const lead of world.kommo.entities('leads')) this.track(String(lead.id), lead[target.field] as number);
    }
  }

  private record(change: EntityChange): void {
    this.seq += 1;
    if (this.target.kind !== 'leads' || change.kind !== 'leads' || !change.after) return;
    this.track(String(change.id), change.after[this.target.field] as number);
  }

  private track(key: string, at: number): void {
    const versions = this.versionsByKey.get(key) ?? [];
    const current = versions.at(-1);
    if (current && current.toSeq === null) {
      if (current.at === at) return;
      current.toSeq = this.seq;
    }
    versions.push({ key, at, fromSeq: this.seq, toSeq: null });
    this.versionsByKey.set(key, versions);
  }

  /** Events appear in the journal with the writes; they are counted from the first poll that could see them. */
  private trackJournal(): void {
    if (this.target.kind !== 'events') return;
    for (const event of this.world.kommo.events()) {
      if (event.entity_type === this.target.entityType && !this.versionsByKey.has(event.id)) this.track(event.id, event.created_at);
    }
  }

  private keyOf(body: unknown): { key: string; at: number } {
    const record = body as Record<string, unknown>;
    const at = this.target.kind === 'events' ? record.created_at : record[this.target.field];
    return { key: String(record.id), at: at as number };
  }

  /** One poll; a failure is recorded in the run, not thrown (the platform logs it and ticks again). */
  async poll(): Promise<PollRecord> {
    this.trackJournal();
    const index = this.polls.length;
    const startSeq = this.seq;
    let listRequests = 0;
    const run = await runStep(this.world, this.handler, this.cfg, this.snapshot, {
      beforeRequest: async (_n, url) => {
        if (url.pathname !== this.listPath) return;
        listRequests += 1;
        await this.options.beforeListRequest?.(listRequests, url);
      },
      onEmit: (event, payload) => this.options.onEmit?.(event, payload, index),
    });
    for (const body of run.data) {
      const bodies = (body as { results?: unknown[] }).results ?? [body];
      for (const item of bodies) this.emissions.push({ ...this.keyOf(item), poll: index });
    }
    for (const snapshot of run.snapshots) {
      this.snapshotSizes.push(Buffer.byteLength(JSON.stringify(snapshot), 'utf8'));
      this.snapshot = JSON.parse(JSON.stringify(snapshot));
    }
    const upperBound = run.firstDate === undefined ? undefined : Math.floor(Date.parse(run.firstDate) / 1000) - DEFAULT_SAFETY_LAG_SECONDS;
    const last = run.snapshots.at(-1) as { c?: number; m?: string } | undefined;
    const caughtUp = run.error === undefined && upperBound !== undefined && last !== undefined && last.m === undefined && (last.c ?? 0) > upperBound;
    const record: PollRecord = { index, startSeq, endSeq: this.seq, run, ...(upperBound === undefined ? {} : { upperBound }), caughtUp };
    this.polls.push(record);
    return record;
  }

  /** Polls until one reads up to its bound and emits nothing (at most `maxPolls`), Kommo's clock moving 15 s between polls. */
  async drain(maxPolls = 100): Promise<void> {
    for (let i = 0; i < maxPolls; i += 1) {
      const before = this.emissions.length;
      const record = await this.poll();
      if (record.caughtUp && this.emissions.length === before) return;
      this.world.clock.advance(15_000);
    }
    throw new Error(`not drained after ${maxPolls} polls; last error: ${String(this.polls.at(-1)?.run.error)}`);
  }

  /** The quiet end of a scenario: no more writes between pages, Kommo's clock past the lag, poll until nothing is left. */
  async settle(): Promise<void> {
    this.options = {};
    this.world.clock.advance((DEFAULT_SAFETY_LAG_SECONDS + 2) * 1000);
    await this.drain();
    this.stop();
  }

  debug(version: string): string {
    const [key] = version.split('@');
    const lines = [`versions of ${key}: ${JSON.stringify(this.versionsByKey.get(key))}`];
    lines.push(`emissions: ${JSON.stringify(this.emissions.filter((e) => e.key === key))}`);
    lines.push(`polls: ${JSON.stringify(this.polls.map((p) => ({ i: p.index, s: p.startSeq, e: p.endSeq, U: p.upperBound, up: p.caughtUp, snap: p.run.snapshots.at(-1), err: p.run.error ? String(p.run.error).slice(0, 200) : undefined, date: p.run.firstDate })))}`);
    return lines.join('\n');
  }

  verdict(): Verdict {
    const versions = [...this.versionsByKey.values()].flat();
    const known = new Set(versions.map((v) => `${v.key}@${v.at}`));
    const firstEmission = new Map<string, number>();
    const counts = new Map<string, number>();
    const lastAtByKey = new Map<string, number>();
    const outOfOrder: string[] = [];
    for (const emission of this.emissions) {
      const version = `${emission.key}@${emission.at}`;
      counts.set(version, (counts.get(version) ?? 0) + 1);
      if (!firstEmission.has(version)) firstEmission.set(version, emission.poll);
      const last = lastAtByKey.get(emission.key);
      if (last !== undefined && emission.at <= last) outOfOrder.push(`${emission.key}: ${last} then ${emission.at}`);
      lastAtByKey.set(emission.key, emission.at);
    }
    const lost = new Set<string>();
    for (const poll of this.polls) {
      if (!poll.caughtUp || poll.upperBound === undefined) continue;
      for (const v of versions) {
        const stable = v.fromSeq <= poll.startSeq && (v.toSeq === null || v.toSeq > poll.endSeq);
        const version = `${v.key}@${v.at}`;
        const emittedBy = firstEmission.get(version);
        if (stable && v.at <= poll.upperBound && (emittedBy === undefined || emittedBy > poll.index)) lost.add(version);
      }
    }
    return {
      emitted: this.emissions.length,
      repeated: [...counts].filter(([, count]) => count > 1).map(([version]) => version),
      phantom: [...counts.keys()].filter((version) => !known.has(version)),
      lost: [...lost],
      outOfOrder,
      maxSnapshotBytes: Math.max(0, ...this.snapshotSizes),
    };
  }
}

/** Writes leads the way people and bulk edits do, stamped by the sandbox's (manual) clock. */
export class LeadWriter {
  readonly ids: number[];
  readonly random: () => number;
  private version = 0;

  constructor(private readonly world: World, seed: number) {
    this.random = seededRandom(seed);
    this.ids = world.kommo.entities('leads').map((lead) => lead.id as number);
  }

  /** Creates `count` leads now (batches of 250, all in the current second). */
  async create(count: number): Promise<number[]> {
    const created: number[] = [];
    for (let done = 0; done < count; done += 250) {
      const items = Array.from({ length: Math.min(250, count - done) }, (_, i) => ({ name: `Lead ${this.ids.length + done + i}` }));
      const answer = await this.world.api<{ _embedded: { leads: Array<{ id: number }> } }>('POST', '/api/v4/leads', items);
      created.push(...answer._embedded.leads.map((lead) => lead.id));
    }
    this.ids.push(...created);
    return created;
  }

  /** Renames leads now (their `updated_at` becomes this second); `updatedAt` stamps an earlier second (a slow commit). */
  async update(ids: readonly number[], updatedAt?: number): Promise<void> {
    for (let done = 0; done < ids.length; done += 250) {
      this.version += 1;
      const items = ids.slice(done, done + 250).map((id) => ({ id, name: `Lead ${id} v${this.version}`, ...(updatedAt === undefined ? {} : { updated_at: updatedAt }) }));
      await this.world.api('PATCH', '/api/v4/leads', items);
    }
  }

  /** `count` distinct random lead ids. */
  pick(count: number): number[] {
    const pool = [...this.ids];
    const out: number[] = [];
    while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(this.random() * pool.length), 1)[0]);
    return out;
  }
}
