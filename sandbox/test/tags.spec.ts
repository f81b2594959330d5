import { embedded, useSandboxApi, validationErrors } from './fixtures';

const { sandbox, api } = useSandboxApi({ rateLimit: false });

type Tag = { id: number; name: string; color: string | null };
const tagNames = async (path: string): Promise<string[]> =>
  (await api('GET', path)).json<{ _embedded: { tags: Tag[] } }>()._embedded.tags.map((tag) => tag.name);

describe('GET /{entity}/tags (docs/kommo-api.md §6)', () => {
  it('lists the kind’s tags as a HAL page', async () => {
    const response = await api('GET', '/api/v4/leads/tags');
    expect(response.status).toBe(200);
    expect(embedded<Tag>(response, 'tags')).toEqual([
      { id: 6700001, name: 'vip', color: null },
      { id: 6700002, name: 'renewal', color: null },
    ]);
  });

  it.each([
    ['?filter[name]=VIP', ['vip']],
    ['?filter[id][]=6700002', ['renewal']],
    ['?query=new', ['renewal']],
  ])('filters %s', async (query, expected) => {
    expect(await tagNames(`/api/v4/leads/tags${query}`)).toEqual(expected);
  });

  it('answers 204 for a kind without tags', async () => {
    expect((await api('GET', '/api/v4/companies/tags')).status).toBe(204);
  });
});

describe('POST /{entity}/tags', () => {
  it('creates tags and echoes request_id; an existing name answers the existing tag', async () => {
    const response = await api('POST', '/api/v4/companies/tags', [{ name: 'partner', color: 'ddebb5', request_id: 'p' }, { name: 'Partner' }]);
    expect(response.status).toBe(200);
    const tags = embedded<Tag & { request_id: string }>(response, 'tags');
    expect(tags[0]).toEqual({ id: expect.any(Number), name: 'partner', color: 'DDEBB5', request_id: 'p' });
    expect(tags[1].id).toBe(tags[0].id);
    expect(sandbox().tags('companies')).toHaveLength(1);
  });

  it.each([
    [[{ color: 'ffffff' }], [['0', 'NotBlank', 'name']]],
    [[{ name: 'x', color: 'red' }], [['0', 'NotSupportedChoice', 'color']]],
  ])('refuses %j', async (body, expected) => {
    const response = await api('POST', '/api/v4/leads/tags', body);
    expect(response.status).toBe(400);
    expect(validationErrors(response)).toEqual(expected);
  });
});

describe('tags on entity writes (docs/kommo-fidelity.md #2)', () => {
  const leadTags = async (id: number): Promise<string[]> =>
    (await api('GET', `/api/v4/leads/${id}`)).json<{ _embedded: { tags: Tag[] } }>()._embedded.tags.map((tag) => tag.name);

  it('_embedded.tags replaces the whole set; an unknown name creates the tag', async () => {
    await api('PATCH', '/api/v4/leads/1000002', { _embedded: { tags: [{ name: 'fresh' }, { id: 6700001 }] } });
    expect(await leadTags(1000002)).toEqual(['fresh', 'vip']);
    expect(sandbox().tags('leads').map((tag) => tag.name)).toContain('fresh');
  });

  it('an empty _embedded.tags removes every tag', async () => {
    await api('PATCH', '/api/v4/leads/1000002', { _embedded: { tags: [] } });
    expect(await leadTags(1000002)).toEqual([]);
  });

  it('tags_to_add adds by id or name and keeps the others', async () => {
    await api('PATCH', '/api/v4/leads', [{ id: 1000001, tags_to_add: [{ id: 6700002 }, { name: 'hot' }] }]);
    expect(await leadTags(1000001)).toEqual(['vip', 'renewal', 'hot']);
  });

  it('tags_to_delete removes by id or name; names the lead does not carry are ignored', async () => {
    await api('PATCH', '/api/v4/leads/1000002', { tags_to_delete: [{ name: 'VIP' }, { name: 'never-seen' }] });
    expect(await leadTags(1000002)).toEqual(['renewal']);
    await api('PATCH', '/api/v4/leads/1000002', { tags_to_delete: [{ id: 6700002 }] });
    expect(await leadTags(1000002)).toEqual([]);
  });

  it('creates a lead with tags', async () => {
    const [lead] = embedded<{ id: number }>(await api('POST', '/api/v4/leads', [{ name: 'Tagged', _embedded: { tags: [{ name: 'vip' }] } }]), 'leads');
    expect(await leadTags(lead.id)).toEqual(['vip']);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['an unknown tag id in _embedded.tags', { _embedded: { tags: [{ id: 1 }] } }, 'NotFound', '_embedded.tags.0.id'],
    ['a tag without id or name', { tags_to_add: [{}] }, 'NotBlank', 'tags_to_add.0.id'],
    ['tags_to_delete that is not an array', { tags_to_delete: { id: 6700001 } }, 'InvalidType', 'tags_to_delete'],
  ])('refuses %s and changes nothing', async (_label, item, code, path) => {
    const response = await api('PATCH', '/api/v4/leads/1000001', item);
    expect(response.status).toBe(400);
    expect(validationErrors(response)).toEqual([['0', code, path]]);
    expect(await leadTags(1000001)).toEqual(['vip']);
  });
});
