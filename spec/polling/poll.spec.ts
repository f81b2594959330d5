/**
 * The poll loop: what it costs, in which order it emits data and snapshots, and how the limits
 * (single page per interval, request cap, "Retrieve sample") stop it.
 */
import { KommoError } from '../../lib/client/errors';
import { buildPollConfig, type PollConfig } from '../../lib/polling/config';
import type { PollQuery } from '../../lib/polling/cursor';
import { runPoll, type PollIo, type PollOptions } from '../../lib/polling/poll';
import { encodeSnapshot, MAX_SNAPSHOT_BYTES, snapshotBytes, type PollSnapshot } from '../../lib/polling/snapshot';
import { FakeKommo, type FakeRecord } from './fakeKommo';

const START_MS = 1_772_000_000_000;

type Call = { call: 'fetch'; query: PollQuery } | { call: 'emit'; ids: Array<number | string> } | { call: 'snapshot'; snapshot: PollSnapshot };

/** An io over the model Kommo that records every call in order. */
function recorder(kommo: FakeKommo): { io: PollIo<FakeRecord>; calls: Call[]; last(): PollSnapshot | undefined } {
  const calls: Call[] = [];
  return {
    calls,
    last: () => calls.filter((c): c is Extract<Call, { call: 'snapshot' }> => c.call === 'snapshot').pop()?.snapshot,
    io: {
      fetchPage: async (query) => {
        calls.push({ call: 'fetch', query });
        return kommo.list(query);
      },
      emitPage: async (records) => {
        calls.push({ call: 'emit', ids: records.map((r) => r.id) });
      },
      saveSnapshot: async (snapshot) => {
        calls.push({ call: 'snapshot', snapshot: JSON.parse(JSON.stringify(snapshot)) });
      },
    },
  };
}

function world(kind: 'entities' | 'events' = 'entities'): { kommo: FakeKommo; config: PollConfig } {
  const kommo = new FakeKommo({ kind, field: kind === 'events' ? 'created_at' : 'updated_at', seed: 5, startMs: START_MS });
  return { kommo, config: buildPollConfig({ kind, scope: 'x' }) };
}

const count = (calls: Call[], call: Call['call']): number => calls.filter((c) => c.call === call).length;

async function poll(kommo: FakeKommo, config: PollConfig, snapshot: unknown, options: PollOptions = {}) {
  const rec = recorder(kommo);
  const report = await runPoll(config, snapshot, rec.io, options);
  return { report, ...rec };
}

describe('cost', () => {
  it('an idle poll is exactly one Kommo request, then one snapshot', async () => {
    const { kommo, config } = world();
    kommo.create(600, kommo.serverSecond - 100);
    const first = await poll(kommo, config, {});
    expect(first.report.caughtUp).toBe(true);
    kommo.advance(60_000);
    const idle = await poll(kommo, config, first.last());
    expect(idle.calls.map((c) => c.call)).toEqual(['fetch', 'snapshot']);
    expect(idle.report).toMatchObject({ requests: 1, emittedRecords: 0, caughtUp: true });
  });

  it('a first poll of an empty account is one request too', async () => {
    const { kommo, config } = world();
    const { calls } = await poll(kommo, config, undefined);
    expect(calls.map((c) => c.call)).toEqual(['fetch', 'snapshot']);
  });

  it('a poll past endTime sends nothing and writes nothing', async () => {
    const { kommo } = world();
    const ended = buildPollConfig({ kind: 'entities', scope: 'x', endTime: kommo.serverSecond - 1000 });
    const done = encodeSnapshot(ended, { mode: 'scan', second: kommo.serverSecond - 999 });
    const { calls, report } = await poll(kommo, ended, done);
    expect(calls).toEqual([]);
    expect(report).toMatchObject({ requests: 0, caughtUp: true });
    expect(kommo.requests).toBe(0);
  });
});

describe('order of effects', () => {
  it('each page\'s records are emitted before the snapshot that covers them; a snapshot is written after every answer', async () => {
    const { kommo, config } = world();
    for (let s = 0; s < 30; s += 1) kommo.create(20, kommo.serverSecond - 200 + s);
    const { calls, report } = await poll(kommo, config, {});
    expect(report.requests).toBeGreaterThan(2);
    const shape = calls.map((c) => c.call).join(' ');
    expect(shape).toMatch(/^(fetch emit snapshot )+fetch (emit )?snapshot$/);
    expect(count(calls, 'snapshot')).toBe(report.requests);
  });

  it('the snapshot written last is what the next poll continues from', async () => {
    const { kommo, config } = world();
    kommo.create(300, kommo.serverSecond - 100);
    const { last } = await poll(kommo, config, {});
    expect(last()).toEqual(encodeSnapshot(config, { mode: 'scan', second: kommo.answerSeconds[0] - config.safetyLagSeconds + 1 }));
  });

  it('a page Kommo answered wrongly is not emitted and fails the poll; the snapshots before it stand', async () => {
    const { kommo, config } = world();
    for (let s = 0; s < 10; s += 1) kommo.create(100, kommo.serverSecond - 200 + s);
    const rec = recorder(kommo);
    let requests = 0;
    const io: PollIo<FakeRecord> = {
      ...rec.io,
      fetchPage: async (query) => {
        requests += 1;
        const page = await rec.io.fetchPage(query);
        // The second answer ignores the filter: a record from long ago.
        return requests === 2 ? { ...page, records: [{ id: 1, created_at: 5, updated_at: 5 }, ...page.records.slice(1)] } : page;
      },
    };
    await expect(runPoll(config, {}, io)).rejects.toThrow(KommoError);
    expect(rec.calls.map((c) => c.call)).toEqual(['fetch', 'emit', 'snapshot', 'fetch']);
  });
});

