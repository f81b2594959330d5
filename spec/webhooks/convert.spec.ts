import { KommoConfigError } from '../../lib/client/errors';
import { ConvertedDelivery, convertDelivery, ConvertOptions, WebhookEvent } from '../../lib/webhooks/convert';
import { FormValue, parseFormBody } from '../../lib/webhooks/form';
import {
  ACCOUNT_PAIRS,
  COMPANY_ADDED_V4,
  CONTACT_ADDED_V4,
  CONTACT_AND_COMPANY_ADDED,
  fields,
  LEAD_ADDED,
  LEAD_ADDED_V4,
  LEAD_NOTE,
  LEAD_NOTE_V4,
  LEAD_STATUS_SHORT,
  LEAD_STATUS_SHORT_V4,
  MIXED_DELIVERY,
  Pairs,
  rawForm,
  TASK_ADDED,
  TASK_ADDED_V4,
  UNSORTED_ACCEPTED,
} from './fixtures';

const UTC: ConvertOptions = { timeZone: 'UTC' };
const ACCOUNT = { id: 32720107, subdomain: 'acme' };

function convert(pairs: Pairs, options: ConvertOptions = UTC): ConvertedDelivery {
  const parsed = parseFormBody(rawForm(pairs));
  if (!parsed.ok) throw new Error(parsed.reason);
  return convertDelivery(parsed.tree, options);
}

function converted(pairs: Pairs, options: ConvertOptions = UTC): Extract<ConvertedDelivery, { ok: true }> {
  const result = convert(pairs, options);
  if (!result.ok) throw new Error(`expected events, got: ${result.reason}`);
  return result;
}

/** The event a message body would carry, with the account every fixture names. */
function event(name: string, entityType: WebhookEvent['entity_type'], action: WebhookEvent['action'], object: object): WebhookEvent {
  return { event: name, entity_type: entityType, action, account: ACCOUNT, object: object as WebhookEvent['object'] };
}

/** A task changed in the UI: wall-clock dates only, completed, with a result. */
const TASK_COMPLETED_WALL_CLOCK: Pairs = [
  ...fields('task[update][0]', {
    id: '1564845',
    element_id: '17612521',
    element_type: '3',
    task_type: '2',
    text: 'Send the offer',
    old_text: 'Send offer',
    status: '1',
    action_close: '1',
    date_create: '2024-09-17 16:07:29',
    last_modified: '2024-09-17 16:10:00',
    complete_till: '2025-10-02 23:59:00',
    responsible_user_id: '11087123',
    created_user_id: '11087123',
  }),
  ...fields('task[update][0][result]', { id: '88', text: 'Offer sent' }),
];

