/**
 * Lookup Objects against the strict sandbox over real HTTP: the three emit modes with their caps,
 * pages built from Kommo pages, filters checked on the results (the `ignoreFilters` knob), order,
 * linked objects, the bad-input rules (errors before any request), the read-ahead window, and
 * what each costs in Kommo requests.
 */
import { KommoConfigError, KommoError } from '../../lib/client/errors';
import { createLookupObjects, getMetaModel, processAction as realAction } from '../../lib/actions/lookupObjects';
import type { Message } from '../../lib/context';
import { KommoFilterIgnoredError } from '../../lib/entities/listFilter';
import { recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const { sandbox, cfg } = useSandbox({ cfg: { objectType: 'leads' } });
const processAction = realAction.withDeps({ rateLimiter: null });

function list(fields: Record<string, unknown>, body: unknown) {
  const ctx = recordingContext();
  return { ctx, result: processAction.call(ctx, { body }, cfg(fields)) };
}

const requests = (): string[] => sandbox.requestLog.map((entry) => decodeURIComponent(entry.path));
const listRequests = (): string[] => requests().filter((path) => /^\/api\/v4\/leads\?/.test(path));
const dataBodies = (emitted: Array<{ event: string; payload: unknown }>) => emitted.filter((entry) => entry.event === 'data').map((entry) => (entry.payload as Message<{ id: number }>).body);

/** Creates `count` leads priced `price` through the sandbox's API, 250 per request; the log is cleared afterwards. */
async function createLeads(count: number, price: number): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < count; start += 250) {
    const items = Array.from({ length: Math.min(250, count - start) }, (_, index) => ({ name: `Bulk lead ${start + index}`, price }));
    const response = await fetch(`${sandbox.baseUrl}/api/v4/leads`, {
      method: 'POST', headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(items),
    });
    const body = await response.json() as { _embedded: { leads: Array<{ id: number }> } };
    ids.push(...body._embedded.leads.map((lead) => lead.id));
  }
  sandbox.requestLog.length = 0;
  return ids;
}

/** Warms the account model (field definitions, time zone) so that request counts show only the listing. */
async function warm(): Promise<void> {
  await list({ emitBehavior: 'emitAll' }, { filter: { id: 1000001 } }).result;
  sandbox.requestLog.length = 0;
}

describe('emitAll', () => {
  it('emits {results} with every match decorated, asking Kommo for maxResults + 1 at most', async () => {
    const ids = await createLeads(30, 777);
    await warm();
    const message = await list({ emitBehavior: 'emitAll' }, { filter: { price: 777 }, maxResults: 30 }).result;
    const results = (message?.body as { results: Array<Record<string, unknown>> }).results;
    expect(results.map((lead) => lead.id)).toEqual(ids);
    expect(results.every((lead) => lead.custom_fields_by_id !== undefined)).toBe(true);
    expect(requests()).toEqual(['/api/v4/leads?filter[price]=777&page=1&limit=31']);
  });

  it('no match is {results: []}', async () => {
    const message = await list({ emitBehavior: 'emitAll' }, { filter: { price: 123456 } }).result;
    expect(message?.body).toEqual({ results: [] });
  });

  it('more matches than maxResults fail the message, suggesting emitIndividually, and emit nothing', async () => {
    await createLeads(30, 777);
    const { ctx, result } = list({ emitBehavior: 'emitAll' }, { filter: { price: 777 }, maxResults: '29' });
    const error = await rejection(result);
    expect(error).toBeInstanceOf(KommoError);
    expect((error as Error).message).toBe('More than 29 leads match (maxResults is 29). Narrow the filter, raise maxResults (at most 10000), or choose "Emit individually" or "Emit page".');
    expect(ctx.emitted).toEqual([]);
  });

  it('maxResults above 10,000 is refused before any request, suggesting emitIndividually', async () => {
    const error = await rejection(list({ emitBehavior: 'emitAll' }, { maxResults: 10001 }).result);
    expect(error).toBeInstanceOf(KommoConfigError);
    expect((error as Error).message).toMatch(/^Maximum number of results \(maxResults\) is 10001, but "Emit all" sends at most 10000 objects in one message .* Choose "Emit individually"/);
    expect(sandbox.requestLog).toHaveLength(0);
  });

  it('the default cap is 1,000: 1,001 matches are refused after reading 1,001 objects in 5 pages', async () => {
    await createLeads(1001, 555);
    await warm();
    const error = await rejection(list({ emitBehavior: 'emitAll' }, { filter: { price: 555 } }).result);
    expect((error as Error).message).toMatch(/^More than 1000 leads match/);
    expect(listRequests().map((path) => path.replace(/^.*page=(\d+)&limit=(\d+).*$/, '$1/$2'))).toEqual(['1/250', '2/250', '3/250', '4/250', '5/250']);
  });
});

