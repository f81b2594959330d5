/**
 * One HTTP attempt (axios) against a real loopback server: body parsing by content type, plain
 * lower-case headers, no redirects, and network failures returned as outcomes with a normalised
 * code. No nock here: the transport is the layer that talks to sockets, so it meets real ones.
 */
import http from 'http';
import type { AddressInfo } from 'net';
import { createAxiosTransport, parseBody, Transport, TransportRequest } from '../../lib/client/transport';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

let server: http.Server;
let origin: string;
let handler: Handler;
const received: Received[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
});

function request(overrides: Partial<TransportRequest> = {}): TransportRequest {
  return { method: 'GET', url: new URL(`${origin}/api/v4/leads`), headers: { accept: 'application/json' }, timeoutMs: 2000, ...overrides };
}

describe('parseBody', () => {
  it.each<[string | undefined, string, unknown]>([
    ['application/json', '{"a":1}', { a: 1 }],
    ['application/hal+json; charset=utf-8', '{"_embedded":{}}', { _embedded: {} }],
    ['application/problem+json', '{"title":"Bad Request"}', { title: 'Bad Request' }],
    ['Application/JSON', '[1,2]', [1, 2]],
    ['application/json', 'not json', 'not json'],
    ['text/html', '<html>403</html>', '<html>403</html>'],
    [undefined, '{"a":1}', '{"a":1}'],
    ['application/json', '', undefined],
  ])('%s + %j → %j', (contentType, text, expected) => {
    expect(parseBody(contentType, text)).toEqual(expected);
  });
});

describe('createAxiosTransport', () => {
  // A fresh keep-alive pool per test: a socket left open by one test is never reused by the next.
  let transport: Transport;
  beforeEach(() => {
    transport = createAxiosTransport();
  });

  it('sends headers as given and the body as JSON; answers with lower-case plain headers and a parsed body', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/hal+json; charset=utf-8', 'X-Request-Id': 'r-1' });
      res.end(JSON.stringify([{ id: 1 }]));
    };

    const outcome = await transport(request({ method: 'POST', headers: { 'x-test': 'yes', 'content-type': 'application/json' }, body: [{ name: 'Deal' }] }));

    expect(outcome).toMatchObject({ kind: 'response', status: 200, body: [{ id: 1 }], headers: { 'content-type': 'application/hal+json; charset=utf-8', 'x-request-id': 'r-1' } });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/api/v4/leads', body: '[{"name":"Deal"}]' });
    expect(received[0].headers['x-test']).toBe('yes');
  });

  it('204 → no body', async () => {
    handler = (_req, res) => {
      res.writeHead(204);
      res.end();
    };

    await expect(transport(request())).resolves.toMatchObject({ kind: 'response', status: 204, body: undefined });
  });

  it('does not follow a redirect', async () => {
    handler = (req, res) => {
      if (req.url === '/api/v4/leads') res.writeHead(302, { location: `${origin}/elsewhere` });
      else res.writeHead(200);
      res.end();
    };

    const outcome = await transport(request());

    expect(outcome).toMatchObject({ kind: 'response', status: 302 });
    expect(received.map((entry) => entry.url)).toEqual(['/api/v4/leads']);
  });

  /** A network outcome, whose cause is a plain Error with the library's words and no request details. */
  function networkOutcome(code: string, words: RegExp) {
    return {
      kind: 'network',
      code,
      cause: expect.objectContaining({ constructor: Error, code, message: expect.stringMatching(words) }),
    };
  }

  it('a reset connection is a network outcome with its code, not an exception', async () => {
    handler = (req) => {
      req.socket.destroy();
    };

    const outcome = await transport(request({ headers: { authorization: 'Bearer tok-transport-secret' } }));

    expect(outcome).toEqual(networkOutcome('ECONNRESET', /socket hang up|ECONNRESET/));
    expect(Object.keys((outcome as { cause: Error }).cause)).toEqual(['code']);
    expect(JSON.stringify(outcome) + String((outcome as { cause: Error }).cause.stack)).not.toContain('tok-transport-secret');
  });

  it('no answer within timeoutMs → ETIMEDOUT (a real 50 ms timer: the timeout is the socket layer\'s own)', async () => {
    handler = () => undefined; // never answers

    await expect(transport(request({ timeoutMs: 50 }))).resolves.toEqual(networkOutcome('ETIMEDOUT', /timeout of 50ms exceeded/));
  });

  it('a refused connection → ECONNREFUSED', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    await expect(transport(request({ url: new URL(`http://127.0.0.1:${port}/api/v4/leads`) })))
      .resolves.toEqual(networkOutcome('ECONNREFUSED', /ECONNREFUSED/));
  });

  it('reports whether the request reused a keep-alive connection (the rate limiter counts cold ones from completion)', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const fresh = createAxiosTransport();
    const first = await fresh(request());
    // The agent takes the socket back after the response ends, on a later turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    const second = await fresh(request());
    expect(first).toMatchObject({ kind: 'response', connectionReused: false });
    expect(second).toMatchObject({ kind: 'response', connectionReused: true });
  });
});
