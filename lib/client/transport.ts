/**
 * One HTTP attempt with axios: no auth, no retry, no redirects. Network failures come back as an
 * outcome, not an exception, so the retry policy sees every way an attempt can end.
 */
import http from 'http';
import https from 'https';
import axios, { AxiosError, AxiosInstance } from 'axios';
import type { AttemptOutcome, HttpMethod } from './retryPolicy';

/** One attempt's request. `headers` are sent as given. */
export interface TransportRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  /** Sent as JSON when present. */
  body?: unknown;
  timeoutMs: number;
}

/** An HTTP answer as the rest of the client sees it: lower-case header names, parsed body. */
export type TransportOutcome = AttemptOutcome & ({
  kind: 'network';
  /** What the HTTP library said, as a plain Error (its own error object holds the request's headers). */
  cause?: Error;
} | {
  kind: 'response';
  statusText: string;
  /** Whether the request went over an already-open keep-alive connection (no set-up delay). */
  connectionReused: boolean;
});

/** Performs one attempt. */
export type Transport = (request: TransportRequest) => Promise<TransportOutcome>;

const JSON_CONTENT_TYPES = ['application/json', 'application/hal+json', 'application/problem+json'];

/** Parses JSON by content type (matched by prefix: `; charset=` suffixes are common), else keeps the text. */
export function parseBody(contentType: string | undefined, text: string): unknown {
  if (text === '') return undefined;
  const type = (contentType ?? '').toLowerCase();
  if (JSON_CONTENT_TYPES.some((prefix) => type.startsWith(prefix))) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function plainHeaders(raw: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || value === null) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

function networkCode(error: unknown): string {
  if (error instanceof AxiosError) {
    if (error.code === 'ECONNABORTED' || error.code === AxiosError.ETIMEDOUT) return 'ETIMEDOUT';
    const cause = (error.cause as { code?: unknown } | undefined)?.code;
    if (typeof cause === 'string') return cause;
    if (error.code) return error.code;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/** Builds the axios-backed transport with keep-alive connections. */
export function createAxiosTransport(instance: AxiosInstance = axios.create({
  httpAgent: new http.Agent({ keepAlive: true }),
  httpsAgent: new https.Agent({ keepAlive: true }),
  // A 3xx is a non-2xx answer: following it could carry the token to another host.
  maxRedirects: 0,
  validateStatus: () => true,
  responseType: 'text',
  transformResponse: [(data: unknown) => data],
})): Transport {
  return async (request) => {
    try {
      const response = await instance.request<string>({
        method: request.method,
        url: request.url.toString(),
        headers: request.headers,
        data: request.body === undefined ? undefined : JSON.stringify(request.body),
        timeout: request.timeoutMs,
      });
      const headers = plainHeaders(response.headers as Record<string, unknown>);
      return {
        kind: 'response',
        status: response.status,
        statusText: response.statusText,
        connectionReused: (response.request as { reusedSocket?: unknown } | undefined)?.reusedSocket === true,
        headers,
        body: parseBody(headers['content-type'], typeof response.data === 'string' ? response.data : ''),
      };
    } catch (error) {
      const code = networkCode(error);
      return { kind: 'network', code, cause: Object.assign(new Error(error instanceof Error ? error.message : code), { code }) };
    }
  };
}
