/**
 * Exactly-once polling, simulated: the real poll loop (lib/polling/poll.ts) against the model
 * Kommo of fakeKommo.ts, judged by the oracle of harness.ts. Every scenario shuffles equal
 * timestamps per request. The naive `> last` poller runs through the same harness as a baseline
 * and must be caught losing records, or the scenarios would prove nothing.
 */
import { buildPollConfig, type PollConfig, type PollKind, type RangeOrder } from '../../lib/polling/config';
import { runPoll } from '../../lib/polling/poll';
import { MAX_SNAPSHOT_BYTES } from '../../lib/polling/snapshot';
import { FakeKommo, InjectedFailure } from './fakeKommo';
import { PollHarness, type Poller } from './harness';
import { naivePoller } from './naive';

const START_MS = 1_772_000_000_000;
const LAG_SECONDS = 10;

interface Setup {
  kommo: FakeKommo;
  config: PollConfig;
  harness: PollHarness;
}

function setup(options: { kind?: PollKind; field?: 'updated_at' | 'created_at'; pageSize?: number; seed?: number; clockOffsetSeconds?: number; naive?: boolean; rangeOrder?: RangeOrder }): Setup {
  const kind = options.kind ?? 'entities';
  const field = options.field ?? (kind === 'events' ? 'created_at' : 'updated_at');
  // Writes commit up to 3 s after their stamp: the reason the cursor stays LAG_SECONDS behind Kommo's clock.
  const kommo = new FakeKommo({ kind, field, seed: options.seed ?? 1, startMs: START_MS, clockOffsetSeconds: options.clockOffsetSeconds, commitDelayMs: 3000 });
  const config = buildPollConfig({ kind, timestampField: field, pageSize: options.pageSize, scope: 'leads', safetyLagSeconds: LAG_SECONDS, rangeOrder: options.rangeOrder });
  const poller: Poller = options.naive
    ? naivePoller(field, config.pageSize)
    : (snapshot, io, pollOptions) => runPoll(config, snapshot, io, pollOptions);
  return { kommo, config, harness: new PollHarness(kommo, poller, field) };
}

/** History before the first poll: `count` records over the past two hours, `bursts` of 300 sharing one second. */
function seed(kommo: FakeKommo, count: number, bursts: number): number[] {
  const now = kommo.serverSecond;
  const burstSeconds: number[] = [];
  for (let b = 0; b < bursts; b += 1) {
    const second = now - 7200 + Math.floor(kommo.random() * 7000);
    kommo.create(300, second);
    burstSeconds.push(second);
  }
  const rest = count - 300 * bursts;
  for (let i = 0; i < rest; i += 1) kommo.create(1, now - 7200 + Math.floor(kommo.random() * 7100));
  return burstSeconds;
}

/** Life between two polls, one second at a time: single changes, sometimes a bulk edit or import of 300 in one second, deletions. */
function churn(kommo: FakeKommo, seconds: number): void {
  for (let s = 0; s < seconds; s += 1) {
    kommo.advance(1000);
    const roll = kommo.random();
    if (kommo.kind === 'events') {
      if (roll < 0.01) kommo.create(300);
      else if (roll < 0.6) kommo.create(1 + Math.floor(kommo.random() * 4));
      continue;
    }
    if (roll < 0.04) kommo.update(kommo.pick(300));
    else if (roll < 0.07) kommo.create(300);
    else if (roll < 0.5) kommo.update(kommo.pick(1 + Math.floor(kommo.random() * 5)));
    else if (roll < 0.65) kommo.create(1 + Math.floor(kommo.random() * 3));
    else if (roll < 0.7) kommo.remove(kommo.pick(1));
  }
}

/** Writes between two page requests of one poll (and, with `openSecond`, right after a query ran, in the open second). */
function changeWhilePaging(kommo: FakeKommo, openSecond = false): void {
  kommo.beforeRequest = () => {
    if (kommo.kind === 'events') {
      if (kommo.random() < 0.5) kommo.create(1 + Math.floor(kommo.random() * 3));
      return;
    }
    if (kommo.random() < 0.6) kommo.update(kommo.pick(1 + Math.floor(kommo.random() * 4)));
    if (kommo.random() < 0.2) kommo.remove(kommo.pick(1));
  };
  if (openSecond) {
    kommo.afterQuery = () => {
      if (kommo.kind === 'entities') kommo.update(kommo.pick(2));
      kommo.create(2);
    };
  }
}

