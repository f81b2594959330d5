import { embedded, useSandboxApi, validationErrors } from './fixtures';

const { sandbox, api } = useSandboxApi({ rateLimit: false });

type Linked = { id: number; is_main?: boolean; _links: { self: { href: string } } };
type LinkEntry = { entity_id: number; entity_type: string; to_entity_id: number; to_entity_type: string; metadata: Record<string, unknown> | null };

const linkedIds = async (path: string, key: string): Promise<Linked[]> =>
  ((await api('GET', path)).json<{ _embedded: Record<string, Linked[]> }>()._embedded[key] ?? []);

describe('with= on reads (docs/kommo-fidelity.md #1)', () => {
  it('shows a lead’s contacts only with=contacts, each with is_main and a self link; companies always', async () => {
    const plain = (await api('GET', '/api/v4/leads/1000001')).json<{ _embedded: Record<string, unknown> }>();
    expect(plain._embedded).not.toHaveProperty('contacts');
    expect(plain._embedded.companies).toEqual([{ id: 3000001, _links: { self: { href: `${sandbox().baseUrl}/api/v4/companies/3000001` } } }]);
    expect(await linkedIds('/api/v4/leads/1000001?with=contacts', 'contacts')).toEqual([
      { id: 2000001, is_main: true, _links: { self: { href: `${sandbox().baseUrl}/api/v4/contacts/2000001` } } },
    ]);
  });

  it('shows a contact’s leads with=leads, also in lists', async () => {
    const contacts = embedded<{ id: number; _embedded: { leads?: Linked[] } }>(await api('GET', '/api/v4/contacts?with=leads'), 'contacts');
    expect(contacts.find((contact) => contact.id === 2000001)?._embedded.leads?.map((lead) => lead.id)).toEqual([1000001]);
    expect(contacts.find((contact) => contact.id === 2000004)?._embedded.leads).toEqual([]);
  });

  it.each([
    ['/api/v4/companies/3000001?with=contacts,leads', ['contacts', 'leads'], [[2000001], [1000001]]],
    ['/api/v4/contacts/2000001?with=customers', ['customers', 'companies'], [[5000001], [3000001]]],
  ])('%s embeds %j', async (path, keys, expected) => {
    sandbox().configure({ customersMode: 'periodicity' });
    const body = (await api('GET', path)).json<{ _embedded: Record<string, Linked[]> }>();
    expect(keys.map((key) => body._embedded[key].map((item) => item.id))).toEqual(expected);
  });
});

describe('links written with _embedded on create and update', () => {
  it('links contacts and a company given on create; is_main picks the main contact', async () => {
    const created = embedded<{ id: number }>(
      await api('POST', '/api/v4/leads', [{ name: 'Linked', _embedded: { contacts: [{ id: 2000002 }, { id: 2000004, is_main: true }], companies: [{ id: 3000002 }] } }]),
      'leads',
    );
    const contacts = await linkedIds(`/api/v4/leads/${created[0].id}?with=contacts`, 'contacts');
    expect(contacts.map((contact) => [contact.id, contact.is_main])).toEqual([
      [2000002, false],
      [2000004, true],
    ]);
    expect((await linkedIds(`/api/v4/leads/${created[0].id}`, 'companies')).map((company) => company.id)).toEqual([3000002]);
  });

  it('makes the first contact of a lead main when none is marked', async () => {
    const [lead] = embedded<{ id: number }>(await api('POST', '/api/v4/leads', [{ _embedded: { contacts: [{ id: 2000004 }] } }]), 'leads');
    expect((await linkedIds(`/api/v4/leads/${lead.id}?with=contacts`, 'contacts')).map((contact) => contact.is_main)).toEqual([true]);
  });

  it('adds contacts on update without dropping the linked ones, and replaces the company', async () => {
    await api('PATCH', '/api/v4/leads/1000001', { _embedded: { contacts: [{ id: 2000003 }], companies: [{ id: 3000002 }] } });
    expect((await linkedIds('/api/v4/leads/1000001?with=contacts', 'contacts')).map((contact) => [contact.id, contact.is_main])).toEqual([
      [2000001, true],
      [2000003, false],
    ]);
    expect((await linkedIds('/api/v4/leads/1000001', 'companies')).map((company) => company.id)).toEqual([3000002]);
  });

  it('refuses an unknown linked id with validation-errors and applies nothing', async () => {
    const response = await api('POST', '/api/v4/leads', [{ name: 'x', _embedded: { contacts: [{ id: 1000001 }] } }]);
    expect(response.status).toBe(400);
    expect(validationErrors(response)).toEqual([['0', 'NotFound', '_embedded.contacts.0.id']]);
    expect(sandbox().entities('leads')).toHaveLength(5);
  });
});

