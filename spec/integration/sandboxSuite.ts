/**
 * The lifecycle every sandbox integration spec shares: one sandbox for the file (no rate limit
 * unless the options say otherwise), closed after the last test, and each test starting from the
 * seeded state with a fresh process scope (caches, transport, limiter).
 */
import { reset } from '../../lib/processScope';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox';
import { standIn } from '../helpers';

/** Options of {@link useSandbox}. */
export interface SandboxSuiteOptions {
  /** Merged over `{ rateLimit: false }` when the sandbox starts. */
  sandbox?: SandboxOptions;
  /** Step fields every `cfg()` of the file carries (e.g. `retries`, `objectType`); `cfg(extra)` overrides them. */
  cfg?: Record<string, unknown>;
}

/** Step configuration for the sandbox: its credential fields plus step fields. */
export type SandboxCfg = Record<string, unknown> & { oauth: { access_token: string }; baseUrl: string };

/** What a spec uses of its sandbox. */
export interface SandboxSuite {
  /**
   * The file's sandbox. It starts in `beforeAll`, so this stands in for it: every property read
   * goes to the running sandbox, and a read before it started (at module level) throws.
   */
  sandbox: Sandbox;
  /** The sandbox's legacy credential fields (`oauth.access_token`, `baseUrl`), then the suite's `cfg`, then `extra`. */
  cfg(extra?: Record<string, unknown>): SandboxCfg;
}

/**
 * Registers the hooks (start in `beforeAll`, close in `afterAll`, `sandbox.reset()` and the process
 * scope's `reset()` in `beforeEach`). Call it at the top of the file, before the spec's own hooks,
 * so those run after the sandbox started and was reset.
 */
export function useSandbox(options: SandboxSuiteOptions = {}): SandboxSuite {
  let running: Sandbox | undefined;
  const started = (): Sandbox => {
    if (running === undefined) throw new Error('the sandbox starts in beforeAll: use it inside a hook or a test, not at module level');
    return running;
  };

  beforeAll(async () => {
    running = await startSandbox({ rateLimit: false, ...options.sandbox });
  });
  afterAll(async () => {
    await running?.close();
  });
  beforeEach(() => {
    started().reset();
    reset();
  });

  return {
    // A stand-in rather than an accessor function, so specs read `sandbox.requestLog` as with a variable.
    sandbox: standIn(started),
    cfg: (extra = {}) => ({ oauth: { access_token: started().accessToken }, baseUrl: started().baseUrl, ...options.cfg, ...extra }),
  };
}
