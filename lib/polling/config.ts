/**
 * What a poll needs to know, validated once before any request: which timestamp, which window,
 * how big a page, and how ties inside one second are told apart for this kind of collection.
 */
import { configError } from '../client/errors';
import type { FilterValue } from '../client/query';
import { parsePollWindow } from './time';

/** The timestamp a poll follows. Events have only `created_at`. */
export type TimestampField = 'updated_at' | 'created_at';

/**
 * How the records of one crowded second (more than a page) are enumerated when Kommo's order
 * inside a second changes from request to request:
 * - `idOrder`: entities. Kommo orders by `id` (unique, so stable); the second is read in id order
 *   with overlapping windows that prove nothing was skipped, even while records leave it.
 * - `recount`: events. They never change, so the second holds a fixed number of records; pages are
 *   re-read until that many distinct ids were seen.
 */
export type TieBreak = 'idOrder' | 'recount';

/**
 * How Kommo can sort the polled collection:
 * - `field`: by the timestamp itself (`order[updated_at]=asc`); ranges are scanned in that order.
 * - `id`: by id only (tasks by `updated_at`, docs/kommo-api.md §5). Once a poll knows its upper
 *   bound `U`, the whole range `[c, U]` is closed like a crowded second and is read in id order
 *   the same way (entities only).
 */
export type RangeOrder = 'field' | 'id';

/** Everything the planner reads. Build it with {@link buildPollConfig}. */
export interface PollConfig {
  readonly field: TimestampField;
  readonly tieBreak: TieBreak;
  readonly rangeOrder: RangeOrder;
  /** Records per request (Kommo `limit`). */
  readonly pageSize: number;
  /** Kommo's cap on `limit` for this collection: 250 for entities, 100 for events. */
  readonly maxPageSize: number;
  /** First second polled (inclusive). */
  readonly startSeconds: number;
  /** Last second polled (inclusive); absent: up to Kommo's "now" minus the lag. */
  readonly endSeconds?: number;
  /** Seconds behind Kommo's `Date` header that count as still open. */
  readonly safetyLagSeconds: number;
  /**
   * What is polled (object type, timestamp field, event filters), as a string. A snapshot taken
   * for another scope or another `startTime` is ignored, so editing either restarts the poll.
   */
  readonly scope: string;
  /** Extra Kommo filters sent with every request (events: `type`, `entity`); never the timestamp field. */
  readonly filter?: Readonly<Record<string, FilterValue>>;
}

/** The two kinds of collection the polling triggers read. */
export const POLL_KINDS = {
  entities: { tieBreak: 'idOrder', maxPageSize: 250 },
  events: { tieBreak: 'recount', maxPageSize: 100 },
} as const satisfies Record<string, { tieBreak: TieBreak; maxPageSize: number }>;

/** Kind of collection polled. */
export type PollKind = keyof typeof POLL_KINDS;

/**
 * Default lag behind Kommo's clock. The `Date` header is stamped after the query ran, so the
 * second before it may still be receiving writes; ten seconds also covers a slow commit.
 */
export const DEFAULT_SAFETY_LAG_SECONDS = 10;
const MIN_SAFETY_LAG_SECONDS = 2;
const MAX_SAFETY_LAG_SECONDS = 3600;

/** Raw trigger configuration, as the step hands it over. */
export interface PollConfigInput {
  kind: PollKind;
  /** `id` when Kommo cannot sort the collection by the timestamp field (entities only). Default `field`. */
  rangeOrder?: RangeOrder;
  /** `updated_at` (default for entities) or `created_at`; events always use `created_at`. */
  timestampField?: unknown;
  startTime?: unknown;
  endTime?: unknown;
  /** 1 … the kind's maximum; empty means the maximum. */
  pageSize?: unknown;
  scope: string;
  filter?: Readonly<Record<string, FilterValue>>;
  safetyLagSeconds?: number;
}

function readPageSize(value: unknown, max: number): number {
  if (value === undefined || value === null || value === '') return max;
  const size = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > max) {
    throw configError(`pageSize must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}. Leave it empty for ${max}.`);
  }
  return size;
}

function readField(kind: PollKind, value: unknown): TimestampField {
  if (kind === 'events') {
    if (value !== undefined && value !== null && value !== '' && value !== 'created_at') {
      throw configError(`Events are polled by created_at only, got timestampField ${JSON.stringify(value)}.`);
    }
    return 'created_at';
  }
  if (value === undefined || value === null || value === '') return 'updated_at';
  if (value === 'updated_at' || value === 'created_at') return value;
  throw configError(`timestampField must be "updated_at" (new and changed objects) or "created_at" (new objects only), got ${JSON.stringify(value)}.`);
}

/**
 * Validates the trigger's configuration before any request. Throws `KommoConfigError` naming the
 * field and what it accepts; nothing is sent and no snapshot is touched when it does.
 */
export function buildPollConfig(input: PollConfigInput): PollConfig {
  const profile = POLL_KINDS[input.kind];
  const field = readField(input.kind, input.timestampField);
  const window = parsePollWindow(input.startTime, input.endTime);
  const lag = input.safetyLagSeconds ?? DEFAULT_SAFETY_LAG_SECONDS;
  if (!Number.isInteger(lag) || lag < MIN_SAFETY_LAG_SECONDS || lag > MAX_SAFETY_LAG_SECONDS) {
    throw configError(`safetyLagSeconds must be a whole number from ${MIN_SAFETY_LAG_SECONDS} to ${MAX_SAFETY_LAG_SECONDS}, got ${lag}.`);
  }
  const rangeOrder = input.rangeOrder ?? 'field';
  // A programming error, not a user's: events have no stable id order to read a range by.
  if (rangeOrder === 'id' && profile.tieBreak !== 'idOrder') throw new Error(`buildPollConfig: ${input.kind} cannot be read in id order`);
  if (input.filter && Object.prototype.hasOwnProperty.call(input.filter, field)) {
    throw configError(`The ${field} filter is set by the poll itself; remove it from the extra filters.`);
  }
  return {
    field,
    tieBreak: profile.tieBreak,
    rangeOrder,
    pageSize: readPageSize(input.pageSize, profile.maxPageSize),
    maxPageSize: profile.maxPageSize,
    ...window,
    safetyLagSeconds: lag,
    scope: `${input.kind}:${field}:${input.scope}`,
    ...(input.filter ? { filter: input.filter } : {}),
  };
}
