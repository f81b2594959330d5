/**
 * Get New and Updated Objects Polling against the strict sandbox: configuration errors before any
 * request, the message shape (custom_fields_by_id, linked objects, {results} pages), the order
 * data → snapshot, what a poll costs in Kommo requests, single page per interval, "Retrieve
 * sample", snapshots of other versions, tasks in id order, and getMetaModel. The exactly-once
 * guarantee under ties, shuffles, concurrent writes and skewed clocks is pollingGuarantees.spec.ts.
 */
import { KommoConfigError } from '../../lib/client/errors';
import { reset } from '../../lib/processScope';
import { getMetaModel, processTrigger } from '../../lib/triggers/getNewAndUpdatedObjectsPolling';
import { recordingContext, rejection } from '../helpers';
import { runStep, useWorld } from './world';

const world = useWorld();

const SEEDED_LEADS = [1000001, 1000002, 1000003, 1000004, 1000005]; // in updated_at order
const ids = (bodies: unknown[]): unknown[] => bodies.map((body) => (body as { id: unknown }).id);
const paths = (run: { requests: Array<{ path: string }> }): string[] => run.requests.map((entry) => entry.path.replace(/\?.*$/, ''));
const poll = (fields: Record<string, unknown>, snapshot: unknown = {}, env: NodeJS.ProcessEnv = {}) =>
  runStep(world, processTrigger, world.cfg({ objectType: 'leads', ...fields }), snapshot, { env });

describe('configuration: a clear error before any request, and no snapshot', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no object type', { objectType: '' }, /Object type must be one of leads, contacts, companies, tasks, customers; got nothing/],
    ['an unknown object type', { objectType: 'deals' }, /got "deals"/],
    ['tasks by created_at (Kommo has no such filter)', { objectType: 'tasks', timestampField: 'created_at' }, /Tasks cannot be polled by created_at: Kommo's tasks list has no created_at filter. Choose updated_at/],
    ['an unknown timestamp field', { timestampField: 'closed_at' }, /Timestamp field \(timestampField\) must be one of updated_at, created_at; got "closed_at"/],
    ['an unknown emit behavior', { emitBehavior: 'emitAll' }, /Emit behavior \(emitBehavior\) must be one of emitIndividually, emitPage/],
    ['a startTime that is no date', { startTime: 'yesterday' }, /startTime "yesterday" is not a date/],
    ['milliseconds as startTime', { startTime: 1772323200000 }, /too large for Unix seconds \(milliseconds\? divide by 1000\)/],
    ['an endTime before the startTime', { startTime: '2026-03-01', endTime: '2026-02-01' }, /endTime \(2026-02-01T00:00:00.000Z\) is before startTime/],
    ['page size 0', { pageSize: '0' }, /pageSize must be a whole number from 1 to 250, got "0"/],
    ['a linked object the type does not have', { linkedObjects: ['contacts', 'invoices'] }, /Linked objects "invoices" cannot be added to leads; choose from contacts, catalog_elements/],
    ['linked objects of a type that has none', { objectType: 'tasks', linkedObjects: 'leads' }, /Tasks have no linked objects to add/],
  ])('%s', async (_, fields, message) => {
    const run = await poll(fields, { v: 1, k: 'kept', c: 5 });
    expect(run.error).toBeInstanceOf(KommoConfigError);
    expect(String(run.error)).toMatch(message);
    expect(run.requests).toEqual([]);
    expect(run.events).toEqual([]);
  });
});

