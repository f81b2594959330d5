/**
 * A page of results as a step offers it (`pageSize` 1–1,000, `pageNumber` from 0) mapped onto
 * Kommo's pages (`limit` 1–250, `page` from 1): which Kommo pages to read so that one step page
 * costs as few requests as Kommo's paging allows (one, when the step page fits in one Kommo
 * page), and one result more than the page, to tell whether it is the last (Kommo gives no total).
 */
import { MAX_PAGE_SIZE } from '../client/KommoClient';

/** Kommo pages holding one step page and the result after it. */
export interface KommoPageSpan {
  /** The `limit` of every Kommo page read. */
  limit: number;
  /** The first Kommo page (from 1). */
  firstPage: number;
  /** How many Kommo pages to read. */
  pages: number;
  /** Results of the first Kommo page that come before the step page. */
  skip: number;
}

/**
 * The fewest Kommo pages covering results `pageNumber × pageSize` to `(pageNumber + 1) × pageSize`
 * (the last one tells whether more follow); among spans with as few pages, the one reading the
 * fewest results.
 */
export function kommoPagesFor(pageNumber: number, pageSize: number): KommoPageSpan {
  const start = pageNumber * pageSize;
  const end = start + pageSize; // index of the one result after the page
  let best: KommoPageSpan | undefined;
  for (let limit = 1; limit <= MAX_PAGE_SIZE; limit += 1) {
    const first = Math.floor(start / limit);
    const pages = Math.floor(end / limit) - first + 1;
    if (best === undefined || pages < best.pages || (pages === best.pages && pages * limit < best.pages * best.limit)) {
      best = { limit, firstPage: first + 1, pages, skip: start - first * limit };
    }
  }
  return best as KommoPageSpan;
}
