/** A webhook receiver on 127.0.0.1 for the dispatcher specs: records every POST and answers as told. */
import { createServer, type IncomingHttpHeaders, type Server } from 'http';
import type { AddressInfo } from 'net';

export interface ReceivedDelivery {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body. */
  body: string;
  /** The body decoded by Node's own URLSearchParams (deliberately not a bracket parser). */
  fields: URLSearchParams;
}

/** How the receiver answers: a status, optionally after a delay; `hang` never answers. */
export type ReceiverBehaviour = { status: number; delayMs?: number } | { hang: true };

export interface Receiver {
  /** `http://127.0.0.1:<port>` plus the path given to {@link startReceiver}. */
  url: string;
  received: ReceivedDelivery[];
  behave(behaviour: ReceiverBehaviour): void;
  close(): Promise<void>;
}

export async function startReceiver(path = '/kommo-hook'): Promise<Receiver> {
  let behaviour: ReceiverBehaviour = { status: 200 };
  const received: ReceivedDelivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, fields: new URLSearchParams(body) });
      if ('hang' in behaviour) return;
      const { status, delayMs = 0 } = behaviour;
      setTimeout(() => res.writeHead(status).end('ok'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    behave: (next) => {
      behaviour = next;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
