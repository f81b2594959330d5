/** A tiny HTTP client for the sandbox specs: raw status, headers and text, and resets surfaced as errors. */
import { request } from 'http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = Record<string, unknown>>(): T;
}

export interface CallOptions {
  token?: string;
  /** Sent as JSON unless `form` is set. */
  body?: unknown;
  form?: boolean;
  /** Sent verbatim (wins over `body`); set the content type through `headers`. */
  raw?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined = options.raw;
  if (payload === undefined && options.body !== undefined) {
    payload = options.form
      ? new URLSearchParams(options.body as Record<string, string>).toString()
      : JSON.stringify(options.body);
    headers['content-type'] = options.form ? 'application/x-www-form-urlencoded' : 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}