function expectExactlyOnce(harness: PollHarness): void {
  const verdict = harness.verdict();
  expect({ lost: verdict.lost.length, repeated: verdict.repeated.length, phantom: verdict.phantom.length, outOfOrder: verdict.outOfOrder.length })
    .toEqual({ lost: 0, repeated: 0, phantom: 0, outOfOrder: 0 });
  expect(verdict.maxSnapshotBytes).toBeLessThanOrEqual(MAX_SNAPSHOT_BYTES);
}

/** The quiet end of every scenario: no more writes, Kommo's clock past the lag, poll until nothing is left. */
async function settle(kommo: FakeKommo, harness: PollHarness, options: { maxDataPages?: number } = {}): Promise<void> {
  kommo.beforeRequest = undefined;
  kommo.afterQuery = undefined;
  kommo.failOn = undefined;
  kommo.advance((LAG_SECONDS + 2) * 1000);
  await harness.drain(options);
}

const worstSnapshot = { bytes: 0 };
afterAll(() => {
  // The figure the report quotes: the largest snapshot any scenario wrote.
  console.log(`polling simulation: largest snapshot written ${worstSnapshot.bytes} bytes (limit ${MAX_SNAPSHOT_BYTES})`);
});
function noteSnapshot(harness: PollHarness): void {
  worstSnapshot.bytes = Math.max(worstSnapshot.bytes, harness.maxSnapshotBytes);
}

describe('20 polls over 2,000 changing objects (ties, bursts of 300, shuffled order, writes between pages)', () => {
  it.each`
    field           | clockOffsetSeconds | singlePage
    ${'updated_at'} | ${0}               | ${false}
    ${'updated_at'} | ${30}              | ${false}
    ${'updated_at'} | ${-30}             | ${false}
    ${'created_at'} | ${0}               | ${false}
    ${'updated_at'} | ${0}               | ${true}
  `('$field, Kommo clock $clockOffsetSeconds s, single page per poll: $singlePage', async ({ field, clockOffsetSeconds, singlePage }) => {
    const { kommo, harness } = setup({ field, clockOffsetSeconds, seed: 7 + clockOffsetSeconds });
    seed(kommo, 2000, 3);
    changeWhilePaging(kommo, true);
    const options = singlePage ? { maxDataPages: 1 } : {};
    for (let poll = 0; poll < 20; poll += 1) {
      await harness.poll(options);
      churn(kommo, 30 + Math.floor(kommo.random() * 60));
    }
    await settle(kommo, harness, options);
    expectExactlyOnce(harness);
    expect(harness.verdict().emitted).toBeGreaterThan(2000);
    expect(harness.polls.filter((p) => p.error)).toEqual([]);
    noteSnapshot(harness);
  });
});

describe('a collection Kommo sorts by id only (tasks): every closed range read in id order', () => {
  it.each`
    clockOffsetSeconds | singlePage | pageSize
    ${0}               | ${false}   | ${250}
    ${30}              | ${false}   | ${250}
    ${-30}             | ${false}   | ${250}
    ${0}               | ${true}    | ${250}
    ${0}               | ${false}   | ${40}
  `('20 polls over 2,000 changing objects, Kommo clock $clockOffsetSeconds s, single page: $singlePage, pageSize $pageSize', async ({ clockOffsetSeconds, singlePage, pageSize }) => {
    const { kommo, harness } = setup({ rangeOrder: 'id', clockOffsetSeconds, pageSize, seed: 90 + clockOffsetSeconds + pageSize });
    seed(kommo, 2000, 3);
    changeWhilePaging(kommo, true);
    const options = singlePage ? { maxDataPages: 1 } : {};
    for (let poll = 0; poll < 20; poll += 1) {
      await harness.poll(options);
      churn(kommo, 30 + Math.floor(kommo.random() * 60));
    }
    await settle(kommo, harness, options);
    expectExactlyOnce(harness);
    expect(harness.verdict().emitted).toBeGreaterThan(2000);
    expect(harness.polls.filter((p) => p.error)).toEqual([]);
    noteSnapshot(harness);
  });

  it('a poll failing on page 2 loses nothing', async () => {
    const { kommo, harness } = setup({ rangeOrder: 'id', pageSize: 100, seed: 95 });
    seed(kommo, 1000, 1);
    kommo.failOn = (n) => n === 2;
    expect((await harness.poll()).error).toBeInstanceOf(InjectedFailure);
    await settle(kommo, harness);
    expectExactlyOnce(harness);
  });
});

