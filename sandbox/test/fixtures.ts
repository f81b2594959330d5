/** Shared setup for the sandbox specs: a manual clock and a started sandbox per test file. */
import { startSandbox, type Sandbox, type SandboxOptions } from '..';

/** A clock the test moves by hand; starts at 2025-01-01T00:00:00Z. */
export class ManualClock {
  ms = Date.UTC(2025, 0, 1);
  readonly now = (): number => this.ms;

  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Start a sandbox before all tests of a file and close it after; `reset()` between tests. */
export function useSandbox(options: SandboxOptions = {}): { clock: ManualClock; sandbox: () => Sandbox } {
  const clock = new ManualClock();
  let current: Sandbox | undefined;
  beforeAll(async () => {
    current = await startSandbox({ now: clock.now, ...options });
  });
  beforeEach(() => current?.reset());
  afterAll(async () => {
    await current?.close();
  });
  return {
    clock,
    sandbox: () => {
      if (!current) throw new Error('sandbox not started');
      return current;
    },
  };
}
