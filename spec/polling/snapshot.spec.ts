/**
 * The snapshot codec: round trips, the worst sizes the cursor can produce, and everything that is
 * not a snapshot of this format for this scope read as "start from startTime".
 */
import { buildPollConfig } from '../../lib/polling/config';
import type { Cursor } from '../../lib/polling/cursor';
import { encodeSnapshot, fitsSnapshot, MAX_SNAPSHOT_BYTES, readSnapshot, snapshotBytes } from '../../lib/polling/snapshot';

const config = buildPollConfig({ kind: 'entities', scope: 'leads', startTime: '2026-01-01T00:00:00Z' });
const eventsConfig = buildPollConfig({ kind: 'events', scope: 'lead_added' });
const start: Cursor = { mode: 'scan', second: config.startSeconds };

/** JSON as the platform stores and returns it. */
const stored = (cursor: Cursor, forConfig = config): unknown => JSON.parse(JSON.stringify(encodeSnapshot(forConfig, cursor)));

describe('round trip', () => {
  it.each<[string, Cursor]>([
    ['scan', { mode: 'scan', second: 1772379000 }],
    ['ids, before the first id window', { mode: 'ids', second: 1772379000, frontierId: null, frontierCount: 0 }],
    ['ids, with a frontier', { mode: 'ids', second: 1772379000, frontierId: 31000500, frontierCount: 245 }],
    ['ids over a closed range (tasks)', { mode: 'ids', second: 1772379000, to: 1772379990, frontierId: 31000500, frontierCount: 245 }],
  ])('%s', (_, cursor) => {
    expect(readSnapshot(config, stored(cursor))).toEqual({ cursor });
  });

  it.each<[string, Cursor]>([
    ['recount, count unknown', { mode: 'recount', second: 1772379000, emitted: ['01kysd0a', '01kysd0b'], nextPage: 2, total: null, reads: 1 }],
    ['recount, count known', { mode: 'recount', second: 1772379000, emitted: ['01kysd0a'], nextPage: 1, total: 300, reads: 3 }],
  ])('%s', (_, cursor) => {
    expect(readSnapshot(eventsConfig, stored(cursor, eventsConfig))).toEqual({ cursor });
  });

  it('the scan snapshot is a handful of bytes', () => {
    expect(encodeSnapshot(config, { mode: 'scan', second: 1772379000 })).toEqual({ v: 1, k: expect.stringMatching(/^[0-9a-z]{1,7}$/), c: 1772379000 });
  });
});