describe('300 objects sharing one second across a page boundary', () => {
  // `leaving`: records of the crowded second edited before every request (they jump to the open
  // second and shift the id order under the scan), drawn from `volatile` of them; the others stay
  // and must all be emitted. Above the windows' overlap (1 per 50 records) windows must step back.
  it.each`
    pageSize | atTie   | volatile | leaving | singlePage
    ${250}   | ${300}  | ${0}     | ${0}    | ${false}
    ${250}   | ${300}  | ${0}     | ${0}    | ${true}
    ${250}   | ${300}  | ${100}   | ${2}    | ${false}
    ${100}   | ${300}  | ${100}   | ${2}    | ${true}
    ${7}     | ${300}  | ${100}   | ${2}    | ${false}
    ${1}     | ${300}  | ${0}     | ${0}    | ${true}
    ${250}   | ${1000} | ${300}   | ${10}   | ${false}
    ${12}    | ${1000} | ${300}   | ${3}    | ${false}
    ${12}    | ${1000} | ${300}   | ${3}    | ${true}
  `('pageSize $pageSize, $atTie in one second, $leaving of $volatile leaving it per request, single page per poll: $singlePage', async ({ pageSize, atTie, volatile, leaving, singlePage }) => {
    const { kommo, harness } = setup({ pageSize, seed: 300 + pageSize + leaving });
    const tie = kommo.serverSecond - 100;
    kommo.create(20, tie - 1);
    kommo.create(atTie, tie);
    kommo.create(20, tie + 1);
    const movable = new Set(kommo.pick(volatile, kommo.keys(tie)));
    if (leaving > 0) kommo.beforeRequest = () => kommo.update(kommo.pick(leaving, kommo.keys(tie).filter((key) => movable.has(key))));
    const options = singlePage ? { maxDataPages: 1 } : {};
    for (let poll = 0; poll < (singlePage ? 30 : 3); poll += 1) await harness.poll(options);
    await settle(kommo, harness, options);
    expectExactlyOnce(harness);
    if (leaving === 0) expect(harness.emissions.filter((e) => e.at === tie)).toHaveLength(atTie);
    noteSnapshot(harness);
  });

  it('the naive `> last` poller loses some of them (the baseline the bench reports)', async () => {
    const lostBy: Record<string, string> = {};
    for (const singlePage of [false, true]) {
      const { kommo, harness } = setup({ naive: true, seed: 301 });
      const tie = kommo.serverSecond - 100;
      kommo.create(20, tie - 1);
      kommo.create(300, tie);
      kommo.create(20, tie + 1);
      await settle(kommo, harness, singlePage ? { maxDataPages: 1 } : {});
      const verdict = harness.verdict();
      lostBy[singlePage ? 'singlePage' : 'allPages'] = `${verdict.lost.length} lost and ${verdict.repeated.length} repeated`;
      expect(verdict.lost.length).toBeGreaterThan(0);
    }
    console.log(`naive poller, 300 objects in one second, pageSize 250: ${lostBy.allPages} reading all pages; ${lostBy.singlePage} with one page per poll`);
  });
});

describe('changes between two page requests of one poll', () => {
  it('records edited, created and deleted before every page request are neither lost nor repeated', async () => {
    const { kommo, harness } = setup({ pageSize: 50, seed: 11 });
    seed(kommo, 1500, 2);
    kommo.beforeRequest = () => {
      kommo.update(kommo.pick(5));
      kommo.remove(kommo.pick(2));
      kommo.create(3);
    };
    await harness.poll();
    expect(harness.polls[0].requests).toBeGreaterThan(30);
    await settle(kommo, harness);
    expectExactlyOnce(harness);
  });

  it('the naive poller, reading offset pages of a moving range, loses records', async () => {
    const { kommo, harness } = setup({ pageSize: 50, seed: 11, naive: true });
    seed(kommo, 1500, 2);
    kommo.beforeRequest = () => {
      kommo.update(kommo.pick(5));
    };
    await harness.poll();
    await settle(kommo, harness);
    expect(harness.verdict().lost.length).toBeGreaterThan(0);
  });
});

