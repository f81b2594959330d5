/**
 * The polling snapshot: the cursor in a few short keys, a format version, and a fingerprint of
 * what is polled. The platform keeps one snapshot per step, limited to 5 KB
 * (docs/elasticio-triggers.md §1); this module measures every snapshot it writes against a
 * smaller limit, and reads anything it does not recognise as "start from startTime".
 *
 * Shapes (`v` is the format, `k` the fingerprint, `c` the cursor second):
 * - scan:    `{"v":1,"k":"1x9c0f","c":1772379000}`
 * - ids:     `{…,"m":"i","f":<frontier id>,"e":<frontier count>}`, plus `"t":<last second>` for a
 *            range read in id order (tasks): at most 120 bytes even with the largest numbers.
 * - recount: `{…,"m":"r","s":["<event id>",…],"p":<next page>,"n":<count>,"r":<reads>}`; it can
 *            outgrow the limit (many long event ids in one second), and is then not written:
 *            the poll keeps going until the second is done.
 */
import type { PollConfig } from './config';
import { startCursor, type Cursor } from './cursor';

/** The bytes a snapshot may take. The platform allows 5 KB; the rest is margin for its envelope. */
export const MAX_SNAPSHOT_BYTES = 4096;

/** The snapshot format written by this version. */
export const SNAPSHOT_FORMAT = 1;

/** The snapshot as stored by the platform (plain JSON). */
export interface PollSnapshot {
  readonly v: typeof SNAPSHOT_FORMAT;
  /** Fingerprint of the scope and startTime the cursor belongs to. */
  readonly k: string;
  /** Cursor second. */
  readonly c: number;
  /** Crowded-second mode: `i` (entities, id order) or `r` (events, recount). */
  readonly m?: 'i' | 'r';
  /** ids: frontier id. */
  readonly f?: number;
  /** ids: frontier count. */
  readonly e?: number;
  /** ids: last second of a range read in id order; absent for a crowded second (`c` alone). */
  readonly t?: number;
  /** recount: ids emitted. */
  readonly s?: readonly string[];
  /** recount: next page. */
  readonly p?: number;
  /** recount: records in the second, once known. */
  readonly n?: number;
  /** recount: pages read. */
  readonly r?: number;
}

/** FNV-1a (32 bit) in base 36: short, stable, enough to notice a changed configuration. */
function fingerprint(config: PollConfig): string {
  const text = `${config.scope}|${config.startSeconds}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

/** The snapshot for a cursor. */
export function encodeSnapshot(config: PollConfig, cursor: Cursor): PollSnapshot {
  const base = { v: SNAPSHOT_FORMAT, k: fingerprint(config), c: cursor.second } as const;
  if (cursor.mode === 'scan') return base;
  if (cursor.mode === 'ids') {
    return {
      ...base, m: 'i', ...(cursor.to === undefined || cursor.to === cursor.second ? {} : { t: cursor.to }),
      ...(cursor.frontierId === null ? {} : { f: cursor.frontierId }), e: cursor.frontierCount,
    };
  }
  return { ...base, m: 'r', s: cursor.emitted, p: cursor.nextPage, ...(cursor.total === null ? {} : { n: cursor.total }), r: cursor.reads };
}

/** Bytes the platform stores for a snapshot (its JSON text, UTF-8). */
export function snapshotBytes(snapshot: PollSnapshot): number {
  return Buffer.byteLength(JSON.stringify(snapshot), 'utf8');
}

/** Whether the cursor can be written as a snapshot within {@link MAX_SNAPSHOT_BYTES}. */
export function fitsSnapshot(config: PollConfig, cursor: Cursor): boolean {
  return snapshotBytes(encodeSnapshot(config, cursor)) <= MAX_SNAPSHOT_BYTES;
}

/** The cursor a poll starts from, and why the stored snapshot was not used (for a log line). */
export interface ReadSnapshot {
  readonly cursor: Cursor;
  /** Absent when the snapshot was used. */
  readonly ignored?: 'none' | 'other format' | 'other scope or startTime' | 'malformed';
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function decodeCursor(raw: Record<string, unknown>, second: number): Cursor | undefined {
  if (raw.m === undefined) return { mode: 'scan', second };
  if (raw.m === 'i') {
    const frontierId = raw.f === undefined ? null : raw.f;
    if ((frontierId !== null && !isCount(frontierId, 1)) || !isCount(raw.e, 0)) return undefined;
    if (raw.t !== undefined && !isCount(raw.t, second)) return undefined;
    return { mode: 'ids', second, ...(raw.t === undefined ? {} : { to: raw.t }), frontierId, frontierCount: raw.e };
  }
  if (raw.m === 'r') {
    const emitted = raw.s;
    if (!Array.isArray(emitted) || !emitted.every((id) => typeof id === 'string' && id !== '')) return undefined;
    if (!isCount(raw.p, 1) || !isCount(raw.r, 0) || (raw.n !== undefined && !isCount(raw.n, 0))) return undefined;
    return { mode: 'recount', second, emitted: emitted as string[], nextPage: raw.p, total: raw.n === undefined ? null : raw.n as number, reads: raw.r };
  }
  return undefined;
}

/**
 * Reads the step's snapshot. Anything but a snapshot this format wrote for the same scope and
 * startTime — `{}`, a snapshot of an older trigger, another object type, garbage — starts from
 * `startTime`, and says why.
 */
export function readSnapshot(config: PollConfig, raw: unknown): ReadSnapshot {
  const fresh = (ignored: NonNullable<ReadSnapshot['ignored']>): ReadSnapshot => ({ cursor: startCursor(config), ignored });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) return fresh('none');
  const fields = raw as Record<string, unknown>;
  if (fields.v !== SNAPSHOT_FORMAT) return fresh('other format');
  if (fields.k !== fingerprint(config)) return fresh('other scope or startTime');
  if (!isCount(fields.c, 0)) return fresh('malformed');
  const cursor = decodeCursor(fields, fields.c);
  return cursor ? { cursor } : fresh('malformed');
}
