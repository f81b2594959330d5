/**
 * The polling cursor as pure functions: which request to send next, and given Kommo's answer,
 * which records to emit and what the cursor becomes. No I/O, no clock: Kommo's "now" arrives with
 * each answer (its `Date` header). `poll.ts` is the few-line loop around it.
 *
 * ## Facts designed for (docs/kommo-api.md §5, §8; docs/kommo-fidelity.md)
 * Timestamps are whole seconds; a bulk edit stamps hundreds of records with one second; the order
 * inside a second may change from request to request; records change while pages are read (an
 * updated record jumps to the current second; offset pages then shift); Kommo's clock is not ours;
 * pages hold at most 250 entities or 100 events; `filter[<field>][from|to]` bounds are inclusive;
 * `order[id]` is honoured on entity lists.
 *
 * ## Design
 * The persistent cursor names a second `c`: every version `(id, t)` with `t < c` has been dealt
 * with. Each poll fixes an upper bound `U = min(endTime, KommoNow − lag)` from its first answer;
 * `U` is a closed second: the `Date` header is stamped after the query ran, and a write is taken
 * to commit within the lag (≥ 2 s, default 10 s) of the second it is stamped with. No request
 * ever uses an offset into a range that can change under it:
 *
 * 1. **Scan** (`mode: 'scan'`): ask page 1 of `[c, U]` ordered by the field, `limit = P`. A page
 *    is a prefix of the sorted range *at that instant*, so if it holds a record at second `m`, it
 *    holds every record before `m`.
 *    - Short page, or a record beyond `U` (first request of a poll is sent without `U`): the page
 *      holds all of `[c, U]` → emit it, `c := U + 1`. The poll is over.
 *    - Full page spanning several seconds, last second `m`: emit the records before `m`, drop the
 *      ones at `m` (maybe incomplete), `c := m`. The next request starts again at page 1 from `m`,
 *      so nothing shifts: this is the overlap that replaces offsets.
 *    - Full page inside one second `m`: the second is crowded (≥ P records); enumerate it by the
 *      kind's tie-break (entities: the page is not emitted, the id-ordered scan reads it again;
 *      events: the page is emitted and counts as page 1 of the second).
 * 2. **Crowded second, entities** (`mode: 'ids'`): `m ≤ U` is closed, so its set of records can
 *    only shrink (a record leaves when it is updated or deleted; none can enter). Read
 *    `[m, m]` ordered by `id` (unique, so the order is total and stable) in windows
 *    `page/limit`. Invariant: every record still at `m` with `id ≤ frontierId` was seen. A window
 *    at offset 0, or one whose first id is `≤ frontierId`, is a contiguous slice of the sorted set
 *    that touches the frontier, so the invariant extends to its last id; a full window moves the
 *    frontier, a short one ends the second (`c := m + 1`). A window that starts beyond the
 *    frontier means records left the second meanwhile and some may have been skipped: nothing is
 *    emitted and the next window starts one window lower, until it overlaps again. Each such
 *    step back follows a removal, so the scan ends. Windows choose `limit` so that
 *    `(page − 1) · limit` lands a little below the frontier's position (see {@link idWindow}).
 * 3. **Collections Kommo cannot sort by the field** (`rangeOrder: 'id'`, tasks): the scan asks
 *    page 1 of `[c, U]` (first request: `[c, …)`) ordered by `id`. A short page holds the whole
 *    range → emit what is `≤ U`, `c := U + 1`. A full page is a prefix by id of `[c, …)`, so it
 *    holds every record of `[c, U]` with an id up to its last: emit those, and read the rest of
 *    the closed range `[c, U]` exactly as a crowded second (`mode: 'ids'` with `to = U`), its
 *    frontier at the page's last id.
 * 4. **Crowded second, events** (`mode: 'recount'`): events never change, so `[m, m]` holds a
 *    fixed number of records, learnt from the short last page: `(page − 1) · limit + length`.
 *    Pages are re-read (cycling) until that many distinct ids were seen; with a truly random
 *    order this is a coupon collector, so reads are capped at `pages · (ln n + 20)` (a miss
 *    probability below e⁻²⁰) and the poll fails past it, keeping the previous snapshot.
 *
 * ## Exactly once
 * *No repeat:* a version `(id, t)` is emitted only while `c ≤ t`, and `c` then moves past `t`, or
 * (crowded second) its id is recorded: at or below the frontier (entities) or in `emitted` (events).
 * *None lost:* a version that is current during a whole poll and has `t ≤ U` is inside the range
 * of the request whose emitted part covers `t` (scan: prefix property; crowded: the invariant;
 * events: the count). A version replaced during the poll is replaced by a later one that a later
 * poll emits; that is the only case where an intermediate version is not emitted.
 * Versions of one id are emitted in timestamp order.
 *
 * ## Limits (say them in the README)
 * - A record written with a timestamp in a second the cursor already passed (Kommo lets
 *   `updated_at` be set on write, or a write commits more than the lag late) is not seen.
 * - If Kommo ignores the filter or the order, the page is refused with an error rather than
 *   trusted; the poll fails and the next one retries from the last snapshot.
 * - If Kommo silently returned fewer records than `limit` on a non-final page, the range would be
 *   taken as complete (docs/kommo-api.md §5 reports such a change on catalog lists).
 * - A crowded second of entities is read with `order[id]` and the timestamp filter together; a
 *   crowded second of events whose count is not reached within the read cap fails every poll
 *   (loudly) rather than being skipped.
 * - The crowded-second cursor of events lists the ids seen; when that exceeds the snapshot limit
 *   the poll finishes the second before stopping (see poll.ts).
 */