describe('a poll', () => {
  it('emits each object as Kommo returns it plus custom_fields_by_id, in timestamp order, then one snapshot', async () => {
    const run = await poll({});
    expect(run.error).toBeUndefined();
    expect(ids(run.data)).toEqual(SEEDED_LEADS);
    expect(run.events.at(-1)?.event).toBe('snapshot');
    expect(run.events.filter((entry) => entry.event === 'snapshot')).toHaveLength(1);
    const acme = run.data[0] as Record<string, unknown>;
    expect(acme).toMatchObject({ id: 1000001, name: 'Website redesign for Acme', custom_fields_by_id: { 710001: 'Website', 710003: 'ERP-5521' } });
    expect(acme.custom_fields_values).toEqual(expect.arrayContaining([expect.objectContaining({ field_id: 710003 })]));
    expect((run.data[3] as { custom_fields_by_id: Record<string, unknown> }).custom_fields_by_id['710002']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // One list page, the lead field definitions, and the account (its time zone, for the date field).
    expect(paths(run)).toEqual(['/api/v4/leads', '/api/v4/leads/custom_fields', '/api/v4/account']);
    expect(run.requests[0].path).toContain('order[updated_at]=asc');
  });

  it.each([
    ['warm caches', false],
    ['cold caches (a new container)', true],
  ])('with nothing new costs exactly one Kommo request (%s), and moves the snapshot', async (_, cold) => {
    const first = await poll({});
    world.clock.advance(60_000);
    if (cold) reset();
    const idle = await poll({}, first.snapshots.at(-1));
    expect(idle.data).toEqual([]);
    expect(idle.requests).toHaveLength(1);
    expect(idle.snapshots).toHaveLength(1);
    expect(idle.snapshots[0].c).toBe((first.snapshots.at(-1)?.c as number) + 60);
  });

  it('continues after a change: the changed object once, nothing else', async () => {
    const first = await poll({});
    world.clock.advance(60_000);
    await world.api('PATCH', '/api/v4/leads', [{ id: 1000002, name: 'Annual support contract (renewed)' }]);
    world.clock.advance(15_000);
    const next = await poll({}, first.snapshots.at(-1));
    expect(next.data).toEqual([expect.objectContaining({ id: 1000002, name: 'Annual support contract (renewed)', custom_fields_by_id: { 710001: 'Referral' } })]);
  });

  it('objects without custom-field values get custom_fields_by_id {} and cost no field definitions', async () => {
    const run = await poll({ startTime: new Date((world.clock.seconds - 1.5 * 86400) * 1000).toISOString() });
    expect(run.data).toEqual([expect.objectContaining({ id: 1000005, custom_fields_values: null, custom_fields_by_id: {} })]);
    expect(paths(run)).toEqual(['/api/v4/leads']);
  });

  it('emitPage: one {results} message per Kommo page (a full page leaves its last second to the next request)', async () => {
    const run = await poll({ emitBehavior: 'emitPage', pageSize: 3 });
    expect(run.data.map((body) => ids((body as { results: unknown[] }).results))).toEqual([[1000001, 1000002], [1000003, 1000004], [1000005]]);
    expect((run.data[0] as { results: Array<Record<string, unknown>> }).results[0].custom_fields_by_id).toEqual({ 710001: 'Website', 710003: 'ERP-5521' });
  });

  it('linkedObjects ride along as with= on every request', async () => {
    const run = await poll({ linkedObjects: ['contacts'], pageSize: 3 });
    expect(run.requests.filter((entry) => entry.path.startsWith('/api/v4/leads?')).every((entry) => entry.path.includes('with=contacts'))).toBe(true);
    expect((run.data[0] as { _embedded: Record<string, unknown> })._embedded.contacts).toEqual(expect.arrayContaining([expect.objectContaining({ id: 2000001 })]));
  });

  it('created_at: new objects only, a change does not bring one back', async () => {
    const first = await poll({ timestampField: 'created_at' });
    expect(ids(first.data)).toEqual([1000004, 1000001, 1000002, 1000003, 1000005]);
    world.clock.advance(60_000);
    await world.api('PATCH', '/api/v4/leads', [{ id: 1000002, name: 'Changed' }]);
    await world.api('POST', '/api/v4/leads', [{ name: 'Brand new' }]);
    world.clock.advance(15_000);
    const next = await poll({ timestampField: 'created_at' }, first.snapshots.at(-1));
    expect(next.data).toEqual([expect.objectContaining({ name: 'Brand new' })]);
  });

  it('singlePagePerInterval: one page of data per poll, the next poll continues', async () => {
    let snapshot: unknown = {};
    const pages: unknown[][] = [];
    for (let i = 0; i < 4; i += 1) {
      const run = await poll({ singlePagePerInterval: true, pageSize: 3 }, snapshot);
      pages.push(ids(run.data));
      snapshot = run.snapshots.at(-1);
      world.clock.advance(60_000);
    }
    expect(pages).toEqual([[1000001, 1000002], [1000003, 1000004], [1000005], []]);
  });

  it('endTime: nothing after it, and no request once the cursor passed it', async () => {
    const endTime = new Date((world.clock.seconds - 2.5 * 86400) * 1000).toISOString();
    const first = await poll({ endTime });
    expect(ids(first.data)).toEqual([1000001, 1000002, 1000003]);
    const after = await poll({ endTime }, first.snapshots.at(-1));
    expect(after.requests).toEqual([]);
    expect(after.events).toEqual([]);
  });

  it('a snapshot of another trigger version, type or startTime is not trusted: the poll starts from startTime and says why', async () => {
    for (const stored of [{ lastModified: '2026-01-01T00:00:00Z', lastId: 7 }, { v: 1, k: 'other', c: 1 }, { v: 2, c: 5 }]) {
      const run = await poll({}, stored);
      expect(ids(run.data)).toEqual(SEEDED_LEADS);
      expect(run.logs.map((line) => line.text).filter((text) => !text.startsWith('Kommo GET'))).toEqual([expect.stringMatching(/^Polling leads from startTime 1970-01-01T00:00:00Z: the stored snapshot was not used \((other format|other scope or startTime)\)$/)]);
    }
  });

  it('a poll that fails keeps the snapshot of the pages before the failure (and emits nothing after it)', async () => {
    let failed = false;
    const run = await runStep(world, processTrigger, world.cfg({ objectType: 'leads', pageSize: 3 }), {}, {
      beforeRequest: (n) => {
        if (n === 2 && !failed) {
          failed = true;
          world.kommo.injectFault('/api/v4/leads', { kind: 'status', status: 500 });
        }
      },
    });
    expect(run.error).toBeDefined();
    expect(run.events.map((entry) => entry.event)).toEqual(['data', 'data', 'snapshot']);
  });
});

describe('"Retrieve sample" (ELASTICIO_FLOW_TYPE=debug)', () => {
  const debug = { ELASTICIO_FLOW_TYPE: 'debug' };

  it('emits at most one page and no snapshot', async () => {
    const run = await poll({ pageSize: 3 }, {}, debug);
    expect(ids(run.data)).toEqual([1000001, 1000002]);
    expect(run.snapshots).toEqual([]);
  });

  it('says so when there is nothing, and writes no snapshot', async () => {
    const run = await poll({ startTime: new Date(world.clock.ms - 3600_000).toISOString() }, {}, debug);
    expect(String(run.error)).toMatch(/^KommoError: Retrieve sample found no leads with updated_at from 2026-03-01T23:00:00Z to 2026-03-01T23:59:50Z \(Kommo's clock minus 10 s\)\. Create or change one in Kommo/);
    expect(run.events).toEqual([]);
  });
});

describe('tasks: Kommo sorts them by id, created_at and complete_till only (docs/kommo-api.md §5)', () => {
  it('are read in id order over the closed range, every change once', async () => {
    const first = await poll({ objectType: 'tasks', pageSize: 1 });
    expect(ids(first.data)).toEqual([4000001, 4000002]);
    expect(first.requests.every((entry) => entry.path.includes('order[id]=asc'))).toBe(true);
    expect(paths(first).every((path) => path === '/api/v4/tasks')).toBe(true);
    world.clock.advance(60_000);
    await world.api('PATCH', '/api/v4/tasks', [{ id: 4000001, text: 'Call Maria again' }]);
    world.clock.advance(15_000);
    const next = await poll({ objectType: 'tasks', pageSize: 1 }, first.snapshots.at(-1));
    expect(next.data).toEqual([expect.objectContaining({ id: 4000001, text: 'Call Maria again' })]);
    expect(next.data[0]).toHaveProperty('custom_fields_by_id', {});
  });
});

describe('getMetaModel', () => {
  const meta = (fields: Record<string, unknown>) => getMetaModel.withDeps({ rateLimiter: null }).call(recordingContext(), world.cfg(fields) as never);

  it('out: the type\'s object with one property per custom field of the account, for one pass over the field pages', async () => {
    const model = await meta({ objectType: 'leads' });
    expect(model.in).toEqual({ type: 'object', properties: {} });
    expect(model.out.properties.id).toMatchObject({ type: 'number', required: true });
    expect(model.out.properties.custom_fields_by_id.properties?.['710003']).toMatchObject({ title: expect.any(String) });
    expect(world.kommo.requestLog.map((entry) => entry.path.replace(/\?.*$/, ''))).toEqual(['/api/v4/leads/custom_fields']);
  });

  it('emitPage: {results: [object]}', async () => {
    const model = await meta({ objectType: 'contacts', emitBehavior: 'emitPage' });
    expect(Object.keys(model.out.properties)).toEqual(['results']);
    expect(model.out.properties.results.items?.properties?.custom_fields_by_id).toBeDefined();
  });

  it('a bad configuration is an error before any request', async () => {
    expect(String(await rejection(meta({ objectType: 'leads', emitBehavior: 'all' })))).toMatch(/emitBehavior/);
    expect(world.kommo.requestLog).toEqual([]);
  });
});
