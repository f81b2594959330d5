/**
 * A stand-in for the platform's webhook gateway on 127.0.0.1: it receives Kommo's deliveries at
 * `/hook/<flow id>[/extra path]`, answers at once as the gateway does (`{"requestId", "message":
 * "thank you"}`, docs/elasticio-triggers.md §2) and hands the request on as a step message
 * `{id, body, headers, query, method, url, additionalUrlPath}` — to the step's queue in the e2e
 * scenarios, straight to `process` in the integration specs.
 *
 * Whether the real gateway nests bracket keys, keeps them flat or passes the raw text is not
 * verified (docs/elasticio-triggers.md §2), so the body form is chosen per gateway:
 * `nested` (qs-style, the common form-parser default), `flat`, `raw` (the text as the body) or
 * `rawData` (`{rawData: text}`, what `consumesRawData` gives).
 */
import { randomUUID } from 'crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'http';
import type { AddressInfo } from 'net';
import { flatForm, nestedForm, type Pairs } from '../../spec/webhooks/fixtures';

/** How the gateway passes a form body on. */
export type GatewayBodyForm = 'nested' | 'flat' | 'raw' | 'rawData';

/** The message the gateway publishes for one request. */
export interface GatewayMessage {
  id: string;
  body: unknown;
  headers: Record<string, string>;
  query: Record<string, string>;
  method: string;
  url: string;
  additionalUrlPath: string;
  [key: string]: unknown;
}

export interface GatewayOptions {
  flowId: string;
  form: GatewayBodyForm;
  /** Called once per request, after the caller has had its answer. */
  publish(message: GatewayMessage): Promise<unknown> | unknown;
}

export interface WebhookGateway {
  /** `http://127.0.0.1:<port>/hook/<flow id>`: what the platform puts in `ELASTICIO_FLOW_WEBHOOK_URI`. */
  readonly baseUri: string;
  /** Every message handed on, in arrival order. */
  readonly published: GatewayMessage[];
  /** Requests answered 404 (not under the flow's hook path). */
  readonly refused: string[];
  setForm(form: GatewayBodyForm): void;
  /** Resolves once every publish started so far has settled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function bodyFor(form: GatewayBodyForm, text: string): unknown {
  if (form === 'raw') return text;
  if (form === 'rawData') return { rawData: text };
  const pairs: Pairs = [...new URLSearchParams(text)];
  return form === 'flat' ? flatForm(pairs) : nestedForm(pairs);
}

function plainHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]])));
}

export async function startWebhookGateway(options: GatewayOptions): Promise<WebhookGateway> {
  let form = options.form;
  const prefix = `/hook/${options.flowId}`;
  const published: GatewayMessage[] = [];
  const refused: string[] = [];
  const pending = new Set<Promise<unknown>>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://gateway.invalid');
      if (req.method !== 'POST' || (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`))) {
        refused.push(`${req.method ?? ''} ${url.pathname}`);
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const requestId = randomUUID();
      // The gateway answers before the flow runs: Kommo gets its 200 within its 2 s whatever the step does.
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId, message: 'thank you' }));
      const message: GatewayMessage = {
        id: requestId,
        body: bodyFor(form, Buffer.concat(chunks).toString('utf8')),
        headers: plainHeaders(req.headers),
        query: Object.fromEntries(url.searchParams),
        method: req.method,
        url: url.pathname,
        additionalUrlPath: url.pathname.slice(prefix.length),
      };
      published.push(message);
      const handed = Promise.resolve().then(() => options.publish(message));
      pending.add(handed);
      void handed.finally(() => pending.delete(handed)).catch(() => undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUri: `http://127.0.0.1:${port}${prefix}`,
    published,
    refused,
    setForm(next) {
      form = next;
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
