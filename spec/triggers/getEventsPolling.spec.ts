/**
 * Get Events Polling against the sandbox's events journal: configuration errors before any
 * request, the filters sent (type, entity), events as Kommo returns them (string ids) and the
 * snapshot after them, the cost of an idle poll, single page per interval, "Retrieve sample".
 * The exactly-once guarantee under ties and shuffles is pollingGuarantees.spec.ts.
 */
import { KommoConfigError } from '../../lib/client/errors';
import { processTrigger } from '../../lib/triggers/getEventsPolling';
import { runStep, START_MS, useWorld } from './world';

const world = useWorld();

const poll = (fields: Record<string, unknown>, snapshot: unknown = {}, env: NodeJS.ProcessEnv = {}) =>
  runStep(world, processTrigger, world.cfg(fields), snapshot, { env });
const types = (bodies: unknown[]): string[] => bodies.map((body) => `${(body as { type: string }).type}:${(body as { entity_id: number }).entity_id}`);

/** A lead created, renamed a second later, and a contact created. */
async function someHistory(): Promise<void> {
  await world.api('POST', '/api/v4/leads', [{ name: 'Event lead' }]);
  world.clock.advance(1000);
  await world.api('PATCH', '/api/v4/leads', [{ id: 1000006, name: 'Event lead, renamed' }]);
  world.clock.advance(1000);
  await world.api('POST', '/api/v4/contacts', [{ name: 'Event contact' }]);
  world.clock.advance(20_000);
}

describe('configuration: a clear error before any request, and no snapshot', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown entity type', { entityType: 'deals' }, /Entity type \(entityType\) must be one of leads, contacts, companies, tasks, customers; got "deals"/],
    ['an unknown event type', { eventTypes: ['lead_added', 'lead_exploded'] }, /Event types "lead_exploded" are not Kommo event codes/],
    ['a per-field code with others', { eventTypes: ['custom_field_710001_value_changed', 'lead_added'] }, /must be the only event type: Kommo refuses it combined with others/],
    ['event types of another entity type', { entityType: 'leads', eventTypes: ['lead_added', 'contact_deleted'] }, /Event types contact_deleted never happen to leads \(entity type\)/],
    ['a bad startTime', { startTime: '2026-02-30' }, /startTime "2026-02-30" is not a calendar date and time/],
  ])('%s', async (_, fields, message) => {
    const run = await poll(fields, { v: 1, k: 'kept', c: 5 });
    expect(run.error).toBeInstanceOf(KommoConfigError);
    expect(String(run.error)).toMatch(message);
    expect(run.requests).toEqual([]);
    expect(run.events).toEqual([]);
  });
});

describe('a poll', () => {
  it('emits every event in created_at order as Kommo returns it (string ids), then the snapshot', async () => {
    await someHistory();
    const run = await poll({});
    expect(run.error).toBeUndefined();
    expect(types(run.data)).toEqual(['lead_added:1000006', 'name_field_changed:1000006', 'contact_added:2000005']);
    expect(run.data[0]).toMatchObject({ id: expect.stringMatching(/^[0-9a-z]{26}$/), entity_type: 'lead', created_at: START_MS / 1000 });
    expect(run.events.map((entry) => entry.event)).toEqual(['data', 'data', 'data', 'snapshot']);
    expect(run.requests).toHaveLength(1);
    expect(decodeURIComponent(run.requests[0].path)).toMatch(/^\/api\/v4\/events\?filter\[created_at\]\[from\]=0&order\[created_at\]=asc&page=1&limit=100$/);
  });

  it('filters by entity type and event types (filter[entity][], filter[type][])', async () => {
    await someHistory();
    const run = await poll({ entityType: 'leads', eventTypes: ['name_field_changed'] });
    expect(types(run.data)).toEqual(['name_field_changed:1000006']);
    expect(decodeURIComponent(run.requests[0].path)).toContain('filter[type][]=name_field_changed&filter[entity][]=lead&filter[created_at][from]=0');
  });

  it('an idle poll costs one request; a later event comes once', async () => {
    await someHistory();
    const first = await poll({});
    world.clock.advance(60_000);
    const idle = await poll({}, first.snapshots.at(-1));
    expect(idle.requests).toHaveLength(1);
    expect(idle.data).toEqual([]);
    await world.api('PATCH', '/api/v4/leads', [{ id: 1000001, name: 'Renamed once more' }]);
    world.clock.advance(15_000);
    const next = await poll({}, idle.snapshots.at(-1));
    expect(types(next.data)).toEqual(['name_field_changed:1000001']);
  });

  it('changing the event types starts over from startTime (another scope)', async () => {
    await someHistory();
    const first = await poll({ eventTypes: ['lead_added'] });
    const other = await poll({ eventTypes: ['contact_added'] }, first.snapshots.at(-1));
    expect(types(other.data)).toEqual(['contact_added:2000005']);
  });

  it('singlePagePerInterval: at most one page (100 events) per poll', async () => {
    world.clock.advance(-60_000);
    for (let batch = 0; batch < 3; batch += 1) {
      await world.api('POST', '/api/v4/leads', Array.from({ length: 50 }, (_, i) => ({ name: `Bulk ${batch}-${i}` })));
      world.clock.advance(1000);
    }
    world.clock.advance(60_000);
    const emitted: unknown[][] = [];
    let snapshot: unknown = {};
    for (let i = 0; i < 4; i += 1) {
      const run = await poll({ singlePagePerInterval: true, eventTypes: ['lead_added'] }, snapshot);
      emitted.push(run.data);
      snapshot = run.snapshots.at(-1);
    }
    // A full page over two seconds emits the first; its last second starts the next page.
    expect(emitted.map((data) => data.length)).toEqual([50, 50, 50, 0]);
    expect(new Set(emitted.flat().map((event) => (event as { id: string }).id)).size).toBe(150);
  });
});

describe('"Retrieve sample" (ELASTICIO_FLOW_TYPE=debug)', () => {
  it('emits at most one page, no snapshot', async () => {
    await someHistory();
    const run = await poll({}, {}, { ELASTICIO_FLOW_TYPE: 'debug' });
    expect(run.data).toHaveLength(3);
    expect(run.snapshots).toEqual([]);
  });

  it('says so when there is nothing', async () => {
    const run = await poll({ entityType: 'tasks' }, {}, { ELASTICIO_FLOW_TYPE: 'debug' });
    expect(String(run.error)).toMatch(/^KommoError: Retrieve sample found no events with created_at from 1970-01-01T00:00:00Z to 2026-03-01T23:59:50Z/);
    expect(run.events).toEqual([]);
  });
});
