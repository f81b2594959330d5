/**
 * KommoClient.paginate against a real HTTP server on 127.0.0.1 that pages like Kommo: `page`
 * from 1, `limit` items per page, 204 past the end, and a `_links.next` on every page (Kommo
 * sends one even when nothing follows) that points at another server, which must never be asked.
 */
import { KommoConfigError, KommoError } from '../../lib/client/errors';
import { createKommoClient, KommoApi, MAX_PAGE_SIZE } from '../../lib/client/KommoClient';
import { reset } from '../../lib/processScope';
import { recordingContext, rejection } from '../helpers';
import { LoopbackServer, ReceivedRequest, ScriptedAnswer, startLoopbackServer } from './loopbackServer';

let kommo: LoopbackServer;
let elsewhere: LoopbackServer;

beforeAll(async () => {
  [kommo, elsewhere] = await Promise.all([startLoopbackServer(), startLoopbackServer()]);
});

afterAll(async () => {
  reset();
  await Promise.all([kommo.close(), elsewhere.close()]);
});

beforeEach(() => {
  kommo.received.length = 0;
  elsewhere.received.length = 0;
  elsewhere.handler = () => ({ status: 200, json: { _embedded: { leads: [{ id: 666 }] } } });
});

/** A Kommo list of `total` leads with ids 1…total; `afterLast` is what a page past the end answers. */
function leadList(total: number, afterLast: ScriptedAnswer = { status: 204 }): (request: ReceivedRequest) => ScriptedAnswer {
  return (request) => {
    const params = new URL(request.url, kommo.origin).searchParams;
    const page = Number(params.get('page') ?? '1');
    const limit = Number(params.get('limit') ?? '50');
    const ids = Array.from({ length: total }, (_, i) => i + 1).slice((page - 1) * limit, page * limit);
    if (ids.length === 0) return afterLast;
    return {
      status: 200,
      json: {
        _page: page,
        _links: { self: { href: `${kommo.origin}/api/v4/leads?page=${page}` }, next: { href: `${elsewhere.origin}/api/v4/leads?page=${page + 1}&limit=${limit}` } },
        _embedded: { leads: ids.map((id) => ({ id })) },
      },
    };
  };
}

function client(): Promise<KommoApi> {
  return createKommoClient({ oauth: { access_token: 'tok-paginate' }, baseUrl: kommo.origin, retries: 0 }, { logger: recordingContext().logger, rateLimiter: null });
}

async function pages(options: Parameters<KommoApi['paginate']>[1], path = 'leads'): Promise<number[][]> {
  const result: number[][] = [];
  for await (const page of (await client()).paginate<{ id: number }>(path, options)) result.push(page.map((lead) => lead.id));
  return result;
}

const sentPages = (): Array<[string | null, string | null]> => kommo.received.map((request) => {
  const params = new URL(request.url, kommo.origin).searchParams;
  return [params.get('page'), params.get('limit')];
});

