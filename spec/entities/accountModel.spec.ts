import { httpError, KommoConfigError } from '../../lib/client/errors';
import {
  AccountModel, accountModelFor, isCustomFieldRejection, loadAccountInfo, memoryModelCache, MIN_REFRESH_INTERVAL_MS, type ModelCache,
} from '../../lib/entities/accountModel';
import * as processScope from '../../lib/processScope';
import { credentialScope, type CredentialScope } from '../../lib/processScope';
import { KommoUnknownReferenceError } from '../../lib/entities/customFieldCodec';
import { OBJECT_TYPES } from '../../lib/entities/registry';
import { fakeReader, KOMMO_FIELDS, manyKommoFields, type FakeKommo } from './fixtures';

function account(extra: Record<string, unknown> = {}, datetime: Record<string, unknown> = { timezone: 'Europe/Moscow', timezone_offset: '+03:00' }): Record<string, unknown> {
  return { id: 31000001, name: 'Acme', subdomain: 'acme', customers_mode: 'disabled', _embedded: { datetime_settings: datetime }, ...extra };
}

function kommo(leadFields: unknown[], extra: Partial<FakeKommo> = {}): FakeKommo {
  return {
    resources: { account: account(), ...extra.resources },
    lists: {
      'leads/custom_fields': { embeddedKey: 'custom_fields', items: leadFields, maxPageSize: 50 },
      'contacts/custom_fields': { embeddedKey: 'custom_fields', items: manyKommoFields(3, 600000), maxPageSize: 50 },
      ...extra.lists,
    },
  };
}

describe('custom fields: one pass over Kommo\'s pages of 50', () => {
  it.each([
    [120, 3, [50, 50, 20]],
    [100, 3, [50, 50]],
    [50, 2, [50]],
    [49, 1, [49]],
    [0, 1, []],
  ])('%i fields → %i requests', async (count, requests, pageSizes) => {
    const reader = fakeReader(kommo(manyKommoFields(count)));
    const fields = await new AccountModel(reader).customFields(OBJECT_TYPES.leads);
    expect(fields).toHaveLength(count);
    expect(new Set(fields.map((field) => field.id)).size).toBe(count);
    expect(reader.requests).toEqual(Array.from({ length: requests }, (_, index) => ({
      path: 'leads/custom_fields', query: { page: index + 1, limit: 50 },
    })));
    expect(pageSizes.reduce((sum, size) => sum + size, 0)).toBe(count);
  });

  it('a metadata call for leads with 120 fields costs 3 requests, however often the fields are asked for', async () => {
    const reader = fakeReader(kommo(manyKommoFields(120)));
    const model = new AccountModel(reader);
    await Promise.all([model.customFields(OBJECT_TYPES.leads), model.customFields(OBJECT_TYPES.leads)]);
    await model.customFields(OBJECT_TYPES.leads);
    expect(reader.requests).toHaveLength(3);
  });

  it('building the model costs nothing; tasks have no custom fields and cost nothing either', async () => {
    const reader = fakeReader(kommo([]));
    const model = new AccountModel(reader);
    expect(await model.customFields(OBJECT_TYPES.tasks)).toEqual([]);
    expect(reader.requests).toEqual([]);
  });

  it('keeps Kommo\'s order and normalises definitions', async () => {
    const reader = fakeReader(kommo(KOMMO_FIELDS));
    const fields = await new AccountModel(reader).customFields(OBJECT_TYPES.leads);
    expect(fields.map((field) => field.id)).toEqual(KOMMO_FIELDS.map((field) => field.id));
    expect(fields.find((field) => field.id === 111)).toEqual({
      id: 111, name: 'Source', code: null, type: 'select', isRequired: false, isApiOnly: false, sort: 111,
      enums: [{ id: 201, value: 'Website', sort: 10 }, { id: 202, value: 'Referral', sort: 20 }, { id: 203, value: 'Trade show', sort: 30 }],
      requiredStatuses: [{ pipeline_id: 7001, status_id: 9001 }],
    });
    expect(fields.find((field) => field.id === 104)?.isRequired).toBe(true);
  });
});

describe('the codec loads what it needs', () => {
  it('fields with dates: the field pages plus one account request for the time zone', async () => {
    const reader = fakeReader(kommo(KOMMO_FIELDS));
    const codec = await new AccountModel(reader).codec(OBJECT_TYPES.leads);
    expect(reader.requests.map((request) => request.path)).toEqual(['leads/custom_fields', 'account']);
    expect(reader.requests[1].query).toEqual({ with: ['datetime_settings'] });
    expect(codec.decode([{ field_id: 110, field_type: 'date_time', values: [{ value: 1772368200 }] }])).toEqual({ 110: '2026-03-01T15:30:00+03:00' });
  });

  it('fields without dates: the field pages only', async () => {
    const reader = fakeReader(kommo([]));
    await new AccountModel(reader).codec(OBJECT_TYPES.contacts);
    expect(reader.requests.map((request) => request.path)).toEqual(['contacts/custom_fields']);
  });
});

