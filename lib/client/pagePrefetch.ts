/**
 * Reads numbered pages ahead of their consumer, a bounded number at a time, and hands them over
 * in page order: the pager behind `KommoClient.paginate`.
 *
 * Why: a page costs one request's latency (hundreds of ms on Kommo), so reading page after page
 * reaches Kommo's 7 requests per second only when a page takes less than 1/7 s. With a few pages
 * in flight the client's rate limiter, not the latency, sets the pace: every fetch still goes
 * through the client and so waits for its permit like any other request (this module knows
 * nothing of the limiter).
 *
 * Bounds, so that reading ahead never costs what a sequential reader would not:
 * - Memory: at most `aheadPages` pages are held or in flight besides the one the consumer has.
 * - Requests: the first page is read alone, and the window grows (2, 4, … up to `aheadPages`)
 *   only while pages come back full; a listing of one page costs one request, and a longer one
 *   at most `aheadPages` requests past its end (Kommo gives no total, so the end is only known
 *   when a page is short, empty or 204).
 * - Failures: the first failed page (in page order) fails the listing when the consumer reaches
 *   it; pages fetched after it are dropped, and no fetch is left with an unobserved rejection.
 */

/** Reads one page: its items, or `undefined` when there is none (204). */
export type PageFetcher<T> = (page: number) => Promise<readonly T[] | undefined>;

/** Options of {@link prefetchPages}. */
export interface PrefetchOptions {
  /** The `limit` each page was asked with: a shorter page is the last one. */
  pageSize: number;
  /** The first page to read (Kommo counts from 1). */
  firstPage: number;
  /** Read at most this many pages. */
  maxPages: number;
  /**
   * Pages fetched ahead of the consumer at most (0: each page only when the consumer asks for it).
   * The window starts at 1 and doubles with every full page until it reaches this bound.
   */
  aheadPages: number;
}

type Settled<T> = { ok: true; items: readonly T[] | undefined } | { ok: false; error: unknown };

/**
 * Yields each page's items in page order, stopping after a page that is missing (204), empty or
 * shorter than `pageSize`, or after `maxPages` pages. See the module comment for the bounds.
 */
export async function* prefetchPages<T>(fetchPage: PageFetcher<T>, options: PrefetchOptions): AsyncGenerator<T[], void, undefined> {
  const { pageSize, firstPage, maxPages } = options;
  const aheadPages = Math.max(0, Math.floor(options.aheadPages));
  const endPage = firstPage + maxPages; // exclusive
  // Pages asked for and not yet handed over, in page order; each promise never rejects.
  const pending: Array<Promise<Settled<T>>> = [];
  let nextPage = firstPage;
  let window = 1;

  const launch = (): void => {
    const page = nextPage;
    nextPage += 1;
    pending.push(fetchPage(page).then((items) => ({ ok: true, items }), (error: unknown) => ({ ok: false, error })));
  };

  while (pending.length > 0 || nextPage < endPage) {
    if (pending.length === 0) launch();
    const settled = await (pending.shift() as Promise<Settled<T>>);
    if (!settled.ok) throw settled.error;
    const items = settled.items;
    if (items === undefined || items.length === 0) return;
    if (items.length < pageSize) {
      yield items as T[];
      return;
    }
    window = Math.min(aheadPages, window * 2);
    while (pending.length < window && nextPage < endPage) launch();
    yield items as T[];
  }
}
