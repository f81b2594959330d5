/**
 * `startTime` / `endTime` of the polling triggers, read once before any request: ISO 8601 or Unix
 * seconds, turned into Unix seconds (Kommo's timestamps are whole seconds, docs/kommo-api.md §8).
 *
 * A value without a zone offset is read as **UTC**: the platform's containers run in UTC, the
 * account's time zone is unknown until Kommo is asked, and a trigger must not change meaning when
 * it moves to another machine. Write the offset (`+03:00`) to mean a local time.
 */
import { configError, type KommoConfigError } from '../client/errors';

/** The config keys this module reads, named in every error. */
export type TimeBoundField = 'startTime' | 'endTime';

/** From year 5138 on, a number of seconds is far more likely milliseconds pasted by mistake. */
const MAX_UNIX_SECONDS = 99_999_999_999;
const SHOWN_VALUE_CHARS = 40;

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function accepted(field: TimeBoundField): string {
  return `${field} takes ISO 8601, e.g. 2026-03-01T15:30:00Z or 2026-03-01T15:30:00+03:00 (without an offset the time is read as UTC), `
    + 'a date 2026-03-01 (midnight UTC), or Unix seconds, e.g. 1772379000; leave it empty for no bound.';
}

function shown(text: string): string {
  return text.length > SHOWN_VALUE_CHARS ? `${text.slice(0, SHOWN_VALUE_CHARS)}…` : text;
}

function invalid(field: TimeBoundField, value: string, why: string): KommoConfigError {
  return configError(`${field} "${shown(value)}" ${why}. ${accepted(field)}`);
}

function fromSeconds(field: TimeBoundField, seconds: number, raw: string): number {
  if (!Number.isInteger(seconds)) throw invalid(field, raw, 'is not a whole number of seconds');
  if (seconds < 0) throw invalid(field, raw, 'is before 1970-01-01T00:00:00Z');
  if (seconds > MAX_UNIX_SECONDS) throw invalid(field, raw, 'is too large for Unix seconds (milliseconds? divide by 1000)');
  return seconds;
}

/** Minutes east of UTC for `Z`, `+03`, `+0330`, `-03:30`. */
function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

function fromIso(field: TimeBoundField, text: string): number {
  const match = ISO_8601.exec(text);
  if (!match) throw invalid(field, text, 'is not a date');
  const [, year, month, day, hour = '00', minute = '00', second = '00', zone] = match;
  const parts = [year, month, day, hour, minute, second].map(Number);
  const [y, mo, d, h, mi, s] = parts;
  const localMs = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(localMs);
  // Date.UTC rolls 2026-02-30 over to March: a value that does not read back is not a calendar date.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d
    || check.getUTCHours() !== h || check.getUTCMinutes() !== mi || check.getUTCSeconds() !== s) {
    throw invalid(field, text, 'is not a calendar date and time');
  }
  const offset = offsetMinutes(zone);
  if (offset === undefined) throw invalid(field, text, 'has an impossible zone offset');
  // Fractions of a second are dropped: the second that contains the instant is the bound.
  return fromSeconds(field, localMs / 1000 - offset * 60, text);
}

/**
 * Reads one bound. Empty (`undefined`, `null`, blank string) means "no bound" and returns
 * `undefined`. Throws `KommoConfigError` naming the field and the accepted forms otherwise.
 */
export function parseTimeBound(field: TimeBoundField, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return fromSeconds(field, value, String(value));
  if (typeof value !== 'string') throw configError(`${field} must be a string or a number, not ${Array.isArray(value) ? 'an array' : typeof value}. ${accepted(field)}`);
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return fromSeconds(field, Number(text), text);
  if (/^[+-]?\d+(?:\.\d*)?$/.test(text)) return fromSeconds(field, Number(text), text);
  return fromIso(field, text);
}

/** The polled time window: both bounds inclusive, in Unix seconds. */
export interface PollWindow {
  /** First second polled; 0 (1970) when `startTime` is empty. */
  startSeconds: number;
  /** Last second polled; absent when `endTime` is empty (poll up to Kommo's "now"). */
  endSeconds?: number;
}

/** Reads `startTime` and `endTime` together; an end before the start is a configuration error. */
export function parsePollWindow(startTime: unknown, endTime: unknown): PollWindow {
  const startSeconds = parseTimeBound('startTime', startTime) ?? 0;
  const endSeconds = parseTimeBound('endTime', endTime);
  if (endSeconds !== undefined && endSeconds < startSeconds) {
    throw configError(`endTime (${new Date(endSeconds * 1000).toISOString()}) is before startTime (${new Date(startSeconds * 1000).toISOString()}). `
      + 'Set an endTime after the startTime, or leave endTime empty to keep polling.');
  }
  return endSeconds === undefined ? { startSeconds } : { startSeconds, endSeconds };
}
