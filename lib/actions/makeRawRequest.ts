/**
 * Make Raw Request: sends any request to the Kommo API v4 of the credential's account and
 * returns `{statusCode, headers, responseBody}`.
 *
 * - Input: `url` (a path below `{Base URL}/api/v4/`, query included), `method` (any case),
 *   `data` (the JSON body: an object, or an array for Kommo's batch endpoints). Any other key is
 *   refused before a request, naming the right one (`body` → `data`).
 * - A 404 is returned as data when "Don't throw error on 404 Response" is on; any other non-2xx,
 *   after retries, fails the message.
 * - With "Rebound on rate limit" on, a 429 whose wait is beyond the cap puts the message back
 *   for later instead of failing it.
 */
import type { CredentialConfig } from '../client/auth';
import { configError } from '../client/errors';
import type { HttpMethod } from '../client/retryPolicy';
import inSchema from '../schemas/actions/makeRawRequest.in.json';
import { readCheckbox, readEnum, readInput, step } from '../step';

/** The step's configuration: credential fields plus this action's fields. */
export interface MakeRawRequestConfig extends CredentialConfig {
  doNotThrow404?: unknown;
  reboundOnRateLimit?: unknown;
}

/** The action's output body (`metadata.out`). */
export interface RawResponseBody {
  statusCode: number;
  headers: Record<string, string>;
  responseBody?: unknown;
}

/** The methods the input schema offers are the methods the action accepts: one source of truth. */
export const METHODS = inSchema.properties.method.enum as readonly HttpMethod[];

/** Keys people put where the input has another. */
const MISPLACED_KEYS = { body: 'data', payload: 'data', requestBody: 'data', json: 'data', path: 'url', endpoint: 'url', uri: 'url', verb: 'method' };

const NOT_FOUND_HINT = 'Enable "Don\'t throw error on 404 Response" to receive 404 as data.';

interface RawRequest {
  method: HttpMethod;
  url: string;
  data?: unknown;
}

/** Validates the message body before anything is sent. */
export function parseRawRequest(body: unknown): RawRequest {
  const input = readInput(body, inSchema, MISPLACED_KEYS);
  const method = readEnum(input.method, { label: 'Method', values: METHODS, required: true, ignoreCase: true });
  if (typeof input.url !== 'string' || input.url.trim() === '') {
    throw configError('Url is required: a path relative to {Base URL}/api/v4/, e.g. "leads?limit=5" or "/api/v4/contacts/123".');
  }
  const { data } = input;
  if (data !== undefined && data !== null && data !== '' && typeof data !== 'object') {
    throw configError(`Request Body must be a JSON object or array; got a ${typeof data}. Map an object (or an array for batch create/update).`);
  }
  return { method, url: input.url.trim(), data: data === '' || data === null ? undefined : data };
}

/** Sailor's `process` for the action (exported under that name below, never declared as a function named `process`). */
export const processAction = step<MakeRawRequestConfig, RawResponseBody>({
  reboundOnRateLimit: (cfg) => readCheckbox(cfg.reboundOnRateLimit),

  async run(body, { cfg, client }) {
    const request = parseRawRequest(body);
    const response = await (await client()).request({
      method: request.method,
      url: request.url,
      body: request.data,
      acceptStatuses: readCheckbox(cfg.doNotThrow404) ? [404] : [],
      hints: { 404: NOT_FOUND_HINT },
    });
    const output: RawResponseBody = { statusCode: response.status, headers: response.headers };
    if (response.body !== undefined) output.responseBody = response.body;
    return output;
  },
});

export { processAction as process };
