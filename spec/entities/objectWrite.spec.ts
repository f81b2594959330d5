/**
 * objectWrite: the body of a create or an update from a message's input (core fields typed by
 * the registry, custom fields through the codec, tags without clobbering), tag references, object
 * ids, and a create body that carries its criterion's value.
 */
import { KommoConfigError } from '../../lib/client/errors';
import { createCustomFieldCodec } from '../../lib/entities/customFieldCodec';
import { resolveCriterion } from '../../lib/entities/matching';
import { objectWriteBody, parseObjectId, parseTagRefs, withCriterionValue } from '../../lib/entities/objectWrite';
import { OBJECT_TYPES } from '../../lib/entities/registry';
import { FIELDS } from './fixtures';

const leads = OBJECT_TYPES.leads;
const contacts = OBJECT_TYPES.contacts;
const codec = createCustomFieldCodec({ type: leads, fields: FIELDS, timeZone: 'Europe/Berlin' });
const contactCodec = createCustomFieldCodec({ type: contacts, fields: FIELDS, timeZone: 'Europe/Berlin' });

describe('core fields', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['numbers as numbers or numeric text', { price: '1500.50', responsible_user_id: 7 }, { price: 1500.5, responsible_user_id: 7 }],
    ['a number as a name becomes text', { name: 42 }, { name: '42' }],
    ['Unix seconds or ISO 8601 with an offset', { closed_at: '2026-03-01T10:00:00+01:00' }, { closed_at: 1772355600 }],
    ['null clears a nullable number', { loss_reason_id: null }, { loss_reason_id: null }],
    ['empty text counts as not given', { name: '', price: '' }, {}],
    ['read-only fields are not written', { id: 5, created_at: 1, score: 3, name: 'x' }, { name: 'x' }],
  ];
  it.each(cases)('%s', (_, input, body) => {
    expect(objectWriteBody(leads, codec, input, { mode: 'update' })).toEqual(body);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['text for a number', { price: 'lots' }, /^x\.price \(Sale value\) must be a number; got the text "lots"\.$/],
    ['an ISO date without an offset for a Unix-seconds field', { closed_at: '2026-03-01T10:00' }, /closed_at .* must be Unix seconds or an ISO 8601 date-time with an offset/],
    ['an object for text', { name: { first: 'a' } }, /name \(Name\) must be text; got an object/],
  ];
  it.each(bad)('refuses %s, naming the field and what it accepts', (_, input, message) => {
    expect(() => objectWriteBody(leads, codec, input, { mode: 'create', where: 'x.' })).toThrow(message);
  });

  it('booleans and objects (tasks)', () => {
    expect(objectWriteBody(OBJECT_TYPES.tasks, codec, { is_completed: 'true', result: { text: 'done' } }, { mode: 'update' }))
      .toEqual({ is_completed: true, result: { text: 'done' } });
    expect(() => objectWriteBody(OBJECT_TYPES.tasks, codec, { is_completed: 'yes' }, { mode: 'update' })).toThrow(/true or false/);
  });
});

describe('custom fields and tags', () => {
  it('encodes custom_fields_by_id; a create drops cleared fields, an update sends them', () => {
    const input = { custom_fields_by_id: { 111: 'Referral', 100: null } };
    expect(objectWriteBody(leads, codec, input, { mode: 'create' })).toEqual({ custom_fields_values: [{ field_id: 111, values: [{ enum_id: 202 }] }] });
    expect(objectWriteBody(leads, codec, input, { mode: 'update' })).toEqual({
      custom_fields_values: [{ field_id: 100, values: null }, { field_id: 111, values: [{ enum_id: 202 }] }],
    });
  });

  it('raw custom_fields_values are sent unchanged, also on create', () => {
    const raw = [{ field_id: 100, values: null }];
    expect(objectWriteBody(leads, codec, { custom_fields_values: raw }, { mode: 'create' })).toEqual({ custom_fields_values: raw });
  });

  it('merges multi-values into the current ones when asked', () => {
    const current = { custom_fields_values: [{ field_id: 113, values: [{ value: 'Cars', enum_id: 221 }] }] };
    const input = { custom_fields_by_id: { 113: ['Boats'] } };
    expect(objectWriteBody(leads, codec, input, { mode: 'update', current, mergeMultiValues: true }).custom_fields_values)
      .toEqual([{ field_id: 113, values: [{ enum_id: 221 }, { enum_id: 222 }] }]);
    expect(objectWriteBody(leads, codec, input, { mode: 'update', current }).custom_fields_values).toEqual([{ field_id: 113, values: [{ enum_id: 222 }] }]);
  });

  it('an update sends tags_to_add / tags_to_delete; a create sends the tags to add as its tags', () => {
    const input = { tags_to_add: ['vip', 12], tags_to_delete: 'old' };
    expect(objectWriteBody(leads, codec, input, { mode: 'update' })).toEqual({ tags_to_add: [{ name: 'vip' }, { id: 12 }], tags_to_delete: [{ name: 'old' }] });
    expect(objectWriteBody(leads, codec, input, { mode: 'create' })).toEqual({ _embedded: { tags: [{ name: 'vip' }, { id: 12 }] } });
  });
});