describe('size: every state the cursor can write stays under the limit', () => {
  const sizes: Record<string, number> = {};
  afterAll(() => console.log(`snapshot sizes (bytes, limit ${MAX_SNAPSHOT_BYTES}): ${JSON.stringify(sizes)}`));

  it.each<[string, Cursor]>([
    ['scan, the largest numbers', { mode: 'scan', second: 99_999_999_999 }],
    ['ids, the largest numbers', { mode: 'ids', second: 99_999_999_999, to: 99_999_999_999 + 1, frontierId: Number.MAX_SAFE_INTEGER, frontierCount: Number.MAX_SAFE_INTEGER }],
  ])('%s', (name, cursor) => {
    const bytes = snapshotBytes(encodeSnapshot(config, cursor));
    sizes[name] = bytes;
    expect(bytes).toBeLessThanOrEqual(120);
    expect(readSnapshot(config, stored(cursor)).cursor).toEqual(cursor);
  });

  it('events: 100 ids of 26 characters fit; 150 UUIDs do not, and such a state is never written (see poll.spec)', () => {
    const ulids = Array.from({ length: 100 }, (_, i) => `01kysd${String(i).padStart(20, '0')}`);
    const uuids = Array.from({ length: 150 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const recount = (emitted: string[]): Cursor => ({ mode: 'recount', second: 1772379000, emitted, nextPage: 3, total: 1000, reads: 40 });
    sizes['100 event ids of 26 characters'] = snapshotBytes(encodeSnapshot(eventsConfig, recount(ulids)));
    expect(fitsSnapshot(eventsConfig, recount(ulids))).toBe(true);
    expect(fitsSnapshot(eventsConfig, recount(uuids))).toBe(false);
  });
});

describe('anything else starts from startTime', () => {
  const k = (encodeSnapshot(config, start) as { k: string }).k;
  it.each`
    name                                            | raw                                                              | ignored
    ${'no snapshot (undefined)'}                    | ${undefined}                                                     | ${'none'}
    ${'null'}                                       | ${null}                                                          | ${'none'}
    ${'the platform\'s empty snapshot'}             | ${{}}                                                            | ${'none'}
    ${'an array'}                                   | ${[1, 2]}                                                        | ${'none'}
    ${'a string'}                                   | ${'{"v":1}'}                                                     | ${'none'}
    ${'SF2-style cursor of an older trigger'}       | ${{ lastModificationTime: '2026-01-02T00:00:00Z', lastSeenId: 5 }} | ${'other format'}
    ${'OIH-style cursor'}                           | ${{ startTime: '2026-01-02T00:00:00Z', pageNumber: 3 }}         | ${'other format'}
    ${'a future format'}                            | ${{ v: 2, k, c: 1772379000 }}                                    | ${'other format'}
    ${'another scope or startTime'}                 | ${{ v: 1, k: 'zzzz', c: 1772379000 }}                            | ${'other scope or startTime'}
    ${'cursor missing'}                             | ${{ v: 1, k }}                                                   | ${'malformed'}
    ${'cursor negative'}                            | ${{ v: 1, k, c: -1 }}                                            | ${'malformed'}
    ${'cursor as a string'}                         | ${{ v: 1, k, c: '1772379000' }}                                  | ${'malformed'}
    ${'cursor fractional'}                          | ${{ v: 1, k, c: 1.5 }}                                           | ${'malformed'}
    ${'unknown mode'}                               | ${{ v: 1, k, c: 5, m: 'x' }}                                     | ${'malformed'}
    ${'ids without a count'}                        | ${{ v: 1, k, c: 5, m: 'i' }}                                     | ${'malformed'}
    ${'ids with a negative count'}                  | ${{ v: 1, k, c: 5, m: 'i', e: -1 }}                              | ${'malformed'}
    ${'ids with a zero frontier id'}                | ${{ v: 1, k, c: 5, m: 'i', f: 0, e: 3 }}                         | ${'malformed'}
    ${'ids with a frontier id beyond 2^53'}         | ${{ v: 1, k, c: 5, m: 'i', f: 2 ** 60, e: 3 }}                   | ${'malformed'}
    ${'ids with a range ending before it starts'}   | ${{ v: 1, k, c: 5, m: 'i', t: 4, e: 3 }}                         | ${'malformed'}
    ${'recount with numeric ids'}                   | ${{ v: 1, k, c: 5, m: 'r', s: [1], p: 1, r: 0 }}                 | ${'malformed'}
    ${'recount without a page'}                     | ${{ v: 1, k, c: 5, m: 'r', s: [], r: 0 }}                        | ${'malformed'}
  `('$name', ({ raw, ignored }) => {
    expect(readSnapshot(config, raw)).toEqual({ cursor: start, ignored });
  });

  it('a snapshot from before an edit of the object type or startTime is not reused; endTime and pageSize edits keep it', () => {
    const cursor: Cursor = { mode: 'scan', second: 1772379000 };
    const snapshot = stored(cursor);
    const otherType = buildPollConfig({ kind: 'entities', scope: 'contacts', startTime: '2026-01-01T00:00:00Z' });
    const otherStart = buildPollConfig({ kind: 'entities', scope: 'leads', startTime: '2026-01-02T00:00:00Z' });
    const otherField = buildPollConfig({ kind: 'entities', scope: 'leads', timestampField: 'created_at', startTime: '2026-01-01T00:00:00Z' });
    const otherEndAndPage = buildPollConfig({ kind: 'entities', scope: 'leads', startTime: '2026-01-01T00:00:00Z', endTime: '2027-01-01', pageSize: 10 });
    expect(readSnapshot(otherType, snapshot).ignored).toBe('other scope or startTime');
    expect(readSnapshot(otherStart, snapshot).ignored).toBe('other scope or startTime');
    expect(readSnapshot(otherField, snapshot).ignored).toBe('other scope or startTime');
    expect(readSnapshot(otherEndAndPage, snapshot)).toEqual({ cursor });
  });
});