import { KommoError } from '../client/errors';
import type { FilterValue } from '../client/query';
import type { PollConfig } from './config';

/** Every version before `second` was dealt with; nothing at `second` was emitted. */
export interface ScanCursor {
  readonly mode: 'scan';
  readonly second: number;
}

/** Inside a crowded second of an entity collection (or a closed range of one, see `to`), read in id order. */
export interface IdScanCursor {
  readonly mode: 'ids';
  readonly second: number;
  /** Last second of the closed range read in id order (inclusive); absent: `second` alone (a crowded second). */
  readonly to?: number;
  /** Every record at `second` with an id up to this one was seen; `null` before the first id-ordered window. */
  readonly frontierId: number | null;
  /** How many records at `second` had ids up to `frontierId` when last counted (an upper bound now). */
  readonly frontierCount: number;
}

/** Inside a crowded second of an event collection, re-reading pages until the count is reached. */
export interface RecountCursor {
  readonly mode: 'recount';
  readonly second: number;
  /** Ids emitted at `second`, as strings. */
  readonly emitted: readonly string[];
  /** Next page of `[second, second]` to read. */
  readonly nextPage: number;
  /** Records at `second`, once a short page told. */
  readonly total: number | null;
  /** Pages of this second read so far (the cap counts them). */
  readonly reads: number;
}

/** The persistent part of a poll: what the snapshot keeps. */
export type Cursor = ScanCursor | IdScanCursor | RecountCursor;

/** A poll in progress: the cursor plus this poll's upper bound, known after the first answer. */
export interface PollState {
  readonly cursor: Cursor;
  /** `U`: the last second this poll may read (inclusive); `null` until Kommo answered once. */
  readonly upperBound: number | null;
}

/** The request shape polling sends: a subset of the client's `KommoQuery`, structurally assignable to it. */
export interface PollQuery {
  readonly filter: Readonly<Record<string, FilterValue>>;
  readonly order: Readonly<Record<string, 'asc'>>;
  readonly page: number;
  readonly limit: number;
}

/** What the planner asked for; hand it back to {@link applyPage} with the answer. */
export interface PageRequest {
  readonly mode: Cursor['mode'];
  readonly query: PollQuery;
  /** Inclusive bounds of the timestamp filter sent. */
  readonly from: number;
  readonly to?: number;
  readonly page: number;
  readonly limit: number;
}

/** One answer: the page's records (empty on 204) and Kommo's clock from the `Date` header, in Unix seconds. */
export interface FetchedPage<T> {
  readonly records: readonly T[];
  readonly serverNowSeconds: number;
}

/** What to emit (in this order, before the next snapshot) and the state after the page. */
export interface PageOutcome<T> {
  readonly emit: readonly T[];
  readonly state: PollState;
}

/** Windows of a crowded second use at least this many records: below it, small page sizes could stall (see idWindow). */
const MIN_ID_WINDOW = 12;
/** Reads of one crowded event second before its count is known (1,000 pages = 100,000 events). */
const MAX_RECOUNT_PAGES_UNKNOWN = 1000;
const RECOUNT_MISS_EXPONENT = 20;

/** A poll starting from a cursor. */
export function initialState(cursor: Cursor): PollState {
  return { cursor, upperBound: null };
}