describe('parseTagRefs', () => {
  const good: Array<[unknown, unknown]> = [
    [undefined, undefined], [null, undefined], ['', undefined],
    ['vip', [{ name: 'vip' }]], [7, [{ id: 7 }]], [[' a ', { id: 3 }, { name: 'b' }], [{ name: 'a' }, { id: 3 }, { name: 'b' }]],
  ];
  it.each(good)('%j → %j', (value, refs) => {
    expect(parseTagRefs(value, 'tags_to_add')).toEqual(refs);
  });

  const bad: unknown[] = [[true], [0], [-1], [2.5], ['  '], [{ color: 'red' }], [null], [[]]];
  it.each(bad.map((value) => [value]))('%j is neither a name nor an id', (value) => {
    expect(() => parseTagRefs(value, 'tags_to_add')).toThrow(/^tags_to_add\[0\] must be a tag name \(text\) or a tag id/);
  });
});

describe('parseObjectId', () => {
  it.each([[5, 5], ['12', 12], [' 12 ', 12]])('%j → %j', (value, id) => {
    expect(parseObjectId(value, 'entity_id')).toBe(id);
  });
  it.each([0, -1, 1.5, 'abc', '', null, undefined, {}, Number.MAX_SAFE_INTEGER + 2])('refuses %j', (value) => {
    expect(() => parseObjectId(value, 'entity_id')).toThrow(KommoConfigError);
  });
});

describe('withCriterionValue', () => {
  const email = resolveCriterion(contacts, FIELDS, 'email');
  const phone = resolveCriterion(contacts, FIELDS, 'phone');
  const external = resolveCriterion(contacts, FIELDS, 'cf_100');

  it('adds the email to the EMAIL field of a create', () => {
    expect(withCriterionValue({ first_name: 'A' }, contacts, email, ' a@b.example ', FIELDS)).toEqual({
      first_name: 'A', custom_fields_values: [{ field_id: 115, values: [{ value: 'a@b.example', enum_code: 'WORK' }] }],
    });
  });

  it('adds it next to other emails given, and leaves a body that already has it alone', () => {
    const body = objectWriteBody(contacts, contactCodec, { custom_fields_by_id: { 115: 'other@b.example' } }, { mode: 'create' });
    expect(withCriterionValue(body, contacts, email, 'a@b.example', FIELDS).custom_fields_values).toEqual([
      { field_id: 115, values: [{ value: 'other@b.example', enum_code: 'WORK' }, { value: 'a@b.example', enum_code: 'WORK' }] },
    ]);
    const has = objectWriteBody(contacts, contactCodec, { custom_fields_by_id: { 115: 'A@B.example' } }, { mode: 'create' });
    expect(withCriterionValue(has, contacts, email, 'a@b.example', FIELDS)).toBe(has);
    const samePhone = { custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+1 (555) 010' }] }] };
    expect(withCriterionValue(samePhone, contacts, phone, '1555010', FIELDS)).toBe(samePhone);
  });

  it('sets a custom-field criterion, and refuses a body that sets the field to something else', () => {
    expect(withCriterionValue({}, contacts, external, 'EXT-1', FIELDS)).toEqual({ custom_fields_values: [{ field_id: 100, values: [{ value: 'EXT-1' }] }] });
    expect(() => withCriterionValue({ custom_fields_values: [{ field_id: 100, values: [{ value: 'EXT-2' }] }] }, contacts, external, 'EXT-1', FIELDS))
      .toThrow(/criterion cf_100 and custom_fields_by_id give field 100 "External ID" different values/);
  });

  it('sets the name for a name criterion when the body has none; id adds nothing', () => {
    expect(withCriterionValue({}, leads, resolveCriterion(leads, FIELDS, 'name'), ' Deal ', FIELDS)).toEqual({ name: 'Deal' });
    expect(withCriterionValue({ price: 1 }, leads, resolveCriterion(leads, FIELDS, 'id'), 5, FIELDS)).toEqual({ price: 1 });
  });

  it('refuses an email criterion where the account has no EMAIL field', () => {
    const withoutEmail = FIELDS.filter((field) => field.code !== 'EMAIL');
    expect(() => withCriterionValue({}, contacts, { ...email }, 'a@b.example', withoutEmail)).toThrow(/have no Email field/);
  });
});