describe('account info: GET account?with=datetime_settings', () => {
  it.each([
    ['unavailable', false], ['disabled', false], ['segments', true], ['periodicity', true], ['dynamic', true], [undefined, false],
  ])('customers_mode %p → customers enabled %p', async (mode, enabled) => {
    const info = await loadAccountInfo(fakeReader({ resources: { account: account({ customers_mode: mode }) } }));
    expect(info.customersEnabled).toBe(enabled);
    expect(info.customersMode).toBe(mode);
  });

  it.each([
    ['the IANA name', { timezone: 'America/New_York', timezone_offset: '-05:00' }, 'America/New_York'],
    ['the offset when the name is unknown to Node', { timezone: 'Mars/Olympus', timezone_offset: '+03:00' }, '+03:00'],
    ['nothing when Kommo gives neither', {}, undefined],
  ])('time zone: %s', async (_, datetime, zone) => {
    const info = await loadAccountInfo(fakeReader({ resources: { account: account({}, datetime) } }));
    expect(info).toMatchObject({ id: 31000001, subdomain: 'acme' });
    expect(info.timeZone).toBe(zone);
  });

  it('an answer without an account is an error', async () => {
    const reader = fakeReader({});
    reader.get = async () => ({ status: 204, body: undefined });
    await expect(loadAccountInfo(reader)).rejects.toThrow('Kommo answered 204 to GET account without the expected data');
  });
});

describe('pipelines and users', () => {
  it('reads pipelines with their stages in one request', async () => {
    const reader = fakeReader({
      resources: {
        'leads/pipelines': {
          _total_items: 1,
          _embedded: {
            pipelines: [{
              id: 7001, name: 'Sales', sort: 1, is_main: true, is_archive: false,
              _embedded: { statuses: [{ id: 9001, name: 'New', sort: 10, type: 1 }, { id: 142, name: 'Won', sort: 10000, type: 0 }] },
            }],
          },
        },
      },
    });
    expect(await new AccountModel(reader).pipelines()).toEqual([{
      id: 7001, name: 'Sales', isMain: true, isArchive: false,
      statuses: [{ id: 9001, name: 'New', sort: 10, type: 1 }, { id: 142, name: 'Won', sort: 10000, type: 0 }],
    }]);
    expect(reader.requests).toEqual([{ path: 'leads/pipelines', query: undefined }]);
  });

  it('reads every page of users', async () => {
    const users = Array.from({ length: 260 }, (_, index) => ({ id: index + 1, name: `U${index + 1}`, email: `u${index + 1}@acme.example`, rights: { is_active: index !== 0 } }));
    const reader = fakeReader({ lists: { users: { embeddedKey: 'users', items: users, maxPageSize: 250 } } });
    const loaded = await new AccountModel(reader).users();
    expect(loaded).toHaveLength(260);
    expect(loaded[0]).toEqual({ id: 1, name: 'U1', email: 'u1@acme.example', isActive: false });
    expect(reader.requests.map((request) => request.query)).toEqual([{ page: 1, limit: 250 }, { page: 2, limit: 250 }]);
  });
});

describe('caching per account and credential (the process scope)', () => {
  const tokenA = credentialScope('https://acme.kommo.com', 'token-A-secret');
  const tokenB = credentialScope('https://acme.kommo.com', 'token-B');
  const clock = { nowMs: 0 };
  beforeEach(() => {
    clock.nowMs = 0;
    processScope.reset({ nowMs: () => clock.nowMs });
  });
  afterAll(() => processScope.reset());

  function scoped(scope: CredentialScope): ReturnType<typeof fakeReader> & { scope: CredentialScope } {
    return Object.assign(fakeReader(kommo(manyKommoFields(60))), { scope });
  }

  it('a second model with the same credential reads nothing; one with another credential reads its own', async () => {
    await accountModelFor(scoped(tokenA), {}).customFields(OBJECT_TYPES.leads);
    const same = scoped(tokenA);
    expect(await accountModelFor(same, {}).customFields(OBJECT_TYPES.leads)).toHaveLength(60);
    expect(same.requests).toHaveLength(0);
    const other = scoped(tokenB);
    await accountModelFor(other, {}).customFields(OBJECT_TYPES.leads);
    expect(other.requests).toHaveLength(2);
  });

  it('parts expire after KOMMO_ACCOUNT_MODEL_TTL_MS', async () => {
    const env = { KOMMO_ACCOUNT_MODEL_TTL_MS: '60000' };
    await accountModelFor(scoped(tokenA), env).customFields(OBJECT_TYPES.leads);
    clock.nowMs = 59_999;
    const fresh = scoped(tokenA);
    await accountModelFor(fresh, env).customFields(OBJECT_TYPES.leads);
    expect(fresh.requests).toHaveLength(0);
    clock.nowMs = 60_000;
    await accountModelFor(fresh, env).customFields(OBJECT_TYPES.leads);
    expect(fresh.requests).toHaveLength(2);
  });

  it('an out-of-range TTL is a configuration error naming the variable and its range', () => {
    expect(() => accountModelFor(scoped(tokenA), { KOMMO_ACCOUNT_MODEL_TTL_MS: '3600001' }))
      .toThrow('Environment variable KOMMO_ACCOUNT_MODEL_TTL_MS must be a whole number from 0 to 3600000');
  });

  it('a failed load is not kept', async () => {
    const reader = fakeReader(kommo([]));
    const get = reader.get.bind(reader);
    let fail = true;
    reader.get = async (path, query) => {
      if (fail) throw new Error('connection reset');
      return get(path, query);
    };
    const model = new AccountModel(reader);
    await expect(model.account()).rejects.toThrow('connection reset');
    fail = false;
    expect((await model.account()).timeZone).toBe('Europe/Moscow');
  });
});