/** The cursor a poll starts from without a usable snapshot. */
export function startCursor(config: PollConfig): ScanCursor {
  return { mode: 'scan', second: config.startSeconds };
}

function rangeQuery(config: PollConfig, from: number, to: number | undefined, orderBy: string, page: number, limit: number): PollQuery {
  const range: Record<string, number> = to === undefined ? { from } : { from, to };
  return { filter: { ...config.filter, [config.field]: range }, order: { [orderBy]: 'asc' }, page, limit };
}

/**
 * Picks `page` and `limit` for the next id-ordered window of a crowded second, given how many
 * records are known to sit at or below the frontier (`frontierCount`). Offsets are
 * `(page − 1) · limit`, so the window starts `frontierCount mod limit` records below the frontier
 * (the overlap) and must end beyond it. Away from offset 0 the overlap is kept at one record per
 * 50 (at least one): up to that many records may leave the second between two windows without a
 * window being wasted. Among the limits allowed, the one that reads the most new records wins. With limits up
 * to 12 a window exists whenever `frontierCount` < 27,720; the full `maxLimit` is tried next.
 */
export function idWindow(frontierCount: number, preferredLimit: number, maxLimit: number): { page: number; limit: number } {
  if (frontierCount <= 0) return { page: 1, limit: preferredLimit };
  for (const ceiling of [preferredLimit, maxLimit]) {
    let best: { page: number; limit: number } | undefined;
    let bestGain = 0;
    for (let limit = ceiling; limit >= 2; limit -= 1) {
      const page = Math.floor((frontierCount - 1) / limit) + 1;
      const overlap = frontierCount - (page - 1) * limit;
      // A window at offset 0 needs no overlap: it cannot miss anything before it.
      const gain = page === 1 || overlap >= Math.ceil(limit / 50) ? limit - overlap : 0;
      if (gain > bestGain) {
        bestGain = gain;
        best = { page, limit };
      }
    }
    if (best) return best;
  }
  // Unreachable below 250 limits' common multiple; restarting at offset 0 is always valid.
  return { page: 1, limit: maxLimit };
}

function idWindowLimits(config: PollConfig): { preferred: number; max: number } {
  return { preferred: Math.min(config.maxPageSize, Math.max(config.pageSize, MIN_ID_WINDOW)), max: config.maxPageSize };
}

/**
 * The next request, or `null` when this poll has nothing left to read (the cursor passed the
 * upper bound or `endTime`). Pure: the same state always gives the same request.
 */
export function planRequest(config: PollConfig, state: PollState): PageRequest | null {
  const { cursor } = state;
  if (cursor.mode === 'scan') {
    const to = state.upperBound ?? config.endSeconds;
    if (to !== undefined && cursor.second > to) return null;
    const orderBy = config.rangeOrder === 'id' ? 'id' : config.field;
    return {
      mode: 'scan', from: cursor.second, ...(to === undefined ? {} : { to }), page: 1, limit: config.pageSize,
      query: rangeQuery(config, cursor.second, to, orderBy, 1, config.pageSize),
    };
  }
  const second = cursor.second;
  if (cursor.mode === 'ids') {
    const limits = idWindowLimits(config);
    const { page, limit } = idWindow(cursor.frontierCount, limits.preferred, limits.max);
    const to = cursor.to ?? second;
    return { mode: 'ids', from: second, to, page, limit, query: rangeQuery(config, second, to, 'id', page, limit) };
  }
  const page = cursor.nextPage;
  return { mode: 'recount', from: second, to: second, page, limit: config.pageSize, query: rangeQuery(config, second, second, config.field, page, config.pageSize) };
}

/** A record reduced to what the cursor reads. */
interface Stamp {
  /** The id as a string (dedupe key). */
  key: string;
  id: number | string;
  at: number;
}

function refuse(request: PageRequest, config: PollConfig, why: string): KommoError {
  return new KommoError(`Polling by ${config.field} stopped: ${why} (request for ${config.field} ${request.from}…${request.to ?? 'now'}, `
    + `page ${request.page}, limit ${request.limit}). Nothing after the last good page was emitted; the next poll retries from there.`);
}

