/** `GET /api/v4/events`, `/events/{id}` and `/events/types` fed by real writes (docs/kommo-fidelity.md #7; docs/kommo-api.md §5, §6). */
import { ACCOUNT_ID, CURRENT_USER_ID } from '..';
import { call, type RawResponse } from './client';
import { useSandbox } from './fixtures';

const { clock, sandbox } = useSandbox({ rateLimit: false });

const api = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
  call(sandbox().baseUrl, method, path, { token: sandbox().accessToken, body });
const nowSeconds = (): number => Math.floor(clock.ms / 1000);

type Event = { id: string; type: string; entity_id: number; entity_type: string; created_at: number; value_before: unknown[]; value_after: unknown[] };
type EventList = { _page: number; _links: Record<string, { href: string }>; _embedded: { events: Array<Event & Record<string, unknown>> } };
type Problem = { 'validation-errors': Array<{ errors: Array<{ path: string; detail: string }> }> };

const events = async (query = ''): Promise<EventList['_embedded']['events']> => {
  const response = await api('GET', `/api/v4/events${query}`);
  if (response.status === 204) return [];
  expect(response.status).toBe(200);
  return response.json<EventList>()._embedded.events;
};
const types = async (query = ''): Promise<string[]> => (await events(query)).map((event) => event.type);

async function createLeads(count: number): Promise<number[]> {
  const items = Array.from({ length: count }, (_, index) => ({ name: `Journal ${index}` }));
  const response = await api('POST', '/api/v4/leads', items);
  expect(response.status).toBe(200);
  return response.json<{ _embedded: { leads: Array<{ id: number }> } }>()._embedded.leads.map((lead) => lead.id);
}

const patchLead = async (id: number, body: Record<string, unknown>): Promise<void> => {
  expect((await api('PATCH', `/api/v4/leads/${id}`, body)).status).toBe(200);
};