describe('paginate', () => {
  it('yields one array per page in order, sending an explicit limit, and stops on a short page', async () => {
    kommo.handler = leadList(5);

    expect(await pages({ embeddedKey: 'leads', pageSize: 2 })).toEqual([[1, 2], [3, 4], [5]]);
    expect(sentPages()).toEqual([['1', '2'], ['2', '2'], ['3', '2']]);
    expect(kommo.received.every((request) => request.method === 'GET' && request.headers.authorization === 'Bearer tok-paginate')).toBe(true);
  });

  it('stops on 204 when the last page was full', async () => {
    kommo.handler = leadList(4);

    expect(await pages({ embeddedKey: 'leads', pageSize: 2 })).toEqual([[1, 2], [3, 4]]);
    expect(sentPages()).toEqual([['1', '2'], ['2', '2'], ['3', '2']]);
  });

  it('stops on an empty page', async () => {
    kommo.handler = leadList(2, { status: 200, json: { _page: 2, _embedded: { leads: [] } } });

    expect(await pages({ embeddedKey: 'leads', pageSize: 2 })).toEqual([[1, 2]]);
    expect(sentPages()).toEqual([['1', '2'], ['2', '2']]);
  });

  it('never follows _links.next, nor its host', async () => {
    kommo.handler = leadList(3);

    await pages({ embeddedKey: 'leads', pageSize: 1 });

    expect(kommo.received).toHaveLength(4);
    expect(elsewhere.received).toEqual([]);
  });

  it('stops after maxPages pages', async () => {
    kommo.handler = leadList(10);

    expect(await pages({ embeddedKey: 'leads', pageSize: 2, maxPages: 2 })).toEqual([[1, 2], [3, 4]]);
    expect(kommo.received).toHaveLength(2);
  });

  it('starts at firstPage', async () => {
    kommo.handler = leadList(5);

    expect(await pages({ embeddedKey: 'leads', pageSize: 2, firstPage: 2 })).toEqual([[3, 4], [5]]);
    expect(sentPages()).toEqual([['2', '2'], ['3', '2']]);
  });

  it('defaults to Kommo\'s largest page, and sends the query on every page', async () => {
    kommo.handler = leadList(300);

    const result = await pages({ embeddedKey: 'leads', query: { filter: { id: [1, 2] }, order: { id: 'asc' }, with: ['contacts'] } });

    expect(result.map((page) => page.length)).toEqual([MAX_PAGE_SIZE, 50]);
    expect(kommo.received.map((request) => request.url)).toEqual([1, 2].map((page) => `/api/v4/leads?filter[id][]=1&filter[id][]=2&order[id]=asc&with=contacts&page=${page}&limit=250`));
  });

  it('is lazy: a consumer that stops after the first page costs one request', async () => {
    kommo.handler = leadList(10);
    const api = await client();

    for await (const page of api.paginate('leads', { embeddedKey: 'leads', pageSize: 2 })) {
      expect(page).toHaveLength(2);
      break;
    }

    expect(kommo.received).toHaveLength(1);
  });

  it('with aheadPages reads later pages concurrently, still yields them in order, and asks at most aheadPages pages past the end', async () => {
    kommo.handler = leadList(20);

    const result = await pages({ embeddedKey: 'leads', pageSize: 2, aheadPages: 3 });

    expect(result.flat()).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    const asked = sentPages().map(([page]) => Number(page));
    expect(new Set(asked).size).toBe(asked.length);
    expect(Math.max(...asked)).toBeGreaterThanOrEqual(11);
    expect(Math.max(...asked)).toBeLessThanOrEqual(11 + 3);
  });

  it.each([-1, 9, 1.5])('refuses aheadPages %s (0 to 8)', async (aheadPages) => {
    const failure = await rejection(pages({ embeddedKey: 'leads', aheadPages }));
    expect(failure).toBeInstanceOf(KommoConfigError);
    expect(kommo.received).toHaveLength(0);
  });

  it('fails with a clear error when the page has no list under the embedded key', async () => {
    kommo.handler = leadList(3);

    const failure = await rejection(pages({ embeddedKey: 'contacts', pageSize: 2 }));

    expect(failure).toBeInstanceOf(KommoError);
    expect((failure as Error).message).toMatch(/GET \/api\/v4\/leads \(page 1\) with 200 but no _embedded\.contacts list/);
  });

  it.each([
    [{ pageSize: 0 }, /paginate pageSize must be a whole number from 1 to 250; got 0/],
    [{ pageSize: 251 }, /from 1 to 250; got 251/],
    [{ maxPages: 0 }, /paginate maxPages must be a whole number from 1; got 0/],
    [{ firstPage: 1.5 }, /paginate firstPage must be a whole number from 1; got 1\.5/],
  ])('refuses %j before any request', async (options, message) => {
    kommo.handler = leadList(3);

    const failure = await rejection(pages({ embeddedKey: 'leads', ...options }));

    expect(failure).toBeInstanceOf(KommoConfigError);
    expect((failure as Error).message).toMatch(message);
    expect(kommo.received).toEqual([]);
  });
});
