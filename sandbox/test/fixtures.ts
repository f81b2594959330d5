/** Shared setup for the sandbox specs: a manual clock and a started sandbox per test file. */
import { startSandbox, type Sandbox, type SandboxOptions } from '..';
import { call, type RawResponse } from './client';

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

/** {@link useSandbox} plus `api(method, path, body?)`: a JSON call with the sandbox's own token. */
export function useSandboxApi(options: SandboxOptions = {}): {
  clock: ManualClock;
  sandbox: () => Sandbox;
  api: (method: string, path: string, body?: unknown) => Promise<RawResponse>;
} {
  const { clock, sandbox } = useSandbox(options);
  const api = (method: string, path: string, body?: unknown): Promise<RawResponse> => call(sandbox().baseUrl, method, path, { token: sandbox().accessToken, body });
  return { clock, sandbox, api };
}

/** The `_embedded[key]` items of a HAL answer. */
export function embedded<T = Record<string, unknown>>(response: RawResponse, key: string): T[] {
  return response.json<{ _embedded: Record<string, T[]> }>()._embedded[key];
}

/** `validation-errors` of a 400 as `[request_id, code, path]` triples, for compact assertions. */
export function validationErrors(response: RawResponse): Array<[string, string, string]> {
  const body = response.json<{ 'validation-errors'?: Array<{ request_id: string; errors: Array<{ code: string; path: string }> }> }>();
  return (body['validation-errors'] ?? []).flatMap((entry) => entry.errors.map((error): [string, string, string] => [entry.request_id, error.code, error.path]));
}