describe('the journal', () => {
  it('answers 204 while nothing was written (seeding logs nothing)', async () => {
    const response = await api('GET', '/api/v4/events');
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
  });

  it('logs a created lead in Kommo’s event shape, with a string ULID id and a singular entity_type', async () => {
    const [leadId] = await createLeads(1);
    const response = await api('GET', '/api/v4/events');
    expect(response.headers['content-type']).toBe('application/hal+json');
    const [event] = response.json<EventList>()._embedded.events;
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-hjkmnp-tv-z]{26}$/),
      type: 'lead_added',
      entity_id: leadId,
      entity_type: 'lead',
      created_by: CURRENT_USER_ID,
      created_at: nowSeconds(),
      value_after: [],
      value_before: [],
      account_id: ACCOUNT_ID,
      _links: { self: { href: `${sandbox().baseUrl}/api/v4/events/${event.id}` } },
      _embedded: { entity: { id: leadId, _links: { self: { href: `${sandbox().baseUrl}/api/v4/leads/${leadId}` } } } },
    });
    expect(sandbox().events()).toEqual([expect.objectContaining({ id: event.id, type: 'lead_added' })]);
  });

  it.each([
    ['contacts', { first_name: 'Ada' }, 'contact_added', 'contact'],
    ['companies', { name: 'Initech' }, 'company_added', 'company'],
    ['tasks', { text: 'Call back', complete_till: 1767225600 }, 'task_added', 'task'],
  ])('logs a created %s as %s', async (kind, item, type, entityType) => {
    expect((await api('POST', `/api/v4/${kind}`, [item])).status).toBe(200);
    expect(await events()).toEqual([expect.objectContaining({ type, entity_type: entityType })]);
  });

  it.each<[string, Record<string, unknown>, string, unknown[], unknown[]]>([
    [
      'a stage move',
      { status_id: 7000013 },
      'lead_status_changed',
      [{ lead_status: { id: 7000012, pipeline_id: 7000001 } }],
      [{ lead_status: { id: 7000013, pipeline_id: 7000001 } }],
    ],
    ['a new responsible user', { responsible_user_id: 9000002 }, 'entity_responsible_changed', [{ responsible_user: { id: CURRENT_USER_ID } }], [{ responsible_user: { id: 9000002 } }]],
    ['a rename', { name: 'Renamed' }, 'name_field_changed', [{ name_field_value: { name: 'Journal 0' } }], [{ name_field_value: { name: 'Renamed' } }]],
    ['a new price', { price: 1500 }, 'sale_field_changed', [{ sale_field_value: { sale: 0 } }], [{ sale_field_value: { sale: 1500 } }]],
    [
      'a text custom field',
      { custom_fields_values: [{ field_id: 710003, values: [{ value: 'ERP-1' }] }] },
      'custom_field_710003_value_changed',
      [],
      [{ custom_field_value: { field_id: 710003, text: 'ERP-1' } }],
    ],
    [
      'a select custom field',
      { custom_fields_values: [{ field_id: 710001, values: [{ enum_id: 810002 }] }] },
      'custom_field_710001_value_changed',
      [],
      [{ custom_field_value: { field_id: 710001, enum_id: 810002, text: 'Referral' } }],
    ],
  ])('logs %s with Kommo’s value_before/value_after shapes', async (_case, patch, type, before, after) => {
    const [leadId] = await createLeads(1);
    await patchLead(leadId, patch);
    const [event] = await events(`?filter[type]=${type}`);
    expect(event).toMatchObject({ type, entity_id: leadId, entity_type: 'lead', value_before: before, value_after: after });
  });

  it('logs one event per change of a write that changes several things, and none for an update that changes nothing journaled', async () => {
    const [leadId] = await createLeads(1);
    await patchLead(leadId, { status_id: 7000014, price: 10, name: 'Journal 0' });
    expect((await types('?order[id]=asc')).sort()).toEqual(['lead_added', 'lead_status_changed', 'sale_field_changed']);
    await patchLead(leadId, { name: 'Journal 0' });
    expect(await types()).toHaveLength(3);
  });

  it('logs a cleared custom field with an empty value_after', async () => {
    const [leadId] = await createLeads(1);
    await patchLead(leadId, { custom_fields_values: [{ field_id: 710003, values: [{ value: 'ERP-1' }] }] });
    await patchLead(leadId, { custom_fields_values: [{ field_id: 710003, values: null }] });
    const [latest] = await events('?filter[type]=custom_field_710003_value_changed');
    expect(latest).toMatchObject({ value_before: [{ custom_field_value: { field_id: 710003, text: 'ERP-1' } }], value_after: [] });
  });

  it('logs task deadline moves and completion', async () => {
    const created = await api('POST', '/api/v4/tasks', [{ text: 'Call back', complete_till: 1767225600 }]);
    const taskId = created.json<{ _embedded: { tasks: Array<{ id: number }> } }>()._embedded.tasks[0].id;
    await api('PATCH', `/api/v4/tasks/${taskId}`, { complete_till: 1767312000, is_completed: true });
    const logged = await events('?filter[entity]=task&order[id]=asc');
    expect(logged.map((event) => [event.type, event.value_before, event.value_after])).toEqual([
      ['task_added', [], []],
      ['task_deadline_changed', [{ task_deadline: { timestamp: 1767225600 } }], [{ task_deadline: { timestamp: 1767312000 } }]],
      ['task_completed', [], []],
    ]);
  });

  it('stamps events with the sandbox clock, so polling can see many in one second', async () => {
    const first = await createLeads(3);
    clock.advance(5000);
    const second = await createLeads(2);
    const logged = sandbox().events();
    expect(logged.map((event) => event.created_at)).toEqual([...first.map(() => nowSeconds() - 5), ...second.map(() => nowSeconds())]);
    expect(new Set(logged.map((event) => event.id)).size).toBe(5);
  });
});

describe('ordering', () => {
  it('is newest first by default, ties in reverse logging order', async () => {
    const older = await createLeads(2);
    clock.advance(1000);
    const newer = await createLeads(2);
    expect((await events()).map((event) => event.entity_id)).toEqual([...newer].reverse().concat([...older].reverse()));
  });

  it.each([
    ['order[created_at]=asc', 'asc'],
    ['order[id]=asc', 'asc'],
    ['order[created_at]=desc', 'desc'],
    ['order[id]=desc', 'desc'],
  ])('follows %s', async (order, direction) => {
    const older = await createLeads(2);
    clock.advance(1000);
    const newer = await createLeads(2);
    const ascending = [...older, ...newer];
    expect((await events(`?${order}`)).map((event) => event.entity_id)).toEqual(direction === 'asc' ? ascending : ascending.reverse());
  });

  it('keeps ids in logging order even when the clock goes back', async () => {
    const first = await createLeads(1);
    clock.advance(-10_000);
    const second = await createLeads(1);
    expect((await events('?order[id]=asc')).map((event) => event.entity_id)).toEqual([...first, ...second]);
    expect((await events('?order[created_at]=asc')).map((event) => event.entity_id)).toEqual([...second, ...first]);
  });
});

