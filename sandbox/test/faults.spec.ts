import { NGINX_FORBIDDEN_HTML, startSandbox, type Fault } from '..';
import { call } from './client';
import { useSandbox } from './fixtures';

const { sandbox } = useSandbox({ rateLimit: false });

const get = (path = '/api/v4/leads') => call(sandbox().baseUrl, 'GET', path, { token: sandbox().accessToken });
const createLead = (name = 'Fault probe') => call(sandbox().baseUrl, 'POST', '/api/v4/leads', { token: sandbox().accessToken, body: [{ name }] });
const leadCount = (): number => sandbox().entities('leads').length;

describe('status faults', () => {
  it('answers a 500 with problem+json carrying trace_id and leaves the write unapplied', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'status', status: 500 });
    const response = await createLead();
    expect(response.status).toBe(500);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json()).toEqual({
      title: 'Internal Server Error',
      type: 'https://httpstatus.es/500',
      status: 500,
      detail: expect.any(String),
      trace_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(leadCount()).toBe(5);
    expect(sandbox().requestLog[0]).toMatchObject({ method: 'POST', status: 500, fault: 'status', body: [{ name: 'Fault probe' }] });
  });

  it.each([502, 503, 504, 402])('answers %d as problem+json', async (status) => {
    sandbox().injectFault('/api/v4/leads', { kind: 'status', status });
    const response = await get();
    expect(response.status).toBe(status);
    expect(response.json()).toMatchObject({ status, type: `https://httpstatus.es/${status}` });
  });

  it('answers a 403 with the nginx HTML page by default', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'status', status: 403 });
    const response = await get();
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toBe('text/html');
    expect(response.text).toBe(NGINX_FORBIDDEN_HTML);
  });

  it('answers a 429 with Kommo’s rate-limit body', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    const response = await get();
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('3');
    expect(response.json()).toMatchObject({ title: 'Too Many Requests', retry_after: expect.any(Number) });
  });

  it('sends a custom body, content type and headers verbatim', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'status', status: 429, body: '<html>slow down</html>', contentType: 'text/html', headers: { 'x-request-id': 'abc' } });
    const response = await get();
    expect(response.status).toBe(429);
    expect(response.text).toBe('<html>slow down</html>');
    expect(response.headers['content-type']).toBe('text/html');
    expect(response.headers['x-request-id']).toBe('abc');
  });

  it('applies to the next N matching requests only', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'status', status: 503 }, 2);
    const statuses = [(await get()).status, (await get()).status, (await get()).status];
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('matches a string against the exact pathname, ignoring the query', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'status', status: 503 }, Infinity);
    expect((await get('/api/v4/leads?limit=1')).status).toBe(503);
    expect((await get('/api/v4/leads/1000001')).status).toBe(200);
    expect((await get('/api/v4/contacts')).status).toBe(200);
  });

  it('matches a RegExp against pathname and query', async () => {
    sandbox().injectFault(/page=2/, { kind: 'status', status: 502 }, Infinity);
    expect((await get('/api/v4/leads?limit=2&page=2')).status).toBe(502);
    expect((await get('/api/v4/leads?limit=2&page=1')).status).toBe(200);
  });

  it('matches only the given method', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'status', status: 500 }, 1, 'post');
    expect((await get()).status).toBe(200);
    expect((await createLead()).status).toBe(500);
  });

  it('fires before auth: even a tokenless request gets the fault', async () => {
    sandbox().injectFault('/api/v4/account', { kind: 'status', status: 502 });
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/account')).status).toBe(502);
  });

  it('clearFaults() drops pending faults', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'status', status: 500 }, 5);
    sandbox().clearFaults();
    expect((await get()).status).toBe(200);
  });

  it('refuses a non-positive count', () => {
    expect(() => sandbox().injectFault('/x', { kind: 'hang' }, 0)).toThrow(RangeError);
  });
});

