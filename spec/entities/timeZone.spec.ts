import { KommoConfigError } from '../../lib/client/errors';
import { accountZone, formatDateTime, formatDay, instantOf, startOfDay } from '../../lib/entities/timeZone';

describe('accountZone', () => {
  it.each([
    ['Europe/Moscow', 1772368200, 3 * 3600],
    ['America/New_York', 1772368200, -5 * 3600],
    ['America/New_York', 1782907200, -4 * 3600],
    ['America/Sao_Paulo', 1541300400, -2 * 3600],
    ['UTC', 1772368200, 0],
    ['+03:00', 1772368200, 3 * 3600],
    ['-0530', 1772368200, -(5 * 3600 + 30 * 60)],
  ])('%s at %i is UTC%+i s', (name, instant, offset) => {
    expect(accountZone(name).offsetSecondsAt(instant)).toBe(offset);
  });

  it('an unknown zone is a configuration error naming it', () => {
    expect(() => accountZone('Mars/Olympus')).toThrow(KommoConfigError);
    expect(() => accountZone('Mars/Olympus')).toThrow('"Mars/Olympus" is not known');
  });
});

describe('wall times', () => {
  const newYork = accountZone('America/New_York');

  it.each([
    ['an ordinary time', { year: 2026, month: 3, day: 1, hour: 7, minute: 30, second: 0 }, '2026-03-01T07:30:00-05:00'],
    ['a time DST skipped moves forward by the jump', { year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0 }, '2026-03-08T03:30:00-04:00'],
    ['a time that happens twice is the earlier one', { year: 2026, month: 11, day: 1, hour: 1, minute: 30, second: 0 }, '2026-11-01T01:30:00-04:00'],
  ])('%s', (_, wall, expected) => {
    expect(formatDateTime(instantOf(wall, newYork), newYork)).toBe(expected);
  });

  it('a day whose midnight was skipped starts at 01:00', () => {
    const saoPaulo = accountZone('America/Sao_Paulo');
    expect(formatDateTime(startOfDay(2018, 11, 4, saoPaulo), saoPaulo)).toBe('2018-11-04T01:00:00-02:00');
  });

  it('days before 1970 and the year 1 format with four digits', () => {
    const utc = accountZone('UTC');
    expect(formatDay(startOfDay(1, 1, 1, utc), utc)).toBe('0001-01-01');
    expect(formatDay(startOfDay(1965, 5, 5, utc), utc)).toBe('1965-05-05');
  });

  it('an instant in a local-mean-time era (offset with seconds) is written in UTC', () => {
    expect(formatDateTime(-2000000000, accountZone('Europe/Moscow'))).toBe('1906-08-16T20:26:40+00:00');
  });
});