describe('Kommo\'s clock and the open second', () => {
  it.each([30, -30, 0])('Kommo %i s off our clock: writes stamped in the second a query ran in are emitted by a later poll, once', async (clockOffsetSeconds) => {
    const { kommo, harness } = setup({ clockOffsetSeconds, seed: 40 + clockOffsetSeconds });
    seed(kommo, 500, 1);
    changeWhilePaging(kommo, true);
    for (let poll = 0; poll < 10; poll += 1) {
      await harness.poll();
      const record = harness.polls[harness.polls.length - 1];
      // The poll's bound is Kommo's clock at its first answer minus the lag, never the open second.
      expect(record.result?.upperBound).toBeLessThanOrEqual(Math.floor(record.startMs / 1000) + 1 - LAG_SECONDS);
      kommo.advance(3000);
    }
    await settle(kommo, harness);
    expectExactlyOnce(harness);
  });

  it('bulk imports just before polls (first pages running past the bound)', async () => {
    const { kommo, harness } = setup({ seed: 45 });
    seed(kommo, 300, 0);
    await settle(kommo, harness);
    for (let cycle = 0; cycle < 10; cycle += 1) {
      for (let s = 0; s < 12; s += 1) {
        kommo.create(8);
        kommo.advance(1000);
      }
      await harness.poll();
      // 3 s later, after a burst: few records are left below the bound, so the first page runs
      // past it into the last seconds, whose writes are still committing.
      kommo.create(200);
      kommo.advance(1000);
      kommo.create(30);
      kommo.advance(1000);
      kommo.create(30);
      kommo.advance(1000);
      await harness.poll();
    }
    await settle(kommo, harness);
    expectExactlyOnce(harness);
  });

  it('the naive poller, reading up to "now", loses writes that land in the open second or commit late', async () => {
    const { kommo, harness } = setup({ seed: 41, naive: true });
    seed(kommo, 200, 0);
    // One write before each query and two right after it, in the same (open) second.
    kommo.beforeRequest = () => kommo.create(1);
    kommo.afterQuery = () => kommo.create(2);
    for (let poll = 0; poll < 5; poll += 1) {
      await harness.poll();
      churn(kommo, 5);
    }
    await settle(kommo, harness);
    expect(harness.verdict().lost.length).toBeGreaterThan(0);
  });
});

describe('a poll that fails on page 2', () => {
  it.each([false, true])('loses nothing and repeats nothing already checkpointed (single page per poll: %s)', async (singlePage) => {
    const { kommo, harness } = setup({ pageSize: 100, seed: 50 });
    seed(kommo, 1000, 1);
    kommo.failOn = (n) => n === 2;
    const options = singlePage ? { maxDataPages: 1 } : {};
    const failed = await harness.poll({ maxDataPages: 2 });
    expect(failed.error).toBeInstanceOf(InjectedFailure);
    expect(failed.snapshots).toBe(1);
    await settle(kommo, harness, options);
    expectExactlyOnce(harness);
  });

  it('a failure between the data and its snapshot repeats at most that page, and loses nothing', async () => {
    const { kommo, config } = setup({ pageSize: 100, seed: 51 });
    seed(kommo, 600, 1);
    // The snapshot after the second page of data is lost (the process died between the two).
    let pagesOfData = 0;
    let failed = false;
    const poller: Poller = (snapshot, io, options) => runPoll(config, snapshot, {
      ...io,
      emitPage: async (records) => {
        pagesOfData += 1;
        await io.emitPage(records);
      },
      saveSnapshot: async (s) => {
        if (pagesOfData === 2 && !failed) {
          failed = true;
          throw new InjectedFailure('snapshot lost');
        }
        await io.saveSnapshot(s);
      },
    }, options);
    const harness = new PollHarness(kommo, poller, 'updated_at');
    const first = await harness.poll();
    expect(first.error).toBeInstanceOf(InjectedFailure);
    await settle(kommo, harness);
    const verdict = harness.verdict();
    expect(verdict.lost).toEqual([]);
    expect(verdict.repeated.length).toBeGreaterThan(0);
    expect(verdict.repeated.length).toBeLessThanOrEqual(100);
  });
});

describe('events (string ids, created_at, 100 per page, never change)', () => {
  it.each`
    singlePage | pageSize
    ${false}   | ${100}
    ${true}    | ${100}
    ${false}   | ${30}
  `('20 polls over 2,000 events with bursts of 300 in one second (single page: $singlePage, pageSize $pageSize)', async ({ singlePage, pageSize }) => {
    const { kommo, harness } = setup({ kind: 'events', pageSize, seed: 60 + pageSize });
    seed(kommo, 2000, 2);
    changeWhilePaging(kommo, true);
    const options = singlePage ? { maxDataPages: 1 } : {};
    for (let poll = 0; poll < 20; poll += 1) {
      await harness.poll(options);
      churn(kommo, 30 + Math.floor(kommo.random() * 60));
    }
    await settle(kommo, harness, options);
    expectExactlyOnce(harness);
    expect(harness.polls.filter((p) => p.error)).toEqual([]);
    noteSnapshot(harness);
  });
});
