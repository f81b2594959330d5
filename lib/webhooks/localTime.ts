/**
 * Kommo's task deliveries carry some dates as wall-clock text in the account's time zone
 * (`"date_create": "2024-09-17 13:07:29"`, docs/kommo-api.md §8) where v4 has Unix seconds. This
 * turns such text into Unix seconds for a given IANA time zone, with `Intl` only (no dependency).
 */
import { configError } from '../client/errors';

/** `YYYY-MM-DD HH:MM:SS`, the only wall-clock form Kommo's deliveries use. */
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Converts wall-clock text of one time zone to Unix seconds. */
export interface WallClock {
  /** The IANA time zone this clock reads in. */
  readonly timeZone: string;
  /** Unix seconds for `YYYY-MM-DD HH:MM:SS`, or `undefined` when the text is not a valid date and time. */
  toUnixSeconds(text: string): number | undefined;
}

/**
 * A wall clock for an IANA time zone (`Europe/Moscow`, `UTC`). Throws a `KommoConfigError` for a
 * zone the runtime does not know. Create one per delivery: it holds a formatter, not process state.
 */
export function wallClock(timeZone: string): WallClock {
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    throw configError(`"${timeZone.slice(0, 60)}" is not a time zone this runtime knows; expected an IANA name such as Europe/Moscow.`);
  }

  /** The zone's offset from UTC at a given instant, in seconds (wall clock minus UTC). */
  const offsetSecondsAt = (unixSeconds: number): number => {
    const parts: Record<string, number> = {};
    for (const part of formatter.formatToParts(new Date(unixSeconds * 1000))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const wallAsUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) / 1000;
    return wallAsUtc - unixSeconds;
  };

  return {
    timeZone,
    toUnixSeconds(text: string): number | undefined {
      const match = WALL_CLOCK.exec(text);
      if (match === null) return undefined;
      const [year, month, day, hour, minute, sec] = match.slice(1).map(Number);
      if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59) return undefined;
      const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute, sec) / 1000;
      // Date.UTC rolls 31 April over to 1 May: such text is not a date.
      if (new Date(wallAsUtc * 1000).getUTCDate() !== day) return undefined;
      // The offset depends on the instant being computed: a second pass settles it next to a DST
      // change. A wall time that occurs twice (clocks going back) or never (clocks going forward)
      // gets one of the two offsets; Kommo's text does not say which was meant.
      const guess = wallAsUtc - offsetSecondsAt(wallAsUtc);
      return wallAsUtc - offsetSecondsAt(guess);
    },
  };
}
