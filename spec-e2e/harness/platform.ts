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
  /** The startup-hook data the platform holds for the flow (what `startup` returned), if any. */
  hookData(): unknown;
  /** Sailor's calls of the startup-hook data route, as `METHOD` strings in order. */
  hookDataCalls(): string[];
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
  // Sailor calls these with ELASTICIO_STARTUP_REQUIRED (POST what startup returned) and
  // ELASTICIO_HOOK_SHUTDOWN (GET it for shutdown, then DELETE it). A GET with nothing stored
  // answers {}: what the component then gets as data is "lost startup data".
  const hookData = `/sailor-support/hooks/task/${identity.flowId}/startup/data`;
  let stored: unknown;
  const hookCalls: string[] = [];
  fake.route('POST', hookData, (_req, body) => {
    hookCalls.push('POST');
    stored = body;
    return { status: 200, body: {} };
  });
  fake.route('GET', hookData, () => {
    hookCalls.push('GET');
    return { status: 200, body: stored ?? {} };
  });
  fake.route('DELETE', hookData, () => {
    hookCalls.push('DELETE');
    stored = undefined;
    return { status: 200, body: {} };
  });
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
    hookData: () => stored,
    hookDataCalls: () => [...hookCalls],
    close: () => fake.close(),
  };
}
