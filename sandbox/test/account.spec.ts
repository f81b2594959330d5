import { startSandbox } from '..';
import { call } from './client';
import { useSandbox } from './fixtures';

const { sandbox } = useSandbox({ rateLimit: false });

const account = (query = '') => call(sandbox().baseUrl, 'GET', `/api/v4/account${query}`, { token: sandbox().accessToken });

describe('GET /api/v4/account (docs/kommo-api.md §5, §6)', () => {
  it('returns the default account with its core fields and self link', async () => {
    const response = await account();
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/hal+json');
    const body = response.json();
    expect(body).toMatchObject({
      id: 31000001,
      subdomain: 'sandbox',
      current_user_id: 9000001,
      country: expect.any(String),
      currency: expect.any(String),
      customers_mode: expect.any(String),
      is_unsorted_on: true,
      _links: { self: { href: `${sandbox().baseUrl}/api/v4/account` } },
    });
    expect(body).not.toHaveProperty('_embedded');
    expect(body).not.toHaveProperty('amojo_id');
  });

  it.each([
    ['amojo_id', (body: Record<string, unknown>) => body.amojo_id],
    ['version', (body: Record<string, unknown>) => body.version],
    ['is_api_filter_enabled', (body: Record<string, unknown>) => body.is_api_filter_enabled],
    ['users_groups', (body: Record<string, unknown>) => (body._embedded as Record<string, unknown>).users_groups],
    ['task_types', (body: Record<string, unknown>) => (body._embedded as Record<string, unknown>).task_types],
    ['datetime_settings', (body: Record<string, unknown>) => (body._embedded as Record<string, unknown>).datetime_settings],
  ])('adds %s when asked with ?with=', async (part, pick) => {
    const body = (await account(`?with=${part}`)).json();
    expect(pick(body)).toBeDefined();
  });

  it('takes a comma list', async () => {
    const body = (await account('?with=amojo_id,task_types,version')).json<{ _embedded: Record<string, unknown> } & Record<string, unknown>>();
    expect(body.amojo_id).toEqual(expect.any(String));
    expect(body.version).toEqual(expect.any(Number));
    expect(body._embedded.task_types).toEqual(expect.arrayContaining([expect.objectContaining({ id: 1 }), expect.objectContaining({ id: 2 })]));
    expect(body._embedded).not.toHaveProperty('users_groups');
  });
});

describe('account details the 2.0 component reads', () => {
  it('puts amojo_rights under _embedded (docs/kommo-fidelity.md #12)', async () => {
    const body = (await account('?with=amojo_rights')).json<{ _embedded: Record<string, unknown> } & Record<string, unknown>>();
    expect(body).not.toHaveProperty('amojo_rights');
    expect(body._embedded.amojo_rights).toEqual({ can_direct: expect.any(Boolean), can_create_groups: expect.any(Boolean) });
  });

  it.each([
    [undefined, 'America/New_York', '-05:00'],
    ['Europe/Moscow', 'Europe/Moscow', '+03:00'],
    ['Asia/Kolkata', 'Asia/Kolkata', '+05:30'],
  ])('shows the time zone %s in datetime_settings with its offset now', async (timezone, shown, offset) => {
    if (timezone) sandbox().configure({ timezone });
    const body = (await account('?with=datetime_settings')).json<{ _embedded: { datetime_settings: Record<string, unknown> } }>();
    // The fixture clock is 2025-01-01: New York is on standard time.
    expect(body._embedded.datetime_settings).toMatchObject({ timezone: shown, timezone_offset: offset });
  });

  it('refuses an unknown time zone naming the knob', () => {
    expect(() => sandbox().configure({ timezone: 'Mars/Olympus' })).toThrow(/timezone.*Mars\/Olympus/);
  });

  it('reports customers_mode and is_api_filter_enabled from the knobs', async () => {
    sandbox().configure({ customersMode: 'segments' });
    expect((await account('?with=is_api_filter_enabled')).json()).toMatchObject({ customers_mode: 'segments', is_api_filter_enabled: true });
  });
});

describe('GET /api/v4/users: paginated (docs/kommo-api.md §5; docs/kommo-fidelity.md "Other details")', () => {
  const users = (query = '') => call(sandbox().baseUrl, 'GET', `/api/v4/users${query}`, { token: sandbox().accessToken });
  type UsersPage = { _page: number; _page_count: number; _total_items: number; _links: Record<string, { href: string }>; _embedded: { users: Array<{ id: number }> } };

  it('50 per page by default, limit up to 250, then 204 past the end', async () => {
    sandbox().configure({ extraUsers: 297 });
    const first = (await users()).json<UsersPage>();
    expect(first._embedded.users).toHaveLength(50);
    expect(first).toMatchObject({ _page: 1, _page_count: 6, _total_items: 300 });
    expect(first._links.next.href).toBe(`${sandbox().baseUrl}/api/v4/users?page=2&limit=50`);
    const big = (await users('?page=2&limit=1000')).json<UsersPage>();
    expect(big._embedded.users.map((user) => user.id)).toEqual(Array.from({ length: 50 }, (_, index) => 9100248 + index));
    expect(big._links).not.toHaveProperty('next');
    expect((await users('?page=3&limit=250')).status).toBe(204);
    expect((await users('?page=0')).status).toBe(400);
  });

  it('extra users are readable by id; without the knob there are the three seeded users', async () => {
    sandbox().configure({ extraUsers: 2 });
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/users/9100002', { token: sandbox().accessToken })).json()).toMatchObject({ name: 'Extra user 2' });
    sandbox().configure({ extraUsers: 0 });
    expect((await users()).json<UsersPage>()._embedded.users.map((user) => user.id)).toEqual([9000001, 9000002, 9000003]);
    expect((await call(sandbox().baseUrl, 'GET', '/api/v4/users/9100002', { token: sandbox().accessToken })).status).toBe(404);
  });
});

describe('seed: false', () => {
  it('starts empty: every list answers 204 and new ids start at the kind’s range', async () => {
    const empty = await startSandbox({ seed: false, rateLimit: false });
    try {
      for (const kind of ['leads', 'contacts', 'companies', 'tasks']) {
        expect((await call(empty.baseUrl, 'GET', `/api/v4/${kind}`, { token: empty.accessToken })).status).toBe(204);
      }
      const created = await call(empty.baseUrl, 'POST', '/api/v4/companies', { token: empty.accessToken, body: [{ name: 'First' }] });
      expect(created.json<{ _embedded: { companies: Array<{ id: number }> } }>()._embedded.companies[0].id).toBe(3000001);
    } finally {
      await empty.close();
    }
  });
});
