/**
 * Account time zone arithmetic for date custom fields and `with=datetime_settings`
 * (docs/kommo-api.md §7, §8), on the platform's IANA data (Intl), without a date library.
 */

function formatter(timezone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** Throws a RangeError naming the value when `timezone` is not an IANA zone. */
export function assertTimezone(timezone: string): void {
  try {
    formatter(timezone);
  } catch {
    throw new RangeError(`timezone must be an IANA time zone such as 'Europe/Moscow', got '${timezone}'`);
  }
}

/** How far the zone's wall clock is ahead of UTC at `utcMs` (ms; negative west of Greenwich). */
export function zoneOffsetMs(timezone: string, utcMs: number): number {
  const parts = formatter(timezone).formatToParts(new Date(utcMs));
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((candidate) => candidate.type === type)?.value);
  const wallAsUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wallAsUtc - Math.floor(utcMs / 1000) * 1000;
}

/** `+03:00` / `-05:00`, as `datetime_settings.timezone_offset` shows it. */
export function offsetLabel(timezone: string, utcMs: number): string {
  const minutes = Math.round(zoneOffsetMs(timezone, utcMs) / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const absolute = Math.abs(minutes);
  return `${sign}${String(Math.floor(absolute / 60)).padStart(2, '0')}:${String(absolute % 60).padStart(2, '0')}`;
}

const DAY_MS = 86_400_000;

/**
 * Unix seconds of 00:00 on a calendar date in the zone: the first instant of that day. Where a
 * DST jump skipped midnight (São Paulo on 2018-11-04), the day starts when the clocks jump (01:00),
 * as PHP's DateTime reads a wall time that does not exist: never an instant of the day before.
 */
export function zonedMidnightSeconds(timezone: string, year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month - 1, day);
  // Two passes: the offset at the guessed instant may differ from the one at midnight (DST days).
  let instant = wall - zoneOffsetMs(timezone, wall);
  instant = wall - zoneOffsetMs(timezone, instant);
  // Midnight skipped: read the wall time with the offset in force before the jump (a day earlier).
  if (instant + zoneOffsetMs(timezone, instant) !== wall) instant = wall - zoneOffsetMs(timezone, wall - DAY_MS);
  return Math.floor(instant / 1000);
}

/** Unix seconds of 00:00 of the zone's calendar day that contains `seconds`. */
export function startOfZonedDaySeconds(timezone: string, seconds: number): number {
  const wall = new Date(seconds * 1000 + zoneOffsetMs(timezone, seconds * 1000));
  return zonedMidnightSeconds(timezone, wall.getUTCFullYear(), wall.getUTCMonth() + 1, wall.getUTCDate());
}
