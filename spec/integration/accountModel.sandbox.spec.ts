/**
 * The account model against the strict sandbox over real HTTP: what it reads from the account
 * (time zone, customers mode, pipelines with stages, users, custom fields of every page), what
 * each part costs in Kommo requests, how it is cached per credential scope, and the one refresh
 * after a field was added in Kommo. Expected values are read from the sandbox with plain `fetch`,
 * independently of the code under test.
 */
import { createKommoClient, type KommoClient } from '../../lib/client/KommoClient';
import { AccountModel, accountModelFor, MIN_REFRESH_INTERVAL_MS, processModelCache } from '../../lib/entities/accountModel';
import { KommoUnknownReferenceError } from '../../lib/entities/customFieldCodec';
import { OBJECT_TYPES, type ObjectTypeName } from '../../lib/entities/registry';
import { reset } from '../../lib/processScope';
import type { CustomersMode } from '../../sandbox';
import { recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const { sandbox } = useSandbox();

function client(accessToken = sandbox.accessToken): Promise<KommoClient> {
  return createKommoClient({ oauth: { access_token: accessToken }, baseUrl: sandbox.baseUrl, retries: 0 }, { logger: recordingContext().logger, rateLimiter: null });
}

/** The Kommo requests since the log was last emptied: method and path with the query. */
const requests = () => sandbox.requestLog.map((entry) => `${entry.method} ${decodeURIComponent(entry.path)}`);

/** A page of the sandbox read directly, as a check independent of the component. */
async function raw(path: string): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${sandbox.baseUrl}/api/v4/${path}`, { headers: { authorization: `Bearer ${sandbox.accessToken}` } });
  return response.status === 204 ? undefined : await response.json() as Record<string, unknown>;
}

/** Every item of a sandbox list, all pages, read directly. */
async function rawList(path: string, key: string, limit: number): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  for (let page = 1; ; page += 1) {
    const body = await raw(`${path}?page=${page}&limit=${limit}`);
    const list = (body?._embedded as Record<string, Array<Record<string, unknown>>> | undefined)?.[key] ?? [];
    items.push(...list);
    if (list.length < limit) break;
  }
  sandbox.requestLog.length = 0;
  return items;
}

describe('the account: time zone and customers mode, one request', () => {
  it.each([
    ['Europe/Moscow', 'disabled', false],
    ['America/Sao_Paulo', 'unavailable', false],
    ['America/New_York', 'periodicity', true],
    ['Asia/Kolkata', 'segments', true],
  ] as Array<[string, CustomersMode, boolean]>)('%s, customers %s', async (timezone, customersMode, enabled) => {
    sandbox.configure({ timezone, customersMode });
    const account = await new AccountModel(await client()).account();
    expect(account).toEqual({ id: sandbox.accountId, subdomain: sandbox.subdomain, timeZone: timezone, customersMode, customersEnabled: enabled });
    expect(requests()).toEqual(['GET /api/v4/account?with=datetime_settings']);
  });
});

describe('pipelines and users', () => {
  it('every pipeline with its stages (won 142 and lost 143 included), for one request', async () => {
    const expected = ((await raw('leads/pipelines'))?._embedded as { pipelines: Array<Record<string, unknown>> }).pipelines;
    sandbox.requestLog.length = 0;
    const pipelines = await new AccountModel(await client()).pipelines();
    expect(pipelines.map((pipeline) => [pipeline.id, pipeline.name, pipeline.isMain])).toEqual(expected.map((pipeline) => [pipeline.id, pipeline.name, pipeline.is_main]));
    for (const [index, pipeline] of pipelines.entries()) {
      const stages = (expected[index]._embedded as { statuses: Array<Record<string, unknown>> }).statuses;
      expect(pipeline.statuses.map((status) => [status.id, status.name])).toEqual(stages.map((status) => [status.id, status.name]));
      expect(pipeline.statuses.map((status) => status.id)).toEqual(expect.arrayContaining([142, 143]));
    }
    expect(pipelines.length).toBeGreaterThan(1);
    expect(requests()).toEqual(['GET /api/v4/leads/pipelines']);
  });

  it.each([
    [0, 1],
    [300, 2],
    // 500 users: two full pages, then the 204 that ends the list.
    [497, 3],
  ])('users with %i extra users: all of them, for %i requests (pages of 250)', async (extraUsers, pages) => {
    sandbox.configure({ extraUsers });
    const expected = await rawList('users', 'users', 250);
    const users = await new AccountModel(await client()).users();
    expect(users.map((user) => [user.id, user.name, user.email])).toEqual(expected.map((user) => [user.id, user.name, user.email]));
    expect(users.length).toBe(3 + extraUsers);
    expect(requests()).toEqual(Array.from({ length: pages }, (_, index) => `GET /api/v4/users?page=${index + 1}&limit=250`));
  });
});

describe('custom fields: one pass over pages of 50', () => {
  it.each(['leads', 'contacts', 'companies', 'customers'] as ObjectTypeName[])('%s: every definition, in Kommo\'s order, with its options', async (name) => {
    sandbox.configure({ customersMode: 'segments' });
    const expected = await rawList(`${name}/custom_fields`, 'custom_fields', 50);
    const fields = await new AccountModel(await client()).customFields(OBJECT_TYPES[name]);
    expect(fields.map((field) => [field.id, field.name, field.type, field.code])).toEqual(expected.map((field) => [field.id, field.name, field.type, field.code]));
    expect(fields.map((field) => field.enums)).toEqual(expected.map((field) => field.enums));
    // One field of each of Kommo's 26 types.
    expect(new Set(fields.map((field) => field.type)).size).toBe(26);
    expect(requests()).toEqual([`GET /api/v4/${name}/custom_fields?page=1&limit=50`]);
  });

  it.each([
    [120, 3],
    [100, 3],
    [50, 2],
    [49, 1],
  ])('leads with %i custom fields cost %i requests', async (total, pages) => {
    const seeded = (await rawList('leads/custom_fields', 'custom_fields', 50)).length;
    sandbox.configure({ extraCustomFields: { leads: total - seeded } });
    const fields = await new AccountModel(await client()).customFields(OBJECT_TYPES.leads);
    expect(fields).toHaveLength(total);
    expect(new Set(fields.map((field) => field.id)).size).toBe(total);
    expect(requests()).toEqual(Array.from({ length: pages }, (_, index) => `GET /api/v4/leads/custom_fields?page=${index + 1}&limit=50`));
  });

  it('tasks have no custom fields and cost nothing', async () => {
    expect(await new AccountModel(await client()).customFields(OBJECT_TYPES.tasks)).toEqual([]);
    expect(requests()).toEqual([]);
  });

  it('a codec costs the field pages plus the account (for the time zone of the date fields)', async () => {
    sandbox.configure({ timezone: 'Europe/Moscow' });
    const codec = await new AccountModel(await client()).codec(OBJECT_TYPES.leads);
    expect(requests()).toEqual(['GET /api/v4/leads/custom_fields?page=1&limit=50', 'GET /api/v4/account?with=datetime_settings']);
    expect(codec.decode([{ field_id: 710002, field_type: 'date', values: [{ value: 1772312400 }] }])).toEqual({ 710002: '2026-03-01' });
  });
});

describe('accountModelFor: cached per credential scope', () => {
  async function readEverything(model: AccountModel): Promise<void> {
    await Promise.all([model.account(), model.pipelines(), model.users(), model.customFields(OBJECT_TYPES.leads), model.customFields(OBJECT_TYPES.contacts)]);
  }
  const FULL_PASS = 5;

  it('a second model for the same client, or another client with the same credential, reads nothing', async () => {
    const first = await client();
    await readEverything(accountModelFor(first));
    expect(requests()).toHaveLength(FULL_PASS);
    await readEverything(accountModelFor(first));
    await readEverything(accountModelFor(await client()));
    expect(requests()).toHaveLength(FULL_PASS);
  });

  it('another credential of the same account reads again, once', async () => {
    await readEverything(accountModelFor(await client()));
    const other = await client(sandbox.issueTokens().accessToken);
    await readEverything(accountModelFor(other));
    await readEverything(accountModelFor(other));
    expect(requests()).toHaveLength(2 * FULL_PASS);
  });

  it('reads again when KOMMO_ACCOUNT_MODEL_TTL_MS has passed, not before', async () => {
    let nowMs = 0;
    reset({ nowMs: () => nowMs });
    const env = { KOMMO_ACCOUNT_MODEL_TTL_MS: '60000' };
    const reader = await client();
    await accountModelFor(reader, env).customFields(OBJECT_TYPES.leads);
    nowMs = 59999;
    await accountModelFor(reader, env).customFields(OBJECT_TYPES.leads);
    expect(requests()).toHaveLength(1);
    nowMs = 60000;
    await accountModelFor(reader, env).customFields(OBJECT_TYPES.leads);
    expect(requests()).toHaveLength(2);
  });
});

describe('refresh once on an unknown field', () => {
  const ADDED_FIELD = '719001';
  const UNKNOWN_FIELD = '799999';

  /** A model like accountModelFor's, with the refresh interval's clock injected. */
  async function modelWithClock(): Promise<{ model: AccountModel; advance(ms: number): void }> {
    const reader = await client();
    let nowMs = 1_000_000;
    const model = new AccountModel(reader, { cache: processModelCache(reader.scope, 300000), nowMs: () => nowMs });
    return { model, advance: (ms) => { nowMs += ms; } };
  }

  const fieldPages = () => requests().filter((request) => request.includes('/leads/custom_fields')).length;

  it('a field added in Kommo since the model was loaded: one more pass over the field pages, then it encodes', async () => {
    const { model, advance } = await modelWithClock();
    await model.customFields(OBJECT_TYPES.leads);
    sandbox.configure({ extraCustomFields: { leads: 1 } });
    advance(MIN_REFRESH_INTERVAL_MS);
    const write = await model.withCodec(OBJECT_TYPES.leads, (codec) => codec.encode({ [ADDED_FIELD]: 'EXT-1' }));
    expect(write).toEqual([{ field_id: Number(ADDED_FIELD), values: [{ value: 'EXT-1' }] }]);
    expect(fieldPages()).toBe(2);
  });

  it('a field that does not exist: one refresh, then the error naming it; no second refresh within the interval', async () => {
    const { model, advance } = await modelWithClock();
    await model.customFields(OBJECT_TYPES.leads);
    advance(MIN_REFRESH_INTERVAL_MS);
    const error = await rejection(model.withCodec(OBJECT_TYPES.leads, (codec) => codec.encode({ [UNKNOWN_FIELD]: 'x' })));
    expect(error).toBeInstanceOf(KommoUnknownReferenceError);
    expect(String(error)).toContain(`"${UNKNOWN_FIELD}" is not a custom field of leads`);
    expect(fieldPages()).toBe(2);
    await rejection(model.withCodec(OBJECT_TYPES.leads, (codec) => codec.encode({ [UNKNOWN_FIELD]: 'x' })));
    expect(fieldPages()).toBe(2);
    expect(requests().filter((request) => !request.startsWith('GET'))).toEqual([]);
  });

  it('no refresh while the definitions are fresher than the interval: the bad input costs nothing more', async () => {
    const { model } = await modelWithClock();
    await model.customFields(OBJECT_TYPES.leads);
    sandbox.configure({ extraCustomFields: { leads: 1 } });
    await rejection(model.withCodec(OBJECT_TYPES.leads, (codec) => codec.encode({ [ADDED_FIELD]: 'EXT-1' })));
    expect(fieldPages()).toBe(1);
  });
});