describe('paging (at most 100 per page)', () => {
  it('serves 100 per page by default, links next from a full page and answers 204 past the end', async () => {
    await createLeads(150);
    const page1 = await api('GET', '/api/v4/events');
    const body = page1.json<EventList>();
    expect(body._page).toBe(1);
    expect(body._embedded.events).toHaveLength(100);
    expect(body._links.next.href).toBe(`${sandbox().baseUrl}/api/v4/events?page=2&limit=100`);
    const page2 = (await api('GET', '/api/v4/events?page=2')).json<EventList>();
    expect(page2._embedded.events).toHaveLength(50);
    expect(page2._links.next).toBeUndefined();
    expect(page2._links.prev.href).toBe(`${sandbox().baseUrl}/api/v4/events?page=1&limit=100`);
    expect((await api('GET', '/api/v4/events?page=3')).status).toBe(204);
  });

  it('clamps a limit above 100 to 100 and honours a smaller one', async () => {
    await createLeads(120);
    expect(await events('?limit=250')).toHaveLength(100);
    expect(await events('?limit=7&page=2')).toHaveLength(7);
  });

  it.each(['page=0', 'limit=-1', 'limit=ten'])('rejects %s with a 400', async (query) => {
    expect((await api('GET', `/api/v4/events?${query}`)).status).toBe(400);
  });
});

describe('filters', () => {
  async function mixedJournal(): Promise<{ leads: number[]; contact: number }> {
    const leads = await createLeads(3);
    await patchLead(leads[0], { status_id: 7000013 });
    await patchLead(leads[1], { responsible_user_id: 9000003 });
    const contact = (await api('POST', '/api/v4/contacts', [{ first_name: 'Ada' }])).json<{ _embedded: { contacts: Array<{ id: number }> } }>()._embedded.contacts[0].id;
    return { leads, contact };
  }

  it.each([
    ['filter[type][]=lead_status_changed&filter[type][]=contact_added', ['contact_added', 'lead_status_changed']],
    ['filter[type]=lead_status_changed,contact_added', ['contact_added', 'lead_status_changed']],
    ['filter[type][0]=entity_responsible_changed', ['entity_responsible_changed']],
    ['filter[entity][]=contact', ['contact_added']],
    ['filter[entity]=lead,contact&filter[type]=lead_added', ['lead_added', 'lead_added', 'lead_added']],
  ])('%s', async (query, expected) => {
    await mixedJournal();
    expect((await types(`?${query}`)).sort()).toEqual(expected);
  });

  it('filters by entity_id when exactly one entity is named', async () => {
    const { leads } = await mixedJournal();
    expect(await types(`?filter[entity]=lead&filter[entity_id][]=${leads[0]}&order[id]=asc`)).toEqual(['lead_added', 'lead_status_changed']);
    expect((await events(`?filter[entity]=lead&filter[entity_id]=${leads[1]},${leads[2]}`)).map((event) => event.entity_id).sort()).toEqual([
      leads[1],
      leads[1],
      leads[2],
    ]);
  });

  it.each([
    ['filter[entity_id][]=1000001', 'filter.entity_id'],
    ['filter[entity][]=lead&filter[entity][]=contact&filter[entity_id][]=1000001', 'filter.entity_id'],
    [`filter[entity]=lead&${Array.from({ length: 11 }, (_, i) => `filter[entity_id][]=${i + 1}`).join('&')}`, 'filter.entity_id'],
    [Array.from({ length: 11 }, (_, i) => `filter[created_by][]=${i + 1}`).join('&'), 'filter.created_by'],
    ['filter[type][]=lead_moved', 'filter.type'],
    ['filter[type][]=custom_field_710003_value_changed&filter[type][]=lead_added', 'filter.type'],
    ['filter[entity][]=deal', 'filter.entity'],
    ['filter[created_at][from]=yesterday', 'filter.created_at.from'],
    ['order[updated_at]=asc', 'order.updated_at'],
  ])('rejects %s with a 400 naming %s', async (query, path) => {
    const response = await api('GET', `/api/v4/events?${query}`);
    expect(response.status).toBe(400);
    expect(response.json<Problem>()['validation-errors'][0].errors.map((error) => error.path)).toContain(path);
  });

  it('filters by created_at: a plain value means "since", a comma pair or [from]/[to] bound both sides', async () => {
    const start = nowSeconds();
    await createLeads(1);
    clock.advance(10_000);
    await createLeads(1);
    clock.advance(10_000);
    await createLeads(1);
    const stamps = async (query: string): Promise<number[]> => (await events(`?${query}&order[created_at]=asc`)).map((event) => event.created_at - start);
    expect(await stamps(`filter[created_at]=${start + 10}`)).toEqual([10, 20]);
    expect(await stamps(`filter[created_at]=${start},${start + 10}`)).toEqual([0, 10]);
    expect(await stamps(`filter[created_at][from]=${start + 1}&filter[created_at][to]=${start + 19}`)).toEqual([10]);
    expect(await stamps(`filter[created_at][to]=${start}`)).toEqual([0]);
  });

  it('filters by created_by and by event id', async () => {
    await mixedJournal();
    expect(await events(`?filter[created_by][]=${CURRENT_USER_ID}`)).toHaveLength(6);
    expect(await events('?filter[created_by][]=9000002')).toEqual([]);
    const [one, two] = sandbox().events();
    expect((await events(`?filter[id]=${one.id},${two.id}`)).map((event) => event.id).sort()).toEqual([one.id, two.id].sort());
  });

  it('filters per-field custom-field events by the generic code too', async () => {
    const [leadId] = await createLeads(1);
    await patchLead(leadId, { custom_fields_values: [{ field_id: 710003, values: [{ value: 'X' }] }, { field_id: 710001, values: [{ enum_id: 810001 }] }] });
    expect((await types('?filter[type]=custom_field_value_changed')).sort()).toEqual(['custom_field_710001_value_changed', 'custom_field_710003_value_changed']);
    expect(await types('?filter[type]=custom_field_710001_value_changed')).toEqual(['custom_field_710001_value_changed']);
  });

  it('filters by value_after: lead stage and responsible user', async () => {
    const { leads } = await mixedJournal();
    const stage = await events('?filter[value_after][leads_statuses][0][pipeline_id]=7000001&filter[value_after][leads_statuses][0][status_id]=7000013');
    expect(stage.map((event) => [event.type, event.entity_id])).toEqual([['lead_status_changed', leads[0]]]);
    expect(await events('?filter[value_after][leads_statuses][0][status_id]=142')).toEqual([]);
    const responsible = await events('?filter[value_after][responsible_user_id]=9000003');
    expect(responsible.map((event) => [event.type, event.entity_id])).toEqual([['entity_responsible_changed', leads[1]]]);
    const before = await events(`?filter[value_before][responsible_user_id]=${CURRENT_USER_ID}`);
    expect(before.map((event) => event.type)).toEqual(['entity_responsible_changed']);
  });

  it('tolerates with= and unknown filter keys, as Kommo does', async () => {
    await mixedJournal();
    expect(await events('?with=lead_name,contact_name&filter[foo]=bar')).toHaveLength(6);
  });
});

