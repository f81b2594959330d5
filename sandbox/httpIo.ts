/** Reading request bodies; shared by the Kommo side and the fake platform. */
import type { IncomingMessage } from 'http';

export const HAL_JSON = 'application/hal+json';
export const PROBLEM_JSON = 'application/problem+json';

/** Bodies beyond this are refused: 250 fat entities fit comfortably. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export function readRawBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The outcome of decoding a body: absent, decoded, or undecodable (a client error). */
export type ParsedBody = { kind: 'none' } | { kind: 'ok'; value: unknown } | { kind: 'invalid'; reason: string };

/** JSON by default; form-urlencoded when the content type says so (the token endpoint gets both, docs/kommo-api.md §2.2). */
export function parseBody(raw: string, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) return { kind: 'none' };
  if ((contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return { kind: 'ok', value: Object.fromEntries(new URLSearchParams(raw)) };
  }
  try {
    return { kind: 'ok', value: JSON.parse(raw) as unknown };
  } catch {
    return { kind: 'invalid', reason: 'Request body is not valid JSON' };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
