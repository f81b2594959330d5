import { KommoError } from '../../lib/client/errors';
import type { KommoResponse } from '../../lib/client/KommoClient';
import type { KommoQuery } from '../../lib/client/query';
import type { WebhookEvent } from '../../lib/webhooks/convert';
import { confirmEvents, MAX_IDS_PER_REQUEST, readFullObjects } from '../../lib/webhooks/fullObjects';

const ACCOUNT = { id: 1, subdomain: 'acme' };

function event(code: string, entityType: WebhookEvent['entity_type'], id: number): WebhookEvent {
  const action = code.split('_')[0] as WebhookEvent['action'];
  return { event: code, entity_type: entityType, action, account: ACCOUNT, object: { id, delivered: true } };
}

/** A client whose lists hold `stored` ids per path and answer `filter[id]` as Kommo does (or ignore it). */
function fakeClient(stored: Record<string, number[]>, ignoreFilters = false) {
  const calls: Array<{ path: string; ids: number[]; limit?: number }> = [];
  const client = {
    async get(path: string, query?: KommoQuery): Promise<KommoResponse> {
      const ids = ((query?.filter?.id ?? []) as number[]).slice();
      calls.push({ path, ids, limit: query?.limit });
      const found = (stored[path] ?? []).filter((id) => ignoreFilters || ids.includes(id)).slice(0, query?.limit);
      if (found.length === 0) return { status: 204, statusText: 'No Content', headers: {}, body: undefined };
      return { status: 200, statusText: 'OK', headers: {}, body: { _embedded: { [path]: found.map((id) => ({ id, name: `${path} ${id}` })) } } };
    },
  };
  return { client, calls };
}

describe('readFullObjects', () => {
  it('reads each type once with all its ids, in delivery order without repeats; deletions and notes are not read', async () => {
    const { client, calls } = fakeClient({ leads: [1, 2], contacts: [7] });
    const events = [event('add_lead', 'leads', 1), event('status_lead', 'leads', 2), event('update_lead', 'leads', 1),
      event('add_contact', 'contacts', 7), event('delete_lead', 'leads', 3), event('note_lead', 'leads', 99)];
    const full = await readFullObjects(client, events);
    expect(calls).toEqual([{ path: 'leads', ids: [1, 2], limit: 2 }, { path: 'contacts', ids: [7], limit: 1 }]);
    expect([...full.get('leads')!.keys()]).toEqual([1, 2]);
  });

  it(`asks for at most ${MAX_IDS_PER_REQUEST} ids per request`, async () => {
    const ids = Array.from({ length: MAX_IDS_PER_REQUEST + 1 }, (_, index) => index + 1);
    const { client, calls } = fakeClient({ leads: ids });
    const full = await readFullObjects(client, ids.map((id) => event('add_lead', 'leads', id)));
    expect(calls.map((call) => call.ids.length)).toEqual([MAX_IDS_PER_REQUEST, 1]);
    expect(full.get('leads')!.size).toBe(MAX_IDS_PER_REQUEST + 1);
  });

  it('refuses answers with objects that were not asked for (filters ignored): they cannot confirm anything', async () => {
    const { client } = fakeClient({ leads: [1, 2, 3] }, true);
    await expect(readFullObjects(client, [event('add_lead', 'leads', 2)])).rejects.toThrow(KommoError);
    await expect(readFullObjects(client, [event('add_lead', 'leads', 2)])).rejects.toThrow(/this account ignores API filters/);
  });
});

describe('confirmEvents', () => {
  it('puts Kommo\'s object in confirmed events, leaves out the rest, and keeps deletions and notes as delivered, in order', () => {
    const events = [event('add_lead', 'leads', 1), event('update_lead', 'leads', 2), event('delete_lead', 'leads', 3), event('note_lead', 'leads', 99)];
    const full = new Map([['leads' as const, new Map([[1, { id: 1, name: 'From Kommo' }]])]]);
    const confirmed = confirmEvents(events, full);
    expect(confirmed.events.map((item) => [item.event, item.object])).toEqual([
      ['add_lead', { id: 1, name: 'From Kommo' }],
      ['delete_lead', { id: 3, delivered: true }],
      ['note_lead', { id: 99, delivered: true }],
    ]);
    expect(confirmed.unconfirmed).toEqual(['update_lead 2']);
  });
});
