/**
 * A step page (`pageSize` 1–1,000, `pageNumber` from 0) mapped onto Kommo pages (`limit` ≤ 250,
 * `page` from 1): the span must cover the page and the one result after it, with as few Kommo
 * pages as possible.
 */
import { kommoPagesFor, type KommoPageSpan } from '../../lib/entities/resultPages';

/** Result indexes (from 0) a span reads. */
function covered(span: KommoPageSpan): [number, number] {
  const first = (span.firstPage - 1) * span.limit;
  return [first, first + span.pages * span.limit - 1];
}

describe('kommoPagesFor', () => {
  it.each([
    // pageNumber, pageSize → limit, firstPage, pages, skip
    [0, 50, { limit: 51, firstPage: 1, pages: 1, skip: 0 }],
    [1, 50, { limit: 101, firstPage: 1, pages: 1, skip: 50 }],
    [0, 249, { limit: 250, firstPage: 1, pages: 1, skip: 0 }],
    [0, 250, { limit: 126, firstPage: 1, pages: 2, skip: 0 }],
    [0, 1000, { limit: 201, firstPage: 1, pages: 5, skip: 0 }],
    [3, 1000, { limit: 211, firstPage: 15, pages: 5, skip: 46 }],
  ])('page %i of %i', (pageNumber, pageSize, expected) => {
    expect(kommoPagesFor(pageNumber, pageSize)).toEqual(expected);
  });

  it('always covers the page and the result after it, in the fewest Kommo pages of at most 250', () => {
    for (const pageSize of [1, 2, 7, 49, 50, 51, 100, 125, 250, 251, 333, 500, 999, 1000]) {
      for (const pageNumber of [0, 1, 2, 3, 7, 10, 99, 1234]) {
        const span = kommoPagesFor(pageNumber, pageSize);
        const [from, to] = covered(span);
        const start = pageNumber * pageSize;
        expect(span.limit).toBeLessThanOrEqual(250);
        expect(from).toBeLessThanOrEqual(start);
        expect(to).toBeGreaterThanOrEqual(start + pageSize);
        expect(span.skip).toBe(start - from);
        // No span of 250-result pages can do with fewer requests than the lower bound.
        expect(span.pages).toBeLessThanOrEqual(Math.floor((start + pageSize) / 250) - Math.floor(start / 250) + 1);
        expect(span.pages).toBeGreaterThanOrEqual(Math.ceil((pageSize + 1) / 250));
      }
    }
  });
});