describe('refreshed once when a value is unknown', () => {
  function setup(): { data: FakeKommo; reader: ReturnType<typeof fakeReader>; model: AccountModel; clock: { nowMs: number } } {
    const data = kommo(KOMMO_FIELDS.slice(0, 3));
    const reader = fakeReader(data);
    const clock = { nowMs: 1_000_000 };
    const cache: ModelCache = memoryModelCache();
    const model = new AccountModel(reader, { cache, nowMs: () => clock.nowMs });
    return { data, reader, model, clock };
  }

  it('a field added in Kommo since the model was read is found after one refresh', async () => {
    const { data, reader, model, clock } = setup();
    await model.customFields(OBJECT_TYPES.leads);
    data.lists!['leads/custom_fields'].items = KOMMO_FIELDS;
    clock.nowMs += MIN_REFRESH_INTERVAL_MS;
    const writes = await model.withCodec(OBJECT_TYPES.leads, (codec) => codec.encode({ 104: 5 }));
    expect(writes).toEqual([{ field_id: 104, values: [{ value: 5 }] }]);
    expect(reader.requests.filter((request) => request.path === 'leads/custom_fields')).toHaveLength(2);
  });

  it('an id that is still unknown after the refresh is reported, with one refresh only', async () => {
    const { reader, model, clock } = setup();
    await model.customFields(OBJECT_TYPES.leads);
    clock.nowMs += MIN_REFRESH_INTERVAL_MS;
    await expect(model.withCodec(OBJECT_TYPES.leads, (codec) => codec.encode({ 999: 'x' }))).rejects.toThrow(KommoUnknownReferenceError);
    expect(reader.requests.filter((request) => request.path === 'leads/custom_fields')).toHaveLength(2);
  });

  it('definitions read within the refresh interval are not read again (a bad mapping costs no request per message)', async () => {
    const { reader, model, clock } = setup();
    await model.customFields(OBJECT_TYPES.leads);
    clock.nowMs += MIN_REFRESH_INTERVAL_MS - 1;
    await expect(model.withCodec(OBJECT_TYPES.leads, (codec) => codec.encode({ 999: 'x' }))).rejects.toThrow(KommoUnknownReferenceError);
    expect(await model.refresh('custom_fields:leads')).toBe(false);
    expect(reader.requests).toHaveLength(1);
  });

  it('a wrong value (not an unknown reference) is reported without a refresh', async () => {
    const { reader, model, clock } = setup();
    await model.customFields(OBJECT_TYPES.leads);
    clock.nowMs += MIN_REFRESH_INTERVAL_MS;
    await expect(model.withCodec(OBJECT_TYPES.leads, (codec) => codec.encode({ 100: { a: 1 } }))).rejects.toThrow(KommoConfigError);
    expect(reader.requests).toHaveLength(1);
  });

  it.each([
    ['NotSupportedChoice on a custom field', [{ request_id: '0', errors: [{ code: 'NotSupportedChoice', path: 'custom_fields_values.6.values.0.value' }] }], true],
    ['an unknown field id', [{ errors: [{ code: 'NotSupportedChoice', path: 'custom_fields_values.0.field_id' }] }], true],
    ['a type error on a custom field', [{ errors: [{ code: 'InvalidType', path: 'custom_fields_values.0.values.0.value' }] }], false],
    ['a core field', [{ errors: [{ code: 'NotSupportedChoice', path: 'status_id' }] }], false],
    ['no validation errors', undefined, false],
  ])('isCustomFieldRejection: %s → %s', (_, validationErrors, expected) => {
    const error = httpError({ method: 'PATCH', path: '/api/v4/leads', attempts: 1, status: 400, headers: {}, body: { title: 'Bad Request', 'validation-errors': validationErrors } });
    expect(isCustomFieldRejection(error)).toBe(expected);
  });
});
