import { KommoConfigError } from '../../lib/client/errors';
import { createCustomFieldCodec, KommoUnknownReferenceError, type CustomFieldCodec } from '../../lib/entities/customFieldCodec';
import { OBJECT_TYPES } from '../../lib/entities/registry';
import { FIELDS } from './fixtures';

const MOSCOW = 'Europe/Moscow';
const NEW_YORK = 'America/New_York';
const SAO_PAULO = 'America/Sao_Paulo';

/** `null`: an account whose time zone Kommo did not give. */
function codec(timeZone: string | null = MOSCOW): CustomFieldCodec {
  return createCustomFieldCodec({ type: OBJECT_TYPES.leads, fields: FIELDS, timeZone: timeZone ?? undefined });
}

function entry(fieldId: number, values: unknown[] | null): Record<string, unknown> {
  const field = FIELDS.find((f) => f.id === fieldId)!;
  return { field_id: fieldId, field_name: field.name, field_code: field.code, field_type: field.type, values };
}

// Instants (Unix seconds) used below, computed independently of the code under test.
const MIDNIGHT_2026_03_01 = { [MOSCOW]: 1772312400, [NEW_YORK]: 1772341200, [SAO_PAULO]: 1772334000 };
const MIDNIGHT_1985_06_15 = { [MOSCOW]: 487627200, [NEW_YORK]: 487656000, [SAO_PAULO]: 487652400 };
const T_2026_03_01_1230Z = 1772368200;
const T_2026_07_01_1200Z = 1782907200;

