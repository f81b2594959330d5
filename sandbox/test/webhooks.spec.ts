/** `GET`, `POST` and `DELETE /api/v4/webhooks` (docs/kommo-fidelity.md #15; docs/kommo-api.md §6, §9). */
import { ACCOUNT_ID, CURRENT_USER_ID } from '..';
import { call, type RawResponse } from './client';
import { useSandbox } from './fixtures';

const { clock, sandbox } = useSandbox({ rateLimit: false });

const api = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
  call(sandbox().baseUrl, method, path, { token: sandbox().accessToken, body });
const subscribe = (body: unknown): Promise<RawResponse> => api('POST', '/api/v4/webhooks', body);
const nowSeconds = (): number => Math.floor(clock.ms / 1000);

type WebhookList = { _total_items: number; _embedded: { webhooks: Array<Record<string, unknown>> } };
type Problem = { status: number; detail: string; 'validation-errors'?: Array<{ request_id: string; errors: Array<{ code: string; path: string }> }> };
const errorPaths = (response: RawResponse): string[] => (response.json<Problem>()['validation-errors'] ?? []).flatMap((entry) => entry.errors.map((error) => error.path));

const HOOK = 'https://hooks.example.test/kommo';

describe('GET /api/v4/webhooks', () => {
  it('answers 204 with no body while nothing is subscribed', async () => {
    const response = await api('GET', '/api/v4/webhooks');
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
  });

  it('lists subscriptions with _total_items under _embedded.webhooks', async () => {
    await subscribe({ destination: HOOK, settings: ['add_lead', 'status_lead'] });
    await subscribe({ destination: 'https://other.example.test/hook', settings: ['add_task'], sort: 5 });
    const response = await api('GET', '/api/v4/webhooks');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/hal+json');
    const body = response.json<WebhookList>();
    expect(body._total_items).toBe(2);
    expect(body._embedded.webhooks.map((hook) => hook.destination)).toEqual([HOOK, 'https://other.example.test/hook']);
  });

  it('filters by the exact destination', async () => {
    await subscribe({ destination: HOOK, settings: ['add_lead'] });
    await subscribe({ destination: `${HOOK}/2`, settings: ['add_lead'] });
    const hit = await api('GET', `/api/v4/webhooks?filter[destination]=${encodeURIComponent(HOOK)}`);
    expect(hit.json<WebhookList>()._embedded.webhooks.map((hook) => hook.destination)).toEqual([HOOK]);
    const prefixOnly = await api('GET', `/api/v4/webhooks?filter[destination]=${encodeURIComponent('https://hooks.example.test')}`);
    expect(prefixOnly.status).toBe(204);
  });
});

