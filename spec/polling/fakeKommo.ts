/**
 * A tiny deterministic model of one Kommo collection, for simulating polls (not the sandbox: no
 * HTTP, no auth, just what polling depends on). Timestamps are whole seconds of the model's own
 * clock, which may be ahead of or behind "ours"; equal timestamps come back in a new random order
 * on every request; pages are offsets into the range as it is at the moment of the request;
 * writes can be injected between two requests; a write may commit (become visible) up to
 * `commitDelayMs` after the second it is stamped with; a request can be made to fail. Every version a
 * record ever had is kept, with the time it was current, so an oracle can tell what was lost.
 */
import type { PollQuery } from '../../lib/polling/cursor';
import { seededRandom } from '../../sandbox/random';

/** A record as the model returns it: entities have numeric ids, events string ids and no updated_at. */
export interface FakeRecord {
  id: number | string;
  created_at: number;
  updated_at?: number;
}

/** One version of one record for the polled field: current from `fromMs` until `toMs` (server clock). */
export interface Version {
  key: string;
  at: number;
  fromMs: number;
  toMs: number | null;
}

export interface FakeKommoOptions {
  kind: 'entities' | 'events';
  /** The field whose versions are tracked (the one being polled). */
  field: 'updated_at' | 'created_at';
  seed: number;
  /** Our clock at the start, in ms. */
  startMs: number;
  /** Kommo's clock minus ours, in seconds. */
  clockOffsetSeconds?: number;
  /** Server time one request takes (half before the query runs, half after). */
  requestMs?: number;
  /** Shuffle equal timestamps per request (Kommo's order inside a second is not stable). Default true. */
  shuffle?: boolean;
  /** A write made "now" becomes visible up to this much later, keeping its stamp (a slow commit). Default 0. */
  commitDelayMs?: number;
}

/** A query in the model's terms: the polling query, or any `{filter, order, page, limit}`. */
export type FakeQuery = PollQuery;

/** Raised by a request the test asked to fail. */
export class InjectedFailure extends Error {
  override readonly name = 'InjectedFailure';
}

export class FakeKommo {
  readonly kind: FakeKommoOptions['kind'];
  readonly field: FakeKommoOptions['field'];
  readonly random: () => number;
  /** Our clock, ms. */
  localMs: number;
  readonly offsetMs: number;
  readonly requestMs: number;
  readonly shuffle: boolean;
  readonly commitDelayMs: number;
  /** Writes stamped but not yet visible, with the server time they commit at. */
  private pending: Array<{ atMs: number; apply: () => void }> = [];
  /** Per record, when its last pending write commits (writes to one record commit in order). */
  private readonly committingUntil = new Map<string, number>();
  private readonly records = new Map<string, FakeRecord>();
  private readonly versionsByKey = new Map<string, Version[]>();
  private nextId = 1000;
  /** Requests answered or failed so far. */
  requests = 0;
  /** Called before request number `n` (1-based) runs: writes here land "between two pages". */
  beforeRequest?: (n: number) => void;
  /** Called after request `n` ran its query and before it answers: writes here land in the open second. */
  afterQuery?: (n: number) => void;
  /** Request numbers that fail. */
  failOn?: (n: number) => boolean;
  /** The `Date` second of every answer. */
  readonly answerSeconds: number[] = [];

  constructor(options: FakeKommoOptions) {
    this.kind = options.kind;
    this.field = options.field;
    this.random = seededRandom(options.seed);
    this.localMs = options.startMs;
    this.offsetMs = (options.clockOffsetSeconds ?? 0) * 1000;
    this.requestMs = options.requestMs ?? 150;
    this.shuffle = options.shuffle ?? true;
    this.commitDelayMs = options.commitDelayMs ?? 0;
  }

  get serverMs(): number {
    return this.localMs + this.offsetMs;
  }

  /** The second Kommo is in (its `Date` header). */
  get serverSecond(): number {
    return Math.floor(this.serverMs / 1000);
  }

  advance(ms: number): void {
    this.localMs += ms;
    const due = this.pending.filter((write) => write.atMs <= this.serverMs).sort((a, b) => a.atMs - b.atMs);
    this.pending = this.pending.filter((write) => write.atMs > this.serverMs);
    for (const write of due) write.apply();
  }

  /** Runs a write stamped now: at once, or when it commits (`commitDelayMs`). */
  private commit(key: string, apply: (visibleMs: number) => void): void {
    if (this.commitDelayMs === 0) return apply(this.serverMs);
    const atMs = Math.max(this.serverMs + Math.floor(this.random() * this.commitDelayMs), this.committingUntil.get(key) ?? 0);
    this.committingUntil.set(key, atMs);
    this.pending.push({ atMs, apply: () => apply(atMs) });
  }

