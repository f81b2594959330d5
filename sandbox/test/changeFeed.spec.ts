/**
 * What the events journal and the delivery builder make of each kind of change-feed entry,
 * including the actions (delete, restore, note, link, unlink, tag changes) that only other
 * writers of the store publish (docs/kommo-fidelity.md #7 and "Webhook deliveries";
 * docs/kommo-api.md §9).
 */
import { deriveEvents, EventJournal, UlidSource } from '../events';
import { encodeForm } from '../formEncoding';
import { buildDelivery, localDateTime } from '../webhookPayload';
import type { EntityChange } from '../changes';

const lead = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 1000001,
  name: 'Deal',
  price: 10,
  status_id: 7000012,
  pipeline_id: 7000001,
  responsible_user_id: 9000001,
  created_by: 9000001,
  updated_by: 9000001,
  created_at: 1735689600,
  updated_at: 1735689600,
  custom_fields_values: null,
  _embedded: { tags: [] },
  ...extra,
});

const change = (action: EntityChange['action'], extra: Partial<EntityChange> = {}): EntityChange => ({
  kind: 'leads',
  action,
  id: 1000001,
  atSeconds: 1735689700,
  userId: 9000002,
  ...extra,
});

describe('deriveEvents', () => {
  it.each<[string, EntityChange, Array<{ type: string; value_before: unknown[]; value_after: unknown[] }>]>([
    ['a deleted lead', change('delete', { before: lead() }), [{ type: 'lead_deleted', value_before: [], value_after: [] }]],
    ['a restored contact', change('restore', { kind: 'contacts', after: { id: 1 } }), [{ type: 'contact_restored', value_before: [], value_after: [] }]],
    ['a common note', change('note', { note: { id: 77, note_type: 'common' } }), [{ type: 'common_note_added', value_before: [], value_after: [{ note: { id: 77 } }] }]],
    ['an outgoing call note', change('note', { note: { id: 78, note_type: 'call_out' } }), [{ type: 'outgoing_call', value_before: [], value_after: [{ note: { id: 78 } }] }]],
    ['a service message note', change('note', { note: { id: 79, note_type: 'service_message' } }), [{ type: 'service_note_added', value_before: [], value_after: [{ note: { id: 79 } }] }]],
    [
      'a link to a contact',
      change('link', { link: { toKind: 'contacts', toId: 2000001 } }),
      [{ type: 'entity_linked', value_before: [], value_after: [{ link: { entity: { id: 2000001, type: 'contact' } } }] }],
    ],
    [
      'an unlink from a company',
      change('unlink', { link: { toKind: 'companies', toId: 3000001 } }),
      [{ type: 'entity_unlinked', value_before: [{ link: { entity: { id: 3000001, type: 'company' } } }], value_after: [] }],
    ],
    [
      'tags replaced',
      change('update', {
        before: lead({ _embedded: { tags: [{ id: 1, name: 'vip' }, { id: 2, name: 'old' }] } }),
        after: lead({ _embedded: { tags: [{ id: 1, name: 'vip' }, { id: 3, name: 'new' }, { id: 4, name: 'hot' }] } }),
      }),
      [
        { type: 'entity_tag_added', value_before: [], value_after: [{ tag: { name: 'new' } }, { tag: { name: 'hot' } }] },
        { type: 'entity_tag_deleted', value_before: [{ tag: { name: 'old' } }], value_after: [] },
      ],
    ],
    ['an update with no before image', change('update', { after: lead() }), []],
  ])('%s', (_case, input, expected) => {
    expect(deriveEvents(input)).toEqual(expected);
  });

  it('stamps journal entries with the change’s time, user and singular entity type', () => {
    const journal = new EventJournal(31000001);
    journal.record(change('note', { kind: 'companies', id: 3000001, note: { id: 5, note_type: 'common' } }));
    expect(journal.all()).toEqual([
      expect.objectContaining({ entity_type: 'company', entity_id: 3000001, created_by: 9000002, created_at: 1735689700, account_id: 31000001 }),
    ]);
  });
});

