/**
 * Calls per message on the secret path: Make Raw Request messages with cfg `{secretId}` (Base
 * URL and retries from the secret's fields), the platform env pointing at the fake platform.
 * Counted from both servers' logs: Kommo requests and platform calls per message. The baseline
 * is a naive component that reads the secret for every message, run for real by clearing the
 * component's secret cache before each message.
 */
import { processAction } from '../lib/actions/makeRawRequest';
import { reset as resetProcessScope, secretCache } from '../lib/processScope';
import { startFakePlatform, startSandbox, type FakePlatform, type Sandbox } from '../sandbox';
import type { BenchResult } from './report';
import { round, runMessage, sequentially } from './support';

export interface CallsPerMessageOptions {
  messages: number;
}

export const DEFAULT_CALLS_PER_MESSAGE_OPTIONS: CallsPerMessageOptions = { messages: 200 };

interface Counts {
  messages: number;
  succeeded: number;
  kommoRequests: number;
  platformCalls: number;
  secretReads: number;
  kommoRequestsPerMessage: number;
  platformCallsPerMessage: number;
  callsPerMessage: number;
}

/** Env the component reads for the platform's secrets API; returns a function restoring the old values. */
function pointAtPlatform(platform: FakePlatform): () => void {
  const values: Record<string, string> = {
    ELASTICIO_API_URI: platform.url,
    ELASTICIO_API_USERNAME: platform.username,
    ELASTICIO_API_KEY: platform.apiKey,
    ELASTICIO_WORKSPACE_ID: platform.workspaceId,
  };
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

async function countCalls(sandbox: Sandbox, platform: FakePlatform, messages: number, beforeEach: () => void, cfg: { secretId: string }): Promise<Counts> {
  sandbox.reset();
  platform.calls.length = 0;
  resetProcessScope();
  let succeeded = 0;
  await sequentially(messages, async () => {
    beforeEach();
    if ((await runMessage(processAction, { method: 'GET', url: 'account' }, cfg)).kind === 'data') succeeded += 1;
  });
  const kommoRequests = sandbox.requestLog.length;
  const platformCalls = platform.calls.length;
  return {
    messages,
    succeeded,
    kommoRequests,
    platformCalls,
    secretReads: platform.calls.filter((call) => call.method === 'GET' && call.path.includes('/secrets/')).length,
    kommoRequestsPerMessage: round(kommoRequests / messages),
    platformCallsPerMessage: round(platformCalls / messages),
    callsPerMessage: round((kommoRequests + platformCalls) / messages),
  };
}

export async function runCallsPerMessage(options: CallsPerMessageOptions = DEFAULT_CALLS_PER_MESSAGE_OPTIONS): Promise<BenchResult> {
  const sandbox = await startSandbox({ rateLimit: false });
  const platform = await startFakePlatform({ kommo: sandbox });
  const restoreEnv = pointAtPlatform(platform);
  try {
    const secretId = platform.createSecret({
      accessToken: sandbox.accessToken,
      refreshToken: sandbox.refreshToken,
      fields: { baseUrl: sandbox.baseUrl, retries: 2 },
    });
    const cfg = { secretId };
    const ours = await countCalls(sandbox, platform, options.messages, () => undefined, cfg);
    const naive = await countCalls(sandbox, platform, options.messages, () => secretCache().clear(), cfg);
    const ratio = (a: number, b: number): number => round(a / b);
    return {
      name: 'callsPerMessage',
      figures: [
        {
          figure: `${options.messages} msgs, secret path: Kommo requests/msg`,
          ours: ours.kommoRequestsPerMessage,
          baselineLabel: 'naive: reads secret every msg',
          baseline: naive.kommoRequestsPerMessage,
          ratio: ratio(ours.kommoRequestsPerMessage, naive.kommoRequestsPerMessage),
          goal: '1.00',
          met: ours.kommoRequests === options.messages,
        },
        {
          figure: `${options.messages} msgs, secret path: platform calls/msg`,
          ours: ours.platformCallsPerMessage,
          baselineLabel: 'naive: reads secret every msg',
          baseline: naive.platformCallsPerMessage,
          ratio: ratio(ours.platformCallsPerMessage, naive.platformCallsPerMessage),
          goal: '≈ 0 (1 read / run)',
          met: ours.platformCalls <= 1,
        },
        {
          figure: `${options.messages} msgs, secret path: all calls/msg`,
          ours: ours.callsPerMessage,
          baselineLabel: 'naive: reads secret every msg',
          baseline: naive.callsPerMessage,
          ratio: ratio(ours.callsPerMessage, naive.callsPerMessage),
          goal: `≤ ${round(1 + 1 / options.messages)}`,
          met: ours.kommoRequests + ours.platformCalls <= options.messages + 1,
        },
      ],
      details: { ...options, secretFields: ['baseUrl', 'retries'], cfg: '{ secretId }', ours, naive },
    };
  } finally {
    restoreEnv();
    resetProcessScope();
    await platform.close();
    await sandbox.close();
  }
}
