import type { EntityChange } from '..';
import { call } from './client';
import { useSandbox } from './fixtures';

const { clock, sandbox } = useSandbox({ rateLimit: false });

const api = (method: string, path: string, body?: unknown) => call(sandbox().baseUrl, method, path, { token: sandbox().accessToken, body });

let received: EntityChange[] = [];
let unsubscribe: () => void = () => undefined;
beforeEach(() => {
  received = [];
  unsubscribe = sandbox().changes.subscribe((change) => received.push(change));
});
afterEach(() => unsubscribe());

describe('change feed', () => {
  it('publishes one add per created entity, after it is applied, with the clock in seconds and the user', async () => {
    await api('POST', '/api/v4/leads', [{ name: 'One' }, { name: 'Two' }]);
    expect(received.map((change) => [change.kind, change.action, change.id])).toEqual([
      ['leads', 'add', 1000006],
      ['leads', 'add', 1000007],
    ]);
    expect(received[0]).toMatchObject({ atSeconds: Math.floor(clock.ms / 1000), userId: 9000001, after: { id: 1000006, name: 'One' } });
    expect(received[0].before).toBeUndefined();
  });

  it('publishes an update with the record before and after', async () => {
    await api('PATCH', '/api/v4/leads/1000002', { price: 7 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: 'leads', action: 'update', id: 1000002, before: { price: 4800 }, after: { price: 7 } });
  });

  it('publishes nothing for a refused write', async () => {
    expect((await api('POST', '/api/v4/leads', [{ price: 'x' }])).status).toBe(400);
    expect(received).toEqual([]);
  });

  it('hands out copies: a listener that mutates a record changes nothing stored', async () => {
    await api('PATCH', '/api/v4/leads/1000001', { name: 'Kept' });
    (received[0].after as Record<string, unknown>).name = 'mutated';
    expect(sandbox().entities('leads')[0].name).toBe('Kept');
  });

  it('stops delivering after unsubscribe', async () => {
    unsubscribe();
    await api('PATCH', '/api/v4/leads/1000001', { name: 'Quiet' });
    expect(received).toEqual([]);
  });
});