describe('decode: custom_fields_values → custom_fields_by_id, one row per field type', () => {
  const rows: Array<[string, number, unknown[], unknown]> = [
    ['text', 100, [{ value: 'EXT-9' }], 'EXT-9'],
    ['textarea', 101, [{ value: 'line 1\nline 2' }], 'line 1\nline 2'],
    ['url', 102, [{ value: 'https://acme.example' }], 'https://acme.example'],
    ['streetaddress', 103, [{ value: '1 Main St' }], '1 Main St'],
    ['numeric (Kommo sends a string)', 104, [{ value: '415949' }], 415949],
    ['price', 105, [{ value: '1500.5' }], 1500.5],
    ['monetary', 106, [{ value: 99.99 }], 99.99],
    ['checkbox true', 107, [{ value: true }], true],
    ['checkbox false', 107, [{ value: false }], false],
    ['select → label', 111, [{ value: 'Referral', enum_id: 202, enum_code: null }], 'Referral'],
    ['select without value → label by enum_id', 111, [{ enum_id: 203 }], 'Trade show'],
    ['radiobutton → label', 112, [{ value: 'M', enum_id: 212 }], 'M'],
    ['multiselect → labels', 113, [{ value: 'Cars', enum_id: 221 }, { value: 'Planes', enum_id: 223 }], ['Cars', 'Planes']],
    ['multitext PHONE', 114, [{ value: '+7 912 345-67-89', enum_id: 233, enum_code: 'MOB' }, { value: '+7 495 000-00-00', enum_id: 231, enum_code: 'WORK' }],
      [{ value: '+7 912 345-67-89', enum_code: 'MOB' }, { value: '+7 495 000-00-00', enum_code: 'WORK' }]],
    ['multitext EMAIL, code by enum_id', 115, [{ value: 'anna@example.com', enum_id: 242 }], [{ value: 'anna@example.com', enum_code: 'PRIV' }]],
    ['smart_address (other type) as is', 116, [{ value: 'Moscow', enum_id: 1, enum_code: 'city' }], [{ value: 'Moscow', enum_id: 1, enum_code: 'city' }]],
    ['legal_entity (other type) as is', 117, [{ value: { name: 'Acme LLC', vat_id: '7701' } }], [{ value: { name: 'Acme LLC', vat_id: '7701' } }]],
  ];

  it.each(rows)('%s', (_, fieldId, values, expected) => {
    expect(codec().decode([entry(fieldId, values)])).toEqual({ [String(fieldId)]: expected });
  });

  const dateRows: Array<[string, number, number, Record<string, string>]> = [
    ['date at Moscow midnight', 108, MIDNIGHT_2026_03_01[MOSCOW], { [MOSCOW]: '2026-03-01', [NEW_YORK]: '2026-02-28', [SAO_PAULO]: '2026-02-28' }],
    ['date at New York midnight', 108, MIDNIGHT_2026_03_01[NEW_YORK], { [MOSCOW]: '2026-03-01', [NEW_YORK]: '2026-03-01', [SAO_PAULO]: '2026-03-01' }],
    ['birthday in 1985 (Moscow summer time, +04:00)', 109, MIDNIGHT_1985_06_15[MOSCOW], { [MOSCOW]: '1985-06-15', [NEW_YORK]: '1985-06-14', [SAO_PAULO]: '1985-06-14' }],
    ['date_time in winter', 110, T_2026_03_01_1230Z,
      { [MOSCOW]: '2026-03-01T15:30:00+03:00', [NEW_YORK]: '2026-03-01T07:30:00-05:00', [SAO_PAULO]: '2026-03-01T09:30:00-03:00' }],
    ['date_time in New York summer time', 110, T_2026_07_01_1200Z,
      { [MOSCOW]: '2026-07-01T15:00:00+03:00', [NEW_YORK]: '2026-07-01T08:00:00-04:00', [SAO_PAULO]: '2026-07-01T09:00:00-03:00' }],
  ];

  describe.each([MOSCOW, NEW_YORK, SAO_PAULO])('in %s', (zone) => {
    it.each(dateRows)('%s', (_, fieldId, instant, expected) => {
      expect(codec(zone).decode([entry(fieldId, [{ value: instant }])])).toEqual({ [String(fieldId)]: expected[zone] });
    });
  });

  it('a date sent as a numeric string (webhook style) decodes the same', () => {
    expect(codec(NEW_YORK).decode([entry(108, [{ value: String(MIDNIGHT_2026_03_01[NEW_YORK]) }])])).toEqual({ 108: '2026-03-01' });
  });

  it('a fixed offset zone (Kommo timezone_offset) works where Intl has no name', () => {
    expect(codec('+03:00').decode([entry(110, [{ value: T_2026_03_01_1230Z }])])).toEqual({ 110: '2026-03-01T15:30:00+03:00' });
  });

  it.each([
    ['null (nothing set)', null],
    ['an empty array', []],
    ['a field with no values', [entry(100, [])]],
    ['a field with values: null', [entry(100, null)]],
  ])('%s → {}', (_, values) => {
    expect(codec().decode(values)).toEqual({});
  });

  it('a field missing from the account model still decodes by its field_type', () => {
    expect(codec().decode([{ field_id: 999, field_type: 'numeric', values: [{ value: '7' }] }])).toEqual({ 999: 7 });
  });

  it('an entry without field_type is typed by the account model', () => {
    expect(codec().decode([{ field_id: 104, values: [{ value: '12' }] }])).toEqual({ 104: 12 });
  });

  it('decorate adds custom_fields_by_id to a copy and keeps every key Kommo sent', () => {
    const lead = { id: 1, name: 'Deal', is_price_computed: false, custom_fields_values: [entry(100, [{ value: 'EXT-9' }])], _embedded: { tags: [] } };
    const snapshot = JSON.parse(JSON.stringify(lead));
    const decorated = codec().decorate(lead);
    expect(decorated).toEqual({ ...snapshot, custom_fields_by_id: { 100: 'EXT-9' } });
    expect(lead).toEqual(snapshot);
    expect(codec().decorate({ id: 2, custom_fields_values: null })).toEqual({ id: 2, custom_fields_values: null, custom_fields_by_id: {} });
  });

  it('an unknown or missing time zone is an error only when a date is converted', () => {
    expect(codec(null).decode([entry(100, [{ value: 'x' }])])).toEqual({ 100: 'x' });
    expect(() => codec(null).decode([entry(108, [{ value: 1 }])])).toThrow('time zone is unknown');
    expect(() => codec('Mars/Olympus').decode([entry(108, [{ value: 1 }])])).toThrow('"Mars/Olympus" is not known');
  });
});