describe('emitPage', () => {
  it.each([
    [0, 50, 0, 50, false],
    [1, 50, 50, 100, false],
    [2, 50, 100, 120, true],
    [3, 50, 120, 120, true],
    [0, 120, 0, 120, true],
    [0, 119, 0, 119, false],
  ])('page %i of %i holds matches %i–%i, isLastPage %p, in one request', async (pageNumber, pageSize, from, to, isLastPage) => {
    const ids = await createLeads(120, 777);
    await warm();
    const message = await list({ emitBehavior: 'emitPage' }, { filter: { price: 777 }, pageNumber, pageSize }).result;
    expect(message?.body).toMatchObject({ pageNumber, pageSize, isLastPage });
    expect((message?.body as { results: Array<{ id: number }> }).results.map((lead) => lead.id)).toEqual(ids.slice(from, to));
    expect(listRequests()).toHaveLength(1);
  });

  it('a page of 1,000 is built from five Kommo pages', async () => {
    const ids = await createLeads(1200, 777);
    await warm();
    const message = await list({ emitBehavior: 'emitPage' }, { filter: { price: 777 }, pageSize: 1000, pageNumber: 0 }).result;
    expect((message?.body as { results: Array<{ id: number }> }).results.map((lead) => lead.id)).toEqual(ids.slice(0, 1000));
    expect(message?.body).toMatchObject({ isLastPage: false });
    expect(listRequests()).toHaveLength(5);
  });
});

describe('emitIndividually', () => {
  it('emits one message per object, in order, each awaited before the next, and returns no further message', async () => {
    const ids = await createLeads(600, 777);
    const ctx = recordingContext();
    let emitting = 0;
    let overlapped = false;
    ctx.emit = async (event: string, payload?: unknown) => {
      emitting += 1;
      if (emitting > 1) overlapped = true;
      await new Promise((resolve) => setImmediate(resolve));
      ctx.emitted.push({ event, payload });
      emitting -= 1;
    };
    const result = await processAction.call(ctx, { body: { filter: { price: 777 } } }, cfg({ emitBehavior: 'emitIndividually' }));
    expect(result).toBeUndefined();
    expect(overlapped).toBe(false);
    expect(dataBodies(ctx.emitted).map((body) => body.id)).toEqual(ids);
    expect(ctx.emitted.every((entry) => entry.event === 'data')).toBe(true);
  });

  it('stops at maxResults, asking Kommo only for that many', async () => {
    const ids = await createLeads(30, 777);
    await warm();
    const { ctx, result } = list({ emitBehavior: 'emitIndividually' }, { filter: { price: 777 }, maxResults: 10 });
    await result;
    expect(dataBodies(ctx.emitted).map((body) => body.id)).toEqual(ids.slice(0, 10));
    expect(requests()).toEqual(['/api/v4/leads?filter[price]=777&page=1&limit=10']);
  });

  it('no match emits no message', async () => {
    const { ctx, result } = list({ emitBehavior: 'emitIndividually' }, { filter: { price: 123456 } });
    expect(await result).toBeUndefined();
    expect(ctx.emitted).toEqual([]);
  });

  it('reads at most 7 Kommo pages ahead of the emitter, whatever the result size', async () => {
    await createLeads(2500, 777);
    await warm();
    const ctx = recordingContext();
    let release: () => void = () => undefined;
    let emitted = 0;
    ctx.emit = async () => {
      emitted += 1;
      if (emitted === 1) await new Promise<void>((resolve) => { release = resolve; });
    };
    const running = processAction.call(ctx, { body: { filter: { price: 777 } } }, cfg({ emitBehavior: 'emitIndividually' }));
    // While the first object's message is pending, the pages read are page 1 and the window ahead.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(listRequests().length).toBeLessThanOrEqual(1 + 2);
    release();
    await running;
    expect(emitted).toBe(2500);
    const pages = listRequests().map((path) => Number(/page=(\d+)/.exec(path)?.[1]));
    expect(Math.max(...pages)).toBeLessThanOrEqual(11 + 7);
  });
});