describe('POST /{entity}/{id}/link and /unlink, batch forms (docs/kommo-api.md §6)', () => {
  it('links with metadata.is_main and reads it back as main_contact', async () => {
    const response = await api('POST', '/api/v4/leads/1000002/link', [{ to_entity_id: 2000004, to_entity_type: 'contacts', metadata: { is_main: true } }]);
    expect(response.status).toBe(200);
    expect(embedded<LinkEntry>(response, 'links')).toEqual([
      { entity_id: 1000002, entity_type: 'leads', to_entity_id: 2000004, to_entity_type: 'contacts', metadata: { main_contact: true } },
    ]);
    const links = embedded<LinkEntry>(await api('GET', '/api/v4/leads/1000002/links'), 'links');
    expect(links.map((link) => [link.to_entity_id, link.metadata])).toEqual([
      [2000002, { main_contact: false }],
      [2000004, { main_contact: true }],
    ]);
  });

  it('unlinks with 204; unlinking the main contact promotes the next one', async () => {
    await api('POST', '/api/v4/leads/1000001/link', [{ to_entity_id: 2000004, to_entity_type: 'contacts' }]);
    const response = await api('POST', '/api/v4/leads/1000001/unlink', [{ to_entity_id: 2000001, to_entity_type: 'contacts' }]);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect((await linkedIds('/api/v4/leads/1000001?with=contacts', 'contacts')).map((contact) => [contact.id, contact.is_main])).toEqual([[2000004, true]]);
    expect((await linkedIds('/api/v4/contacts/2000001?with=leads', 'leads')).map((lead) => lead.id)).toEqual([]);
  });

  it('batch-links and unlinks several entities with entity_id per item', async () => {
    const linked = await api('POST', '/api/v4/contacts/link', [
      { entity_id: 2000002, to_entity_id: 3000002, to_entity_type: 'companies' },
      { entity_id: 2000004, to_entity_id: 3000002, to_entity_type: 'companies' },
    ]);
    expect(linked.status).toBe(200);
    expect((await linkedIds('/api/v4/companies/3000002?with=contacts', 'contacts')).map((contact) => contact.id)).toEqual([2000003, 2000002, 2000004]);
    expect((await api('POST', '/api/v4/contacts/unlink', [{ entity_id: 2000002, to_entity_id: 3000002, to_entity_type: 'companies' }])).status).toBe(204);
    expect((await linkedIds('/api/v4/companies/3000002?with=contacts', 'contacts')).map((contact) => contact.id)).toEqual([2000003, 2000004]);
  });

  it.each<[string, string, unknown, Array<[string, string, string]>]>([
    ['an unknown target', '/api/v4/leads/1000001/link', [{ to_entity_id: 2999999, to_entity_type: 'contacts' }], [['0', 'NotFound', 'to_entity_id']]],
    ['a kind that cannot be linked', '/api/v4/leads/1000001/link', [{ to_entity_id: 1000002, to_entity_type: 'leads' }], [['0', 'NotSupportedChoice', 'to_entity_type']]],
    ['a batch item without entity_id', '/api/v4/leads/link', [{ to_entity_id: 2000001, to_entity_type: 'contacts' }], [['0', 'InvalidType', 'entity_id']]],
  ])('refuses %s with validation-errors', async (_label, path, body, expected) => {
    const response = await api('POST', path, body);
    expect(response.status).toBe(400);
    expect(validationErrors(response)).toEqual(expected);
  });

  it('answers 404 for a link from an unknown entity', async () => {
    expect((await api('POST', '/api/v4/leads/42/link', [{ to_entity_id: 2000001, to_entity_type: 'contacts' }])).status).toBe(404);
  });
});

describe('GET /{entity}/{id}/links and /{entity}/links', () => {
  it('lists an entity’s links with _total_items, narrowed by filter[to_entity_type]', async () => {
    const response = await api('GET', '/api/v4/leads/1000001/links');
    expect(response.json()).toMatchObject({ _total_items: 2 });
    expect(embedded<LinkEntry>(response, 'links')).toEqual([
      { entity_id: 1000001, entity_type: 'leads', to_entity_id: 2000001, to_entity_type: 'contacts', metadata: { main_contact: true } },
      { entity_id: 1000001, entity_type: 'leads', to_entity_id: 3000001, to_entity_type: 'companies', metadata: null },
    ]);
    const companies = embedded<LinkEntry>(await api('GET', '/api/v4/leads/1000001/links?filter[to_entity_type]=companies'), 'links');
    expect(companies.map((link) => link.to_entity_id)).toEqual([3000001]);
  });

  it('lists the links of several entities with filter[entity_id][]', async () => {
    const links = embedded<LinkEntry>(await api('GET', '/api/v4/leads/links?filter[entity_id][]=1000002&filter[entity_id][]=1000003'), 'links');
    expect(links.map((link) => [link.entity_id, link.to_entity_id])).toEqual([
      [1000002, 2000002],
      [1000003, 2000003],
      [1000003, 3000002],
    ]);
  });

  it('answers 204 when an entity has no links and 400 without filter[entity_id]', async () => {
    expect((await api('GET', '/api/v4/leads/1000005/links')).status).toBe(204);
    expect((await api('GET', '/api/v4/leads/links')).status).toBe(400);
  });
});