describe('encode: custom_fields_by_id → custom_fields_values', () => {
  const rows: Array<[string, number, unknown, unknown[] | null]> = [
    ['text', 100, 'EXT-9', [{ value: 'EXT-9' }]],
    ['text from a number', 100, 42, [{ value: '42' }]],
    ['textarea keeps whitespace', 101, ' a\n', [{ value: ' a\n' }]],
    ['url', 102, 'https://acme.example', [{ value: 'https://acme.example' }]],
    ['streetaddress', 103, '1 Main St', [{ value: '1 Main St' }]],
    ['numeric', 104, 415949, [{ value: 415949 }]],
    ['numeric from text', 104, ' 1500.50 ', [{ value: 1500.5 }]],
    ['price', 105, '-3', [{ value: -3 }]],
    ['monetary', 106, 99.99, [{ value: 99.99 }]],
    ['checkbox', 107, false, [{ value: false }]],
    ['checkbox from "true"', 107, 'true', [{ value: true }]],
    ['select by label', 111, 'Referral', [{ enum_id: 202 }]],
    ['select by label, case and spaces ignored', 111, ' trade SHOW ', [{ enum_id: 203 }]],
    ['select by option id', 111, 202, [{ enum_id: 202 }]],
    ['select by option id as text', 111, '203', [{ enum_id: 203 }]],
    ['radiobutton', 112, 'S', [{ enum_id: 211 }]],
    ['multiselect by labels and ids', 113, ['Cars', 223], [{ enum_id: 221 }, { enum_id: 223 }]],
    ['multiselect from one label', 113, 'Boats', [{ enum_id: 222 }]],
    ['multiselect without duplicates', 113, ['Cars', 'cars', 221], [{ enum_id: 221 }]],
    ['multitext from text (WORK)', 114, '+7 912 345-67-89', [{ value: '+7 912 345-67-89', enum_code: 'WORK' }]],
    ['multitext from texts', 115, ['a@b.example', 'c@d.example'], [{ value: 'a@b.example', enum_code: 'WORK' }, { value: 'c@d.example', enum_code: 'WORK' }]],
    ['multitext from objects', 114, [{ value: '+1 555 0100', enum_code: 'MOB' }, { value: '+1 555 0101', enum_code: 'FAX' }],
      [{ value: '+1 555 0100', enum_code: 'MOB' }, { value: '+1 555 0101', enum_code: 'FAX' }]],
    ['multitext object without code → WORK', 115, [{ value: 'a@b.example' }], [{ value: 'a@b.example', enum_code: 'WORK' }]],
    ['multitext EMAIL with PRIV', 115, [{ value: 'a@b.example', enum_code: 'PRIV' }], [{ value: 'a@b.example', enum_code: 'PRIV' }]],
    ['multitext drops empty texts and duplicates', 114, ['+7 912 345-67-89', '', '+7 (912) 345 67 89'], [{ value: '+7 912 345-67-89', enum_code: 'WORK' }]],
    ['other type: Kommo values as is', 117, [{ value: { name: 'Acme LLC' } }], [{ value: { name: 'Acme LLC' } }]],
  ];

  it.each(rows)('%s', (_, fieldId, input, expected) => {
    expect(codec().encode({ [String(fieldId)]: input })).toEqual([{ field_id: fieldId, values: expected }]);
  });

  it.each([100, 104, 107, 108, 110, 111, 113, 114, 117])('null clears field %s (values: null)', (fieldId) => {
    expect(codec().encode({ [String(fieldId)]: null })).toEqual([{ field_id: fieldId, values: null }]);
  });

  it.each([100, 104, 111, 113])('"" clears field %s as well', (fieldId) => {
    expect(codec().encode({ [String(fieldId)]: '' })).toEqual([{ field_id: fieldId, values: null }]);
  });

  it.each([[113, []], [114, []], [114, ['']]])('an empty multi-value %s %p clears it', (fieldId, input) => {
    expect(codec().encode({ [String(fieldId)]: input })).toEqual([{ field_id: fieldId, values: null }]);
  });

  const dateRows: Array<[string, number, unknown, Record<string, number>]> = [
    ['date from YYYY-MM-DD → midnight in the account zone', 108, '2026-03-01', MIDNIGHT_2026_03_01],
    ['birthday from YYYY-MM-DD (1985, Moscow on summer time)', 109, '1985-06-15', MIDNIGHT_1985_06_15],
    ['date from ISO 8601 with offset → the day it falls on in the zone', 108, '2026-03-01T12:30:00Z', MIDNIGHT_2026_03_01],
    ['date from Unix seconds → that day in the zone', 108, T_2026_03_01_1230Z, MIDNIGHT_2026_03_01],
    ['date from Unix seconds as text', 108, String(T_2026_03_01_1230Z), MIDNIGHT_2026_03_01],
    ['date_time from ISO 8601 with offset', 110, '2026-03-01T15:30:00+03:00',
      { [MOSCOW]: T_2026_03_01_1230Z, [NEW_YORK]: T_2026_03_01_1230Z, [SAO_PAULO]: T_2026_03_01_1230Z }],
    ['date_time from ISO 8601 in UTC with milliseconds', 110, '2026-03-01T12:30:00.999Z',
      { [MOSCOW]: T_2026_03_01_1230Z, [NEW_YORK]: T_2026_03_01_1230Z, [SAO_PAULO]: T_2026_03_01_1230Z }],
    ['date_time without offset is wall time in the account zone', 110, '2026-03-01T15:30:00',
      { [MOSCOW]: T_2026_03_01_1230Z, [NEW_YORK]: T_2026_03_01_1230Z + 8 * 3600, [SAO_PAULO]: T_2026_03_01_1230Z + 6 * 3600 }],
    ['date_time from Unix seconds', 110, T_2026_07_01_1200Z,
      { [MOSCOW]: T_2026_07_01_1200Z, [NEW_YORK]: T_2026_07_01_1200Z, [SAO_PAULO]: T_2026_07_01_1200Z }],
    ['date_time from YYYY-MM-DD → start of that day', 110, '2026-03-01', MIDNIGHT_2026_03_01],
  ];

  describe.each([MOSCOW, NEW_YORK, SAO_PAULO])('in %s', (zone) => {
    it.each(dateRows)('%s', (_, fieldId, input, expected) => {
      expect(codec(zone).encode({ [String(fieldId)]: input })).toEqual([{ field_id: fieldId, values: [{ value: expected[zone] }] }]);
    });
  });

  it('a day whose midnight DST skipped starts at 01:00 (São Paulo, 2018-11-04)', () => {
    expect(codec(SAO_PAULO).encode({ 108: '2018-11-04' })).toEqual([{ field_id: 108, values: [{ value: 1541300400 }] }]);
    expect(codec(SAO_PAULO).decode([entry(108, [{ value: 1541300400 }])])).toEqual({ 108: '2018-11-04' });
  });

  it('a New York wall time skipped by DST moves forward by the hour', () => {
    const [write] = codec(NEW_YORK).encode({ 110: '2026-03-08T02:30:00' });
    expect(codec(NEW_YORK).decode([entry(110, write.values)])).toEqual({ 110: '2026-03-08T03:30:00-04:00' });
  });

  it('several fields encode in input order', () => {
    expect(codec().encode({ 100: 'A', 104: 1 }).map((write) => write.field_id)).toEqual([100, 104]);
  });

  it('keys are field ids as strings; a key with spaces still finds its field', () => {
    expect(codec().encode({ ' 100 ': 'A' })).toEqual([{ field_id: 100, values: [{ value: 'A' }] }]);
  });

  it('undefined values are skipped (mapper left them empty)', () => {
    expect(codec().encode({ 100: undefined, 104: 5 })).toEqual([{ field_id: 104, values: [{ value: 5 }] }]);
  });
});