describe('limits', () => {
  it('single page per interval: one page of data, its snapshot, and the next poll continues', async () => {
    const { kommo, config } = world();
    for (let s = 0; s < 10; s += 1) kommo.create(100, kommo.serverSecond - 200 + s);
    const first = await poll(kommo, config, {}, { maxDataPages: 1 });
    expect(first.report).toMatchObject({ emittedPages: 1, caughtUp: false });
    expect(first.calls.map((c) => c.call)).toEqual(['fetch', 'emit', 'snapshot']);
    const second = await poll(kommo, config, first.last(), { maxDataPages: 1 });
    expect(second.report.emittedPages).toBe(1);
    const ids = (calls: Call[]) => calls.flatMap((c) => (c.call === 'emit' ? c.ids : []));
    expect(ids(second.calls).filter((id) => ids(first.calls).includes(id))).toEqual([]);
  });

  it('the request cap stops the poll with a snapshot to continue from', async () => {
    const { kommo, config } = world();
    for (let s = 0; s < 10; s += 1) kommo.create(200, kommo.serverSecond - 200 + s);
    const { report } = await poll(kommo, config, {}, { maxRequests: 3 });
    expect(report).toMatchObject({ requests: 3, caughtUp: false });
    expect(report.snapshot).toBeDefined();
  });

  it('Retrieve sample (debug): one page of data and no snapshot', async () => {
    const { kommo, config } = world();
    for (let s = 0; s < 10; s += 1) kommo.create(100, kommo.serverSecond - 200 + s);
    const { calls, report } = await poll(kommo, config, {}, { debug: true });
    expect(calls.map((c) => c.call)).toEqual(['fetch', 'emit']);
    expect(report).toMatchObject({ emittedPages: 1, emittedRecords: 200 });
    expect(report.snapshot).toBeUndefined();
  });

  it('Retrieve sample over a crowded second: the page comes from the id-ordered read that follows', async () => {
    const { kommo, config } = world();
    kommo.create(600, kommo.serverSecond - 100);
    const { calls, report } = await poll(kommo, config, {}, { debug: true });
    expect(calls.map((c) => c.call)).toEqual(['fetch', 'fetch', 'emit']);
    expect(report).toMatchObject({ emittedPages: 1, emittedRecords: 250 });
  });

  it('Retrieve sample with nothing to show: one request, nothing emitted, no snapshot', async () => {
    const { kommo, config } = world();
    const { calls, report } = await poll(kommo, config, {}, { debug: true });
    expect(calls.map((c) => c.call)).toEqual(['fetch']);
    expect(report.emittedRecords).toBe(0);
  });

  it('a crowded event second too big for a snapshot is finished in the same poll, whatever the page limit', async () => {
    const { kommo, config } = world('events');
    kommo.create(500, kommo.serverSecond - 100);
    const first = await poll(kommo, config, {}, { maxDataPages: 1 });
    expect(first.report.emittedPages).toBe(1);
    const second = await poll(kommo, config, first.last(), { maxDataPages: 1 });
    expect(second.report.emittedPages).toBeGreaterThan(1);
    for (const { calls } of [first, second]) {
      for (const c of calls) if (c.call === 'snapshot') expect(snapshotBytes(c.snapshot)).toBeLessThanOrEqual(MAX_SNAPSHOT_BYTES);
    }
    const emitted = [...first.calls, ...second.calls].flatMap((c) => (c.call === 'emit' ? c.ids : []));
    expect(new Set(emitted).size).toBe(emitted.length);
    expect(emitted.length).toBe(500);
  });
});

describe('snapshot read', () => {
  it('reports why a stored snapshot was not used', async () => {
    const { kommo, config } = world();
    const { report } = await poll(kommo, config, { lastModificationTime: '2026-01-01T00:00:00Z' });
    expect(report.snapshotIgnored).toBe('other format');
  });
});
