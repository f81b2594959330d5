/**
 * The elastic.io platform API as one flow step's sailor sees it: the sandbox's fake platform
 * (secrets API with Basic auth, refresh against the Kommo sandbox) plus the routes sailor calls
 * itself: the step definition at startup, the startup-hook data, and the service result POST.
 */
import { randomUUID } from 'crypto';
import { startFakePlatform, type FakePlatform, type Sandbox } from '../../sandbox';
import type { StepIdentity } from './bus';

export interface StepPlatform {
  fake: FakePlatform;
  /** Sets what `GET /v1/tasks/{flow}/steps/{step}` answers as the step's `config`. */
  setStepConfig(config: Record<string, unknown>): void;
  /** Sets the step's stored `snapshot` in that answer (what a new container of a polling trigger starts from). */
  setStepSnapshot(snapshot: Record<string, unknown>): void;
  /** A fresh `ELASTICIO_POST_RESULT_URL` and the way to read what was POSTed to it. */
  resultUrl(): { url: string; posted(): unknown[] };
  /** Authorized GETs of one secret (the component's secret reads). */
  secretReads(secretId: string): number;
  close(): Promise<void>;
}

export async function startStepPlatform(kommo: Sandbox, identity: StepIdentity): Promise<StepPlatform> {
  const fake = await startFakePlatform({ kommo });
  let config: Record<string, unknown> = {};
  let snapshot: Record<string, unknown> = {};
  const results = new Map<string, unknown[]>();

  fake.route('GET', `/v1/tasks/${identity.flowId}/steps/${identity.stepId}`, () => ({
    status: 200,
    body: { config, snapshot, variables: {}, is_passthrough: false },
  }));
  // Sailor only calls these with ELASTICIO_STARTUP_REQUIRED / HOOK_SHUTDOWN; served so that a
  // component growing a startup hook does not break the harness.
  const hookData = `/sailor-support/hooks/task/${identity.flowId}/startup/data`;
  for (const method of ['GET', 'POST', 'DELETE']) {
    fake.route(method, hookData, () => ({ status: 200, body: {} }));
  }
  // Sailor's service runner requires exactly 200 (§2.1).
  fake.route('POST', /^\/result\/[0-9a-f-]+$/, (req, body) => {
    const id = (req.url ?? '').split('/').pop() ?? '';
    results.get(id)?.push(body);
    return { status: 200, body: {} };
  });

  return {
    fake,
    setStepConfig(next) {
      config = next;
    },
    setStepSnapshot(next) {
      snapshot = next;
    },
    resultUrl() {
      const id = randomUUID();
      const posted: unknown[] = [];
      results.set(id, posted);
      const url = new URL(`/result/${id}`, fake.url);
      // Credentials in the URL become Basic auth, as the platform sends them (§2.1).
      url.username = fake.username;
      url.password = fake.apiKey;
      return { url: url.toString(), posted: () => posted };
    },
    secretReads(secretId) {
      const path = `/v2/workspaces/${fake.workspaceId}/secrets/${secretId}`;
      return fake.calls.filter((call) => call.method === 'GET' && call.path === path && call.authorized).length;
    },
    close: () => fake.close(),
  };
}