describe('encode: bad values are errors naming the field and what it accepts, before anything is sent', () => {
  const rows: Array<[string, number, unknown, string[]]> = [
    ['numeric given words', 104, 'abc', ['Custom field 104 "Budget" (numeric) of leads accepts a number', 'got the text "abc"']],
    ['numeric with a decimal comma', 104, '1,5', ['accepts a number']],
    ['numeric given a boolean', 104, true, ['accepts a number', 'got boolean true']],
    ['text given an object', 100, { a: 1 }, ['Custom field 100 "External ID" (text) of leads accepts text', 'got an object']],
    ['checkbox given "yes"', 107, 'yes', ['Custom field 107 "VIP" (checkbox) of leads accepts true or false']],
    ['date given an impossible day', 108, '2026-02-30', ['Custom field 108 "Contract date" (date)', '"YYYY-MM-DD"', 'no such day']],
    ['date given milliseconds', 108, 1772368200000, ['milliseconds']],
    ['date given words', 108, 'tomorrow', ['accepts a date as "YYYY-MM-DD", an ISO 8601 date-time or Unix seconds']],
    ['date_time given an impossible hour', 110, '2026-03-01T25:00:00Z', ['Custom field 110 "Meeting at" (date_time)', 'no such time']],
    ['select given an array', 111, ['Website'], ['Custom field 111 "Source" (select) of leads accepts one option']],
    ['other type given text', 117, 'Acme', ['Custom field 117 "Legal entity" (legal_entity) of leads accepts Kommo\'s values array']],
    ['multitext given a number list of objects without value', 114, [{ enum_code: 'MOB' }], ['Custom field 114 "Phone" (multitext)', 'each value must be text']],
  ];

  it.each(rows)('%s', (_, fieldId, input, fragments) => {
    const run = (): unknown => codec().encode({ 100: 'fine', [String(fieldId)]: input });
    expect(run).toThrow(KommoConfigError);
    for (const fragment of fragments) expect(run).toThrow(fragment);
    expect(run).toThrow('or null to clear it');
  });

  const unknownRows: Array<[string, number, unknown, string[]]> = [
    ['select label', 111, 'Webshop', ['has no option labelled the text "Webshop"', '"Website", "Referral", "Trade show"']],
    ['select id', 111, 999, ['has no option with id number 999']],
    ['multiselect label', 113, ['Cars', 'Trains'], ['Custom field 113 "Interests" (multiselect)', 'the text "Trains"', '"Cars", "Boats", "Planes"']],
    ['PHONE enum code', 114, [{ value: '+1', enum_code: 'PRIV' }], ['has no enum code the text "PRIV"', 'WORK, WORKDD, MOB, FAX, HOME, OTHER']],
    ['EMAIL enum code', 115, [{ value: 'a@b.example', enum_code: 'MOB' }], ['has no enum code the text "MOB"', 'WORK, PRIV, OTHER']],
  ];

  it.each(unknownRows)('unknown %s: a reference error (the model may be stale) listing what exists', (_, fieldId, input, fragments) => {
    const run = (): unknown => codec().encode({ [String(fieldId)]: input });
    expect(run).toThrow(KommoUnknownReferenceError);
    for (const fragment of fragments) expect(run).toThrow(fragment);
  });

  it('a number that is no option id may be a label: a rating select with labels "1" to "5"', () => {
    const rating = { ...FIELDS[0], id: 150, name: 'Rating', type: 'select', enums: ['1', '2', '3', '4', '5'].map((label, index) => ({ id: 301 + index, value: label })) };
    const ratings = createCustomFieldCodec({ type: OBJECT_TYPES.leads, fields: [rating] });
    expect(ratings.encode({ 150: 2 })).toEqual([{ field_id: 150, values: [{ enum_id: 302 }] }]);
    expect(ratings.encode({ 150: '4' })).toEqual([{ field_id: 150, values: [{ enum_id: 304 }] }]);
    expect(ratings.encode({ 150: 305 })).toEqual([{ field_id: 150, values: [{ enum_id: 305 }] }]);
    expect(() => ratings.encode({ 150: 6 })).toThrow('has no option with id number 6');
    expect(() => ratings.encode({ 150: 2.5 })).toThrow('accepts one option, by label ("1", "2", "3", "4", "5") or by option id');
    expect(() => ratings.encode({ 150: 2.5 })).not.toThrow(KommoUnknownReferenceError);
  });

  it('an unknown field id names the type, lists the fields and says how to find ids', () => {
    let error: unknown;
    try {
      codec().encode({ 100: 'fine', 999: 'x' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KommoUnknownReferenceError);
    expect(error).toBeInstanceOf(KommoConfigError);
    expect((error as KommoUnknownReferenceError).fieldId).toBe('999');
    const message = (error as Error).message;
    expect(message).toContain('"999" is not a custom field of leads');
    expect(message).toContain('keyed by the field id');
    expect(message).toContain('100 "External ID", 101 "Notes"');
    expect(message).toContain('and 3 more');
    expect(message).toContain('GET leads/custom_fields');
  });

  it('custom_fields_by_id that is not an object is an error', () => {
    expect(() => codec().encode(['x'])).toThrow('custom_fields_by_id must be an object keyed by custom field id');
  });

  it('a long bad value is shortened in the message', () => {
    expect(() => codec().encode({ 104: 'x'.repeat(500) })).toThrow(`"${'x'.repeat(60)}…"`);
  });
});

describe('mergeMultiValues and the current object', () => {
  const current = {
    id: 7,
    custom_fields_values: [
      entry(113, [{ value: 'Cars', enum_id: 221, enum_code: null }]),
      entry(114, [{ value: '+7 912 345-67-89', enum_id: 233, enum_code: 'MOB' }]),
      entry(115, [{ value: 'Anna@Example.com', enum_id: 242, enum_code: 'PRIV' }]),
      entry(105, [{ value: '1500.50' }]),
      entry(108, [{ value: T_2026_03_01_1230Z }]),
    ],
  };

  it('adds multiselect and multitext values to the current ones without duplicates', () => {
    const writes = codec().encode({
      113: ['Boats', 'Cars'],
      114: ['+7 (912) 345 67 89', '+1 555 0100'],
      115: [{ value: ' anna@example.COM ', enum_code: 'WORK' }, { value: 'b@c.example', enum_code: 'WORK' }],
    }, { current, mergeMultiValues: true });
    expect(writes).toEqual([
      { field_id: 113, values: [{ enum_id: 221 }, { enum_id: 222 }] },
      { field_id: 114, values: [{ value: '+7 912 345-67-89', enum_code: 'MOB' }, { value: '+1 555 0100', enum_code: 'WORK' }] },
      { field_id: 115, values: [{ value: 'Anna@Example.com', enum_code: 'PRIV' }, { value: 'b@c.example', enum_code: 'WORK' }] },
    ]);
  });

  it('without mergeMultiValues the given values replace the current ones', () => {
    expect(codec().encode({ 113: ['Boats'] }, { current })).toEqual([{ field_id: 113, values: [{ enum_id: 222 }] }]);
  });

  it('merging into a field the object does not have yet sends just the new values', () => {
    expect(codec().encode({ 113: ['Boats'] }, { current: { id: 8, custom_fields_values: null }, mergeMultiValues: true }))
      .toEqual([{ field_id: 113, values: [{ enum_id: 222 }] }]);
  });

  it('null still clears a multi-value field when merging', () => {
    expect(codec().encode({ 113: null }, { current, mergeMultiValues: true })).toEqual([{ field_id: 113, values: null }]);
  });

  it('a value equal to the current one is sent back exactly as Kommo stored it', () => {
    expect(codec().encode({ 105: 1500.5, 108: '2026-03-01' }, { current })).toEqual([
      { field_id: 105, values: [{ value: '1500.50' }] },
      { field_id: 108, values: [{ value: T_2026_03_01_1230Z }] },
    ]);
    // Without the current object the same input is normalised (number, midnight).
    expect(codec().encode({ 105: 1500.5, 108: '2026-03-01' })).toEqual([
      { field_id: 105, values: [{ value: 1500.5 }] },
      { field_id: 108, values: [{ value: MIDNIGHT_2026_03_01[MOSCOW] }] },
    ]);
  });

  it('a changed value is encoded, not taken from the current object', () => {
    expect(codec().encode({ 105: 7 }, { current })).toEqual([{ field_id: 105, values: [{ value: 7 }] }]);
  });
});

describe('round trip: writing back what a read produced sends what Kommo stored', () => {
  /** An object as Kommo stores it in `zone`: every field type set, dates at midnight of the zone. */
  function stored(zone: string): Record<string, unknown> {
    return {
      id: 42,
      custom_fields_values: [
        entry(100, [{ value: 'EXT-9' }]),
        entry(101, [{ value: 'two\nlines' }]),
        entry(102, [{ value: 'https://acme.example' }]),
        entry(103, [{ value: '1 Main St' }]),
        entry(104, [{ value: '415949' }]),
        entry(105, [{ value: '1500.5' }]),
        entry(106, [{ value: '99.99' }]),
        entry(107, [{ value: true }]),
        entry(108, [{ value: MIDNIGHT_2026_03_01[zone as keyof typeof MIDNIGHT_2026_03_01] }]),
        entry(109, [{ value: MIDNIGHT_1985_06_15[zone as keyof typeof MIDNIGHT_1985_06_15] }]),
        entry(110, [{ value: T_2026_07_01_1200Z }]),
        entry(111, [{ value: 'Trade show', enum_id: 203, enum_code: null }]),
        entry(112, [{ value: 'S', enum_id: 211, enum_code: null }]),
        entry(113, [{ value: 'Boats', enum_id: 222, enum_code: null }, { value: 'Planes', enum_id: 223, enum_code: null }]),
        entry(114, [{ value: '+7 912 345-67-89', enum_id: 233, enum_code: 'MOB' }, { value: '+1 555 0100', enum_id: 231, enum_code: 'WORK' }]),
        entry(115, [{ value: 'anna@example.com', enum_id: 242, enum_code: 'PRIV' }]),
        entry(116, [{ value: 'Moscow', enum_id: 1, enum_code: 'city' }]),
        entry(117, [{ value: { name: 'Acme LLC', vat_id: '7701' } }]),
      ],
    };
  }

  /** What Kommo stored, as a write: options by enum id, numbers as numbers, everything else as stored. */
  function storedAsWrite(object: Record<string, unknown>): unknown[] {
    return (object.custom_fields_values as Array<Record<string, unknown>>).map((item) => {
      const values = item.values as Array<Record<string, unknown>>;
      switch (item.field_type) {
        case 'select': case 'radiobutton': case 'multiselect':
          return { field_id: item.field_id, values: values.map((value) => ({ enum_id: value.enum_id })) };
        case 'multitext':
          return { field_id: item.field_id, values: values.map((value) => ({ value: value.value, enum_code: value.enum_code })) };
        case 'numeric': case 'price': case 'monetary':
          return { field_id: item.field_id, values: values.map((value) => ({ value: Number(value.value) })) };
        case 'smart_address': case 'legal_entity':
          return { field_id: item.field_id, values };
        default:
          return { field_id: item.field_id, values: values.map((value) => ({ value: value.value })) };
      }
    });
  }

  it.each([MOSCOW, NEW_YORK, SAO_PAULO])('in %s, without the current object', (zone) => {
    const object = stored(zone);
    const read = codec(zone).decode(object.custom_fields_values);
    expect(Object.keys(read)).toHaveLength(18);
    expect(codec(zone).encode(read)).toEqual(storedAsWrite(object));
  });

  it.each([MOSCOW, NEW_YORK, SAO_PAULO])('in %s, with the current object: the stored values exactly', (zone) => {
    const object = stored(zone);
    const read = codec(zone).decode(object.custom_fields_values);
    const writes = codec(zone).encode(read, { current: object });
    const exact = (object.custom_fields_values as Array<Record<string, unknown>>).map((item) => ({
      field_id: item.field_id,
      values: (item.values as Array<Record<string, unknown>>).map((value) => {
        if (['select', 'radiobutton', 'multiselect'].includes(String(item.field_type))) return { enum_id: value.enum_id };
        if (item.field_type === 'multitext') return { value: value.value, enum_code: value.enum_code };
        return item.field_type === 'smart_address' || item.field_type === 'legal_entity' ? value : { value: value.value };
      }),
    }));
    expect(writes).toEqual(exact);
  });

  it('decode of a write read back by Kommo gives the same plain values (decode ∘ encode is the identity)', () => {
    const plain = { 108: '2026-03-01', 110: '2026-07-01T08:00:00-04:00', 104: 12.5 };
    const writes = codec(NEW_YORK).encode(plain);
    const readBack = writes.map((write) => ({ ...entry(write.field_id, write.values!.map((v) => ({ value: String(v.value) }))) }));
    expect(codec(NEW_YORK).decode(readBack)).toEqual(plain);
  });
});

describe('encodeInput: custom_fields_by_id or raw custom_fields_values', () => {
  it('passes raw custom_fields_values through untouched', () => {
    const raw = [{ field_id: 999, values: [{ value: 'anything', enum_id: 1 }] }];
    expect(codec().encodeInput({ custom_fields_values: raw })).toBe(raw);
    expect(codec().encodeInput({ custom_fields_values: null })).toBeNull();
    expect(codec().encodeInput({ custom_fields_values: raw, custom_fields_by_id: {} })).toBe(raw);
  });

  it('encodes custom_fields_by_id', () => {
    expect(codec().encodeInput({ name: 'x', custom_fields_by_id: { 100: 'A' } })).toEqual([{ field_id: 100, values: [{ value: 'A' }] }]);
  });

  it('has nothing to send when neither is given', () => {
    expect(codec().encodeInput({ name: 'x' })).toBeUndefined();
    expect(codec().encodeInput({ name: 'x', custom_fields_by_id: null })).toBeUndefined();
  });

  it('refuses both at once, and a raw value that is not Kommo\'s array', () => {
    expect(() => codec().encodeInput({ custom_fields_values: [], custom_fields_by_id: { 100: 'A' } })).toThrow('not both');
    expect(() => codec().encodeInput({ custom_fields_values: { 100: 'A' } })).toThrow('custom_fields_values must be Kommo\'s array');
  });
});
