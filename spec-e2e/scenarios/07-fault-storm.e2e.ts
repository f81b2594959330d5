/**
 * Scenario 7: 100 messages through a seeded storm of 5xx, resets and 429s. What the platform
 * must see: every input ends as exactly one data or one error message (none lost, none
 * duplicated), attempts stay within retries + 1, and no POST is replayed after a failure that
 * may have reached Kommo (500/502/504/reset: Kommo has no idempotency keys).
 */
import type { Fault, RequestLogEntry } from '../../sandbox';
import type { SentInput } from '../harness/bus';
import { rawResponse } from '../harness/outputs';
import { seededRandom } from '../harness/random';
import { Rig } from '../harness/rig';

const SEED = Number(process.env.E2E_STORM_SEED ?? 20240607);
const MESSAGES = 100;
const RETRIES = 2;

/** The storm's fault catalogue; `ambiguous` = the request may have been processed. */
const FAULTS: ReadonlyArray<{ fault: Fault; ambiguous: boolean }> = [
  { fault: { kind: 'status', status: 500 }, ambiguous: true },
  { fault: { kind: 'status', status: 502 }, ambiguous: true },
  { fault: { kind: 'status', status: 504 }, ambiguous: true },
  { fault: { kind: 'status', status: 500, afterProcessing: true }, ambiguous: true },
  { fault: { kind: 'status', status: 503 }, ambiguous: false },
  { fault: { kind: 'reset' }, ambiguous: true },
  { fault: { kind: 'reset', afterProcessing: true }, ambiguous: true },
  // A 429 without retry_after: the component backs off (fast in tests) instead of waiting 1 s.
  {
    fault: { kind: 'status', status: 429, body: '{"title":"Too Many Requests","status":429}', contentType: 'application/problem+json' },
    ambiguous: false,
  },
];

interface Planned {
  input: SentInput;
  marker: string;
  method: 'GET' | 'POST';
  faults: ReadonlyArray<{ fault: Fault; ambiguous: boolean }>;
  /** What the design's retry policy makes of this fault sequence. */
  expected: 'data' | 'error';
}

/** The design's policy: 429 and 503 retry any method; other 5xx and resets retry only GET. */
function expectedOutcome(method: 'GET' | 'POST', faults: Planned['faults']): 'data' | 'error' {
  for (let attempt = 0; attempt <= RETRIES; attempt += 1) {
    const planned = faults[attempt];
    if (!planned) return 'data';
    const retryable = method === 'GET' || !planned.ambiguous;
    if (!retryable) return 'error';
  }
  return 'error';
}

function isAmbiguousFailure(entry: RequestLogEntry): boolean {
  return entry.fault === 'reset' || (entry.fault === 'status' && [500, 502, 504].includes(entry.status));
}

describe('Make Raw Request through a seeded fault storm', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start({
      scenario: 'storm',
      // Only scripted 429s here: the sandbox's own limiter is off, the component still paces itself.
      sandbox: { rateLimit: false },
      secretFields: (kommo) => ({ baseUrl: kommo.baseUrl, retries: RETRIES }),
      config: ({ secretId }) => ({ secretId }),
    });
  });
  afterAll(() => rig?.close());

  it(`ends each of ${MESSAGES} inputs as exactly one data or error message, never replaying an ambiguous POST (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const plan: Planned[] = [];
    for (let i = 0; i < MESSAGES; i += 1) {
      const marker = `storm-${i}`;
      const method = random.next() < 0.4 ? 'POST' : 'GET';
      const roll = random.next();
      const count = roll < 0.4 ? 0 : roll < 0.7 ? 1 : roll < 0.9 ? 2 : 3;
      const faults = Array.from({ length: count }, () => random.pick(FAULTS));
      for (const { fault } of faults) rig.kommo.injectFault(new RegExp(`[?&]e2e=${marker}$`), fault, 1);
      const url = `leads?e2e=${marker}`;
      const input = rig.send(method === 'POST' ? { url, method, data: [{ name: marker }] } : { url, method }, marker);
      plan.push({ input, marker, method, faults, expected: expectedOutcome(method, faults) });
    }
    // Each scripted 429 is a congestion signal to the rate limiter, as a real one is: the pace halves
    // (floor 0.5/s) and grows back slowly, so the storm's tail runs at about one request per second.
    await rig.outcomes(plan.map((p) => p.input), 180_000);
    const settled = await rig.settle();

    const report = plan.map(({ input, marker, method, faults, expected }) => {
      const { data } = rig.bus.outputsOf(input);
      // Errors are matched by the input they carry, not only by header: a mix-up would show here.
      const errors = rig.bus.errors.filter((out) => out.errorInput?.id === input.id);
      const attempts = rig.kommo.requestLog.filter((entry) => entry.path.endsWith(`e2e=${marker}`));
      const replayedAfterAmbiguous =
        method === 'POST' && attempts.slice(0, -1).some((entry) => isAmbiguousFailure(entry));
      return {
        marker,
        method,
        faults: faults.map(({ fault }) => (fault.kind === 'status' ? `${fault.status}` : fault.kind) + ('afterProcessing' in fault && fault.afterProcessing ? '*' : '')),
        expected,
        data: data.length,
        errors: errors.length,
        dataStatus: data.map((out) => rawResponse(out).statusCode),
        attempts: attempts.length,
        replayedAfterAmbiguous,
        leads: rig.kommo.entities('leads').filter((lead) => lead.name === marker).length,
      };
    });

    const wrong = report.filter(
      (r) =>
        r.data + r.errors !== 1 ||
        (r.expected === 'data' ? r.data !== 1 || r.dataStatus[0] !== 200 : r.errors !== 1) ||
        r.attempts > RETRIES + 1 ||
        r.replayedAfterAmbiguous ||
        r.leads > 1,
    );
    expect(wrong).toEqual([]);
    // Nothing published that does not belong to an input.
    expect(rig.bus.data.length + rig.bus.errors.length).toBe(MESSAGES);
    // Acked versus rejected, as the broker saw it once sailor had stopped.
    expect(settled.exit.code).toBe(0);
    expect(settled.leftInInput).toBe(0);
    expect(new Set(rig.bus.rejected.map((r) => r.messageId))).toEqual(new Set(rig.bus.errors.map((e) => e.parentMessageId)));
    // The storm exercised both outcomes and both methods.
    expect(report.filter((r) => r.errors === 1 && r.method === 'POST').length).toBeGreaterThan(0);
    expect(report.filter((r) => r.data === 1 && r.faults.length > 0).length).toBeGreaterThan(0);
  }, 210_000);
});