function stamps<T>(config: PollConfig, request: PageRequest, records: readonly T[]): Stamp[] {
  if (records.length > request.limit) throw refuse(request, config, `Kommo returned ${records.length} records for a limit of ${request.limit}`);
  return records.map((record, index) => {
    const fields = (typeof record === 'object' && record !== null ? record : {}) as Record<string, unknown>;
    const id = fields.id;
    const at = fields[config.field];
    const numericId = typeof id === 'number' && Number.isSafeInteger(id) && id > 0;
    const validId = config.tieBreak === 'idOrder' ? numericId : numericId || (typeof id === 'string' && id !== '');
    if (!validId) throw refuse(request, config, `record ${index} of the page has no usable id (${JSON.stringify(id)})`);
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) {
      throw refuse(request, config, `record ${String(id)} has no usable ${config.field} (${JSON.stringify(at)})`);
    }
    if (at < request.from || (request.to !== undefined && at > request.to)) {
      throw refuse(request, config, `record ${String(id)} has ${config.field} ${at}, outside the requested range: `
        + 'the account seems to ignore API filters, so polling cannot tell new records from old ones');
    }
    return { key: String(id), id: id as number | string, at };
  });
}

function checkAscending(config: PollConfig, request: PageRequest, list: readonly Stamp[], by: 'at' | 'id'): void {
  for (let i = 1; i < list.length; i += 1) {
    const before = by === 'at' ? list[i - 1].at : (list[i - 1].id as number);
    const after = by === 'at' ? list[i].at : (list[i].id as number);
    if (by === 'at' ? after < before : after <= before) {
      throw refuse(request, config, `Kommo did not return the page in ascending ${by === 'at' ? config.field : 'id'} order`);
    }
  }
}

function upperBoundOf(config: PollConfig, serverNowSeconds: number): number {
  if (!Number.isFinite(serverNowSeconds)) throw new KommoError('Polling needs Kommo\'s clock (the Date header of the answer); none was given.');
  const safe = Math.floor(serverNowSeconds) - config.safetyLagSeconds;
  return config.endSeconds === undefined ? safe : Math.min(safe, config.endSeconds);
}

/** Keeps the first record per id (a page should not repeat one; if it does, it is emitted once). */
function unique<T>(records: readonly T[], list: readonly Stamp[], keep: (stamp: Stamp) => boolean): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  list.forEach((stamp, index) => {
    if (seen.has(stamp.key) || !keep(stamp)) return;
    seen.add(stamp.key);
    out.push(records[index]);
  });
  return out;
}

/** The scan of a collection read in id order (`rangeOrder: 'id'`): the page is a prefix by id of `[c, …)`. */
function applyIdRangeScan<T>(state: PollState & { cursor: ScanCursor }, request: PageRequest, records: readonly T[], list: Stamp[], upperBound: number): PageOutcome<T> {
  const second = state.cursor.second;
  // Kommo's clock behind the cursor: nothing is closed yet.
  if (upperBound < second) return { emit: [], state: { upperBound, cursor: state.cursor } };
  const emit = unique(records, list, (stamp) => stamp.at <= upperBound);
  if (records.length < request.limit) {
    return { emit, state: { upperBound, cursor: { mode: 'scan', second: upperBound + 1 } } };
  }
  const frontierId = list[list.length - 1].id as number;
  return { emit, state: { upperBound, cursor: { mode: 'ids', second, to: upperBound, frontierId, frontierCount: emit.length } } };
}

function applyScan<T>(config: PollConfig, state: PollState & { cursor: ScanCursor }, request: PageRequest, records: readonly T[], list: Stamp[], upperBound: number): PageOutcome<T> {
  if (config.rangeOrder === 'id') {
    checkAscending(config, request, list, 'id');
    return applyIdRangeScan(state, request, records, list, upperBound);
  }
  checkAscending(config, request, list, 'at');
  const inRange = list.filter((stamp) => stamp.at <= upperBound);
  if (records.length < request.limit || inRange.length < list.length) {
    return {
      emit: unique(records, list, (stamp) => stamp.at <= upperBound),
      state: { upperBound, cursor: { mode: 'scan', second: Math.max(state.cursor.second, upperBound + 1) } },
    };
  }
  const last = list[list.length - 1].at;
  if (list[0].at < last) {
    return { emit: unique(records, list, (stamp) => stamp.at < last), state: { upperBound, cursor: { mode: 'scan', second: last } } };
  }
  if (config.tieBreak === 'idOrder') {
    // The id-ordered scan reads these records again in a stable order; emitting them now would
    // mean remembering up to a page of ids in the snapshot.
    return { emit: [], state: { upperBound, cursor: { mode: 'ids', second: last, frontierId: null, frontierCount: 0 } } };
  }
  // The page holds the first `limit` records at `last`: the same set as page 1 of `[last, last]`.
  const emitted = [...new Set(list.map((stamp) => stamp.key))];
  return { emit: unique(records, list, () => true), state: { upperBound, cursor: { mode: 'recount', second: last, emitted, nextPage: 2, total: null, reads: 1 } } };
}

