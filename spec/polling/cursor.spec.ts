/**
 * The cursor's transitions, one row per case: the state, the request it plans, Kommo's answer,
 * what is emitted and the state after. The simulation (simulation.spec.ts) checks the whole;
 * these rows pin each rule.
 */
import { KommoError } from '../../lib/client/errors';
import { buildPollConfig, type PollConfig } from '../../lib/polling/config';
import { applyPage, idWindow, planRequest, type Cursor, type PollState } from '../../lib/polling/cursor';

const entities = buildPollConfig({ kind: 'entities', pageSize: 4, scope: 'leads', safetyLagSeconds: 10 });
const events = buildPollConfig({ kind: 'events', pageSize: 4, scope: 'events', safetyLagSeconds: 10 });
const withEnd = buildPollConfig({ kind: 'entities', pageSize: 4, scope: 'leads', safetyLagSeconds: 10, endTime: 150 });
const byId = buildPollConfig({ kind: 'entities', pageSize: 4, scope: 'tasks', safetyLagSeconds: 10, rangeOrder: 'id' });

type Row = { id: number | string; updated_at?: number; created_at?: number };
const lead = (id: number, at: number): Row => ({ id, updated_at: at });
const event = (id: string, at: number): Row => ({ id, created_at: at });
const scan = (second: number): Cursor => ({ mode: 'scan', second });
const state = (cursor: Cursor, upperBound: number | null = null): PollState => ({ cursor, upperBound });

function step(config: PollConfig, before: PollState, records: Row[], serverNowSeconds = 200) {
  const request = planRequest(config, before);
  if (!request) throw new Error('no request planned');
  const outcome = applyPage(config, before, request, { records, serverNowSeconds });
  return { request, emitted: outcome.emit.map((r) => r.id), after: outcome.state };
}

describe('planRequest', () => {
  it.each`
    name                                      | config      | before                                        | query
    ${'first request of a poll: no upper bound'} | ${entities} | ${state(scan(100))}                          | ${{ filter: { updated_at: { from: 100 } }, order: { updated_at: 'asc' }, page: 1, limit: 4 }}
    ${'later request: up to the bound'}       | ${entities} | ${state(scan(102), 190)}                      | ${{ filter: { updated_at: { from: 102, to: 190 } }, order: { updated_at: 'asc' }, page: 1, limit: 4 }}
    ${'endTime bounds the first request'}     | ${withEnd}  | ${state(scan(100))}                           | ${{ filter: { updated_at: { from: 100, to: 150 } }, order: { updated_at: 'asc' }, page: 1, limit: 4 }}
    ${'crowded second, first id window'}      | ${entities} | ${state({ mode: 'ids', second: 120, frontierId: null, frontierCount: 0 }, 190)} | ${{ filter: { updated_at: { from: 120, to: 120 } }, order: { id: 'asc' }, page: 1, limit: 12 }}
    ${'crowded second, overlapping window'}   | ${entities} | ${state({ mode: 'ids', second: 120, frontierId: 9, frontierCount: 12 }, 190)} | ${{ filter: { updated_at: { from: 120, to: 120 } }, order: { id: 'asc' }, page: 2, limit: 11 }}
    ${'id order: first request'}              | ${byId}     | ${state(scan(100))}                           | ${{ filter: { updated_at: { from: 100 } }, order: { id: 'asc' }, page: 1, limit: 4 }}
    ${'id order: the closed range in windows'} | ${byId}    | ${state({ mode: 'ids', second: 100, to: 190, frontierId: 9, frontierCount: 12 }, 195)} | ${{ filter: { updated_at: { from: 100, to: 190 } }, order: { id: 'asc' }, page: 2, limit: 11 }}
    ${'crowded event second, next page'}      | ${events}   | ${state({ mode: 'recount', second: 120, emitted: ['a'], nextPage: 3, total: null, reads: 2 }, 190)} | ${{ filter: { created_at: { from: 120, to: 120 } }, order: { created_at: 'asc' }, page: 3, limit: 4 }}
  `('$name', ({ config, before, query }) => {
    expect(planRequest(config, before)?.query).toEqual(query);
  });

  it('extra filters ride along with the range', () => {
    const config = buildPollConfig({ kind: 'events', scope: 'e', filter: { type: ['lead_added'], entity: ['lead'] } });
    expect(planRequest(config, state(scan(5)))?.query.filter).toEqual({ type: ['lead_added'], entity: ['lead'], created_at: { from: 5 } });
  });

  it.each`
    name                                   | config      | before
    ${'cursor past the bound'}             | ${entities} | ${state(scan(191), 190)}
    ${'cursor past endTime: no request at all'} | ${withEnd} | ${state(scan(151))}
  `('nothing to read: $name', ({ config, before }) => {
    expect(planRequest(config, before)).toBeNull();
  });
});

