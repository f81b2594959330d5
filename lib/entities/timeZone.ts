/**
 * Calendar days and wall-clock times in the Kommo account's time zone, with Node's `Intl` time
 * zone data (no date library). Kommo stores dates as Unix seconds and shows them in the account's
 * zone (`GET account?with=datetime_settings`, docs/kommo-api.md §8), so a `date` field's day and a
 * `date_time` field's offset depend on that zone, DST included.
 */
import { configError } from '../client/errors';

/** An account time zone: its name and its UTC offset at any instant. */
export interface AccountZone {
  /** IANA name (`Europe/Moscow`) or a fixed offset (`+03:00`). */
  readonly name: string;
  /** Offset from UTC in seconds at the instant (east positive, e.g. +10800 for Moscow). */
  offsetSecondsAt(epochSeconds: number): number;
}

/** A wall-clock date and time (month 1–12). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** Latest instant a date may have (9999-12-31T23:59:59Z), to catch milliseconds given as seconds. */
export const MAX_UNIX_SECONDS = 253402300799;

/**
 * The zone named by Kommo: an IANA name known to `Intl`, or a fixed `±HH:MM` offset (Kommo's
 * `timezone_offset`). Anything else is a configuration error.
 */
export function accountZone(name: string): AccountZone {
  const fixed = FIXED_OFFSET.exec(name.trim());
  if (fixed) {
    const seconds = (Number(fixed[2]) * 3600 + Number(fixed[3]) * 60) * (fixed[1] === '-' ? -1 : 1);
    return { name: name.trim(), offsetSecondsAt: () => seconds };
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw configError(`The Kommo account's time zone "${name}" is not known to this Node.js runtime; dates cannot be converted. `
      + 'Check the time zone in the Kommo account settings.');
  }
  return {
    name,
    offsetSecondsAt(epochSeconds: number): number {
      const parts: Record<string, string> = {};
      for (const part of format.formatToParts(new Date(epochSeconds * 1000))) parts[part.type] = part.value;
      const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
      const local = utcSeconds({
        year, month: Number(parts.month), day: Number(parts.day),
        hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second),
      });
      return local - epochSeconds;
    },
  };
}

/** Seconds since the epoch of a wall time read as UTC (years 0–99 kept as such). */
function utcSeconds(time: WallTime): number {
  const date = new Date(0);
  date.setUTCFullYear(time.year, time.month - 1, time.day);
  date.setUTCHours(time.hour, time.minute, time.second, 0);
  return Math.floor(date.getTime() / 1000);
}

/** The wall time in the zone at an instant. */
export function wallTimeAt(epochSeconds: number, zone: AccountZone): WallTime {
  const date = new Date((epochSeconds + zone.offsetSecondsAt(epochSeconds)) * 1000);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

function pad(value: number, width = 2): string {
  const text = String(Math.abs(value)).padStart(width, '0');
  return value < 0 ? `-${text}` : text;
}

/** `YYYY-MM-DD`: the calendar day of the instant in the zone. */
export function formatDay(epochSeconds: number, zone: AccountZone): string {
  const time = wallTimeAt(epochSeconds, zone);
  return `${pad(time.year, 4)}-${pad(time.month)}-${pad(time.day)}`;
}

/** ISO 8601 with the zone's offset at that instant, e.g. `2026-03-01T15:30:00+03:00`. */
export function formatDateTime(epochSeconds: number, zone: AccountZone): string {
  const offset = zone.offsetSecondsAt(epochSeconds);
  // Historic local mean times have second offsets ISO 8601 cannot write: show those instants in UTC.
  const shown = offset % 60 === 0 ? offset : 0;
  const date = new Date((epochSeconds + shown) * 1000);
  const sign = shown < 0 ? '-' : '+';
  const minutes = Math.abs(shown) / 60;
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`
    + `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
    + `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function sameWallTime(a: WallTime, b: WallTime): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;
}

/**
 * The instant a wall time happens in the zone. In a DST overlap the earlier instant wins; a wall
 * time that does not exist (skipped by a DST jump) moves forward by the length of the jump (02:30
 * on a spring-forward night is 03:30), so a day whose midnight was skipped starts at 01:00.
 */
export function instantOf(time: WallTime, zone: AccountZone): number {
  const asUtc = utcSeconds(time);
  const candidates = new Set<number>();
  // Offsets a day either side cover both sides of any transition near this wall time.
  for (const probe of [asUtc - 86400, asUtc, asUtc + 86400]) candidates.add(asUtc - zone.offsetSecondsAt(probe));
  const exact = [...candidates].filter((instant) => sameWallTime(wallTimeAt(instant, zone), time)).sort((a, b) => a - b);
  if (exact.length > 0) return exact[0];
  // In a gap: the wall time read with the offset before the jump lands after it.
  return Math.max(...candidates);
}

/** The first instant of a calendar day in the zone (its midnight, or the end of a DST gap). */
export function startOfDay(year: number, month: number, day: number, zone: AccountZone): number {
  return instantOf({ year, month, day, hour: 0, minute: 0, second: 0 }, zone);
}