function applyIds<T>(config: PollConfig, cursor: IdScanCursor, request: PageRequest, records: readonly T[], list: Stamp[], upperBound: number): PageOutcome<T> {
  checkAscending(config, request, list, 'id');
  const offset = (request.page - 1) * request.limit;
  const frontier = cursor.frontierId;
  const touchesFrontier = offset === 0 || (list.length > 0 && frontier !== null && (list[0].id as number) <= frontier);
  if (!touchesFrontier) {
    // More records left the second than the overlap absorbs: this window may have jumped over
    // some. Emit nothing from it and step back one window.
    return { emit: [], state: { upperBound, cursor: { ...cursor, frontierCount: Math.max(0, offset + 1 - request.limit) } } };
  }
  const emit = unique(records, list, (stamp) => frontier === null || (stamp.id as number) > frontier);
  if (list.length < request.limit) {
    return { emit, state: { upperBound, cursor: { mode: 'scan', second: (cursor.to ?? cursor.second) + 1 } } };
  }
  const lastId = list[list.length - 1].id as number;
  const frontierId = frontier === null ? lastId : Math.max(frontier, lastId);
  return {
    emit,
    state: {
      upperBound,
      cursor: { ...cursor, frontierId, frontierCount: offset + list.length },
    },
  };
}

function recountCap(total: number | null, limit: number): number {
  if (total === null) return MAX_RECOUNT_PAGES_UNKNOWN;
  const pages = Math.max(1, Math.ceil(total / limit));
  return pages * (Math.ceil(Math.log(Math.max(total, 2))) + RECOUNT_MISS_EXPONENT);
}

function applyRecount<T>(config: PollConfig, cursor: RecountCursor, request: PageRequest, records: readonly T[], list: Stamp[], upperBound: number): PageOutcome<T> {
  checkAscending(config, request, list, 'at');
  const page = request.page;
  const limit = request.limit;
  let total = cursor.total;
  if (list.length < limit) total = (page - 1) * limit + list.length;
  else if (total !== null && page * limit > total) total = null; // more than counted: the second grew, count again
  const already = new Set(cursor.emitted);
  const emit = unique(records, list, (stamp) => !already.has(stamp.key));
  const emitted = [...cursor.emitted, ...new Set(list.map((stamp) => stamp.key).filter((key) => !already.has(key)))];
  const reads = cursor.reads + 1;
  if (total !== null && emitted.length >= total) {
    return { emit, state: { upperBound, cursor: { mode: 'scan', second: cursor.second + 1 } } };
  }
  if (reads >= recountCap(total, limit)) {
    throw refuse(request, config, `${emitted.length} distinct records of second ${cursor.second} collected after ${reads} pages`
      + `${total === null ? '' : ` out of ${total}`}; Kommo's order inside the second keeps changing`);
  }
  const nextPage = total === null ? page + 1 : (page % Math.max(1, Math.ceil(total / limit))) + 1;
  return { emit, state: { upperBound, cursor: { ...cursor, emitted, nextPage, total, reads } } };
}

/**
 * Applies Kommo's answer to the request {@link planRequest} returned for this state. Throws a
 * `KommoError` (and emits nothing) when the answer cannot be trusted: records outside the
 * requested range (filters ignored), out of order, over the limit, without id or timestamp.
 */
export function applyPage<T>(config: PollConfig, state: PollState, request: PageRequest, page: FetchedPage<T>): PageOutcome<T> {
  if (request.mode !== state.cursor.mode) throw new Error(`applyPage: a ${request.mode} request does not belong to a ${state.cursor.mode} cursor`);
  const upperBound = state.upperBound ?? upperBoundOf(config, page.serverNowSeconds);
  const list = stamps(config, request, page.records);
  const { cursor } = state;
  if (cursor.mode === 'scan') return applyScan(config, { ...state, cursor }, request, page.records, list, upperBound);
  if (cursor.mode === 'ids') return applyIds(config, cursor, request, page.records, list, upperBound);
  return applyRecount(config, cursor, request, page.records, list, upperBound);
}
