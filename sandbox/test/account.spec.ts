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