describe('GET /api/v4/events/{id}', () => {
  it('answers one event, and 404 for an unknown id', async () => {
    await createLeads(1);
    const [logged] = sandbox().events();
    const response = await api('GET', `/api/v4/events/${logged.id}`);
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ ...logged, _links: { self: { href: `${sandbox().baseUrl}/api/v4/events/${logged.id}` } } });
    expect((await api('GET', '/api/v4/events/01aaaaaaaaaaaaaaaaaaaaaaaa')).status).toBe(404);
  });
});

describe('GET /api/v4/events/types', () => {
  it('lists the codes under _embedded.events_types with key, numeric type and lang', async () => {
    const response = await api('GET', '/api/v4/events/types?language_code=en');
    expect(response.status).toBe(200);
    const body = response.json<{ _total_items: number; _embedded: { events_types: Array<{ key: string; type: number; lang: string }> } }>();
    const keys = body._embedded.events_types.map((entry) => entry.key);
    expect(body._total_items).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(['lead_added', 'lead_deleted', 'lead_restored', 'lead_status_changed', 'entity_tag_added', 'entity_linked', 'common_note_added', 'custom_field_value_changed']));
    expect(body._embedded.events_types.find((entry) => entry.key === 'lead_status_changed')).toEqual({ key: 'lead_status_changed', type: 14, lang: expect.any(String) });
    expect(new Set(body._embedded.events_types.map((entry) => entry.type)).size).toBe(keys.length);
  });
});

describe('reset', () => {
  it('empties the journal', async () => {
    await createLeads(2);
    sandbox().reset();
    expect(sandbox().events()).toEqual([]);
    expect((await api('GET', '/api/v4/events')).status).toBe(204);
  });
});