describe('applyPage: scanning closed seconds (page 1 from the cursor, every time)', () => {
  it.each`
    name                                                          | before               | records                                                          | now    | emitted       | after
    ${'idle: nothing new, the cursor moves to the bound + 1'}     | ${state(scan(100))}  | ${[]}                                                            | ${200} | ${[]}         | ${state(scan(191), 190)}
    ${'short page: all of [cursor, bound] is here'}               | ${state(scan(100))}  | ${[lead(1, 100), lead(2, 150)]}                                  | ${200} | ${[1, 2]}     | ${state(scan(191), 190)}
    ${'records past the bound are cut, even on a full page'}      | ${state(scan(100))}  | ${[lead(1, 150), lead(2, 190), lead(3, 191), lead(4, 199)]}      | ${200} | ${[1, 2]}     | ${state(scan(191), 190)}
    ${'the open second is never read'}                            | ${state(scan(100))}  | ${[lead(1, 150), lead(2, 200)]}                                  | ${200} | ${[1]}        | ${state(scan(191), 190)}
    ${'full page: the last second is left for the next request'}  | ${state(scan(100))}  | ${[lead(1, 100), lead(2, 101), lead(3, 102), lead(4, 102)]}      | ${200} | ${[1, 2]}     | ${state(scan(102), 190)}
    ${'Kommo\'s clock behind the cursor: the cursor stays'}       | ${state(scan(300))}  | ${[]}                                                            | ${200} | ${[]}         | ${state(scan(300), 190)}
    ${'a page repeating an id emits it once'}                     | ${state(scan(100))}  | ${[lead(1, 100), lead(1, 100)]}                                  | ${200} | ${[1]}        | ${state(scan(191), 190)}
    ${'the bound is fixed by the first answer of the poll'}       | ${state(scan(102), 190)} | ${[lead(3, 102), lead(4, 102), lead(5, 140)]}                | ${900} | ${[3, 4, 5]}  | ${state(scan(191), 190)}
  `('$name', ({ before, records, now, emitted, after }) => {
    const result = step(entities, before, records, now);
    expect(result.emitted).toEqual(emitted);
    expect(result.after).toEqual(after);
  });

  it('endTime caps the bound', () => {
    const result = step(withEnd, state(scan(100)), [lead(1, 120)], 900);
    expect(result.after).toEqual(state(scan(151), 150));
    expect(planRequest(withEnd, result.after)).toBeNull();
  });

  it('a full page inside one second (entities): not emitted; the second is read again in id order', () => {
    const result = step(entities, state(scan(100)), [lead(9, 120), lead(3, 120), lead(7, 120), lead(5, 120)]);
    expect(result.emitted).toEqual([]);
    expect(result.after).toEqual(state({ mode: 'ids', second: 120, frontierId: null, frontierCount: 0 }, 190));
  });

  it('a full page inside one second (events): emitted, counted as page 1 of that second', () => {
    const result = step(events, state(scan(100)), [event('d', 120), event('a', 120), event('c', 120), event('b', 120)]);
    expect(result.emitted).toEqual(['d', 'a', 'c', 'b']);
    expect(result.after).toEqual(state({ mode: 'recount', second: 120, emitted: ['d', 'a', 'c', 'b'], nextPage: 2, total: null, reads: 1 }, 190));
  });
});

