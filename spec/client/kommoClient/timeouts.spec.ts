/**
 * KommoClient and per-attempt timeouts: the timeout the transport is given, and what the client
 * does when an attempt times out. The transport is scripted (the real socket timeout is tested in
 * transport.spec.ts), so nothing here waits.
 */
import { KommoNetworkError } from '../../../lib/client/errors';
import type { TransportOutcome } from '../../../lib/client/transport';
import { ENV, GET_LEADS, harness, oauthCfg, rejectionOf, scriptedTransport } from './harness';

const TIMED_OUT: TransportOutcome = { kind: 'network', code: 'ETIMEDOUT', cause: Object.assign(new Error('timeout of 500ms exceeded'), { code: 'ETIMEDOUT' }) };
const OK: TransportOutcome = { kind: 'response', status: 200, statusText: 'OK', connectionReused: true, headers: {}, body: { ok: true } };

describe('timeouts', () => {
  const TIMEOUT_ENV = { ...ENV, API_REQUEST_TIMEOUT: '500' };

  it('API_REQUEST_TIMEOUT=500 → each attempt gets 500 ms; a timeout → KommoNetworkError ETIMEDOUT "no answer within 500 ms", cause kept', async () => {
    const { transport, sent } = scriptedTransport([TIMED_OUT]);
    const client = await harness(TIMEOUT_ENV, { transport }).client(oauthCfg(0));

    const error = await rejectionOf(client.request(GET_LEADS), KommoNetworkError);

    expect(sent.map((request) => request.timeoutMs)).toEqual([500]);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', attempts: 1 });
    expect(error.message).toMatch(/no answer within 500 ms/);
    expect(error.cause).toBe((TIMED_OUT as { cause: Error }).cause);
  });

  it('GET timeout is retried after the backoff: timeout, then 200', async () => {
    const { transport, sent } = scriptedTransport([TIMED_OUT, OK]);
    const h = harness(TIMEOUT_ENV, { transport });

    const response = await (await h.client(oauthCfg(1))).request(GET_LEADS);

    expect(response.body).toEqual({ ok: true });
    expect(sent).toHaveLength(2);
    expect(h.sleeps).toEqual([1000]);
  });

  it('GET timeout storm → R+1 attempts, then KommoNetworkError ETIMEDOUT naming the overridden timeout', async () => {
    const { transport, sent } = scriptedTransport([TIMED_OUT, TIMED_OUT, TIMED_OUT]);
    const h = harness(ENV, { transport, overrides: { requestTimeoutMs: 200 } });

    const error = await rejectionOf((await h.client(oauthCfg(1))).request(GET_LEADS), KommoNetworkError);

    expect(error).toMatchObject({ code: 'ETIMEDOUT', attempts: 2 });
    expect(error.message).toMatch(/no answer within 200 ms.*after 2 attempts/);
    expect(sent.map((request) => request.timeoutMs)).toEqual([200, 200]);
    expect(h.sleeps).toEqual([1000]);
  });

  it('POST timeout is not replayed (Kommo may have created the record)', async () => {
    const { transport, sent } = scriptedTransport([TIMED_OUT, OK]);
    const h = harness(TIMEOUT_ENV, { transport });

    const error = await rejectionOf((await h.client(oauthCfg(3))).request({ method: 'POST', url: 'leads', body: [{ name: 'x' }] }), KommoNetworkError);

    expect(error).toMatchObject({ code: 'ETIMEDOUT', attempts: 1, method: 'POST' });
    expect(sent).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });
});