describe('filters are checked on what Kommo answers', () => {
  it.each(['emitAll', 'emitPage', 'emitIndividually'])('%s: an account that ignores filters fails the message and emits nothing', async (emitBehavior) => {
    sandbox.configure({ ignoreFilters: true });
    const { ctx, result } = list({ emitBehavior }, { filter: { price: { from: 10000 } } });
    const error = await rejection(result);
    expect(error).toBeInstanceOf(KommoFilterIgnoredError);
    expect((error as Error).message).toMatch(/^Kommo answered 3 leads that do not satisfy the filter, e\.g\. lead 1000002 \(price\), lead 1000003 \(price\), lead 1000005 \(price\): this Kommo account seems to ignore API filters/);
    expect(ctx.emitted).toEqual([]);
  });

  it('the same filter on an account that applies it passes', async () => {
    const message = await list({ emitBehavior: 'emitAll' }, { filter: { price: { from: 10000 } } }).result;
    expect((message?.body as { results: Array<{ id: number }> }).results.map((lead) => lead.id)).toEqual([1000001, 1000004]);
  });

  it('custom fields by option label, stages, responsible users and ISO dates', async () => {
    const message = await list({ emitBehavior: 'emitAll' }, {
      filter: {
        custom_fields_values: { 710001: ['Website', 'Referral'] },
        statuses: [{ pipeline_id: 7000001, status_id: 7000012 }, { pipeline_id: 7000001, status_id: 7000013 }],
        responsible_user_id: [9000001, 9000002],
        updated_at: { from: '2000-01-01T00:00:00Z' },
      },
    }).result;
    expect((message?.body as { results: Array<{ id: number }> }).results.map((lead) => lead.id)).toEqual([1000001, 1000002]);
  });

  it('a custom field the account does not have is an error naming it', async () => {
    const error = await rejection(list({ emitBehavior: 'emitAll' }, { filter: { custom_fields_values: { 999: ['x'] } } }).result);
    expect(error).toBeInstanceOf(KommoConfigError);
    expect((error as Error).message).toMatch(/^filter\.custom_fields_values names a custom field 999 that leads in this Kommo account does not have/);
    expect(listRequests()).toEqual([]);
  });
});

describe('order, search and linked objects', () => {
  it('orders by the chosen key and direction, and reads linked objects in the same request', async () => {
    const message = await list({ emitBehavior: 'emitAll', linkedObjects: 'contacts' }, { orderBy: 'updated_at', orderDirection: 'desc' }).result;
    const results = (message?.body as { results: Array<{ updated_at: number; _embedded: Record<string, unknown> }> }).results;
    expect(results.map((lead) => lead.updated_at)).toEqual([...results.map((lead) => lead.updated_at)].sort((a, b) => b - a));
    expect(results[0]._embedded.contacts).toBeDefined();
    expect(listRequests()).toEqual(['/api/v4/leads?order[updated_at]=desc&with=contacts&page=1&limit=250']);
  });

  it('orderDirection alone orders by id', async () => {
    const message = await list({ emitBehavior: 'emitAll' }, { orderDirection: 'desc' }).result;
    expect((message?.body as { results: Array<{ id: number }> }).results.map((lead) => lead.id)).toEqual([1000005, 1000004, 1000003, 1000002, 1000001]);
  });

  it('passes the search text to Kommo (its search is fuzzy and is not re-checked)', async () => {
    const message = await list({ emitBehavior: 'emitAll' }, { query: 'acme' }).result;
    expect((message?.body as { results: Array<{ id: number }> }).results.map((lead) => lead.id)).toEqual([1000001]);
  });
});

