import { embedded, useSandboxApi, validationErrors } from './fixtures';

const { clock, sandbox, api } = useSandboxApi({ rateLimit: false, customersMode: 'periodicity' });

type Note = { id: number; entity_id: number; note_type: string; params: Record<string, unknown>; created_by: number; created_at: number; _links: { self: { href: string } } };
const nowSeconds = (): number => Math.floor(clock.ms / 1000);

const CALL = { uniq: 'call-1', duration: 42, source: 'pbx', link: 'https://pbx.example/r/1.mp3', phone: '+15550100999' };

describe('POST /{entity}/notes (docs/kommo-api.md §6)', () => {
  it.each([
    ['common', { text: 'Hello' }],
    ['call_in', CALL],
    ['call_out', { ...CALL, link: undefined }],
    ['service_message', { service: 'Billing bot', text: 'Invoice sent' }],
    ['sms_in', { text: 'Yes, please', phone: '+15550100201' }],
    ['sms_out', { text: 'Your code is 1234', phone: '+15550100201' }],
  ])('adds a %s note with its params and reads it back', async (noteType, params) => {
    const response = await api('POST', '/api/v4/leads/notes', [{ entity_id: 1000003, note_type: noteType, params, request_id: 'n1' }]);
    expect(response.status).toBe(200);
    const [created] = embedded<{ id: number; entity_id: number; request_id: string }>(response, 'notes');
    expect(created).toMatchObject({ entity_id: 1000003, request_id: 'n1' });
    const note = (await api('GET', `/api/v4/leads/notes/${created.id}`)).json<Note>();
    expect(note).toMatchObject({ id: created.id, entity_id: 1000003, note_type: noteType, created_by: 9000001, created_at: nowSeconds() });
    expect(note.params).toEqual(JSON.parse(JSON.stringify(params)));
    expect(note._links.self.href).toBe(`${sandbox().baseUrl}/api/v4/leads/notes/${created.id}`);
  });

  it.each(['leads', 'contacts', 'companies', 'customers'])('adds notes on %s through /{entity}/{id}/notes', async (kind) => {
    const id = sandbox().entities(kind as 'leads')[0].id as number;
    const response = await api('POST', `/api/v4/${kind}/${id}/notes`, [{ note_type: 'common', params: { text: `on ${kind}` } }]);
    expect(response.status).toBe(200);
    expect(sandbox().notes(kind as 'leads').at(-1)).toMatchObject({ entity_id: id, params: { text: `on ${kind}` } });
  });

  it.each<[string, Record<string, unknown>, Array<[string, string, string]>]>([
    ['an unknown entity_id', { entity_id: 2000001, note_type: 'common', params: { text: 'x' } }, [['0', 'NotFound', 'entity_id']]],
    ['an unknown note type', { entity_id: 1000001, note_type: 'attachment_v2', params: {} }, [['0', 'NotSupportedChoice', 'note_type']]],
    ['a common note without text', { entity_id: 1000001, note_type: 'common', params: {} }, [['0', 'NotBlank', 'params.text']]],
    ['a call without uniq and a text duration', { entity_id: 1000001, note_type: 'call_in', params: { ...CALL, uniq: undefined, duration: '42' } }, [
      ['0', 'NotBlank', 'params.uniq'],
      ['0', 'InvalidType', 'params.duration'],
    ]],
    ['a service message without service', { entity_id: 1000001, note_type: 'service_message', params: { text: 'x' } }, [['0', 'NotBlank', 'params.service']]],
    ['an sms without phone', { entity_id: 1000001, note_type: 'sms_out', params: { text: 'x' } }, [['0', 'NotBlank', 'params.phone']]],
    ['no params', { entity_id: 1000001, note_type: 'common' }, [['0', 'NotBlank', 'params']]],
  ])('refuses %s with validation-errors and adds nothing', async (_label, item, expected) => {
    const before = sandbox().notes('leads').length;
    const response = await api('POST', '/api/v4/leads/notes', [item]);
    expect(response.status).toBe(400);
    expect(validationErrors(response)).toEqual(expected);
    expect(sandbox().notes('leads')).toHaveLength(before);
  });

  it('answers 404 for notes posted to an unknown entity path', async () => {
    expect((await api('POST', '/api/v4/leads/42/notes', [{ note_type: 'common', params: { text: 'x' } }])).status).toBe(404);
  });
});

describe('GET notes', () => {
  it('lists a kind’s notes, filtered by note_type and entity_id', async () => {
    await api('POST', '/api/v4/leads/notes', [
      { entity_id: 1000002, note_type: 'common', params: { text: 'a' } },
      { entity_id: 1000002, note_type: 'sms_in', params: { text: 'b', phone: '+1555' } },
    ]);
    const all = embedded<Note>(await api('GET', '/api/v4/leads/notes'), 'notes');
    expect(all.map((note) => note.entity_id)).toEqual([1000001, 1000002, 1000002]);
    const sms = embedded<Note>(await api('GET', '/api/v4/leads/notes?filter[note_type][]=sms_in'), 'notes');
    expect(sms.map((note) => note.params.text)).toEqual(['b']);
    const ofLead = embedded<Note>(await api('GET', '/api/v4/leads/notes?filter[entity_id][]=1000001'), 'notes');
    expect(ofLead.map((note) => note.params.text)).toEqual(['Asked for a revised proposal']);
  });

  it('lists one entity’s notes at /{entity}/{id}/notes and answers 204 when it has none', async () => {
    const notes = embedded<Note>(await api('GET', '/api/v4/contacts/2000002/notes'), 'notes');
    expect(notes.map((note) => note.note_type)).toEqual(['call_in']);
    expect((await api('GET', '/api/v4/contacts/2000001/notes')).status).toBe(204);
  });

  it('reads one note at /{entity}/{id}/notes/{note_id} and answers 404 for an unknown note', async () => {
    expect((await api('GET', '/api/v4/contacts/2000002/notes/6000002')).json()).toMatchObject({ id: 6000002, note_type: 'call_in' });
    expect((await api('GET', '/api/v4/contacts/notes/6000001')).status).toBe(404);
  });
});