describe('ambiguous faults (afterProcessing)', () => {
  it('applies the write, then answers 504: the client cannot know it succeeded', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'status', status: 504, afterProcessing: true }, 1, 'POST');
    const response = await createLead('Applied anyway');
    expect(response.status).toBe(504);
    expect(sandbox().entities('leads').at(-1)).toMatchObject({ name: 'Applied anyway' });
    expect(sandbox().requestLog[0]).toMatchObject({ status: 504, fault: 'status', authorization: 'valid' });
  });

  it('applies the write, then resets the connection', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'reset', afterProcessing: true });
    await expect(createLead('Reset after write')).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sandbox().entities('leads').at(-1)).toMatchObject({ name: 'Reset after write' });
    expect(sandbox().requestLog[0]).toMatchObject({ status: 0, fault: 'reset' });
  });
});

describe('connection faults', () => {
  it('reset destroys the socket before answering and applies nothing', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'reset' });
    await expect(createLead()).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(leadCount()).toBe(5);
    expect(sandbox().requestLog[0]).toMatchObject({ status: 0, fault: 'reset' });
    expect((await get()).status).toBe(200);
  });

  it('delay answers normally after the wait', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'delay', ms: 150 });
    const started = Date.now();
    const response = await get();
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(sandbox().requestLog[0]).toMatchObject({ status: 200, fault: 'delay' });
  });

  it('hang never answers, so the client times out', async () => {
    sandbox().injectFault('/api/v4/leads', { kind: 'hang' });
    await expect(call(sandbox().baseUrl, 'GET', '/api/v4/leads', { token: sandbox().accessToken, timeoutMs: 200 })).rejects.toThrow('client timeout');
    expect(sandbox().requestLog[0]).toMatchObject({ status: 0, fault: 'hang' });
    expect((await get()).status).toBe(200);
  });

  it('close() does not wait for hung requests', async () => {
    const own = await startSandbox({ rateLimit: false });
    own.injectFault('/api/v4/leads', { kind: 'hang' });
    const pending = call(own.baseUrl, 'GET', '/api/v4/leads', { token: own.accessToken, timeoutMs: 10_000 });
    await waitFor(() => own.requestLog.length === 1);
    await own.close();
    await expect(pending).rejects.toThrow();
  });
});

describe('faults and the rate limit', () => {
  it('faults before processing do not count towards the rate limit; after-processing ones do', async () => {
    const own = await startSandbox({ rateLimit: { requestsPerSecond: 2 }, now: () => 0 });
    try {
      const hit = () => call(own.baseUrl, 'GET', '/api/v4/account', { token: own.accessToken }).then((response) => response.status);
      const fault: Fault = { kind: 'status', status: 503 };
      own.injectFault('/api/v4/account', fault, 3);
      expect([await hit(), await hit(), await hit()]).toEqual([503, 503, 503]);
      expect([await hit(), await hit()]).toEqual([200, 200]);
      own.resetRateLimit();
      own.injectFault('/api/v4/account', { ...fault, afterProcessing: true }, 2);
      expect([await hit(), await hit(), await hit()]).toEqual([503, 503, 429]);
    } finally {
      await own.close();
    }
  });
});

describe('request log', () => {
  it('records every request in arrival order with path, host, status and body', async () => {
    await get('/api/v4/leads?limit=1');
    await call(sandbox().baseUrl, 'GET', '/api/v4/contacts');
    await createLead('Logged');
    const log = sandbox().requestLog;
    expect(log).toHaveLength(3);
    expect(log[0]).toEqual({
      at: expect.any(Number),
      method: 'GET',
      path: '/api/v4/leads?limit=1',
      status: 200,
      host: new URL(sandbox().baseUrl).host,
      authorization: 'valid',
      accountId: 31000001,
    });
    expect(log[1]).toMatchObject({ path: '/api/v4/contacts', status: 401, authorization: 'missing' });
    expect(log[1].accountId).toBeUndefined();
    expect(log[2]).toMatchObject({ method: 'POST', status: 200, body: [{ name: 'Logged' }] });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
