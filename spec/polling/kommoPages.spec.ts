/**
 * The polling triggers' one request: 204 as an empty page, Kommo's clock from the Date header,
 * with= on every request, and answers that are not a list refused.
 */
import type { KommoResponse } from '../../lib/client/KommoClient';
import type { KommoQuery } from '../../lib/client/query';
import { KommoError } from '../../lib/client/errors';
import type { PollQuery } from '../../lib/polling/cursor';
import { pageFetcher, serverSeconds } from '../../lib/polling/kommoPages';

const QUERY: PollQuery = { filter: { updated_at: { from: 5 } }, order: { updated_at: 'asc' }, page: 1, limit: 250 };
const DATE = 'Mon, 02 Mar 2026 10:00:07 GMT';

function client(answer: Partial<KommoResponse>): { get: (path: string, query?: KommoQuery) => Promise<KommoResponse>; calls: Array<[string, KommoQuery | undefined]> } {
  const calls: Array<[string, KommoQuery | undefined]> = [];
  return {
    calls,
    get: async (path, query) => {
      calls.push([path, query]);
      return { status: 200, statusText: 'OK', headers: { date: DATE }, body: undefined, ...answer };
    },
  };
}

describe('pageFetcher', () => {
  it.each`
    name                       | answer                                                              | records
    ${'a page'}                | ${{ body: { _embedded: { leads: [{ id: 1 }, { id: 2 }] } } }}      | ${[{ id: 1 }, { id: 2 }]}
    ${'204: an empty page'}    | ${{ status: 204, statusText: 'No Content' }}                       | ${[]}
    ${'an empty list'}         | ${{ body: { _embedded: { leads: [] } } }}                          | ${[]}
  `('$name, with Kommo\'s clock from the Date header', async ({ answer, records }) => {
    const fake = client(answer);
    const page = await pageFetcher(fake, { path: 'leads', embeddedKey: 'leads' })(QUERY);
    expect(page).toEqual({ records, serverNowSeconds: Date.UTC(2026, 2, 2, 10, 0, 7) / 1000 });
    expect(fake.calls).toEqual([['leads', QUERY]]);
  });

  it('sends with= when linked objects are asked for, and only then', async () => {
    const fake = client({ status: 204 });
    await pageFetcher(fake, { path: 'leads', embeddedKey: 'leads', with: ['contacts', 'catalog_elements'] })(QUERY);
    await pageFetcher(fake, { path: 'leads', embeddedKey: 'leads', with: [] })(QUERY);
    expect(fake.calls.map(([, query]) => query?.with)).toEqual([['contacts', 'catalog_elements'], undefined]);
  });

  it('refuses an answer that is not the list (nothing is emitted, the poll fails)', async () => {
    const fetch = pageFetcher(client({ body: { _embedded: { contacts: [] } } }), { path: 'leads', embeddedKey: 'leads' });
    await expect(fetch(QUERY)).rejects.toThrow(KommoError);
    await expect(fetch(QUERY)).rejects.toThrow('Kommo answered GET /api/v4/leads with 200 but no _embedded.leads list');
  });
});

describe('serverSeconds', () => {
  it.each`
    headers                              | seconds
    ${{ date: DATE }}                    | ${1772445607}
    ${{}}                                | ${Number.NaN}
    ${{ date: 'not a date' }}            | ${Number.NaN}
  `('$headers → $seconds', ({ headers, seconds }) => {
    expect(serverSeconds(headers)).toBe(seconds);
  });
});
