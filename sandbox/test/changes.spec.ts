import type { EntityChange } from '..';
import { call } from './client';
import { useSandbox } from './fixtures';

const { clock, sandbox } = useSandbox({ rateLimit: false });

const api = (method: string, path: string, body?: unknown) => call(sandbox().baseUrl, method, path, { token: sandbox().accessToken, body });

let received: EntityChange[] = [];
let unsubscribe: () => void = () => undefined;
beforeEach(() => {
  received = [];
  unsubscribe = sandbox().changes.subscribe((change) => received.push(change));
});
afterEach(() => unsubscribe());

describe('change feed', () => {
  it('publishes one add per created entity, after it is applied, with the clock in seconds and the user', async () => {
    await api('POST', '/api/v4/leads', [{ name: 'One' }, { name: 'Two' }]);
    expect(received.map((change) => [change.kind, change.action, change.id])).toEqual([
      ['leads', 'add', 1000006],
      ['leads', 'add', 1000007],
    ]);
    expect(received[0]).toMatchObject({ atSeconds: Math.floor(clock.ms / 1000), userId: 9000001, after: { id: 1000006, name: 'One' } });
    expect(received[0].before).toBeUndefined();
  });

  it('publishes an update with the record before and after', async () => {
    await api('PATCH', '/api/v4/leads/1000002', { price: 7 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: 'leads', action: 'update', id: 1000002, before: { price: 4800 }, after: { price: 7 } });
  });

  it('publishes nothing for a refused write', async () => {
    expect((await api('POST', '/api/v4/leads', [{ price: 'x' }])).status).toBe(400);
    expect(received).toEqual([]);
  });

  it('hands out copies: a listener that mutates a record changes nothing stored', async () => {
    await api('PATCH', '/api/v4/leads/1000001', { name: 'Kept' });
    (received[0].after as Record<string, unknown>).name = 'mutated';
    expect(sandbox().entities('leads')[0].name).toBe('Kept');
  });

  it('carries tags and custom fields in the update’s before and after', async () => {
    await api('PATCH', '/api/v4/leads/1000001', { tags_to_add: [{ name: 'hot' }], custom_fields_values: [{ field_id: 710003, values: [{ value: 'ERP-1' }] }] });
    expect(received).toHaveLength(1);
    const [change] = received;
    const tags = (record: unknown) => ((record as { _embedded: { tags: Array<{ name: string }> } })._embedded.tags.map((tag) => tag.name));
    expect([tags(change.before), tags(change.after)]).toEqual([['vip'], ['vip', 'hot']]);
    expect(change.after).toMatchObject({ custom_fields_values: expect.arrayContaining([expect.objectContaining({ field_id: 710003, values: [{ value: 'ERP-1' }] })]) });
  });

  it('publishes a link once per side, after the add that carried it', async () => {
    await api('POST', '/api/v4/leads', [{ name: 'With contact', _embedded: { contacts: [{ id: 2000004 }] } }]);
    expect(received.map((change) => [change.kind, change.action, change.id, change.link])).toEqual([
      ['leads', 'add', 1000006, undefined],
      ['leads', 'link', 1000006, { toKind: 'contacts', toId: 2000004, metadata: { main_contact: true } }],
      ['contacts', 'link', 2000004, { toKind: 'leads', toId: 1000006, metadata: { main_contact: true } }],
    ]);
    expect(received[2].before).toMatchObject({ _embedded: { leads: [] } });
    expect(received[2].after).toMatchObject({ _embedded: { leads: [{ id: 1000006 }] } });
  });

  it('publishes unlink per side, and the replaced company’s unlink when a lead gets another company', async () => {
    await api('POST', '/api/v4/leads/1000001/link', [{ to_entity_id: 3000002, to_entity_type: 'companies' }]);
    expect(received.map((change) => [change.kind, change.action, change.id, change.link?.toId])).toEqual([
      ['leads', 'unlink', 1000001, 3000001],
      ['companies', 'unlink', 3000001, 1000001],
      ['leads', 'link', 1000001, 3000002],
      ['companies', 'link', 3000002, 1000001],
    ]);
    received = [];
    await api('POST', '/api/v4/leads/1000001/unlink', [{ to_entity_id: 3000002, to_entity_type: 'companies' }]);
    expect(received.map((change) => [change.kind, change.action, change.id])).toEqual([
      ['leads', 'unlink', 1000001],
      ['companies', 'unlink', 3000002],
    ]);
  });

  it('publishes a note change on the note’s entity with the note', async () => {
    await api('POST', '/api/v4/contacts/2000003/notes', [{ note_type: 'common', params: { text: 'Met at the fair' } }]);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: 'contacts', action: 'note', id: 2000003, note: { note_type: 'common', params: { text: 'Met at the fair' } } });
  });

  it('publishes a batch after all of it is applied', async () => {
    const seen: number[] = [];
    const stop = sandbox().changes.subscribe(() => seen.push(sandbox().entities('leads').length));
    await api('POST', '/api/v4/leads', [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    stop();
    expect(seen).toEqual([8, 8, 8]);
  });

  it('stops delivering after unsubscribe', async () => {
    unsubscribe();
    await api('PATCH', '/api/v4/leads/1000001', { name: 'Quiet' });
    expect(received).toEqual([]);
  });
});
