/** A response decided but not yet written, so faults can replace it after processing. */
import type { ServerResponse } from 'http';
import { HAL_JSON, PROBLEM_JSON } from './httpIo';
import { NGINX_FORBIDDEN_HTML, type Problem } from './problems';

export interface Answer {
  status: number;
  /** Absent → no body at all (204). */
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export function jsonAnswer(status: number, payload: unknown, contentType: string = HAL_JSON, headers?: Record<string, string>): Answer {
  return { status, body: JSON.stringify(payload), contentType, headers };
}

export function problemAnswer(payload: Problem, headers?: Record<string, string>): Answer {
  return jsonAnswer(payload.status, payload, PROBLEM_JSON, headers);
}

/** Empty lists and pages past the end: 204, no body (docs/kommo-api.md §4). */
export const NO_CONTENT: Answer = { status: 204 };

export const BANNED: Answer = { status: 403, body: NGINX_FORBIDDEN_HTML, contentType: 'text/html' };

export function writeAnswer(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string | number> = { ...answer.headers };
  if (answer.body !== undefined) {
    headers['content-type'] = answer.contentType ?? 'text/plain';
    headers['content-length'] = Buffer.byteLength(answer.body);
  }
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}
