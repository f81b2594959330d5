/**
 * Make Raw Request: sends any request to the Kommo API v4 of the credential's account and
 * returns `{statusCode, headers, responseBody}`. A 404 is returned as data when "Don't throw
 * error on 404 Response" is on; any other non-2xx, after retries, fails the message.
 */
import type { ComponentContext, Message } from '../context';
import { newMessage } from '../context';
import type { CredentialConfig } from '../client/auth';
import { configError, KommoRateLimitError } from '../client/errors';
import { createKommoClient } from '../client/KommoClient';
import type { HttpMethod } from '../client/retryPolicy';
import inSchema from '../schemas/actions/makeRawRequest.in.json';

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

interface RawRequest {
  method: HttpMethod;
  url: string;
  data?: unknown;
}

/** Checkbox values arrive as booleans, or as strings from mappings. */
function isOn(value: unknown): boolean {
  return value === true || value === 'true';
}

/** Validates the message body before anything is sent. */
export function parseRawRequest(body: unknown): RawRequest {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const method = typeof input.method === 'string' ? input.method.trim().toUpperCase() : '';
  if (!METHODS.includes(method as HttpMethod)) {
    throw configError(`Method must be one of ${METHODS.join(', ')}; got ${input.method === undefined ? 'nothing' : JSON.stringify(input.method)}.`);
  }
  if (typeof input.url !== 'string' || input.url.trim() === '') {
    throw configError('Url is required: a path relative to {Base URL}/api/v4/, e.g. "leads?limit=5" or "/api/v4/contacts/123".');
  }
  const data = input.data;
  if (data !== undefined && data !== null && data !== '' && typeof data !== 'object') {
    throw configError(`Request Body must be a JSON object or array; got a ${typeof data}. Map an object (or an array for batch create/update).`);
  }
  return { method: method as HttpMethod, url: input.url.trim(), data: data === '' || data === null ? undefined : data };
}

export async function processAction(this: ComponentContext, msg: Message, cfg: MakeRawRequestConfig): Promise<Message<RawResponseBody> | undefined> {
  const request = parseRawRequest(msg.body);
  const client = await createKommoClient(cfg, { logger: this.logger });
  try {
    const response = await client.request({
      method: request.method,
      url: request.url,
      body: request.data,
      acceptStatuses: isOn(cfg.doNotThrow404) ? [404] : [],
    });
    const output: RawResponseBody = { statusCode: response.status, headers: response.headers };
    if (response.body !== undefined) output.responseBody = response.body;
    return newMessage(output);
  } catch (error) {
    if (error instanceof KommoRateLimitError && isOn(cfg.reboundOnRateLimit)) {
      // The platform re-delivers the message later; the container is not blocked meanwhile.
      await this.emit('rebound', error);
      return undefined;
    }
    throw error;
  }
}

export { processAction as process };
