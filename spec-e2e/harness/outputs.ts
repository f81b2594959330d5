/** Typed views of Make Raw Request's output, for assertions. */
import type { DataOutput } from './bus';

export interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
  responseBody?: unknown;
}

export function rawResponse(output: DataOutput): RawResponse {
  return output.message.body as unknown as RawResponse;
}