describe('applyPage: a crowded second of entities, in id order', () => {
  const ids = (frontierId: number | null, frontierCount: number): PollState =>
    state({ mode: 'ids', second: 120, frontierId, frontierCount }, 190);
  const at120 = (...list: number[]): Row[] => list.map((id) => lead(id, 120));

  it.each`
    name                                                               | before            | records                                               | emitted                                  | after
    ${'first window, short: the whole second, then scan on'}           | ${ids(null, 0)}   | ${at120(1, 3, 5, 9)}                                  | ${[1, 3, 5, 9]}                          | ${state(scan(121), 190)}
    ${'first window, full: the frontier moves to its last id'}         | ${ids(null, 0)}   | ${at120(1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13)}      | ${[1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13]} | ${ids(13, 12)}
    ${'overlapping window: only ids past the frontier'}                | ${ids(13, 12)}    | ${at120(13, 14, 15, 40, 41, 42, 43, 44, 45, 46, 47)}  | ${[14, 15, 40, 41, 42, 43, 44, 45, 46, 47]} | ${ids(47, 22)}
    ${'window starting past the frontier: records left, step back'}    | ${ids(13, 12)}    | ${at120(15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25)}  | ${[]}                                    | ${ids(13, 1)}
    ${'empty window past the start: records left, step back'}          | ${ids(13, 12)}    | ${[]}                                                 | ${[]}                                    | ${ids(13, 1)}
    ${'overlapping short window: the second is done'}                  | ${ids(13, 12)}    | ${at120(13, 40, 41)}                                  | ${[40, 41]}                              | ${state(scan(121), 190)}
  `('$name', ({ before, records, emitted, after }) => {
    const result = step(entities, before, records);
    expect(result.emitted).toEqual(emitted);
    expect(result.after).toEqual(after);
  });

  it('a window entirely below the frontier (after stepping back) keeps the frontier and counts again', () => {
    const result = step(entities, ids(30, 1), at120(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    expect(result.emitted).toEqual([]);
    expect(result.after).toEqual(ids(30, 12));
  });
});

describe('applyPage: a collection Kommo sorts by id only (tasks): the closed range in id order', () => {
  const range = (frontierId: number | null, frontierCount: number, upperBound = 190): PollState =>
    state({ mode: 'ids', second: 100, to: 190, frontierId, frontierCount }, upperBound);

  it.each`
    name                                                                   | before              | records                                               | now    | emitted       | after
    ${'idle: nothing new, the cursor moves to the bound + 1'}              | ${state(scan(100))} | ${[]}                                                 | ${200} | ${[]}         | ${state(scan(191), 190)}
    ${'short page: the whole range, the open seconds cut'}                 | ${state(scan(100))} | ${[lead(3, 150), lead(5, 195), lead(8, 101)]}         | ${200} | ${[3, 8]}     | ${state(scan(191), 190)}
    ${'full page: what is in range up to its last id, then windows'}       | ${state(scan(100))} | ${[lead(3, 150), lead(5, 195), lead(8, 101), lead(9, 120)]} | ${200} | ${[3, 8, 9]} | ${range(9, 3)}
    ${'full page of open-second records only: frontier, nothing counted'}  | ${state(scan(100))} | ${[lead(3, 195), lead(5, 196), lead(8, 197), lead(9, 198)]} | ${200} | ${[]}    | ${range(9, 0)}
    ${'Kommo\'s clock behind the cursor: the cursor stays'}                | ${state(scan(300))} | ${[lead(3, 300), lead(5, 301), lead(8, 302), lead(9, 303)]} | ${200} | ${[]}    | ${state(scan(300), 190)}
    ${'a window past the frontier, short: the range is done'}              | ${range(9, 3, 195)} | ${[lead(9, 120), lead(12, 190)]}                      | ${200} | ${[12]}       | ${state(scan(191), 195)}
  `('$name', ({ before, records, now, emitted, after }) => {
    const result = step(byId, before, records, now);
    expect(result.emitted).toEqual(emitted);
    expect(result.after).toEqual(after);
  });

  it('a page out of id order is refused (Kommo ignored the order)', () => {
    expect(() => step(byId, state(scan(100)), [lead(5, 120), lead(4, 110)])).toThrow(/ascending id order/);
  });
});

describe('applyPage: a crowded second of events, re-read until its count is reached', () => {
  const recount = (emitted: string[], nextPage: number, total: number | null, reads: number): PollState =>
    state({ mode: 'recount', second: 120, emitted, nextPage, total, reads }, 190);
  const at120 = (...list: string[]): Row[] => list.map((id) => event(id, 120));

  it.each`
    name                                                        | before                                        | records                     | emitted        | after
    ${'full page 2: new ids, count still unknown'}              | ${recount(['a', 'b', 'c', 'd'], 2, null, 1)}  | ${at120('e', 'a', 'f', 'g')} | ${['e', 'f', 'g']} | ${recount(['a', 'b', 'c', 'd', 'e', 'f', 'g'], 3, null, 2)}
    ${'short page 3: 9 in the second, 7 seen, cycle to page 1'} | ${recount(['a', 'b', 'c', 'd', 'e', 'f', 'g'], 3, null, 2)} | ${at120('b')} | ${[]}  | ${recount(['a', 'b', 'c', 'd', 'e', 'f', 'g'], 1, 9, 3)}
    ${'page 1 again, order changed: the missing two, done'}     | ${recount(['a', 'b', 'c', 'd', 'e', 'f', 'g'], 1, 9, 3)} | ${at120('h', 'a', 'i', 'c')} | ${['h', 'i']} | ${state(scan(121), 190)}
    ${'a short first page: the whole second, done'}             | ${recount(['a'], 1, null, 0)}                 | ${at120('a', 'b')}          | ${['b']}       | ${state(scan(121), 190)}
  `('$name', ({ before, records, emitted, after }) => {
    const result = step(events, before, records);
    expect(result.emitted).toEqual(emitted);
    expect(result.after).toEqual(after);
  });

  it('gives up with an error when the count is not reached within the read cap', () => {
    // 9 records in 3 pages: the cap is 3 · (ceil(ln 9) + 20) = 69 reads.
    const stuck = recount(['a', 'b', 'c', 'd', 'e', 'f', 'g'], 1, 9, 68);
    expect(() => step(events, stuck, at120('a', 'b', 'c', 'd'))).toThrow(/7 distinct records of second 120 collected after 69 pages out of 9/);
  });
});

describe('applyPage refuses answers it cannot trust (nothing emitted, the poll fails, the last snapshot stays)', () => {
  it.each`
    name                                      | config      | records                                            | message
    ${'a record before the requested range'}  | ${entities} | ${[lead(1, 99)]}                                   | ${/outside the requested range: the account seems to ignore API filters/}
    ${'a record after the requested range'}   | ${withEnd}  | ${[lead(1, 151)]}                                  | ${/outside the requested range/}
    ${'a page out of order'}                  | ${entities} | ${[lead(1, 130), lead(2, 120)]}                    | ${/not return the page in ascending updated_at order/}
    ${'more records than the limit'}          | ${entities} | ${[1, 2, 3, 4, 5].map((id) => lead(id, 120))}     | ${/5 records for a limit of 4/}
    ${'no timestamp'}                         | ${entities} | ${[{ id: 1 }]}                                     | ${/record 1 has no usable updated_at \(undefined\)/}
    ${'a string id on an entity'}             | ${entities} | ${[{ id: '1', updated_at: 120 }]}                  | ${/record 0 of the page has no usable id \("1"\)/}
    ${'a fractional timestamp'}               | ${entities} | ${[{ id: 1, updated_at: 120.5 }]}                  | ${/no usable updated_at/}
    ${'an event without id'}                  | ${events}   | ${[{ created_at: 120 }]}                           | ${/no usable id/}
  `('$name', ({ config, records, message }) => {
    const before = state(scan(100));
    const request = planRequest(config, before);
    if (!request) throw new Error('no request');
    const run = () => applyPage(config, before, request, { records, serverNowSeconds: 200 });
    expect(run).toThrow(KommoError);
    expect(run).toThrow(message);
  });

  it('an id window out of id order is refused', () => {
    const before = state({ mode: 'ids', second: 120, frontierId: null, frontierCount: 0 }, 190);
    expect(() => step(entities, before, [lead(5, 120), lead(4, 120)])).toThrow(/ascending id order/);
  });

  it('an answer without Kommo\'s clock is refused', () => {
    expect(() => step(entities, state(scan(100)), [], Number.NaN)).toThrow(/Date header/);
  });
});

describe('idWindow', () => {
  it.each`
    frontierCount | preferred | max    | window
    ${0}          | ${12}     | ${250} | ${{ page: 1, limit: 12 }}
    ${12}         | ${12}     | ${250} | ${{ page: 2, limit: 11 }}
    ${250}        | ${250}    | ${250} | ${{ page: 2, limit: 245 }}
    ${1}          | ${250}    | ${250} | ${{ page: 1, limit: 250 }}
  `('$frontierCount records up to the frontier, limits up to $preferred → $window', ({ frontierCount, preferred, max, window }) => {
    expect(idWindow(frontierCount, preferred, max)).toEqual(window);
  });

  it.each([[12, 250], [100, 100], [250, 250]])('for every count up to 5,000 with limits up to %i: starts below the frontier (by ≥ 1 per 50 away from offset 0) and ends past it', (preferred, max) => {
    for (let count = 1; count <= 5000; count += 1) {
      const { page, limit } = idWindow(count, preferred, max);
      const offset = (page - 1) * limit;
      expect(limit).toBeLessThanOrEqual(max);
      expect(offset).toBeLessThan(count);
      if (offset > 0) expect(count - offset).toBeGreaterThanOrEqual(Math.ceil(limit / 50));
      expect(offset + limit).toBeGreaterThan(count);
    }
  });
});
