/**
 * Create or Update Objects against the strict sandbox over real HTTP: chunks and their request
 * counts, `request_id` mapping, both 400 shapes failing only the items they name (the rest sent
 * once more), a chunk Kommo does not confirm reported `unknown` and never sent again, and item
 * failures as data.
 */
import { getMetaModel, processAction as realAction } from '../../lib/actions/createOrUpdateObjects';
import { KommoConfigError } from '../../lib/client/errors';
import { recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const DEAL_SOURCE = 710001;
const LOSS_REASON = 6900001;

const { sandbox, cfg } = useSandbox({ cfg: { retries: 2, objectType: 'leads' } });
const action = realAction.withDeps({ rateLimiter: null, sleep: async () => undefined });

interface Output {
  results: Array<{ index: number; id?: number; action: string; error?: string }>;
  created: number;
  updated: number;
  failed: number;
  unknown: number;
}

async function batch(objects: unknown, extra: Record<string, unknown> = {}): Promise<Output> {
  const message = await action.call(recordingContext(), { body: { objects } }, cfg(extra));
  return message?.body as Output;
}

async function warm(): Promise<void> {
  await batch([{ name: 'warm-up' }]);
  sandbox.requestLog.length = 0;
}

const writes = () => sandbox.requestLog.filter((entry) => entry.method !== 'GET');
const leadNamed = (name: string) => sandbox.entities('leads').filter((lead) => lead.name === name);
const names = (count: number, prefix: string) => Array.from({ length: count }, (_, index) => ({ name: `${prefix}-${index}` }));

describe('chunks and request_id', () => {
  it('250 creates go as 5 requests of 50 with warm caches, each result mapped to its own lead', async () => {
    await warm();
    const out = await batch(names(250, 'bulk'));
    expect(sandbox.requestLog.map((entry) => `${entry.method} ${entry.path}`)).toEqual(Array(5).fill('POST /api/v4/leads'));
    expect(sandbox.requestLog.map((entry) => (entry.body as unknown[]).length)).toEqual([50, 50, 50, 50, 50]);
    expect(out).toMatchObject({ created: 250, updated: 0, failed: 0, unknown: 0 });
    for (const result of out.results) {
      expect(sandbox.entities('leads').find((lead) => lead.id === result.id)?.name).toBe(`bulk-${result.index}`);
    }
  });

  it('the chunk size is an option from 1 to 250', async () => {
    await warm();
    await batch(names(250, 'big'), { batchSize: '250' });
    expect(writes()).toHaveLength(1);
    sandbox.requestLog.length = 0;
    await batch(names(3, 'small'), { batchSize: 1 });
    expect(writes()).toHaveLength(3);
    for (const size of [0, 251, 2.5, 'many']) {
      const error = await rejection(batch(names(1, 'x'), { batchSize: size }));
      expect(String(error)).toMatch(/Items per request must be .*1.*250/);
    }
  });

  it('updates items with an id and creates the others, answering in item order', async () => {
    const out = await batch([{ name: 'new-one' }, { id: 1000001, price: 4321 }, { id: '1000002', name: 'renamed' }, { name: 'new-two' }]);
    expect(out.results.map((result) => result.action)).toEqual(['created', 'updated', 'updated', 'created']);
    expect(out.results[1]).toEqual({ index: 1, id: 1000001, action: 'updated' });
    expect(sandbox.entities('leads').find((lead) => lead.id === 1000001)).toMatchObject({ price: 4321 });
    expect(writes().map((entry) => entry.method)).toEqual(['POST', 'PATCH']);
  });

  it('custom fields by label and tags go through the codec', async () => {
    const out = await batch([{ name: 'typed', custom_fields_by_id: { [DEAL_SOURCE]: 'Referral' }, tags_to_add: ['import'] }]);
    const lead = sandbox.entities('leads').find((candidate) => candidate.id === out.results[0].id);
    expect(JSON.stringify(lead?.custom_fields_values)).toContain('Referral');
    expect(JSON.stringify(lead?._embedded)).toContain('import');
  });
});

describe('item failures are data', () => {
  it('a 400 naming items (validation-errors) fails exactly those with Kommo\'s reason and resubmits the rest once', async () => {
    const objects = names(10, 'mixed');
    objects[2] = { ...objects[2], responsible_user_id: 12345 } as typeof objects[number];
    objects[7] = { ...objects[7], status_id: 777 } as typeof objects[number];
    await warm();
    const out = await batch(objects);
    expect(out).toMatchObject({ created: 8, failed: 2, updated: 0, unknown: 0 });
    expect(out.results[2]).toMatchObject({ action: 'failed', error: expect.stringContaining('responsible_user_id NotSupportedChoice') });
    expect(out.results[7]).toMatchObject({ action: 'failed', error: expect.stringContaining('status_id NotSupportedChoice') });
    expect(writes().map((entry) => (entry.body as unknown[]).length)).toEqual([10, 8]);
    expect(leadNamed('mixed-2')).toHaveLength(0);
    expect(leadNamed('mixed-3')).toHaveLength(1);
  });

  it('the errors-map shape fails the item it names (a loss reason on a lead that is not lost)', async () => {
    const out = await batch([{ name: 'ok-a' }, { name: 'not-lost', loss_reason_id: LOSS_REASON }, { id: 1000001, loss_reason_id: LOSS_REASON }, { name: 'ok-b' }]);
    expect(out.results.map((result) => result.action)).toEqual(['created', 'failed', 'failed', 'created']);
    expect(out.results[1].error).toContain('Loss reason can be specified only for lost lead');
    expect(out.results[2].error).toContain('Loss reason can be specified only for lost lead');
  });

  it('a chunk Kommo does not confirm (504 after applying) is unknown and never sent again; the other chunks go on', async () => {
    await warm();
    sandbox.injectFault('/api/v4/leads', { kind: 'status', status: 504, afterProcessing: true }, 1, 'POST');
    const out = await batch(names(120, 'storm'));
    expect(out).toMatchObject({ created: 70, unknown: 50, failed: 0 });
    expect(out.results.slice(0, 50).every((result) => result.action === 'unknown' && result.error?.includes('504'))).toBe(true);
    expect(writes()).toHaveLength(3);
    // Applied once, reported unknown: no duplicate from a replay.
    expect(leadNamed('storm-0')).toHaveLength(1);
  });

  it('a failure that is about the account (403) fails its chunk and leaves the later chunks unsent', async () => {
    sandbox.injectFault('/api/v4/leads', { kind: 'status', status: 403, body: '{"title":"Forbidden","status":403,"detail":"No rights"}', contentType: 'application/problem+json' }, 1, 'POST');
    const out = await batch(names(3, 'denied'), { batchSize: 1 });
    expect(out.results.map((result) => result.action)).toEqual(['failed', 'failed', 'failed']);
    expect(out.results[2].error).toMatch(/^Not sent: an earlier chunk failed \(Kommo answered 403/);
    expect(writes()).toHaveLength(1);
  });

  it('items with bad values fail before anything is sent; the good ones are written', async () => {
    const out = await batch([
      'not an object',
      { name: 'bad-price', price: 'lots' },
      { name: 'bad-key', prise: 1 },
      { id: -3, name: 'bad-id' },
      { name: 'bad-option', custom_fields_by_id: { [DEAL_SOURCE]: 'Billboard' } },
      { name: 'fine' },
    ]);
    expect(out.results.map((result) => result.action)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed', 'created']);
    expect(out.results[0].error).toMatch(/^objects\[0\] must be an object/);
    expect(out.results[1].error).toMatch(/^objects\[1\]\.price \(Sale value\) must be a number/);
    expect(out.results[2].error).toMatch(/^objects\[2\]: .*"prise"/);
    expect(out.results[3].error).toMatch(/^objects\[3\]\.id must be a positive whole number/);
    expect(out.results[4].error).toMatch(/^objects\[4\]: .*no option labelled/);
    expect(writes().map((entry) => (entry.body as unknown[]).length)).toEqual([1]);
  });

  it('a message whose items all failed is still data', async () => {
    const out = await batch([{ price: 'x' }]);
    expect(out).toEqual({ results: [expect.objectContaining({ index: 0, action: 'failed' })], created: 0, updated: 0, failed: 1, unknown: 0 });
    expect(writes()).toEqual([]);
  });

  it('an empty batch writes nothing', async () => {
    await expect(batch([])).resolves.toEqual({ results: [], created: 0, updated: 0, failed: 0, unknown: 0 });
    expect(writes()).toEqual([]);
  });
});

describe('bad messages fail before any request', () => {
  it.each([
    ['not an array', { name: 'x' }, /objects must be an array/],
    ['absent', undefined, /objects must be an array .*got nothing/],
  ])('objects %s', async (_, objects, message) => {
    const error = await rejection(batch(objects));
    expect(error).toBeInstanceOf(KommoConfigError);
    expect(String(error)).toMatch(message);
    expect(sandbox.requestLog).toEqual([]);
  });

  it('an unknown key at the top', async () => {
    const error = await rejection(action.call(recordingContext(), { body: { items: [] } }, cfg()));
    expect(String(error)).toMatch(/does not read: "items"/);
  });
});

describe('getMetaModel', () => {
  it('objects: items with id and the writable fields; out: results and counts', async () => {
    const meta = await getMetaModel.withDeps({ rateLimiter: null }).call(recordingContext(), cfg());
    const items = meta.in.properties.objects.items;
    expect(Object.keys(items?.properties ?? {}).slice(0, 3)).toEqual(['id', 'name', 'price']);
    expect(items?.properties?.custom_fields_by_id.properties?.[String(DEAL_SOURCE)]).toMatchObject({ title: 'Deal source' });
    expect(Object.keys(meta.out.properties)).toEqual(['results', 'created', 'updated', 'failed', 'unknown']);
  });
});