describe('POST /api/v4/webhooks', () => {
  it('answers the one subscription it created', async () => {
    const response = await subscribe({ destination: HOOK, settings: ['add_lead', 'update_lead'], sort: 3 });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      id: expect.any(Number),
      destination: HOOK,
      created_at: nowSeconds(),
      updated_at: nowSeconds(),
      account_id: ACCOUNT_ID,
      created_by: CURRENT_USER_ID,
      sort: 3,
      disabled: false,
      settings: ['add_lead', 'update_lead'],
    });
    expect(sandbox().webhooks.subscriptions()).toEqual([response.json()]);
  });

  it('updates the subscription of a destination already subscribed: same id, new settings, enabled again', async () => {
    const first = (await subscribe({ destination: HOOK, settings: ['add_lead'] })).json<{ id: number; created_at: number }>();
    sandbox().webhooks.disable(HOOK);
    clock.advance(60_000);
    const second = await subscribe({ destination: HOOK, settings: ['add_contact', 'add_contact'] });
    expect(second.json()).toMatchObject({
      id: first.id,
      created_at: first.created_at,
      updated_at: first.created_at + 60,
      disabled: false,
      settings: ['add_contact'],
    });
    expect(sandbox().webhooks.subscriptions()).toHaveLength(1);
  });

  it.each([
    'add_lead', 'update_lead', 'delete_lead', 'restore_lead', 'status_lead', 'responsible_lead', 'note_lead',
    'add_contact', 'update_contact', 'delete_contact', 'restore_contact', 'responsible_contact', 'note_contact',
    'add_company', 'update_company', 'delete_company', 'restore_company', 'responsible_company', 'note_company',
    'add_customer', 'update_customer', 'delete_customer', 'responsible_customer', 'note_customer',
    'add_task', 'update_task', 'delete_task', 'responsible_task', 'add_talk', 'update_talk',
  ])('accepts the Kommo code %s', async (code) => {
    const response = await subscribe({ destination: HOOK, settings: [code] });
    expect(response.status).toBe(200);
  });

  it.each<[string, unknown, string[]]>([
    ['no destination', { settings: ['add_lead'] }, ['destination']],
    ['a destination that is not a URL', { destination: 'not a url', settings: ['add_lead'] }, ['destination']],
    ['a non-http destination', { destination: 'ftp://hooks.example.test/', settings: ['add_lead'] }, ['destination']],
    ['no settings', { destination: HOOK }, ['settings']],
    ['empty settings', { destination: HOOK, settings: [] }, ['settings']],
    ['settings that are not an array', { destination: HOOK, settings: 'add_lead' }, ['settings']],
    ['an unknown code', { destination: HOOK, settings: ['add_lead', 'create_lead'] }, ['settings.1']],
    ['a task status code Kommo does not have', { destination: HOOK, settings: ['status_task'] }, ['settings.0']],
    ['a fractional sort', { destination: HOOK, settings: ['add_lead'], sort: 1.5 }, ['sort']],
  ])('rejects %s with a 400 naming the field', async (_case, body, paths) => {
    const response = await subscribe(body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(errorPaths(response)).toEqual(paths);
    expect(sandbox().webhooks.subscriptions()).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['an empty body', undefined],
    ['an array', [{ destination: HOOK, settings: ['add_lead'] }]],
  ])('rejects %s with a 400', async (_case, body) => {
    const response = await subscribe(body);
    expect(response.status).toBe(400);
    expect(response.json<Problem>().detail).toMatch(/empty|object/);
  });

  it('allows 100 subscriptions per account, refuses the 101st and still updates existing ones', async () => {
    for (let index = 0; index < 100; index += 1) {
      expect((await subscribe({ destination: `${HOOK}/${index}`, settings: ['add_lead'] })).status).toBe(200);
    }
    const extra = await subscribe({ destination: `${HOOK}/100`, settings: ['add_lead'] });
    expect(extra.status).toBe(400);
    expect(extra.json<Problem>().detail).toContain('100');
    expect((await subscribe({ destination: `${HOOK}/7`, settings: ['add_task'] })).status).toBe(200);
    expect(sandbox().webhooks.subscriptions()).toHaveLength(100);
  });
});

describe('DELETE /api/v4/webhooks', () => {
  it('removes the subscription named by {destination} and answers 204', async () => {
    await subscribe({ destination: HOOK, settings: ['add_lead'] });
    await subscribe({ destination: `${HOOK}/keep`, settings: ['add_lead'] });
    const response = await api('DELETE', '/api/v4/webhooks', { destination: HOOK });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(sandbox().webhooks.subscriptions().map((hook) => hook.destination)).toEqual([`${HOOK}/keep`]);
  });

  it('answers 404 for a destination nobody subscribed', async () => {
    const response = await api('DELETE', '/api/v4/webhooks', { destination: HOOK });
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json');
  });

  it.each<[string, unknown]>([
    ['no body', undefined],
    ['no destination', { settings: ['add_lead'] }],
  ])('rejects %s with a 400', async (_case, body) => {
    expect((await api('DELETE', '/api/v4/webhooks', body)).status).toBe(400);
  });
});

describe('the disabled flag', () => {
  it('shows a subscription the sandbox disabled, and refuses to disable an unknown destination', async () => {
    await subscribe({ destination: HOOK, settings: ['add_lead'] });
    sandbox().webhooks.disable(HOOK);
    const listed = (await api('GET', '/api/v4/webhooks')).json<WebhookList>();
    expect(listed._embedded.webhooks[0]).toMatchObject({ destination: HOOK, disabled: true });
    expect(() => sandbox().webhooks.disable('https://nowhere.example.test/')).toThrow(/no webhook subscription/);
  });
});

describe('routing and reset', () => {
  it('answers 405 with Allow for other methods', async () => {
    const response = await api('PATCH', '/api/v4/webhooks', { destination: HOOK });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, POST, DELETE');
  });

  it('needs a valid token', async () => {
    const response = await call(sandbox().baseUrl, 'GET', '/api/v4/webhooks', { token: 'not-a-token' });
    expect(response.status).toBe(401);
  });

  it('forgets subscriptions on reset()', async () => {
    await subscribe({ destination: HOOK, settings: ['add_lead'] });
    sandbox().reset();
    expect(sandbox().webhooks.subscriptions()).toEqual([]);
    expect((await subscribe({ destination: HOOK, settings: ['add_lead'] })).json<{ id: number }>().id).toBe(8500001);
  });
});
