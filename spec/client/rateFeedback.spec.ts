/**
 * What the client tells the rate limiter: each attempt's outcome becomes the permit's feedback
 * (`rateFeedback`), KommoClient settles every permit with it, and the limiter's verdicts (a
 * pause, the breaker) reach the caller. Transport, clock, timers and sleep are injected.
 */
import { KommoBlockedError, KommoHttpError } from '../../lib/client/errors';
import { createKommoClient } from '../../lib/client/KommoClient';
import {
  createRateLimiter, DEFAULT_PACE, RateFeedback, RateLimiter, RateLimitPermit, rateFeedback,
} from '../../lib/client/rateLimiter';
import type { Transport, TransportOutcome } from '../../lib/client/transport';
import { FakeClock } from '../fakeClock';
import { recordingContext, rejection } from '../helpers';

const KOMMO = 'https://acme.kommo.com';
const CFG = { oauth: { access_token: 'tok-SECRET-abc123' }, baseUrl: KOMMO };
const NOW_MS = Date.parse('2026-03-02T10:00:00Z');
const BLOCK_PAGE = '<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center></body></html>';

function answer(status: number, headers: Record<string, string> = {}, body: unknown = undefined, connectionReused = true): TransportOutcome {
  return { kind: 'response', status, statusText: '', connectionReused, headers, body };
}

describe('rateFeedback: an attempt outcome as the limiter sees it', () => {
  it.each([
    { name: '200 on a reused connection', outcome: answer(200), feedback: { kind: 'answered', status: 200, connectionReused: true } },
    { name: '200 on a new connection', outcome: answer(200, {}, undefined, false), feedback: { kind: 'answered', status: 200, connectionReused: false } },
    { name: '404', outcome: answer(404), feedback: { kind: 'answered', status: 404, connectionReused: true } },
    { name: '503', outcome: answer(503), feedback: { kind: 'answered', status: 503, connectionReused: true } },
    {
      name: "429 with Kommo's documented body (retry_after in seconds)",
      outcome: answer(429, { 'content-type': 'application/problem+json' }, { title: 'Too Many Requests', retry_after: 2 }),
      feedback: { kind: 'throttled', retryAfterMs: 2000, connectionReused: true },
    },
    {
      name: '429 with Retry-After as an HTTP date',
      outcome: answer(429, { 'retry-after': new Date(NOW_MS + 3000).toUTCString() }),
      feedback: { kind: 'throttled', retryAfterMs: 3000, connectionReused: true },
    },
    {
      name: "429 as the gateway's HTML page, no wait given",
      outcome: answer(429, { 'content-type': 'text/html' }, '<html>429 Too Many Requests</html>'),
      feedback: { kind: 'throttled', retryAfterMs: undefined, connectionReused: true },
    },
    { name: '403 as the HTML block page', outcome: answer(403, { 'content-type': 'text/html' }, BLOCK_PAGE), feedback: { kind: 'blocked' } },
    { name: '403 as HTML without a content type', outcome: answer(403, {}, BLOCK_PAGE), feedback: { kind: 'blocked' } },
    {
      name: '403 as problem JSON (a permission problem, not a block)',
      outcome: answer(403, { 'content-type': 'application/problem+json' }, { title: 'Forbidden', status: 403 }),
      feedback: { kind: 'answered', status: 403, connectionReused: true },
    },
    { name: 'a connection reset', outcome: { kind: 'network', code: 'ECONNRESET' } as const, feedback: { kind: 'failed' } },
  ])('$name', ({ outcome, feedback }) => {
    expect(rateFeedback(outcome, NOW_MS)).toEqual(feedback);
  });
});

/** A limiter that records what each permit was settled with, optionally in front of a real one. */
function recordingLimiter(inner?: RateLimiter): RateLimiter & { feedback: RateFeedback[] } {
  const feedback: RateFeedback[] = [];
  return {
    feedback,
    async acquire(origin: string): Promise<RateLimitPermit> {
      const permit = inner ? await inner.acquire(origin) : undefined;
      return {
        settle: (given) => {
          feedback.push(given);
          permit?.settle(given);
        },
      };
    },
  };
}

/** A transport that plays `outcomes` in order and records what was sent. */
function scripted(outcomes: TransportOutcome[]): Transport & { sent: number } {
  let index = 0;
  const transport = Object.assign(async () => {
    transport.sent += 1;
    return outcomes[Math.min(index++, outcomes.length - 1)];
  }, { sent: 0 });
  return transport;
}

