import { KommoConfigError } from '../../lib/client/errors';
import { wallClock } from '../../lib/webhooks/localTime';

describe('wallClock', () => {
  it.each<[string, string, number]>([
    ['UTC', '2024-09-17 13:07:29', 1726578449],
    ['Europe/Moscow', '2024-09-17 16:07:29', 1726578449],
    ['America/Sao_Paulo', '2024-09-17 10:07:29', 1726578449],
    ['Asia/Kolkata', '2024-09-17 18:37:29', 1726578449],
    ['Europe/Berlin', '2024-07-01 12:00:00', 1719828000],
    ['Europe/Berlin', '2024-01-15 12:00:00', 1705316400],
    ['Europe/Moscow', '2024-03-01 00:00:00', 1709240400],
    ['UTC', '1970-01-01 00:00:00', 0],
  ])('reads %s wall clock %s as %d', (timeZone, text, unixSeconds) => {
    expect(wallClock(timeZone).toUnixSeconds(text)).toBe(unixSeconds);
  });

  it.each<[string, string, number]>([
    ['clocks going back (the wall time happens twice): the earlier instant', '2024-10-27 02:30:00', 1729989000],
    ['clocks going forward (the wall time never happens): moved forward by the jump', '2024-03-31 02:30:00', 1711848600],
  ])('around a DST change, %s', (_name, text, unixSeconds) => {
    expect(wallClock('Europe/Berlin').toUnixSeconds(text)).toBe(unixSeconds);
  });

  it.each(['2024-02-30 10:00:00', '2023-02-29 10:00:00', '2024-13-01 00:00:00', '2024-00-10 00:00:00', '2024-09-17 24:00:00', '2024-09-17 23:60:00',
    '2024-09-17T13:07:29', '2024-09-17 13:07', '1726578449', '', ' 2024-09-17 13:07:29'])('is undefined for %j', (text) => {
    expect(wallClock('UTC').toUnixSeconds(text)).toBeUndefined();
  });

  it('reads Kommo\'s fixed offset when the account has no zone name', () => {
    expect(wallClock('+03:00').toUnixSeconds('2024-09-17 16:07:29')).toBe(1726578449);
    expect(wallClock('-05:30').toUnixSeconds('2024-09-17 07:37:29')).toBe(1726578449);
  });

  it('refuses a time zone the runtime does not know, naming it', () => {
    expect(() => wallClock('Mars/Olympus_Mons')).toThrow(KommoConfigError);
    expect(() => wallClock('Mars/Olympus_Mons')).toThrow('The Kommo account\'s time zone "Mars/Olympus_Mons" is not known to this Node.js runtime');
  });
});