  private newKey(): string {
    this.nextId += 1 + Math.floor(this.random() * 3);
    if (this.kind === 'entities') return String(this.nextId);
    const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
    let id = '01k';
    for (let i = 0; i < 23; i += 1) id += alphabet[Math.floor(this.random() * alphabet.length)];
    return id;
  }

  private track(key: string, at: number, fromMs: number): void {
    const versions = this.versionsByKey.get(key) ?? [];
    const current = versions[versions.length - 1];
    if (current && current.toMs === null) {
      if (current.at === at) return;
      current.toMs = fromMs;
    }
    versions.push({ key, at, fromMs, toMs: null });
    this.versionsByKey.set(key, versions);
  }

  /** Creates records stamped `atSecond` (a past second, for seeding) or now. Returns their keys. */
  create(count: number, atSecond?: number): string[] {
    const at = atSecond ?? this.serverSecond;
    const fromMs = atSecond === undefined ? this.serverMs : at * 1000;
    const keys: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const key = this.newKey();
      const record: FakeRecord = this.kind === 'entities' ? { id: Number(key), created_at: at, updated_at: at } : { id: key, created_at: at };
      const insert = (visibleMs: number): void => {
        this.records.set(key, record);
        this.track(key, at, visibleMs);
      };
      if (atSecond === undefined) this.commit(key, insert);
      else insert(fromMs);
      keys.push(key);
    }
    return keys;
  }

  /** Updates records now (entities only): `updated_at` becomes the current second. */
  update(keys: readonly string[], atSecond?: number): void {
    const at = atSecond ?? this.serverSecond;
    for (const key of keys) {
      if (!this.records.has(key) || this.kind !== 'entities') continue;
      const change = (visibleMs: number): void => {
        const record = this.records.get(key);
        if (!record) return;
        record.updated_at = at;
        if (this.field === 'updated_at') this.track(key, at, visibleMs);
      };
      if (atSecond === undefined) this.commit(key, change);
      else change(at * 1000);
    }
  }

  remove(keys: readonly string[]): void {
    for (const key of keys) {
      if (!this.records.delete(key)) continue;
      const versions = this.versionsByKey.get(key) ?? [];
      const current = versions[versions.length - 1];
      if (current && current.toMs === null) current.toMs = this.serverMs;
    }
  }

  /** Keys of live records, optionally only those stamped `second`. */
  keys(second?: number): string[] {
    return [...this.records.entries()].filter(([, r]) => second === undefined || r[this.field] === second).map(([key]) => key);
  }

  /** `count` random live keys. */
  pick(count: number, from: readonly string[] = this.keys()): string[] {
    const pool = [...from];
    const out: string[] = [];
    while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(this.random() * pool.length), 1)[0]);
    return out;
  }

  versions(): Version[] {
    return [...this.versionsByKey.values()].flat();
  }

  private shuffled<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.random() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** One list request, answered as Kommo would at this moment. */
  list(query: FakeQuery): { records: FakeRecord[]; serverNowSeconds: number } {
    this.requests += 1;
    const n = this.requests;
    this.beforeRequest?.(n);
    this.advance(this.requestMs / 2);
    if (this.failOn?.(n)) {
      this.advance(this.requestMs / 2);
      throw new InjectedFailure(`injected failure of request ${n}`);
    }
    const max = this.kind === 'entities' ? 250 : 100;
    if (query.limit > max || query.limit < 1 || query.page < 1) throw new Error(`fake Kommo: bad page ${query.page} / limit ${query.limit}`);
    const [orderBy] = Object.keys(query.order);
    const ranges = Object.entries(query.filter).filter(([key]) => key === 'created_at' || key === 'updated_at');
    let matching = [...this.records.values()].filter((record) => ranges.every(([field, range]) => {
      const bounds = range as { from?: number; to?: number };
      const value = record[field as 'created_at' | 'updated_at'] ?? -1;
      return (bounds.from === undefined || value >= bounds.from) && (bounds.to === undefined || value <= bounds.to);
    }));
    if (orderBy === 'id') {
      matching.sort((a, b) => (a.id as number) - (b.id as number));
    } else {
      const groups = new Map<number, FakeRecord[]>();
      for (const record of matching) {
        const at = record[orderBy as 'created_at' | 'updated_at'] ?? 0;
        groups.set(at, [...(groups.get(at) ?? []), record]);
      }
      matching = [...groups.keys()].sort((a, b) => a - b).flatMap((at) => {
        const group = groups.get(at) ?? [];
        return this.shuffle ? this.shuffled(group) : group.sort((a, b) => String(a.id).localeCompare(String(b.id)));
      });
    }
    const offset = (query.page - 1) * query.limit;
    const records = matching.slice(offset, offset + query.limit).map((record) => ({ ...record }));
    const serverNowSeconds = this.serverSecond;
    this.afterQuery?.(n);
    this.advance(this.requestMs / 2);
    this.answerSeconds.push(serverNowSeconds);
    return { records, serverNowSeconds };
  }
}