describe('UlidSource', () => {
  it('makes 26-character lowercase ids that sort in issue order within one millisecond and across a clock step back', () => {
    const source = new UlidSource();
    const ids = [source.next(5000), source.next(5000), source.next(5000), source.next(1000), source.next(9000)];
    expect(ids.every((id) => /^[0-9a-hjkmnp-tv-z]{26}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('buildDelivery', () => {
  const account = { id: 31000001, subdomain: 'sandbox', timeZone: 'America/New_York' };
  const ALL = new Set(['add_lead', 'update_lead', 'delete_lead', 'restore_lead', 'note_lead', 'note_company', 'delete_contact', 'delete_company', 'add_customer']);
  const fieldsOf = (changes: EntityChange[], settings: ReadonlySet<string> = ALL): URLSearchParams => {
    const payload = buildDelivery(changes, settings, account);
    if (!payload) throw new Error('expected a delivery');
    return new URLSearchParams(encodeForm(payload));
  };

  it('sends deletes as ids (leads with their stage), companies with type=company', () => {
    const fields = fieldsOf([
      change('delete', { before: lead() }),
      change('delete', { kind: 'companies', id: 3000001, before: { id: 3000001 } }),
    ]);
    expect(Object.fromEntries([...fields].filter(([key]) => !key.startsWith('account')))).toEqual({
      'leads[delete][0][id]': '1000001',
      'leads[delete][0][status_id]': '7000012',
      'leads[delete][0][pipeline_id]': '7000001',
      'contacts[delete][0][id]': '3000001',
      'contacts[delete][0][type]': 'company',
    });
  });

  it('sends a restored lead in full under [restore], with tags as tags[i][id|name]', () => {
    const fields = fieldsOf([change('restore', { after: lead({ _embedded: { tags: [{ id: 5, name: 'back' }] } }) })]);
    expect(fields.get('leads[restore][0][name]')).toBe('Deal');
    expect(fields.get('leads[restore][0][tags][0][id]')).toBe('5');
    expect(fields.get('leads[restore][0][tags][0][name]')).toBe('back');
  });

  it('sends notes under <entity>[note][i][note] with the legacy note type and element', () => {
    const fields = fieldsOf([
      change('note', { note: { id: 77, note_type: 'common', params: { text: 'Called back' }, created_at: 1735689700, created_by: 9000002 } }),
      change('note', { kind: 'companies', id: 3000001, note: { id: 78, note_type: 'sms_in', params: { text: 'Hi' } } }),
    ]);
    expect([fields.get('leads[note][0][note][id]'), fields.get('leads[note][0][note][note_type]'), fields.get('leads[note][0][note][text]')]).toEqual(['77', '4', 'Called back']);
    expect([fields.get('leads[note][0][note][element_id]'), fields.get('leads[note][0][note][element_type]')]).toEqual(['1000001', '2']);
    expect([fields.get('contacts[note][0][note][element_type]'), fields.get('contacts[note][0][note][note_type]')]).toEqual(['3', '102']);
  });

  it('sends a link as an update of the entity, several entities and actions in one delivery', () => {
    const fields = fieldsOf([change('add', { after: lead() }), change('link', { after: lead({ name: 'Linked' }), link: { toKind: 'contacts', toId: 2000001 } })]);
    expect(fields.get('leads[add][0][id]')).toBe('1000001');
    expect(fields.get('leads[update][0][name]')).toBe('Linked');
  });

  it('sends customers under customers', () => {
    const fields = fieldsOf([change('add', { kind: 'customers', id: 6000001, after: { id: 6000001, name: 'Regular' } })]);
    expect(fields.get('customers[add][0][name]')).toBe('Regular');
  });

  it('answers nothing when no entry matches the settings', () => {
    expect(buildDelivery([change('add', { after: lead() })], new Set(['add_contact']), account)).toBeUndefined();
  });
});

describe('localDateTime', () => {
  it.each([
    [1767225600, 'America/New_York', '2025-12-31 19:00:00'],
    [1767225600, 'UTC', '2026-01-01 00:00:00'],
    [1720000000, 'Europe/Moscow', '2024-07-03 12:46:40'],
  ])('formats %d in %s as %s', (seconds, zone, expected) => {
    expect(localDateTime(seconds, zone)).toBe(expected);
  });
});
