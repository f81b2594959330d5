/**
 * The small slice of the Kommo client the entity layer needs: read one resource, or walk a
 * paginated list. `KommoClient` satisfies it (its `get` answers a superset of this shape); tests
 * use in-memory fakes. Paths are trusted entity paths relative to `/api/v4/` (`leads`,
 * `leads/custom_fields`, `account`), never user input.
 */
import type { PaginateOptions } from '../client/KommoClient';
import type { KommoQuery } from '../client/query';

export type { PaginateOptions } from '../client/KommoClient';
export type { FilterValue, KommoQuery } from '../client/query';

/** What a read answers: the status and the parsed body (`undefined` on 204). */
export interface ReaderResponse {
  status: number;
  body: unknown;
}

/** Reads Kommo: one resource, or a list one page at a time (in order, ending on 204, an empty or a short page). */
export interface KommoReader {
  get(path: string, query?: KommoQuery): Promise<ReaderResponse>;
  paginate<T>(path: string, options: PaginateOptions): AsyncIterable<T[]>;
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
