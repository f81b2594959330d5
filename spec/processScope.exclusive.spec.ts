/**
 * processScope.exclusive: per-key queues. Tasks under one key never overlap and run in arrival
 * order whatever their outcome; tasks under other keys run at once; the queues forget idle keys.
 */
import * as processScope from '../lib/processScope';

afterEach(() => processScope.reset());

/** A promise with its resolve and reject, to settle a task by hand. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('exclusive', () => {
  it('runs tasks of one key one after another, in order, even when one fails', async () => {
    const events: string[] = [];
    const first = deferred();
    const a = processScope.exclusive('k', async () => { events.push('a start'); await first.promise; events.push('a end'); throw new Error('a failed'); });
    const b = processScope.exclusive('k', async () => { events.push('b'); return 'b'; });
    await tick();
    expect(events).toEqual(['a start']);
    first.resolve();
    await expect(a).rejects.toThrow('a failed');
    await expect(b).resolves.toBe('b');
    expect(events).toEqual(['a start', 'a end', 'b']);
  });

  it('runs tasks of other keys at once', async () => {
    const held = deferred();
    const events: string[] = [];
    const a = processScope.exclusive('k1', async () => { await held.promise; events.push('k1'); });
    await processScope.exclusive('k2', async () => { events.push('k2'); });
    expect(events).toEqual(['k2']);
    held.resolve();
    await a;
  });

  it('forgets a key once its last task settled', async () => {
    const held = deferred();
    const a = processScope.exclusive('k', () => held.promise);
    const b = processScope.exclusive('k', async () => undefined);
    expect(processScope.exclusiveKeys()).toBe(1);
    held.resolve();
    await Promise.all([a, b]);
    expect(processScope.exclusiveKeys()).toBe(0);
  });
});
