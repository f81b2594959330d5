/**
 * `startTime` / `endTime`: every accepted form, and a clear configuration error for the rest.
 */
import { KommoConfigError } from '../../lib/client/errors';
import { parsePollWindow, parseTimeBound } from '../../lib/polling/time';

describe('parseTimeBound: accepted forms', () => {
  it.each`
    value                               | seconds
    ${undefined}                        | ${undefined}
    ${null}                             | ${undefined}
    ${''}                               | ${undefined}
    ${'   '}                            | ${undefined}
    ${1772379000}                       | ${1772379000}
    ${0}                                | ${0}
    ${'1772379000'}                     | ${1772379000}
    ${' 1772379000 '}                   | ${1772379000}
    ${'2026-03-01T15:30:00Z'}           | ${1772379000}
    ${'2026-03-01t15:30:00z'}           | ${1772379000}
    ${'2026-03-01T15:30:00.999Z'}       | ${1772379000}
    ${'2026-03-01T15:30:00,5Z'}         | ${1772379000}
    ${'2026-03-01T18:30:00+03:00'}      | ${1772379000}
    ${'2026-03-01T18:30:00+0300'}       | ${1772379000}
    ${'2026-03-01T18:30:00+03'}         | ${1772379000}
    ${'2026-03-01T12:00:00-03:30'}      | ${1772379000}
    ${'2026-03-01T15:30:00'}            | ${1772379000}
    ${'2026-03-01 15:30:00'}            | ${1772379000}
    ${'2026-03-01T15:30'}               | ${1772379000}
    ${'2026-03-01'}                     | ${1772323200}
    ${'2024-02-29'}                     | ${1709164800}
    ${'1970-01-01T00:00:00Z'}           | ${0}
  `('$value → $seconds', ({ value, seconds }) => {
    expect(parseTimeBound('startTime', value)).toBe(seconds);
  });

  it('a value without an offset is UTC, whatever the machine\'s time zone', () => {
    expect(parseTimeBound('endTime', '2026-03-01T15:30:00')).toBe(parseTimeBound('endTime', '2026-03-01T15:30:00Z'));
  });
});

describe('parseTimeBound: refused with an error naming the field and the accepted forms', () => {
  it.each`
    value                           | why
    ${'yesterday'}                  | ${'"yesterday" is not a date'}
    ${'2026-13-01'}                 | ${'is not a calendar date and time'}
    ${'2026-02-30'}                 | ${'is not a calendar date and time'}
    ${'2025-02-29'}                 | ${'is not a calendar date and time'}
    ${'2026-03-01T24:00:00Z'}       | ${'is not a calendar date and time'}
    ${'2026-03-01T15:60:00Z'}       | ${'is not a calendar date and time'}
    ${'2026-03-01T15:30:00+25:00'}  | ${'has an impossible zone offset'}
    ${'2026-03-01Z'}                | ${'is not a date'}
    ${'03/01/2026'}                 | ${'is not a date'}
    ${'1969-12-31T23:59:59Z'}       | ${'is before 1970-01-01T00:00:00Z'}
    ${-5}                           | ${'is before 1970'}
    ${'-5'}                         | ${'is before 1970'}
    ${1772379000.5}                 | ${'is not a whole number of seconds'}
    ${'1772379000.5'}               | ${'is not a whole number of seconds'}
    ${1772379000000}                | ${'milliseconds? divide by 1000'}
    ${Number.NaN}                   | ${'is not a whole number of seconds'}
    ${true}                         | ${'must be a string or a number, not boolean'}
    ${[1772379000]}                 | ${'must be a string or a number, not an array'}
    ${{ seconds: 1 }}               | ${'must be a string or a number, not object'}
  `('$value: $why', ({ value, why }) => {
    const parse = () => parseTimeBound('startTime', value);
    expect(parse).toThrow(KommoConfigError);
    expect(parse).toThrow(why);
    expect(parse).toThrow(/^startTime .*takes ISO 8601, e\.g\. 2026-03-01T15:30:00Z .* or Unix seconds, e\.g\. 1772379000; leave it empty for no bound\.$/);
  });

  it('a long value is cut in the message', () => {
    expect(() => parseTimeBound('endTime', `2026-03-01T${'9'.repeat(200)}`)).toThrow(/^endTime "2026-03-01T9{29}…" is not a date/);
  });
});

describe('parsePollWindow', () => {
  it.each`
    startTime                 | endTime                   | window
    ${undefined}              | ${undefined}              | ${{ startSeconds: 0 }}
    ${'2026-03-01'}           | ${''}                     | ${{ startSeconds: 1772323200 }}
    ${'2026-03-01'}           | ${'2026-03-01'}           | ${{ startSeconds: 1772323200, endSeconds: 1772323200 }}
    ${1772323200}             | ${'2026-03-02T00:00:00Z'} | ${{ startSeconds: 1772323200, endSeconds: 1772409600 }}
  `('$startTime … $endTime', ({ startTime, endTime, window }) => {
    expect(parsePollWindow(startTime, endTime)).toEqual(window);
  });

  it('an end before the start is a configuration error', () => {
    expect(() => parsePollWindow('2026-03-02', '2026-03-01')).toThrow(
      new KommoConfigError('endTime (2026-03-01T00:00:00.000Z) is before startTime (2026-03-02T00:00:00.000Z). Set an endTime after the startTime, or leave endTime empty to keep polling.'),
    );
  });

  it('names the field that is wrong', () => {
    expect(() => parsePollWindow('2026-03-01', 'soon')).toThrow(/^endTime "soon" is not a date/);
  });
});