describe('convertDelivery: one event per entity, in the v4 shape', () => {
  it.each<[string, Pairs, ConvertOptions, WebhookEvent[]]>([
    ['a lead added (legacy names, legacy custom fields with a bare date, tags)', [...LEAD_ADDED, ...ACCOUNT_PAIRS], UTC,
      [event('add_lead', 'leads', 'add', LEAD_ADDED_V4)]],
    ['a digital-pipeline stage change (ids only)', [...LEAD_STATUS_SHORT, ...ACCOUNT_PAIRS], UTC,
      [event('status_lead', 'leads', 'status', LEAD_STATUS_SHORT_V4)]],
    ['a contact and a company, both under contacts', [...CONTACT_AND_COMPANY_ADDED, ...ACCOUNT_PAIRS], UTC,
      [event('add_contact', 'contacts', 'add', CONTACT_ADDED_V4), event('add_company', 'companies', 'add', COMPANY_ADDED_V4)]],
    ['a task under the singular task key (Unix seconds win over wall clock)', [...TASK_ADDED, ...ACCOUNT_PAIRS], { timeZone: 'Europe/Moscow' },
      [event('add_task', 'tasks', 'add', TASK_ADDED_V4)]],
    ['a completed task with wall-clock dates only, read in the account time zone', [...TASK_COMPLETED_WALL_CLOCK, ...ACCOUNT_PAIRS], { timeZone: 'Europe/Moscow' },
      [event('update_task', 'tasks', 'update', {
        id: 1564845,
        entity_id: 17612521,
        entity_type: 'companies',
        task_type_id: 2,
        text: 'Send the offer',
        old_text: 'Send offer',
        is_completed: true,
        action_close: '1',
        created_at: 1726578449,
        updated_at: 1726578600,
        complete_till: 1759438740,
        responsible_user_id: 11087123,
        created_by: 11087123,
        result: { id: 88, text: 'Offer sent' },
      })]],
    ['a note added to a lead (the object is the note)', [...LEAD_NOTE, ...ACCOUNT_PAIRS], UTC,
      [event('note_lead', 'leads', 'note', LEAD_NOTE_V4)]],
    ['a call note added to a company: it arrives under contacts', [
      ...fields('contacts[note][0][note]', { id: '4600480', note_type: '10', element_type: '3', element_id: '17612521', text: '{"DURATION":"12"}' }),
      ...ACCOUNT_PAIRS,
    ], UTC, [event('note_company', 'companies', 'note', { id: 4600480, note_type: 'call_in', entity_id: 17612521, params: { text: '{"DURATION":"12"}' } })]],
    ['a note of a type v4 has no name for, and a note on a contact', [
      ...fields('contacts[note][0][note]', { id: '4600481', note_type: '99', element_type: '1', element_id: '17611273' }),
      ...ACCOUNT_PAIRS,
    ], UTC, [event('note_contact', 'contacts', 'note', { id: 4600481, note_type: '99', entity_id: 17611273 })]],
    ['a responsible user change', [
      ...fields('leads[responsible][0]', { id: '15318175', status_id: '67548619', responsible_user_id: '1234567', old_responsible_user_id: '12345673', pipeline_id: '8572511', updated_at: '1726572882' }),
      ...ACCOUNT_PAIRS,
    ], UTC, [event('responsible_lead', 'leads', 'responsible', {
      id: 15318175, status_id: 67548619, responsible_user_id: 1234567, old_responsible_user_id: 12345673, pipeline_id: 8572511, updated_at: 1726572882,
    })]],
    ['a lead deleted, a company deleted and a contact restored', [
      ...fields('leads[delete][0]', { id: '12345678', status_id: '67548607', pipeline_id: '8572511' }),
      ...fields('contacts[delete][0]', { id: '17612521', type: 'company' }),
      ...fields('contacts[restore][0]', { id: '17611273', type: 'contact', name: 'Ann Lee' }),
      ...ACCOUNT_PAIRS,
    ], UTC, [
      event('delete_lead', 'leads', 'delete', { id: 12345678, status_id: 67548607, pipeline_id: 8572511 }),
      event('delete_company', 'companies', 'delete', { id: 17612521 }),
      event('restore_contact', 'contacts', 'restore', { id: 17611273, name: 'Ann Lee' }),
    ]],
    ['a customer added', [
      ...fields('customers[add][0]', {
        id: '501', name: 'Subscription', next_price: '990', next_date: '1727740800', status_id: '143', periodicity: '30',
        responsible_user_id: '11087123', created_user_id: '11087123', date_create: '1726566390', account_id: '32720107',
      }),
      ...ACCOUNT_PAIRS,
    ], UTC, [event('add_customer', 'customers', 'add', {
      id: 501, name: 'Subscription', next_price: 990, next_date: 1727740800, status_id: 143, periodicity: 30,
      responsible_user_id: 11087123, created_by: 11087123, created_at: 1726566390, account_id: 32720107,
    })]],
    ['a v4 name next to its legacy name: the v4 one wins', [
      ...fields('leads[update][0]', { id: '1', date_create: '100', created_at: '200', last_modified: '300', modified_user_id: '7', updated_by: '8' }),
      ...ACCOUNT_PAIRS,
    ], UTC, [event('update_lead', 'leads', 'update', { id: 1, created_at: 200, updated_at: 300, updated_by: 8 })]],
    ['values that are not what their names promise', [
      ...fields('leads[update][0]', {
        id: '1', price: '', closed_at: '0', loss_reason_id: 'n/a', is_deleted: '1', score: '-2', sale: '007', is_price_computed: 'false', pipeline_id: '99999999999999999999',
      }),
      ...ACCOUNT_PAIRS,
    ], UTC, [event('update_lead', 'leads', 'update', {
      id: 1, price: null, closed_at: 0, loss_reason_id: 'n/a', is_deleted: true, score: -2, sale: '007', is_price_computed: false, pipeline_id: '99999999999999999999',
    })]],
    ['custom fields and tags with parts missing', [
      ...fields('leads[update][0]', { id: '1' }),
      ...fields('leads[update][0][custom_fields][0]', { name: 'No id' }),
      ...fields('leads[update][0][custom_fields][1]', { id: '5', code: '' }),
      ['leads[update][0][custom_fields][1][values][0]', 'free text'],
      ...fields('leads[update][0][custom_fields][1][values][1]', { enum: '0', subtype: 'address_line_1', value: '' }),
      ...fields('leads[update][0][tags][0]', { name: 'no id' }),
      ...fields('leads[update][0][tags][1]', { id: '3' }),
      ...ACCOUNT_PAIRS,
    ], UTC, [event('update_lead', 'leads', 'update', {
      id: 1,
      custom_fields_values: [{ field_id: 5, field_name: null, field_code: null, values: [{ value: 'free text' }, { subtype: 'address_line_1', value: '' }] }],
      _embedded: { tags: [{ id: 3, name: '' }] },
    })]],
  ])('%s', (_name, pairs, options, events) => {
    const result = converted(pairs, options);
    expect(result.events).toEqual(events);
    expect(result.account).toEqual(ACCOUNT);
  });

  it('keeps delivery order across entities and actions and reports what it left out', () => {
    const result = converted(MIXED_DELIVERY);
    expect(result.events.map((item) => [item.event, item.object.id])).toEqual([
      ['add_lead', 30267969],
      ['add_lead', 30267970],
      ['status_lead', 15318175],
      ['add_contact', 17611273],
      ['add_company', 17612521],
      ['add_task', 1564671],
    ]);
    expect(result.events[1].object).toEqual({ id: 30267970, name: 'Second order', price: 0, status_id: 67548607, pipeline_id: 8572511 });
    expect(result.skipped).toEqual(['unsorted entries are not reported by this trigger and were ignored']);
  });

  it('passes on the account as data only: no link, nothing else from the account group', () => {
    const result = converted([...LEAD_STATUS_SHORT, ...ACCOUNT_PAIRS, ['account[_links][self]', 'https://evil.example'], ['account[token]', 'x']]);
    expect(result.events[0].account).toEqual({ id: 32720107, subdomain: 'acme' });
    expect(JSON.stringify(result)).not.toContain('evil.example');
  });

  it('only reports subscribed events when given the subscription', () => {
    const result = converted(MIXED_DELIVERY, { timeZone: 'UTC', events: new Set(['add_company', 'status_lead']) });
    expect(result.events.map((item) => item.event)).toEqual(['status_lead', 'add_company']);
    expect(result.skipped).toEqual([
      'add_lead is not among the subscribed events; its entities were ignored (2 times)',
      'add_contact is not among the subscribed events; its entities were ignored',
      'add_task is not among the subscribed events; its entities were ignored',
      'unsorted entries are not reported by this trigger and were ignored',
    ]);
  });

  it('skips entries it cannot report and says why, without repeating delivered text', () => {
    const result = converted([
      ...LEAD_STATUS_SHORT,
      ...fields('leads[add][0]', { name: 'no id' }),
      ...fields('leads[add][1]', { id: '007' }),
      ['leads[add][2]', 'not a group'],
      ...fields('leads[merge][0]', { id: '5' }),
      ['leads[Robert DROP][0][id]', '5'],
      ['task', 'x'],
      ...fields('contacts[add][0]', { id: '5', type: 'robot' }),
      ...fields('talk[add][0]', { id: '5' }),
      ...fields('message[add][0]', { id: 'c0925911' }),
      ...fields('catalogs[add][0]', { id: '5' }),
      ['person@example.com', 'x'],
      ...fields('webhook_test', { ping: '1' }),
      ...ACCOUNT_PAIRS,
    ]);
    expect(result.events.map((item) => item.event)).toEqual(['status_lead']);
    expect(result.skipped).toEqual([
      'leads[add] entries without a numeric id were ignored (2 times)',
      'leads[add] entries that are not groups of fields were ignored',
      'leads with the unknown action merge was ignored',
      'leads with the unknown action an unrecognised key was ignored',
      'task without actions was ignored',
      'contacts[add] entries of an unknown type were ignored',
      'talk entries are not reported by this trigger and were ignored',
      'message entries are not reported by this trigger and were ignored',
      'catalogs entries are not reported by this trigger and were ignored',
      'the delivery key an unrecognised key is not a Kommo entity and was ignored',
      'the delivery key webhook_test is not a Kommo entity and was ignored',
    ]);
    expect(JSON.stringify(result.skipped)).not.toMatch(/example|DROP|robot/);
  });

  it.each<[string, Pairs, string]>([
    ['no account', LEAD_STATUS_SHORT, 'the delivery names no account (account[id])'],
    ['an account without a numeric id', [...LEAD_STATUS_SHORT, ['account[id]', 'acme']], 'the delivery names no account (account[id])'],
    ['only the account', ACCOUNT_PAIRS, 'the delivery contains no entities'],
    ['only things this trigger does not report', [...UNSORTED_ACCEPTED, ...ACCOUNT_PAIRS],
      'the delivery contains no reportable entities: unsorted entries are not reported by this trigger and were ignored'],
  ])('refuses a delivery with %s', (_name, pairs, reason) => {
    expect(convert(pairs)).toEqual({ ok: false, reason });
  });

  it('reports an account without a subdomain with an empty one', () => {
    expect(converted([...LEAD_STATUS_SHORT, ['account[id]', '5']]).account).toEqual({ id: 5, subdomain: '' });
  });

  it('never puts __proto__, constructor or prototype on an object, even from a hand-built tree', () => {
    const entity = new Map<string, FormValue>([
      ['id', '1'],
      ['__proto__', new Map<string, FormValue>([['polluted', '1']])],
      ['constructor', '1'],
      ['group', new Map<string, FormValue>([['prototype', '1'], ['ok', '2']])],
    ]);
    const tree = new Map<string, FormValue>([
      ['leads', new Map<string, FormValue>([['add', new Map<string, FormValue>([['0', entity]])]])],
      ['account', new Map<string, FormValue>([['id', '5']])],
    ]);
    const result = convertDelivery(tree, UTC);
    if (!result.ok) throw new Error(result.reason);
    const object = result.events[0].object;
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
    expect(Object.keys(object)).toEqual(['id', 'group']);
    expect(object.group).toEqual({ ok: '2' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an unknown time zone before converting anything', () => {
    expect(() => convert([...LEAD_STATUS_SHORT, ...ACCOUNT_PAIRS], { timeZone: 'Nowhere/Else' })).toThrow(KommoConfigError);
  });
});
