/**
 * The polling triggers' one Kommo request: a list page for the cursor's query, with Kommo's clock.
 *
 * - 204 (nothing in the range, or past the end) is an empty page (docs/kommo-api.md §5);
 * - Kommo's "now" is its `Date` header, whole seconds; an answer without a readable one gives
 *   `NaN`, which the cursor refuses (polling never guesses Kommo's clock from ours);
 * - `with=` values ride along on every request: they add linked data, never change the records.
 */
import type { KommoApi } from '../client/KommoClient';
import { KommoError } from '../client/errors';
import type { FetchedPage, PollQuery } from './cursor';

/** Where a polled collection lives. */
export interface PolledList {
  /** Trusted path below `/api/v4/`, e.g. `leads`, `events`. */
  readonly path: string;
  /** The list's key under `_embedded`. */
  readonly embeddedKey: string;
  /** `with=` values for every request (linked objects). */
  readonly with?: readonly string[];
}

/** Kommo's clock from an answer's `Date` header, in Unix seconds; `NaN` when there is none. */
export function serverSeconds(headers: Readonly<Record<string, string>>): number {
  const date = headers.date;
  const ms = typeof date === 'string' ? Date.parse(date) : Number.NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : Number.NaN;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `fetchPage` of a poll over `list` through `client` (one request per call). */
export function pageFetcher<T>(client: Pick<KommoApi, 'get'>, list: PolledList): (query: PollQuery) => Promise<FetchedPage<T>> {
  const withValues = list.with && list.with.length > 0 ? { with: list.with } : {};
  return async (query) => {
    const response = await client.get(list.path, { ...query, ...withValues });
    const serverNowSeconds = serverSeconds(response.headers);
    if (response.status === 204 || response.body === undefined) return { records: [], serverNowSeconds };
    const items = isRecord(response.body) && isRecord(response.body._embedded) ? response.body._embedded[list.embeddedKey] : undefined;
    if (!Array.isArray(items)) {
      throw new KommoError(`Kommo answered GET /api/v4/${list.path} with ${response.status} but no _embedded.${list.embeddedKey} list; `
        + 'nothing was emitted and the next poll starts from the same place.');
    }
    return { records: items as T[], serverNowSeconds };
  };
}
