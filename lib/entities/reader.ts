/**
 * The small slice of the Kommo client the entity layer needs: read one resource, or walk a
 * paginated list. `KommoClient` satisfies it (its `get` answers a superset of this shape); tests
 * use in-memory fakes. Paths are trusted entity paths relative to `/api/v4/` (`leads`,
 * `leads/custom_fields`, `account`), never user input.
 */

/** One value of a Kommo filter, as `encodeQuery` turns it into bracket parameters. */
export type FilterValue = string | number | boolean | readonly FilterValue[] | { readonly [key: string]: FilterValue };

/** Query parameters of a Kommo list or read request (docs/kommo-api.md §5). */
export interface KommoQuery {
  filter?: { readonly [key: string]: FilterValue };
  order?: { readonly [key: string]: 'asc' | 'desc' };
  with?: readonly string[];
  page?: number;
  limit?: number;
  /** Kommo's free-text search (`query=`): fuzzy, see `matching.ts`. */
  query?: string | number;
}

/** What a read answers: the status and the parsed body (`undefined` on 204). */
export interface ReaderResponse {
  status: number;
  body: unknown;
}

/** Options of a paginated walk; `embeddedKey` names the list under `_embedded`. */
export interface PaginateOptions {
  embeddedKey: string;
  query?: KommoQuery;
  /** The `limit` sent on every page; a page shorter than this ends the walk. */
  pageSize?: number;
  maxPages?: number;
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
