/**
 * A scripted HTTP server on 127.0.0.1 for specs that exercise the real transport: it records
 * every request (method, path with query, headers, body) and answers with the current handler.
 */
import http from 'http';
import type { AddressInfo } from 'net';

/** One request as the server received it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query as sent, e.g. `/api/v4/leads?page=1&limit=2`. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the handler answers: status, JSON body (or none), extra headers; or a reset connection. */
export interface ScriptedAnswer {
  status: number;
  /** Destroy the connection instead of answering (the client sees ECONNRESET). */
  reset?: boolean;
  json?: unknown;
  headers?: Record<string, string>;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:{port}` */
  readonly origin: string;
  readonly received: ReceivedRequest[];
  /** Answers each request; replace it per test. */
  handler: (request: ReceivedRequest) => ScriptedAnswer;
  close(): Promise<void>;
}

export async function startLoopbackServer(): Promise<LoopbackServer> {
  const received: ReceivedRequest[] = [];
  const state: Pick<LoopbackServer, 'handler'> = { handler: () => ({ status: 404 }) };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(request);
      const answer = state.handler(request);
      if (answer.reset) {
        req.socket.destroy();
        return;
      }
      const body = answer.json === undefined ? '' : JSON.stringify(answer.json);
      res.writeHead(answer.status, { ...(body ? { 'content-type': 'application/hal+json' } : {}), ...answer.headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    origin,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