describe('KommoClient settles every permit with the attempt\'s feedback', () => {
  async function run(outcomes: TransportOutcome[], retries = '5'): Promise<{ feedback: RateFeedback[]; sent: number; result: unknown }> {
    const limiter = recordingLimiter();
    const transport = scripted(outcomes);
    const client = await createKommoClient({ ...CFG, retries }, {
      logger: recordingContext().logger, rateLimiter: limiter, transport, sleep: async () => undefined, nowMs: () => NOW_MS, random: () => 0.5,
    });
    const result = await client.request({ method: 'GET', url: 'leads' }).catch((error: unknown) => error);
    return { feedback: limiter.feedback, sent: transport.sent, result };
  }

  it.each([
    { name: 'a 200', outcomes: [answer(200)], feedback: [{ kind: 'answered', status: 200, connectionReused: true }] },
    {
      name: 'a 429 with a wait, then a 200',
      outcomes: [answer(429, { 'content-type': 'application/problem+json' }, { retry_after: 1 }), answer(200, {}, undefined, false)],
      feedback: [{ kind: 'throttled', retryAfterMs: 1000, connectionReused: true }, { kind: 'answered', status: 200, connectionReused: false }],
    },
    {
      name: 'a reset, then a 200',
      outcomes: [{ kind: 'network', code: 'ECONNRESET' } as const, answer(200)],
      feedback: [{ kind: 'failed' }, { kind: 'answered', status: 200, connectionReused: true }],
    },
    { name: 'the HTML block page', outcomes: [answer(403, { 'content-type': 'text/html' }, BLOCK_PAGE)], feedback: [{ kind: 'blocked' }] },
  ])('$name', async ({ outcomes, feedback }) => {
    const outcome = await run(outcomes);
    expect(outcome.feedback).toEqual(feedback);
    expect(outcome.sent).toBe(feedback.length);
  });
});

describe('KommoClient with the adaptive limiter', () => {
  async function clientWith(transport: Transport) {
    const clock = new FakeClock();
    const limiter = recordingLimiter(createRateLimiter({ requestsPerSecond: 7, now: clock.now, setTimer: clock.setTimer }));
    const client = await createKommoClient(CFG, {
      logger: recordingContext().logger, rateLimiter: limiter, transport, sleep: clock.sleep, nowMs: () => NOW_MS, random: () => 0.5,
    });
    return { client, limiter, clock };
  }

  it('fails the next request at once with a KommoBlockedError after the block page, sending nothing', async () => {
    const transport = scripted([answer(403, { 'content-type': 'text/html' }, BLOCK_PAGE), answer(200)]);
    const { client } = await clientWith(transport);

    const first = await rejection(client.request({ method: 'GET', url: 'leads' }));
    const second = await rejection(client.request({ method: 'GET', url: 'leads?query=%2B15551234567' }));

    expect(first).toBeInstanceOf(KommoHttpError);
    expect(first).toMatchObject({ status: 403 });
    expect(second).toBeInstanceOf(KommoBlockedError);
    expect(transport.sent).toBe(1);
    expect(JSON.stringify({ ...(second as object), message: (second as Error).message })).not.toMatch(/tok-SECRET|15551234567/);
  });

  it('holds every request to the account for the wait a 429 asked for', async () => {
    const sentAtMs: number[] = [];
    const outcomes = [answer(429, { 'content-type': 'application/problem+json' }, { retry_after: 3 }), answer(200), answer(200)];
    let index = 0;
    const { client, clock } = await clientWith(async () => {
      sentAtMs.push(clock.nowMs);
      return outcomes[index++];
    });

    const requests = Promise.all([client.request({ method: 'GET', url: 'leads' }), client.request({ method: 'GET', url: 'contacts' })]);
    await clock.runAll();
    await requests;

    // The request queued behind the 429'd one waited for Kommo's 3 s too; the retry then came
    // at the halved pace (one request in the window: the floor, grown a little by one good answer).
    expect(sentAtMs.slice(0, 2)).toEqual([0, 3000]);
    expect(sentAtMs[2] - 3000).toBeGreaterThan(1000 / (2 * DEFAULT_PACE.floorRps));
  });
});
