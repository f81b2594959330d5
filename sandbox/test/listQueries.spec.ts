import type { RawResponse } from './client';
import { embedded, useSandboxApi, validationErrors } from './fixtures';

const { clock, sandbox, api } = useSandboxApi({ rateLimit: false });

const DAY = 86400;
const nowSeconds = (): number => Math.floor(clock.ms / 1000);
const idsOf = (response: RawResponse, kind: string): number[] => (response.status === 204 ? [] : embedded<{ id: number }>(response, kind).map((item) => item.id));
const list = async (kind: string, query: string): Promise<number[]> => idsOf(await api('GET', `/api/v4/${kind}?${query}`), kind);
const enumIdOf = async (kind: string, fieldId: number, value: string): Promise<number> =>
  (await api('GET', `/api/v4/${kind}/custom_fields/${fieldId}`)).json<{ enums: Array<{ id: number; value: string }> }>().enums.find((option) => option.value === value)?.id ?? -1;

describe('filter[custom_fields_values] (docs/kommo-fidelity.md #3)', () => {
  it.each([
    ['leads', 'filter[custom_fields_values][710003][]=ERP-5521', [1000001]],
    ['leads', 'filter[custom_fields_values][710003]=ERP-5521', [1000001]],
    ['leads', 'filter[custom_fields_values][710003][]=ERP-0000', []],
    ['leads', 'filter[custom_fields_values][710001][]=Referral', [1000002]],
    ['leads', 'filter[custom_fields_values][710001][]=Website&filter[custom_fields_values][710001][]=Referral', [1000001, 1000002]],
    ['contacts', 'filter[custom_fields_values][720001][]=%2B15550100202', [2000002]],
    ['contacts', 'filter[custom_fields_values][720002][]=AIKO@globex.example', [2000003]],
  ])('%s?%s', async (kind, query, expected) => {
    expect(await list(kind, query)).toEqual(expected);
  });

  it('filters a select by enum id', async () => {
    const referral = await enumIdOf('leads', 710001, 'Referral');
    expect(await list('leads', `filter[custom_fields_values][710001][]=${referral}`)).toEqual([1000002]);
  });

  it('filters a date field by [from]/[to]', async () => {
    const at = nowSeconds() - 2 * DAY;
    expect(await list('leads', `filter[custom_fields_values][710002][from]=${at - 60}&filter[custom_fields_values][710002][to]=${at + 60}`)).toEqual([1000004]);
    expect(await list('leads', `filter[custom_fields_values][710002][from]=${at + 60}`)).toEqual([]);
  });

  it('filters a checkbox by 1 or 0', async () => {
    const newsletter = (await api('GET', '/api/v4/contacts/custom_fields?filter[type][]=checkbox')).json<{ _embedded: { custom_fields: Array<{ id: number }> } }>()._embedded.custom_fields[0].id;
    await api('PATCH', '/api/v4/contacts', [
      { id: 2000002, custom_fields_values: [{ field_id: newsletter, values: [{ value: true }] }] },
      { id: 2000003, custom_fields_values: [{ field_id: newsletter, values: [{ value: false }] }] },
    ]);
    expect(await list('contacts', `filter[custom_fields_values][${newsletter}][]=1`)).toEqual([2000002]);
    expect(await list('contacts', `filter[custom_fields_values][${newsletter}][]=0`)).toEqual([2000003]);
  });

  it('filters a numeric field by range, values stored as strings', async () => {
    const seats = (await api('GET', '/api/v4/leads/custom_fields?filter[type][]=numeric')).json<{ _embedded: { custom_fields: Array<{ id: number }> } }>()._embedded.custom_fields[0].id;
    await api('PATCH', '/api/v4/leads', [
      { id: 1000001, custom_fields_values: [{ field_id: seats, values: [{ value: 5 }] }] },
      { id: 1000002, custom_fields_values: [{ field_id: seats, values: [{ value: 50 }] }] },
    ]);
    expect(await list('leads', `filter[custom_fields_values][${seats}][from]=10&filter[custom_fields_values][${seats}][to]=100`)).toEqual([1000002]);
  });
});

describe('filter[statuses] (docs/kommo-fidelity.md #4) and filter[status_id] (#5)', () => {
  beforeEach(async () => {
    await api('POST', '/api/v4/leads', [{ name: 'Partner deal won', pipeline_id: 7000002, status_id: 142 }]);
  });

  it.each([
    ['filter[statuses][0][pipeline_id]=7000001&filter[statuses][0][status_id]=142', [1000004]],
    ['filter[statuses][0][pipeline_id]=7000002&filter[statuses][0][status_id]=142', [1000006]],
    ['filter[statuses][0][pipeline_id]=7000001&filter[statuses][0][status_id]=142&filter[statuses][1][pipeline_id]=7000001&filter[statuses][1][status_id]=7000013', [1000002, 1000004]],
    ['filter[pipeline_id]=7000002', [1000006]],
  ])('%s', async (query, expected) => {
    expect(await list('leads', query)).toEqual(expected);
  });

  it('refuses filter[status_id] on leads with a 400 naming filter[statuses]', async () => {
    const response = await api('GET', '/api/v4/leads?filter[status_id]=142');
    expect(response.status).toBe(400);
    expect(validationErrors(response)).toEqual([['0', 'NotSupportedChoice', 'filter.status_id']]);
    expect(JSON.stringify(response.json())).toContain('filter[statuses]');
  });
});

