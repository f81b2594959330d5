/**
 * The custom-field codec against the strict sandbox over real HTTP, for every field type the
 * sandbox has on leads, contacts and companies: a `custom_fields_by_id` value is encoded, written
 * through the real client, read back and decoded, and must come out as docs/design.md "How an
 * object looks in a message" says — dates in two account time zones. Then the round-trip
 * property (what a read produced, written back, changes nothing Kommo stored), clearing with
 * `null`, and bad values refused before any request.
 */
import { KommoConfigError } from '../../lib/client/errors';
import { createKommoClient, type KommoClient } from '../../lib/client/KommoClient';
import { accountModelFor, type AccountModel } from '../../lib/entities/accountModel';
import type { CustomFieldsById } from '../../lib/entities/customFieldCodec';
import { KommoUnknownReferenceError } from '../../lib/entities/customFieldCodec';
import type { CustomFieldDefinition } from '../../lib/entities/customFields';
import { OBJECT_TYPES, type ObjectTypeDefinition } from '../../lib/entities/registry';
import { recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const MOSCOW = 'Europe/Moscow';
const SAO_PAULO = 'America/Sao_Paulo';
const ZONES = [MOSCOW, SAO_PAULO] as const;
type Zone = typeof ZONES[number];
type Kind = 'leads' | 'contacts' | 'companies';
const KINDS: readonly Kind[] = ['leads', 'contacts', 'companies'];

const { sandbox, cfg } = useSandbox();
let client: KommoClient;

beforeEach(async () => {
  client = await createKommoClient(cfg({ retries: 0 }), { logger: recordingContext().logger, rateLimiter: null });
});

const writes = () => sandbox.requestLog.filter((entry) => entry.method !== 'GET');

/** The field a row is about: the kind's field of that type (and code, for multitext). */
function fieldOf(fields: readonly CustomFieldDefinition[], type: string, code: string | null | undefined): CustomFieldDefinition {
  const field = fields.find((candidate) => candidate.type === type && (code === undefined || candidate.code === code));
  if (!field) throw new Error(`the sandbox has no ${type}${code ? ` ${code}` : ''} field here`);
  return field;
}

function optionId(field: CustomFieldDefinition, label: string): number {
  const option = field.enums?.find((candidate) => candidate.value === label);
  if (!option) throw new Error(`field ${field.id} has no option ${label}`);
  return option.id;
}

/** Creates an object with the encoded values through the real client; answers its id. */
async function create(type: ObjectTypeDefinition, customFieldsValues: unknown): Promise<number> {
  const { body } = await client.post(type.path, [{ name: 'Codec check', custom_fields_values: customFieldsValues }]);
  return ((body as { _embedded: Record<string, Array<{ id: number }>> })._embedded[type.embeddedKey])[0].id;
}

async function read(type: ObjectTypeDefinition, id: number): Promise<Record<string, unknown>> {
  return (await client.get(`${type.path}/${id}`)).body as Record<string, unknown>;
}

/** The stored values of one field, as Kommo answers them. */
function storedValues(object: Record<string, unknown>, fieldId: number): unknown {
  const entries = (object.custom_fields_values ?? []) as Array<{ field_id: number; values: unknown }>;
  return entries.find((entry) => entry.field_id === fieldId)?.values;
}

/** One row of the table: which field, what the mapper gives, what a read must decode to. */
interface Row {
  type: string;
  /** For multitext: the predefined field's code (`null`: a multitext without one). */
  code?: string | null;
  /** The kinds that have such a field (default: all three). */
  kinds?: readonly Kind[];
  label: string;
  input: (field: CustomFieldDefinition) => unknown;
  expected: (field: CustomFieldDefinition) => unknown;
  /** What Kommo stores (`values`), where it matters. */
  stored?: (field: CustomFieldDefinition) => unknown;
}

const same = (value: unknown) => () => value;

/** Rows whose value does not depend on the account's time zone. */
const ROWS: Row[] = [
  { type: 'text', label: 'text', input: same('EXT-9'), expected: same('EXT-9') },
  { type: 'text', label: 'text given a number', input: same(12345), expected: same('12345') },
  { type: 'textarea', label: 'textarea', input: same('line 1\nline 2'), expected: same('line 1\nline 2') },
  { type: 'url', label: 'url', input: same('https://acme.example/landing'), expected: same('https://acme.example/landing') },
  { type: 'streetaddress', label: 'streetaddress', input: same('1 Main St, Springfield'), expected: same('1 Main St, Springfield') },
  { type: 'numeric', label: 'numeric: Kommo reads it back as a string, decoded as a number', input: same(42), expected: same(42), stored: same([{ value: '42' }]) },
  { type: 'numeric', label: 'numeric given as text', input: same('12.5'), expected: same(12.5), stored: same([{ value: '12.5' }]) },
  { type: 'price', label: 'price', input: same(1500.5), expected: same(1500.5), stored: same([{ value: '1500.5' }]) },
  { type: 'monetary', label: 'monetary', input: same(99.99), expected: same(99.99), stored: same([{ value: '99.99' }]) },
  { type: 'checkbox', label: 'checkbox true', input: same(true), expected: same(true), stored: same([{ value: true }]) },
  { type: 'checkbox', label: 'checkbox false', input: same(false), expected: same(false), stored: same([{ value: false }]) },
  { type: 'checkbox', label: 'checkbox given as text', input: same('true'), expected: same(true) },
  {
    type: 'select', label: 'select by label', input: same('Referral'), expected: same('Referral'),
    stored: (field) => [{ value: 'Referral', enum_id: optionId(field, 'Referral'), enum_code: null }],
  },
  { type: 'select', label: 'select by enum id', input: (field) => optionId(field, 'Trade show'), expected: same('Trade show') },
  { type: 'select', label: 'select by enum id as text', input: (field) => String(optionId(field, 'Website')), expected: same('Website') },
  { type: 'radiobutton', label: 'radiobutton by label', input: same('High'), expected: same('High') },
  { type: 'radiobutton', label: 'radiobutton by enum id', input: (field) => optionId(field, 'Low'), expected: same('Low') },
  { type: 'multiselect', label: 'multiselect by labels and ids', input: (field) => ['CRM', optionId(field, 'Analytics')], expected: same(['CRM', 'Analytics']) },
  { type: 'multiselect', label: 'multiselect with one label', input: same('Support'), expected: same(['Support']) },
  {
    type: 'multitext', code: 'PHONE', kinds: ['contacts', 'companies'], label: 'multitext PHONE with enum codes, a plain text is WORK',
    input: same([{ value: '+1 555 010 0202', enum_code: 'MOB' }, '+1 555 010 0303']),
    expected: same([{ value: '+1 555 010 0202', enum_code: 'MOB' }, { value: '+1 555 010 0303', enum_code: 'WORK' }]),
    stored: (field) => [
      { value: '+1 555 010 0202', enum_id: optionId(field, 'MOB'), enum_code: 'MOB' },
      { value: '+1 555 010 0303', enum_id: optionId(field, 'WORK'), enum_code: 'WORK' },
    ],
  },
  {
    type: 'multitext', code: 'EMAIL', kinds: ['contacts', 'companies'], label: 'multitext EMAIL given one text',
    input: same('anna@example.com'), expected: same([{ value: 'anna@example.com', enum_code: 'WORK' }]),
  },
  {
    type: 'multitext', code: 'EMAIL', kinds: ['contacts', 'companies'], label: 'multitext EMAIL, PRIV and OTHER',
    input: same([{ value: 'anna@home.example', enum_code: 'PRIV' }, { value: 'anna@other.example', enum_code: 'OTHER' }]),
    expected: same([{ value: 'anna@home.example', enum_code: 'PRIV' }, { value: 'anna@other.example', enum_code: 'OTHER' }]),
  },
  {
    type: 'multitext', code: 'IM', kinds: ['contacts'], label: 'multitext IM (no WORK code): Kommo picks the field\'s first',
    input: same(['anna.skype']), expected: same([{ value: 'anna.skype', enum_code: 'SKYPE' }]),
  },
  {
    type: 'multitext', code: null, kinds: ['leads'], label: 'multitext without a code, phone enum codes',
    input: same(['+1 555 010 0404', { value: '+1 555 010 0505', enum_code: 'HOME' }]),
    expected: same([{ value: '+1 555 010 0404', enum_code: 'WORK' }, { value: '+1 555 010 0505', enum_code: 'HOME' }]),
  },
  // Every other type: Kommo's values array as is.
  {
    type: 'smart_address', label: 'smart_address (values as is)', input: same([{ value: 'Springfield', enum_code: 'city' }]),
    expected: (field) => [{ value: 'Springfield', enum_id: optionId(field, 'city'), enum_code: 'city' }],
  },
  {
    type: 'category', label: 'category (values as is)', input: (field) => [{ enum_id: optionId(field, 'Software') }],
    expected: (field) => [{ value: 'Software', enum_id: optionId(field, 'Software'), enum_code: null }],
  },
  { type: 'legal_entity', label: 'legal_entity (values as is)', input: same([{ value: { name: 'Acme LLC', vat_id: '7701' } }]), expected: same([{ value: { name: 'Acme LLC', vat_id: '7701' } }]) },
  { type: 'payer', label: 'payer (values as is)', input: same([{ value: { name: 'Acme LLC' } }]), expected: same([{ value: { name: 'Acme LLC' } }]) },
  { type: 'supplier', label: 'supplier (values as is)', input: same([{ value: { name: 'Parts Inc' } }]), expected: same([{ value: { name: 'Parts Inc' } }]) },
  {
    type: 'items', label: 'items (values as is)', input: same([{ value: { sku: 'A-1', quantity: 2, unit_price: 10 } }]),
    expected: same([{ value: { sku: 'A-1', quantity: 2, unit_price: 10 } }]),
  },
  {
    type: 'linked_entity', label: 'linked_entity (values as is)', input: same([{ value: { entity_id: 42, entity_type: 'contacts' } }]),
    expected: same([{ value: { entity_id: 42, entity_type: 'contacts' } }]),
  },
  { type: 'file', label: 'file (values as is)', input: same([{ value: { file_uuid: 'c1d2e3f4' } }]), expected: same([{ value: { file_uuid: 'c1d2e3f4' } }]) },
  { type: 'tracking_data', label: 'tracking_data (values as is)', input: same([{ value: 'newsletter' }]), expected: same([{ value: 'newsletter' }]) },
  { type: 'org_legal_name', label: 'org_legal_name (values as is)', input: same([{ value: 'Acme Holdings' }]), expected: same([{ value: 'Acme Holdings' }]) },
  {
    type: 'chained_list', label: 'chained_list (values as is)', input: same([{ catalog_id: 8800001, catalog_element_id: 5 }]),
    expected: same([{ catalog_id: 8800001, catalog_element_id: 5 }]),
  },
];

/** Rows whose value depends on the account's time zone: expected per zone. */
interface DateRow {
  type: 'date' | 'birthday' | 'date_time';
  label: string;
  input: unknown;
  expected: Record<Zone, string>;
  /** Unix seconds Kommo stores, per zone, where the row pins it. */
  stored?: Record<Zone, number>;
}

const DATE_ROWS: DateRow[] = [
  // Midnight of 2026-03-01: 2026-02-28T21:00Z in Moscow (+03:00), 2026-03-01T03:00Z in São Paulo (-03:00).
  { type: 'date', label: 'date from "YYYY-MM-DD": midnight of the day in the account zone', input: '2026-03-01', expected: { [MOSCOW]: '2026-03-01', [SAO_PAULO]: '2026-03-01' }, stored: { [MOSCOW]: 1772312400, [SAO_PAULO]: 1772334000 } },
  { type: 'date', label: 'date from an ISO time late at -03:00 (already the next day in Moscow)', input: '2026-03-01T23:30:00-03:00', expected: { [MOSCOW]: '2026-03-02', [SAO_PAULO]: '2026-03-01' } },
  { type: 'date', label: 'date from Unix seconds (2026-03-01T12:30Z)', input: 1772368200, expected: { [MOSCOW]: '2026-03-01', [SAO_PAULO]: '2026-03-01' } },
  // São Paulo skipped 2018-11-04 00:00 (DST began): the day starts at 01:00 -02:00 = 03:00Z.
  { type: 'date', label: 'date on a day whose midnight São Paulo skipped', input: '2018-11-04', expected: { [MOSCOW]: '2018-11-04', [SAO_PAULO]: '2018-11-04' }, stored: { [MOSCOW]: 1541278800, [SAO_PAULO]: 1541300400 } },
  // São Paulo's summer time ended at 2019-02-17 00:00 (back to 23:00): the 17th's midnight happens once, at 03:00Z.
  { type: 'date', label: 'date on the day São Paulo\'s summer time ended', input: '2019-02-17', expected: { [MOSCOW]: '2019-02-17', [SAO_PAULO]: '2019-02-17' }, stored: { [MOSCOW]: 1550350800, [SAO_PAULO]: 1550372400 } },
  { type: 'birthday', label: 'birthday', input: '1985-06-15', expected: { [MOSCOW]: '1985-06-15', [SAO_PAULO]: '1985-06-15' } },
  // Before 1970: negative Unix seconds (Moscow +03:00 then: 1950-04-30T21:00Z; São Paulo -03:00: 1950-05-01T03:00Z).
  { type: 'birthday', label: 'birthday before 1970', input: '1950-05-01', expected: { [MOSCOW]: '1950-05-01', [SAO_PAULO]: '1950-05-01' }, stored: { [MOSCOW]: -620794800, [SAO_PAULO]: -620773200 } },
  { type: 'date', label: 'date in the 19th century (local mean time, offsets with seconds)', input: '1890-01-01', expected: { [MOSCOW]: '1890-01-01', [SAO_PAULO]: '1890-01-01' } },
  { type: 'date_time', label: 'date_time with an offset', input: '2026-03-01T15:30:00+03:00', expected: { [MOSCOW]: '2026-03-01T15:30:00+03:00', [SAO_PAULO]: '2026-03-01T09:30:00-03:00' }, stored: { [MOSCOW]: 1772368200, [SAO_PAULO]: 1772368200 } },
  { type: 'date_time', label: 'date_time without an offset: wall time in the account zone', input: '2026-07-01T12:00:00', expected: { [MOSCOW]: '2026-07-01T12:00:00+03:00', [SAO_PAULO]: '2026-07-01T12:00:00-03:00' } },
  { type: 'date_time', label: 'date_time from Unix seconds (2026-07-01T12:00Z)', input: 1782907200, expected: { [MOSCOW]: '2026-07-01T15:00:00+03:00', [SAO_PAULO]: '2026-07-01T09:00:00-03:00' } },
  { type: 'date_time', label: 'date_time in São Paulo\'s 2018 summer time', input: '2018-12-01T12:00:00', expected: { [MOSCOW]: '2018-12-01T12:00:00+03:00', [SAO_PAULO]: '2018-12-01T12:00:00-02:00' } },
];

async function modelFor(zone: string): Promise<AccountModel> {
  sandbox.configure({ timezone: zone });
  return accountModelFor(client);
}

describe.each(KINDS)('%s: write, read back, decode', (kind) => {
  const type = OBJECT_TYPES[kind];
  const rows = ROWS.filter((row) => (row.kinds ?? KINDS).includes(kind));

  it.each(rows.map((row) => [row.label, row] as const))('%s', async (_, row) => {
    const model = await modelFor(MOSCOW);
    const field = fieldOf(await model.customFields(type), row.type, row.code);
    const codec = await model.codec(type);
    const id = await create(type, codec.encode({ [field.id]: row.input(field) }));
    const object = await read(type, id);
    expect(codec.decode(object.custom_fields_values)).toEqual({ [field.id]: row.expected(field) });
    if (row.stored) expect(storedValues(object, field.id)).toEqual(row.stored(field));
  });

  describe.each(ZONES)('in an account in %s', (zone) => {
    it.each(DATE_ROWS.map((row) => [row.label, row] as const))('%s', async (_, row) => {
      const model = await modelFor(zone);
      const field = fieldOf(await model.customFields(type), row.type, undefined);
      const codec = await model.codec(type);
      const id = await create(type, codec.encode({ [field.id]: row.input }));
      const object = await read(type, id);
      expect(codec.decode(object.custom_fields_values)).toEqual({ [field.id]: row.expected[zone] });
      if (row.stored) expect(storedValues(object, field.id)).toEqual([{ value: row.stored[zone] }]);
    });
  });

  it('the table covers every field type the sandbox has on the kind', async () => {
    const fields = await (await modelFor(MOSCOW)).customFields(type);
    const covered = new Set([...rows.map((row) => row.type), ...DATE_ROWS.map((row) => row.type)]);
    expect(fields.map((field) => field.type).filter((fieldType) => !covered.has(fieldType))).toEqual([]);
    for (const field of fields.filter((candidate) => candidate.type === 'multitext')) {
      expect(rows.some((row) => row.type === 'multitext' && row.code === field.code)).toBe(true);
    }
  });
});

/** One value per field of the kind: the first row of its type (and code). */
function everyField(fields: readonly CustomFieldDefinition[], kind: Kind): Record<string, unknown> {
  const byId: Record<string, unknown> = {};
  for (const field of fields) {
    const row = ROWS.find((candidate) => candidate.type === field.type && (candidate.kinds ?? KINDS).includes(kind) && (candidate.code === undefined || candidate.code === field.code));
    const dateRow = DATE_ROWS.find((candidate) => candidate.type === field.type);
    byId[field.id] = row ? row.input(field) : dateRow?.input;
  }
  return byId;
}

describe.each(KINDS)('%s: the round trip against what Kommo stored', (kind) => {
  const type = OBJECT_TYPES[kind];

  describe.each(ZONES)('in %s', (zone) => {
    /** An object with a value in every custom field, as Kommo stores it. */
    async function storedObject(model: AccountModel): Promise<Record<string, unknown>> {
      const fields = await model.customFields(type);
      const codec = await model.codec(type);
      const object = await read(type, await create(type, codec.encode(everyField(fields, kind))));
      expect((object.custom_fields_values as unknown[]).length).toBe(fields.length);
      return object;
    }

    it('with the current object, what a read produced is sent back exactly as stored, and Kommo keeps it unchanged', async () => {
      const model = await modelFor(zone);
      const codec = await model.codec(type);
      const before = await storedObject(model);
      const write = codec.encode(codec.decode(before.custom_fields_values), { current: before });
      // Each value sent is Kommo's stored value, or the part of it a write takes (enum_id of an option).
      for (const entry of write) {
        const stored = storedValues(before, entry.field_id) as Array<Record<string, unknown>>;
        expect(entry.values).toHaveLength(stored.length);
        entry.values?.forEach((value, index) => expect(stored[index]).toMatchObject(value));
      }
      sandbox.requestLog.length = 0;
      await client.patch(type.path, [{ id: before.id, custom_fields_values: write }]);
      expect(writes()).toHaveLength(1);
      expect((await read(type, before.id as number)).custom_fields_values).toEqual(before.custom_fields_values);
    });

    it('without it, the plain values alone write back what Kommo stored (no value drifts: days, offsets, numbers, options)', async () => {
      const model = await modelFor(zone);
      const codec = await model.codec(type);
      const before = await storedObject(model);
      const plain: CustomFieldsById = codec.decode(before.custom_fields_values);
      await client.patch(type.path, [{ id: before.id, custom_fields_values: codec.encode(plain) }]);
      const after = await read(type, before.id as number);
      expect(after.custom_fields_values).toEqual(before.custom_fields_values);
      expect(codec.decode(after.custom_fields_values)).toEqual(plain);
    });
  });

  it('null clears every field; Kommo then reads custom_fields_values: null and the object decodes to {}', async () => {
    const model = await modelFor(MOSCOW);
    const fields = await model.customFields(type);
    const codec = await model.codec(type);
    const id = await create(type, codec.encode(everyField(fields, kind)));
    const cleared = codec.encode(Object.fromEntries(fields.map((field) => [field.id, null])));
    expect(cleared.every((entry) => entry.values === null)).toBe(true);
    await client.patch(`${type.path}/${id}`, { custom_fields_values: cleared });
    const object = await read(type, id);
    expect(object.custom_fields_values).toBeNull();
    expect(codec.decode(object.custom_fields_values)).toEqual({});
  });
});

describe('with the current object, a stored value the codec would not write itself is kept as is', () => {
  it('two phones that differ only in formatting (a plain write would merge them)', async () => {
    const model = await modelFor(MOSCOW);
    const phone = fieldOf(await model.customFields(OBJECT_TYPES.contacts), 'multitext', 'PHONE');
    // Written raw, as another integration might have: the codec de-duplicates phones by digits.
    const stored = [{ value: '+1 555 010 0202', enum_code: 'WORK' }, { value: '15550100202', enum_code: 'MOB' }];
    const id = await create(OBJECT_TYPES.contacts, [{ field_id: phone.id, values: stored }]);
    const before = await read(OBJECT_TYPES.contacts, id);
    const codec = await model.codec(OBJECT_TYPES.contacts);
    const plain = codec.decode(before.custom_fields_values);
    expect(plain[phone.id]).toEqual(stored);
    expect(codec.encode(plain)[0].values).toHaveLength(1);
    await client.patch(`contacts/${id}`, { custom_fields_values: codec.encode(plain, { current: before }) });
    expect((await read(OBJECT_TYPES.contacts, id)).custom_fields_values).toEqual(before.custom_fields_values);
  });
});

describe('mergeMultiValues: options and phones added to what Kommo has', () => {
  it('multiselect and PHONE values join the stored ones; a phone Kommo has (other formatting) is not added twice', async () => {
    const model = await modelFor(MOSCOW);
    const fields = await model.customFields(OBJECT_TYPES.contacts);
    const [products, phone] = [fieldOf(fields, 'multiselect', undefined), fieldOf(fields, 'multitext', 'PHONE')];
    const codec = await model.codec(OBJECT_TYPES.contacts);
    const id = await create(OBJECT_TYPES.contacts, codec.encode({ [products.id]: ['CRM'], [phone.id]: [{ value: '+1 555 010 0202', enum_code: 'MOB' }] }));
    const current = await read(OBJECT_TYPES.contacts, id);
    const added = codec.encode({ [products.id]: ['Support', 'CRM'], [phone.id]: ['15550100202', '+1 555 010 0909'] }, { current, mergeMultiValues: true });
    await client.patch(`contacts/${id}`, { custom_fields_values: added });
    expect(codec.decode((await read(OBJECT_TYPES.contacts, id)).custom_fields_values)).toEqual({
      [products.id]: ['CRM', 'Support'],
      [phone.id]: [{ value: '+1 555 010 0202', enum_code: 'MOB' }, { value: '+1 555 010 0909', enum_code: 'WORK' }],
    });
  });
});

describe('bad values: an error naming the field and what it accepts, and no request', () => {
  interface BadRow {
    kind: Kind;
    type: string;
    code?: string;
    value: (field: CustomFieldDefinition) => unknown;
    message: RegExp;
    unknownReference?: boolean;
  }
  const BAD: Array<[string, BadRow]> = [
    ['numeric given a word', { kind: 'leads', type: 'numeric', value: same('many'), message: /accepts a number \(or text holding one\), or null to clear it; got the text "many"/ }],
    ['checkbox given "yes"', { kind: 'leads', type: 'checkbox', value: same('yes'), message: /accepts true or false/ }],
    ['text given an object', { kind: 'leads', type: 'text', value: same({ value: 'x' }), message: /accepts text, .*got an object/ }],
    ['select given an unknown label', { kind: 'leads', type: 'select', value: same('Cold call'), message: /has no option labelled the text "Cold call"; it accepts one option, by label \("Website", "Referral", "Trade show"\)/, unknownReference: true }],
    ['select given an unknown enum id', { kind: 'contacts', type: 'select', value: same(999), message: /has no option with id number 999/, unknownReference: true }],
    ['select given two options', { kind: 'companies', type: 'select', value: same(['Website', 'Referral']), message: /accepts one option/ }],
    ['multiselect with one unknown label', { kind: 'contacts', type: 'multiselect', value: same(['CRM', 'Billing']), message: /has no option labelled the text "Billing"/, unknownReference: true }],
    ['multitext PHONE with an unknown enum code', { kind: 'contacts', type: 'multitext', code: 'PHONE', value: same([{ value: '+1 555', enum_code: 'CELL' }]), message: /has no enum code the text "CELL"; .*enum_code one of WORK, WORKDD, MOB, FAX, HOME, OTHER/, unknownReference: true }],
    ['multitext EMAIL with a value that is not text', { kind: 'companies', type: 'multitext', code: 'EMAIL', value: same([{ value: { address: 'a@b' } }]), message: /each value must be text/ }],
    ['date on a day that does not exist', { kind: 'leads', type: 'date', value: same('2026-02-30'), message: /accepts a date as "YYYY-MM-DD".*\(no such day\)/ }],
    ['date in a local format', { kind: 'companies', type: 'date', value: same('01/03/2026'), message: /accepts a date as "YYYY-MM-DD"/ }],
    ['date_time in milliseconds', { kind: 'contacts', type: 'date_time', value: same(1772368200000), message: /too large for Unix seconds; milliseconds\?/ }],
    ['birthday given true', { kind: 'contacts', type: 'birthday', value: same(true), message: /accepts a date/ }],
    ['a type passed as is, given a plain text', { kind: 'leads', type: 'legal_entity', value: same('Acme LLC'), message: /accepts Kommo's values array as Kommo returns it/ }],
  ];

  it.each(BAD)('%s', async (_, row) => {
    const type = OBJECT_TYPES[row.kind];
    const model = await modelFor(MOSCOW);
    const field = fieldOf(await model.customFields(type), row.type, row.code);
    await model.codec(type);
    sandbox.requestLog.length = 0;
    const error = await rejection(model.withCodec(type, (codec) => client.post(type.path, [{ name: 'Never sent', custom_fields_values: codec.encode({ [field.id]: row.value(field) }) }])));
    expect(error).toBeInstanceOf(row.unknownReference ? KommoUnknownReferenceError : KommoConfigError);
    expect((error as Error).message).toContain(`Custom field ${field.id} "${field.name}" (${field.type}) of ${row.kind}`);
    expect((error as Error).message).toMatch(row.message);
    expect(sandbox.requestLog).toEqual([]);
  });

  it('an unknown field id names the type\'s fields, and nothing is sent', async () => {
    const model = await modelFor(MOSCOW);
    await model.codec(OBJECT_TYPES.leads);
    sandbox.requestLog.length = 0;
    const error = await rejection(model.withCodec(OBJECT_TYPES.leads, (codec) => client.post('leads', [{ custom_fields_values: codec.encode({ 720001: ['+1 555'] }) }])));
    expect(error).toBeInstanceOf(KommoUnknownReferenceError);
    expect((error as Error).message).toMatch(/^"720001" is not a custom field of leads in this Kommo account\. .*the leads fields are 710001 "Deal source", 710002 "Contract date"/);
    expect(sandbox.requestLog).toEqual([]);
  });

  it('one bad value among good ones: nothing of the object is written', async () => {
    const model = await modelFor(MOSCOW);
    const fields = await model.customFields(OBJECT_TYPES.leads);
    await model.codec(OBJECT_TYPES.leads);
    const good = everyField(fields, 'leads');
    const seats = fieldOf(fields, 'numeric', undefined);
    sandbox.requestLog.length = 0;
    await rejection(model.withCodec(OBJECT_TYPES.leads, (codec) => client.post('leads', [{ custom_fields_values: codec.encode({ ...good, [seats.id]: 'many' }) }])));
    expect(sandbox.requestLog).toEqual([]);
  });
});
