import { DEFAULT_REPLAY_GUARD_OPTIONS, ReplayGuard } from '../../lib/webhooks/replay';

const ID_A = '6f1c2d1e-8a8b-4c1f-9d5e-0a1b2c3d4e5f';
const ID_B = '0b7a5a1c-2f3e-4d5c-8b9a-1c2d3e4f5a6b';

describe('ReplayGuard', () => {
  it('reports an id as seen within the window and not after it', () => {
    const guard = new ReplayGuard({ windowMs: 1000, maxEntries: 10 });
    expect(guard.seen(ID_A, 0)).toBe(false);
    expect(guard.seen(ID_A, 999)).toBe(true);
    expect(guard.seen(ID_B, 999)).toBe(false);
    expect(guard.seen(ID_A, 1000)).toBe(false);
    expect(guard.seen(ID_A, 1500)).toBe(true);
  });

  it('keeps the first expiry when a duplicate arrives (a steady replay does not stay remembered forever)', () => {
    const guard = new ReplayGuard({ windowMs: 1000, maxEntries: 10 });
    guard.seen(ID_A, 0);
    expect(guard.seen(ID_A, 900)).toBe(true);
    expect(guard.seen(ID_A, 1001)).toBe(false);
  });

  it('forgets expired ids as time passes, so its size stays bounded by the window', () => {
    const guard = new ReplayGuard({ windowMs: 100, maxEntries: 1000 });
    for (let index = 0; index < 500; index += 1) guard.seen(`id-${index}-0000`, index * 10);
    // At 4990 ms only ids recorded after 4890 ms (10 of them) are inside the window.
    expect(guard.size).toBe(10);
  });

  it('forgets the oldest id first when full', () => {
    const guard = new ReplayGuard({ windowMs: 60_000, maxEntries: 3 });
    for (const id of ['id-1-0000', 'id-2-0000', 'id-3-0000', 'id-4-0000']) guard.seen(id, 0);
    expect(guard.size).toBe(3);
    expect(guard.seen('id-2-0000', 1)).toBe(true);
    expect(guard.seen('id-1-0000', 1)).toBe(false);
  });

  it('covers Kommo\'s retry schedule by default: two hours, 10,000 ids', () => {
    expect(DEFAULT_REPLAY_GUARD_OPTIONS).toEqual({ windowMs: 7_200_000, maxEntries: 10_000 });
    const guard = new ReplayGuard();
    guard.seen(ID_A, 0);
    expect(guard.seen(ID_A, 95 * 60 * 1000)).toBe(true);
  });

  it.each([{ windowMs: 0, maxEntries: 1 }, { windowMs: 1, maxEntries: 0 }, { windowMs: 1, maxEntries: 1.5 }, { windowMs: Number.NaN, maxEntries: 1 }])(
    'refuses options %j',
    (options) => {
      expect(() => new ReplayGuard(options)).toThrow('ReplayGuard needs a positive windowMs and a positive whole maxEntries');
    },
  );
});