describe('bad input is a clear error before any request', () => {
  it.each([
    ['an unknown emitBehavior', { emitBehavior: 'emitSome' }, {}, /Emit behavior must be one of emitAll, emitPage, emitIndividually; got "emitSome"/],
    ['no emitBehavior', {}, {}, /Emit behavior must be one of emitAll, emitPage, emitIndividually; got nothing/],
    ['an unknown object type', { objectType: 'deals', emitBehavior: 'emitAll' }, {}, /Object type must be one of/],
    ['a pageSize of 0', { emitBehavior: 'emitPage' }, { pageSize: 0 }, /Page size \(pageSize\) must be a whole number from 1 to 1000; got 0/],
    ['a pageSize of 1001', { emitBehavior: 'emitPage' }, { pageSize: '1001' }, /Page size \(pageSize\) must be a whole number from 1 to 1000; got "1001"/],
    ['a pageSize that is not a number', { emitBehavior: 'emitPage' }, { pageSize: 'ten' }, /Page size \(pageSize\) must be a whole number from 1 to 1000; got "ten"/],
    ['a negative pageNumber', { emitBehavior: 'emitPage' }, { pageNumber: -1 }, /Page number \(pageNumber\) must be a whole number from 0; got -1/],
    ['a maxResults that is not a number', { emitBehavior: 'emitIndividually' }, { maxResults: 'all' }, /maxResults\) must be a whole number from 1; got "all"/],
    ['pageSize with emitAll', { emitBehavior: 'emitAll' }, { pageSize: 10 }, /The input has a key this step does not read: "pageSize"/],
    ['maxResults with emitPage', { emitBehavior: 'emitPage' }, { maxResults: 10 }, /The input has a key this step does not read: "maxResults"/],
    ['an unknown filter key', { emitBehavior: 'emitAll' }, { filter: { status_id: 1 } }, /Filter key "status_id" is not supported for leads; the keys leads can be filtered by are id, name/],
    ['a filter value of the wrong type', { emitBehavior: 'emitAll' }, { filter: { price: { from: 'cheap' } } }, /filter\.price from cannot be text/],
    ['an order key the type does not have', { emitBehavior: 'emitAll' }, { orderBy: 'price' }, /Order by \(orderBy\) must be one of id, created_at, updated_at; got "price"/],
    ['a search on tasks', { objectType: 'tasks', emitBehavior: 'emitAll' }, { query: 'call' }, /The input has a key this step does not read: "query"/],
  ])('%s', async (_name, fields, body, message) => {
    const error = await rejection(list(fields, body).result);
    expect(error).toBeInstanceOf(KommoConfigError);
    expect((error as Error).message).toMatch(message);
    expect(sandbox.requestLog).toHaveLength(0);
  });
});

describe('Lookup Objects getMetaModel', () => {
  const meta = (fields: Record<string, unknown>) => getMetaModel.withDeps({ rateLimiter: null }).call(recordingContext(), cfg(fields));

  it('emitPage: paging fields in, {results, pageNumber, pageSize, isLastPage} out', async () => {
    const model = await meta({ emitBehavior: 'emitPage' });
    expect(Object.keys(model.in.properties)).toEqual(['query', 'filter', 'orderBy', 'orderDirection', 'pageSize', 'pageNumber']);
    expect(Object.keys(model.out.properties)).toEqual(['results', 'pageNumber', 'pageSize', 'isLastPage']);
    expect(model.out.properties.results.items?.properties?.custom_fields_by_id.properties?.['710001']).toMatchObject({ title: 'Deal source', enum: ['Website', 'Referral', 'Trade show'] });
  });

  it('emitIndividually: maxResults in, the object out; tasks have no search', async () => {
    const model = await meta({ objectType: 'tasks', emitBehavior: 'emitIndividually' });
    expect(Object.keys(model.in.properties)).toEqual(['filter', 'orderBy', 'orderDirection', 'maxResults']);
    expect(model.in.properties.orderBy.enum).toEqual(['id', 'created_at', 'complete_till']);
    expect(model.out.properties.text).toMatchObject({ type: 'string' });
    expect(sandbox.requestLog).toHaveLength(0);
  });
});

describe('the page-by-page variant', () => {
  it('emits the same objects with one page in flight at a time', async () => {
    const ids = await createLeads(600, 777);
    const sequential = createLookupObjects({ aheadPages: 0 }).withDeps({ rateLimiter: null });
    const ctx = recordingContext();
    await sequential.call(ctx, { body: { filter: { price: 777 } } }, cfg({ emitBehavior: 'emitIndividually' }));
    expect(dataBodies(ctx.emitted).map((body) => body.id)).toEqual(ids);
    expect(listRequests()).toHaveLength(3);
  });
});
