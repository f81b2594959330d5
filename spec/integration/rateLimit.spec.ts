/**
 * The component at its default pace against the sandbox enforcing Kommo's 7 requests/s (with
 * Kommo's escalation: three 429s within a minute ban the client with an HTML 403). Real time,
 * about 4 s: 30 messages from 10 concurrent callers through the real Make Raw Request
 * `processAction` and the process-wide limiter. Asserts counts, never timings.
 *
 * Deliberately cold (a new origin, no open connections): the first burst waits for connection
 * set-ups that later bursts skip, which is what the limiter's completion re-anchoring is for.
 */
import { processAction } from '../../lib/actions/makeRawRequest';
import { DEFAULT_RATE_LIMIT, startSandbox, type Sandbox } from '../../sandbox';
import { recordingContext } from '../helpers';

const CALLERS = 10;
const MESSAGES_PER_CALLER = 3;

let sandbox: Sandbox;

function send(): Promise<unknown> {
  const cfg = { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl };
  return processAction.call(recordingContext(), { body: { method: 'GET', url: 'account' } }, cfg);
}

/** `callers` concurrent loops of `perCaller` messages each; resolves with how each message ended. */
async function concurrentMessages(callers: number, perCaller: number): Promise<Array<'data' | 'error'>> {
  const outcomes: Array<'data' | 'error'> = [];
  await Promise.all(Array.from({ length: callers }, async () => {
    for (let index = 0; index < perCaller; index += 1) {
      outcomes.push(await send().then(() => 'data' as const, () => 'error' as const));
    }
  }));
  return outcomes;
}

beforeAll(async () => {
  sandbox = await startSandbox({ rateLimit: { ...DEFAULT_RATE_LIMIT } });
});

afterAll(async () => {
  await sandbox.close();
});

describe('rate limit: the component against the sandbox enforcing 7 requests/s', () => {
  it(`sends ${CALLERS * MESSAGES_PER_CALLER} requests from ${CALLERS} concurrent messages with zero 429s, and all succeed`, async () => {
    const outcomes = await concurrentMessages(CALLERS, MESSAGES_PER_CALLER);

    const statuses = sandbox.requestLog.map((entry) => entry.status);
    expect(statuses.filter((status) => status === 429)).toHaveLength(0);
    expect(statuses.filter((status) => status === 403)).toHaveLength(0);
    expect(statuses).toHaveLength(CALLERS * MESSAGES_PER_CALLER);
    expect(outcomes.filter((outcome) => outcome === 'data')).toHaveLength(CALLERS * MESSAGES_PER_CALLER);
  });
});