describe('timestamps, names, prices, people', () => {
  /** `{-Nd}` stands for "N days before now" in Unix seconds. */
  const at = (query: string): string => query.replace(/\{-(\d+)d\}/g, (_, days: string) => String(nowSeconds() - Number(days) * DAY));

  it.each([
    // Seeded leads were created 30, 25, 20, 40 and 15 days ago and updated 10, 6, 3, 2 and 1 days ago.
    ['filter[created_at][from]={-26d}&filter[created_at][to]={-16d}&order[created_at]=desc', [1000003, 1000002]],
    ['filter[created_at]={-21d}&order[created_at]=asc', [1000003, 1000005]],
    ['filter[updated_at][from]={-4d}&order[updated_at]=desc', [1000005, 1000004, 1000003]],
    ['filter[updated_at][to]={-4d}&order[updated_at]=asc', [1000001, 1000002]],
    ['filter[name]=hardware BUNDLE', [1000004]],
    ['filter[name][]=Consulting hours&filter[name][]=Hardware bundle', [1000004, 1000005]],
    ['filter[price]=900', [1000005]],
    ['filter[price][from]=1000&filter[price][to]=13000', [1000001, 1000002, 1000003]],
    ['filter[responsible_user_id]=9000002', [1000002, 1000004]],
    ['filter[closed_at][from]=1', [1000004, 1000005]],
  ])('leads?%s', async (query, expected) => {
    expect(await list('leads', at(query))).toEqual(expected);
  });

  it.each([
    ['filter[is_completed]=0&filter[entity_type]=companies', [4000002]],
    ['filter[task_type]=1', [4000001]],
    ['filter[entity_id][]=1000001', [4000001]],
    // Seeded tasks were updated 5 and 2 days ago and are due in 1 and 3 days.
    ['filter[updated_at][from]={-3d}', [4000002]],
    ['order[complete_till]=desc', [4000002, 4000001]],
    // Kommo sorts tasks by id, created_at and complete_till only, and has no created_at filter (docs/kommo-api.md §5).
    ['order[updated_at]=desc', [4000001, 4000002]],
    ['filter[created_at][from]={-3d}', [4000001, 4000002]],
  ])('tasks?%s', async (query, expected) => {
    expect(await list('tasks', at(query))).toEqual(expected);
  });

  it('ignores unknown filter keys and returns the whole collection, as Kommo does', async () => {
    expect(await list('leads', 'filter[external_id]=ERP-5521')).toEqual([1000001, 1000002, 1000003, 1000004, 1000005]);
    expect(await list('contacts', 'filter[phone]=%2B15550100202')).toEqual([2000001, 2000002, 2000003, 2000004]);
  });

  it('refuses a range bound that is not a number', async () => {
    const response = await api('GET', '/api/v4/leads?filter[updated_at][from]=yesterday');
    expect(response.status).toBe(400);
    expect(validationErrors(response)).toEqual([['0', 'InvalidType', 'filter.updated_at.from']]);
  });
});

describe('query= is fuzzy like Kommo’s (docs/kommo-api.md §5)', () => {
  it.each([
    ['contacts', 'maria gomez', [2000001]],
    ['contacts', 'Gomez Maria', [2000001]],
    ['contacts', 'acme', [2000001]],
    ['contacts', 'procurement', [2000001]],
    ['contacts', '0100202', [2000002]],
    ['contacts', '+1 (555) 010-0202', [2000002]],
    ['contacts', '555 0100 20', [2000001, 2000002]],
    ['contacts', 'decision', [2000001]],
    ['leads', 'vip', [1000001, 1000002]],
    ['leads', '4800', [1000002]],
    ['leads', 'erp-55', [1000001]],
    ['companies', 'GB1234', [3000002]],
  ])('%s?query=%s', async (kind, query, expected) => {
    expect(await list(kind, `query=${encodeURIComponent(query)}`)).toEqual(expected);
  });

  it('finds more than an exact lookup would: a fragment of an email matches every contact at that domain', async () => {
    await api('POST', '/api/v4/contacts', [{ name: 'Other', custom_fields_values: [{ field_code: 'EMAIL', values: [{ value: 'maria.gomez@acme.example.org' }] }] }]);
    expect(await list('contacts', `query=${encodeURIComponent('maria.gomez@acme.example')}`)).toEqual([2000001, 2000005]);
  });
});

describe('ignoreFilters knob: an account where Kommo ignores API filters (docs/kommo-api.md §5)', () => {
  it('drops every filter but keeps query, order and paging, and says so in /account', async () => {
    sandbox().configure({ ignoreFilters: true });
    expect(await list('leads', 'filter[id]=1000002&filter[status_id]=142')).toEqual([1000001, 1000002, 1000003, 1000004, 1000005]);
    expect(await list('leads', 'filter[id]=1000002&query=hardware')).toEqual([1000004]);
    expect(await list('leads', 'filter[id]=1000002&order[id]=desc&limit=2')).toEqual([1000005, 1000004]);
    expect((await api('GET', '/api/v4/account?with=is_api_filter_enabled')).json()).toMatchObject({ is_api_filter_enabled: false });
  });

  it('is off after reset()', async () => {
    sandbox().configure({ ignoreFilters: true });
    sandbox().reset();
    expect(await list('leads', 'filter[id]=1000002')).toEqual([1000002]);
  });
});
