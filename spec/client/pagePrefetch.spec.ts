/**
 * prefetchPages: pages read ahead of the consumer within a bounded, slowly growing window, and
 * handed over in page order. The fetcher is scripted with promises the test settles itself, so
 * the order of answers is chosen and nothing waits in real time.
 */
import { prefetchPages, type PrefetchOptions } from '../../lib/client/pagePrefetch';

interface Deferred {
  page: number;
  resolve(items: number[] | undefined): void;
  reject(error: unknown): void;
}

/** A fetcher whose answers the test gives: `requests` lists every page asked for, in order. */
function scriptedFetcher() {
  const requests: Deferred[] = [];
  const fetchPage = (page: number): Promise<number[] | undefined> => new Promise((resolve, reject) => {
    requests.push({ page, resolve, reject });
  });
  const request = (page: number): Deferred => {
    const found = requests.find((entry) => entry.page === page);
    if (!found) throw new Error(`page ${page} was not requested; requested: ${requests.map((entry) => entry.page).join(',')}`);
    return found;
  };
  return { requests, fetchPage, request, asked: () => requests.map((entry) => entry.page) };
}

/** A full page of `size` ids for page `page`. */
const full = (page: number, size = 3): number[] => Array.from({ length: size }, (_, index) => (page - 1) * size + index + 1);

/** Lets every settled promise's continuations run (no timers). */
const drain = async (): Promise<void> => {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
};

const options = (overrides: Partial<PrefetchOptions> = {}): PrefetchOptions => ({ pageSize: 3, firstPage: 1, maxPages: 100, aheadPages: 4, ...overrides });

describe('prefetchPages', () => {
  it('reads the first page alone, then widens the window 2, 4 while pages come back full, never past aheadPages', async () => {
    const fetcher = scriptedFetcher();
    const pages = prefetchPages(fetcher.fetchPage, options());
    const first = pages.next();
    await drain();
    expect(fetcher.asked()).toEqual([1]);
    fetcher.request(1).resolve(full(1));
    expect((await first).value).toEqual([1, 2, 3]);
    // While the consumer holds page 1, two pages are in flight.
    expect(fetcher.asked()).toEqual([1, 2, 3]);
    const second = pages.next();
    fetcher.request(2).resolve(full(2));
    expect((await second).value).toEqual([4, 5, 6]);
    // Window 4: pages 3–6 asked, with page 3 still unanswered.
    expect(fetcher.asked()).toEqual([1, 2, 3, 4, 5, 6]);
    const third = pages.next();
    fetcher.request(3).resolve(full(3));
    await third;
    expect(fetcher.asked()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await pages.return(undefined);
  });

  it('hands pages over in page order whatever order the answers arrive in', async () => {
    const fetcher = scriptedFetcher();
    const seen: number[][] = [];
    const consumed = (async () => {
      for await (const page of prefetchPages(fetcher.fetchPage, options({ maxPages: 5 }))) seen.push(page);
    })();
    await drain();
    fetcher.request(1).resolve(full(1));
    await drain();
    fetcher.request(3).resolve(full(3));
    fetcher.request(2).resolve(full(2));
    await drain();
    for (const page of [5, 4]) fetcher.request(page).resolve(full(page));
    await consumed;
    expect(seen).toEqual([full(1), full(2), full(3), full(4), full(5)]);
    expect(fetcher.asked()).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    ['a short page', [1, 2]],
    ['an empty page', []],
    ['a 204 (no page)', undefined],
  ] as Array<[string, number[] | undefined]>)('stops at %s and asks for at most aheadPages pages past the end', async (_name, last) => {
    const fetcher = scriptedFetcher();
    const seen: number[][] = [];
    const consumed = (async () => {
      for await (const page of prefetchPages(fetcher.fetchPage, options({ aheadPages: 4 }))) seen.push(page);
    })();
    for (let page = 1; page <= 4; page += 1) {
      await drain();
      fetcher.request(page).resolve(full(page));
    }
    await drain();
    fetcher.request(5).resolve(last);
    await consumed;
    expect(seen).toEqual([full(1), full(2), full(3), full(4), ...(last && last.length > 0 ? [last] : [])]);
    const pastTheEnd = fetcher.asked().filter((page) => page > 5);
    expect(pastTheEnd.length).toBeLessThanOrEqual(4);
    for (const page of pastTheEnd) fetcher.request(page).resolve(undefined);
  });

  it('with aheadPages 0 reads each page only when asked: a consumer that stops after one page costs one request', async () => {
    const fetcher = scriptedFetcher();
    const pages = prefetchPages(fetcher.fetchPage, options({ aheadPages: 0 }));
    const first = pages.next();
    await drain();
    fetcher.request(1).resolve(full(1));
    await first;
    await drain();
    expect(fetcher.asked()).toEqual([1]);
    await pages.return(undefined);
    expect(fetcher.asked()).toEqual([1]);
  });

  it('never asks for more than maxPages pages, starting at firstPage', async () => {
    const fetcher = scriptedFetcher();
    const seen: number[][] = [];
    const consumed = (async () => {
      for await (const page of prefetchPages(fetcher.fetchPage, options({ firstPage: 3, maxPages: 3 }))) seen.push(page);
    })();
    for (let page = 3; page <= 5; page += 1) {
      await drain();
      fetcher.request(page).resolve(full(page));
    }
    await consumed;
    expect(fetcher.asked()).toEqual([3, 4, 5]);
    expect(seen).toHaveLength(3);
  });

  it('fails at the first failed page in page order, after the pages before it, and leaves no rejection unobserved', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const fetcher = scriptedFetcher();
      const seen: number[][] = [];
      const consumed = (async () => {
        for await (const page of prefetchPages(fetcher.fetchPage, options())) seen.push(page);
      })();
      await drain();
      fetcher.request(1).resolve(full(1));
      await drain();
      // Page 3 fails first, then page 2 answers; pages after 3 fail too.
      fetcher.request(3).reject(new Error('page 3 failed'));
      fetcher.request(2).resolve(full(2));
      await drain();
      for (const entry of fetcher.requests.filter((request) => request.page > 3)) entry.reject(new Error(`page ${entry.page} failed`));
      await expect(consumed).rejects.toThrow('page 3 failed');
      expect(seen).toEqual([full(1), full(2)]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a consumer that stops early leaves the pages in flight observed, even when they fail later', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const fetcher = scriptedFetcher();
      const pages = prefetchPages(fetcher.fetchPage, options());
      const first = pages.next();
      await drain();
      fetcher.request(1).resolve(full(1));
      expect((await first).value).toEqual(full(1));
      await pages.return(undefined);
      for (const entry of fetcher.requests.slice(1)) entry.reject(new Error('too late'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(fetcher.asked()).toEqual([1, 2, 3]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
