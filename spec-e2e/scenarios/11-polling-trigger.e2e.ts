/**
 * Scenario 11: the polling triggers in the real runtime. Sailor's run.js runs the trigger for a
 * tick message; its snapshot is read off the snapshot routing key; a fresh run.js, started with
 * that snapshot as the step's stored snapshot (as a new container gets it), continues without
 * repeats or gaps. Kommo's clock is the sandbox's, moved by hand: the trigger reads it from the
 * Date header, so nothing waits in real time for seconds to close.
 */
import { Rig } from '../harness/rig';
import { waitUntil } from '../harness/wait';

/** The sandbox's clock, held still while a tick runs. */
class Clock {
  ms = Date.UTC(2026, 2, 2, 12);
  readonly now = (): number => this.ms;
}

const LAG_SECONDS = 10;

async function api<T>(rig: Rig, method: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${rig.kommo.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${rig.kommo.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function createLeads(rig: Rig, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let done = 0; done < count; done += 250) {
    const items = Array.from({ length: Math.min(250, count - done) }, (_, i) => ({ name: `Tick lead ${done + i}` }));
    const answer = await api<{ _embedded: { leads: Array<{ id: number }> } }>(rig, 'POST', '/api/v4/leads', items);
    ids.push(...answer._embedded.leads.map((lead) => lead.id));
  }
  return ids;
}

/** Sends one tick and waits for the snapshot that closes it (cursor past Kommo's clock minus the lag), then stops sailor. */
async function tick(rig: Rig, clock: Clock): Promise<{ bodies: Array<Record<string, unknown>>; snapshot: Record<string, unknown> }> {
  const dataBefore = rig.bus.data.length;
  const snapshotsBefore = rig.bus.snapshots.length;
  const closedUpTo = Math.floor(clock.ms / 1000) - LAG_SECONDS;
  const input = rig.send({});
  const last = (): Record<string, unknown> | undefined => rig.bus.snapshots.slice(snapshotsBefore).at(-1) as Record<string, unknown> | undefined;
  await waitUntil(() => last()?.c === closedUpTo + 1 || rig.bus.outputsOf(input).errors.length > 0, () => `the tick's last snapshot; sailor output:\n${rig.tail()}`, 30_000);
  const settled = await rig.settle();
  expect(rig.bus.outputsOf(input).errors).toEqual([]);
  expect(settled.leftInInput).toBe(0);
  expect(rig.bus.rejected).toEqual([]);
  const bodies = rig.bus.data.slice(dataBefore).map((output) => output.message.body);
  // Every data message of the tick answers the tick message, and the snapshot came after them.
  expect(rig.bus.data.slice(dataBefore).every((output) => output.parentMessageId === input.messageId)).toBe(true);
  return { bodies, snapshot: last() ?? {} };
}

describe('Get New and Updated Objects Polling under sailor', () => {
  const clock = new Clock();
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start({
      scenario: 'polling-objects',
      functionName: 'getNewAndUpdatedObjectsPolling',
      // The gateway's rate limit runs on the same hand-moved clock, which stands still during a tick.
      sandbox: { now: clock.now, unstableOrderSeed: 5, rateLimit: false },
      config: ({ secretId }) => ({ secretId, objectType: 'leads', pageSize: '100' }),
    });
  });
  afterAll(() => rig?.close());

  it('a tick emits every lead once (300 of them in one second), the snapshot last; a new container continues from it without repeats or gaps', async () => {
    clock.ms -= 120_000;
    const tied = await createLeads(rig, 300);
    clock.ms += 1000;
    await createLeads(rig, 40);
    clock.ms += 120_000;

    const first = await tick(rig, clock);
    const seededAndCreated = rig.kommo.entities('leads').map((lead) => lead.id);
    expect(first.bodies.map((body) => body.id).sort()).toEqual([...seededAndCreated].sort());
    expect(first.bodies.every((body) => typeof body.custom_fields_by_id === 'object')).toBe(true);
    expect(first.snapshot).toMatchObject({ v: 1, c: Math.floor(clock.ms / 1000) - LAG_SECONDS + 1 });

    // Changes while no container runs: renames (some of the tied ones) and new leads.
    clock.ms += 5000;
    const renamed = [tied[0], tied[150], tied[299], 1000003];
    await api(rig, 'PATCH', '/api/v4/leads', renamed.map((id) => ({ id, name: `Renamed ${id}` })));
    const added = await createLeads(rig, 3);
    clock.ms += 60_000;

    rig.platform.setStepSnapshot(first.snapshot);
    await rig.startSailor();
    const second = await tick(rig, clock);
    expect(second.bodies.map((body) => body.id).sort()).toEqual([...renamed, ...added].sort());
    expect(second.bodies.filter((body) => renamed.includes(body.id as number)).every((body) => String(body.name).startsWith('Renamed'))).toBe(true);

    // A third container with nothing new: one Kommo request, no data.
    clock.ms += 60_000;
    rig.platform.setStepSnapshot(second.snapshot);
    await rig.startSailor();
    const requestsBefore = rig.kommo.requestLog.length;
    const idle = await tick(rig, clock);
    expect(idle.bodies).toEqual([]);
    expect(rig.kommo.requestLog.length - requestsBefore).toBe(1);
  });
});

describe('Get Events Polling under sailor', () => {
  const clock = new Clock();
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start({
      scenario: 'polling-events',
      functionName: 'getEventsPolling',
      sandbox: { now: clock.now, unstableOrderSeed: 9, rateLimit: false },
      config: ({ secretId }) => ({ secretId, entityType: 'leads', eventTypes: ['lead_added', 'name_field_changed'] }),
    });
  });
  afterAll(() => rig?.close());

  it('continues across containers from the snapshot: every event once', async () => {
    clock.ms -= 120_000;
    const tied = await createLeads(rig, 250);
    clock.ms += 120_000;
    const first = await tick(rig, clock);
    expect(first.bodies).toHaveLength(250);
    expect(first.bodies.every((body) => typeof body.id === 'string' && body.type === 'lead_added')).toBe(true);

    clock.ms += 5000;
    await api(rig, 'PATCH', '/api/v4/leads', tied.slice(0, 5).map((id) => ({ id, name: `Renamed ${id}` })));
    clock.ms += 60_000;
    rig.platform.setStepSnapshot(first.snapshot);
    await rig.startSailor();
    const second = await tick(rig, clock);
    expect(second.bodies.map((body) => `${String(body.type)}:${String(body.entity_id)}`).sort()).toEqual(tied.slice(0, 5).map((id) => `name_field_changed:${id}`).sort());
    const ids = [...first.bodies, ...second.bodies].map((body) => body.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
