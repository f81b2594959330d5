/**
 * The naive poller most connectors ship (docs/design.md "Polling guarantees" exists because of
 * it): remember the largest timestamp seen, next time ask `timestamp > last` (as
 * `filter[field][from] = last + 1`), walk offset pages 1, 2, … until a short page, read up to
 * "now". It is kept here as the baseline the bench and the simulation compare against.
 */
import type { PollQuery } from '../../lib/polling/cursor';
import type { FakeRecord } from './fakeKommo';
import type { Poller } from './harness';

/** A naive poller over `field` with pages of `pageSize`; `singlePagePerInterval` reads one page per poll. */
export function naivePoller(field: 'updated_at' | 'created_at', pageSize: number): Poller {
  return async (snapshot, io, options) => {
    const stored = (snapshot as { last?: unknown }).last;
    let last = typeof stored === 'number' ? stored : -1;
    const from = last + 1;
    let upperBound: number | null = null;
    let caughtUp = false;
    for (let page = 1; ; page += 1) {
      const query: PollQuery = { filter: { [field]: { from } }, order: { [field]: 'asc' }, page, limit: pageSize };
      const answer = await io.fetchPage(query);
      upperBound ??= answer.serverNowSeconds;
      if (answer.records.length > 0) await io.emitPage(answer.records);
      for (const record of answer.records as FakeRecord[]) last = Math.max(last, record[field] ?? last);
      caughtUp = answer.records.length < pageSize;
      if (caughtUp || options.maxDataPages === 1) break;
    }
    if (!options.debug) await io.saveSnapshot({ last });
    return { upperBound, caughtUp };
  };
}
