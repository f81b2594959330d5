import { startSandbox, type EntityChange, type SandboxKnobs } from '..';
import { call } from './client';
import { embedded, useSandboxApi } from './fixtures';

const { clock, sandbox, api } = useSandboxApi({ rateLimit: false });

const HOUR_MS = 3_600_000;

describe('latencyMs', () => {
  it('delays every answer, faults included, by at least the latency', async () => {
    sandbox().configure({ latencyMs: 80 });
    for (const fault of [undefined, { kind: 'status' as const, status: 503 }]) {
      if (fault) sandbox().injectFault('/api/v4/account', fault);
      const started = performance.now();
      const response = await api('GET', '/api/v4/account');
      expect(response.status).toBe(fault ? 503 : 200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    }
  });

  it('applies the write before waiting: the entity exists while the answer is still on its way', async () => {
    sandbox().configure({ latencyMs: 150 });
    const pending = api('POST', '/api/v4/leads', [{ name: 'Slow' }]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sandbox().entities('leads').at(-1)?.name).toBe('Slow');
    expect((await pending).status).toBe(200);
  });
});

describe('unstableOrderSeed', () => {
  /** Six leads stamped in the same second: they tie on created_at and updated_at. */
  async function tiedOrder(): Promise<number[]> {
    const response = await api('GET', '/api/v4/leads?filter[id][]=1000006,1000007,1000008,1000009,1000010,1000011&order[updated_at]=asc');
    return embedded<{ id: number }>(response, 'leads').map((lead) => lead.id);
  }
  beforeEach(async () => {
    await api('POST', '/api/v4/leads', Array.from({ length: 6 }, (_, index) => ({ name: `Tie ${index}` })));
  });

  it('off: ties come back by id, the same on every request', async () => {
    const orders = await Promise.all([tiedOrder(), tiedOrder(), tiedOrder()]);
    expect(orders).toEqual(Array(3).fill([1000006, 1000007, 1000008, 1000009, 1000010, 1000011]));
  });

  it('on: ties are shuffled per request, reproducibly from the seed', async () => {
    sandbox().configure({ unstableOrderSeed: 7 });
    const first: number[][] = [];
    for (let i = 0; i < 5; i += 1) first.push(await tiedOrder());
    expect(new Set(first.map((order) => order.join())).size).toBeGreaterThan(1);
    for (const order of first) expect([...order].sort()).toEqual([1000006, 1000007, 1000008, 1000009, 1000010, 1000011]);
    sandbox().configure({ unstableOrderSeed: 7 });
    const again: number[][] = [];
    for (let i = 0; i < 5; i += 1) again.push(await tiedOrder());
    expect(again).toEqual(first);
  });

  it('on: events tied on created_at are shuffled per request too, and their set is unchanged', async () => {
    const tiedEvents = async (): Promise<string[]> => {
      const response = await api('GET', '/api/v4/events?filter[type][]=lead_added&order[created_at]=asc');
      return embedded<{ id: string }>(response, 'events').map((event) => event.id);
    };
    const logged = (await tiedEvents()).join();
    expect(await tiedEvents()).toEqual(logged.split(','));
    sandbox().configure({ unstableOrderSeed: 5 });
    const orders: string[][] = [];
    for (let i = 0; i < 5; i += 1) orders.push(await tiedEvents());
    expect(new Set(orders.map((order) => order.join())).size).toBeGreaterThan(1);
    for (const order of orders) expect([...order].sort().join()).toBe(logged.split(',').sort().join());
  });

  it('on: untied orders stay exact', async () => {
    sandbox().configure({ unstableOrderSeed: 3 });
    const ids = embedded<{ id: number }>(await api('GET', '/api/v4/leads?order[id]=desc&limit=3'), 'leads').map((lead) => lead.id);
    expect(ids).toEqual([1000011, 1000010, 1000009]);
  });
});

describe('clockOffsetMs', () => {
  it('moves the Date header, the stamps of writes and the change feed; tokens keep the real clock', async () => {
    sandbox().configure({ clockOffsetMs: -48 * HOUR_MS });
    const changes: EntityChange[] = [];
    const stop = sandbox().changes.subscribe((change) => changes.push(change));
    const response = await api('POST', '/api/v4/leads', [{ name: 'Skewed' }]);
    stop();
    const skewedSeconds = Math.floor((clock.ms - 48 * HOUR_MS) / 1000);
    expect(response.status).toBe(200);
    expect(response.headers.date).toBe(new Date(clock.ms - 48 * HOUR_MS).toUTCString());
    expect(sandbox().entities('leads').at(-1)).toMatchObject({ created_at: skewedSeconds, updated_at: skewedSeconds });
    expect(changes[0].atSeconds).toBe(skewedSeconds);
  });

  it('without an offset the Date header is the sandbox clock', async () => {
    expect((await api('GET', '/api/v4/account')).headers.date).toBe(new Date(clock.ms).toUTCString());
  });
});

describe('unknownIdStatus (docs/kommo-fidelity.md #13)', () => {
  const reads = ['/api/v4/leads/42', '/api/v4/contacts/42', '/api/v4/leads/notes/42', '/api/v4/leads/custom_fields/42', '/api/v4/leads/pipelines/42', '/api/v4/leads/42/links', '/api/v4/users/42'];

  it.each(reads)('404 problem+json by default for GET %s', async (path) => {
    const response = await api('GET', path);
    expect([response.status, response.headers['content-type']]).toEqual([404, 'application/problem+json']);
  });

  it.each(reads)('204 with no body when set to 204 for GET %s', async (path) => {
    sandbox().configure({ unknownIdStatus: 204 });
    const response = await api('GET', path);
    expect([response.status, response.text]).toEqual([204, '']);
  });

  it('leaves writes to an unknown id a 404', async () => {
    sandbox().configure({ unknownIdStatus: 204 });
    expect((await api('PATCH', '/api/v4/leads/42', { name: 'x' })).status).toBe(404);
  });
});

describe('singlePatchAnswer (docs/kommo-fidelity.md #14)', () => {
  it('flat by default', async () => {
    expect((await api('PATCH', '/api/v4/leads/1000001', { name: 'Flat' })).json()).toEqual({
      id: 1000001,
      updated_at: Math.floor(clock.ms / 1000),
      _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads/1000001` } },
    });
  });

  it('the _embedded envelope when set to embedded', async () => {
    sandbox().configure({ singlePatchAnswer: 'embedded' });
    expect((await api('PATCH', '/api/v4/leads/1000001', { name: 'Wrapped' })).json()).toEqual({
      _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads` } },
      _embedded: { leads: [{ id: 1000001, updated_at: Math.floor(clock.ms / 1000), request_id: '0', _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads/1000001` } } }] },
    });
  });
});

describe('configure(), knobs and reset()', () => {
  it.each<[Partial<SandboxKnobs>, RegExp]>([
    [{ latencyMs: -1 }, /latencyMs/],
    [{ unknownIdStatus: 410 as 404 }, /unknownIdStatus/],
    [{ singlePatchAnswer: 'nested' as 'flat' }, /singlePatchAnswer/],
    [{ customersMode: 'on' as 'segments' }, /customersMode/],
    [{ unstableOrderSeed: 1.5 }, /unstableOrderSeed/],
    [{ extraCustomFields: { tasks: 3 } as Record<string, number> }, /extraCustomFields/],
    [{ extraCustomFields: { leads: 5000 } }, /extraCustomFields\.leads/],
    [{ extraUsers: -1 }, /extraUsers/],
    [{ extraUsers: 1000 }, /extraUsers/],
  ])('refuses %j with a RangeError naming the knob', (knobs, message) => {
    expect(() => sandbox().configure(knobs)).toThrow(message);
  });

  it('knobs shows the values in force, as a copy', () => {
    sandbox().configure({ latencyMs: 5, extraCustomFields: { companies: 2 } });
    const knobs = sandbox().knobs;
    expect(knobs).toMatchObject({ latencyMs: 5, unknownIdStatus: 404, extraCustomFields: { companies: 2 } });
    (knobs as SandboxKnobs).latencyMs = 999;
    expect(sandbox().knobs.latencyMs).toBe(5);
  });

  it('reset() restores the knobs given at start', async () => {
    const started = await startSandbox({ rateLimit: false, unknownIdStatus: 204, latencyMs: 1 });
    try {
      started.configure({ unknownIdStatus: 404, latencyMs: 0 });
      started.reset();
      expect(started.knobs).toMatchObject({ unknownIdStatus: 204, latencyMs: 1 });
      expect((await call(started.baseUrl, 'GET', '/api/v4/leads/42', { token: started.accessToken })).status).toBe(204);
    } finally {
      await started.close();
    }
  });

  it('refuses bad knobs at start too', async () => {
    await expect(startSandbox({ timezone: 'Nowhere/Land' })).rejects.toThrow(/Nowhere\/Land/);
  });
});
