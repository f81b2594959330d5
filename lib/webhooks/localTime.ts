/**
 * Kommo's task deliveries carry some dates as wall-clock text in the account's time zone
 * (`"date_create": "2024-09-17 13:07:29"`, docs/kommo-api.md §8) where v4 has Unix seconds. This
 * reads such text; the zone arithmetic is the entity layer's (lib/entities/timeZone.ts), so a
 * delivery's dates and the custom-field codec's agree, DST and fixed offsets included.
 */
import { accountZone, instantOf } from '../entities/timeZone';

/** `YYYY-MM-DD HH:MM:SS`, the only wall-clock form Kommo's deliveries use. */
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Converts wall-clock text of one time zone to Unix seconds. */
export interface WallClock {
  /** The time zone this clock reads in. */
  readonly timeZone: string;
  /** Unix seconds for `YYYY-MM-DD HH:MM:SS`, or `undefined` when the text is not a valid date and time. */
  toUnixSeconds(text: string): number | undefined;
}

/**
 * A wall clock for the account's time zone: an IANA name (`Europe/Moscow`, `UTC`) or Kommo's
 * fixed `±HH:MM` offset. Throws a `KommoConfigError` for a zone the runtime does not know.
 */
export function wallClock(timeZone: string): WallClock {
  const zone = accountZone(timeZone);
  return {
    timeZone,
    toUnixSeconds(text: string): number | undefined {
      const match = WALL_CLOCK.exec(text);
      if (match === null) return undefined;
      const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
      if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
      // Date.UTC rolls 31 April over to 1 May: such text is not a date.
      if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
      // A wall time that happens twice (clocks going back) is the earlier instant; one that never
      // happens (clocks going forward) moves forward by the jump, as timeZone.ts decides for every date.
      return instantOf({ year, month, day, hour, minute, second }, zone);
    },
  };
}
