import { KommoConfigError } from '../../lib/client/errors';
import { readWebhookEvents, WEBHOOK_EVENT_CODES } from '../../lib/webhooks/events';

describe('the event codes', () => {
  it('are the codes Kommo documents: no stage events but for leads, no restore for tasks and customers, notes on all but tasks', () => {
    expect(WEBHOOK_EVENT_CODES).toEqual([
      'add_lead', 'update_lead', 'delete_lead', 'restore_lead', 'status_lead', 'responsible_lead', 'note_lead',
      'add_contact', 'update_contact', 'delete_contact', 'restore_contact', 'responsible_contact', 'note_contact',
      'add_company', 'update_company', 'delete_company', 'restore_company', 'responsible_company', 'note_company',
      'add_task', 'update_task', 'delete_task', 'responsible_task',
      'add_customer', 'update_customer', 'delete_customer', 'responsible_customer', 'note_customer',
    ]);
  });
});

describe('readWebhookEvents', () => {
  it.each<[string, unknown, string[]]>([
    ['a list, in registry order without repeats', ['status_lead', 'add_lead', 'status_lead'], ['add_lead', 'status_lead']],
    ['codes separated by commas (a mapped text)', ' add_task, note_company ,', ['note_company', 'add_task']],
    ['spaces around a code in a list', [' add_contact '], ['add_contact']],
  ])('reads %s', (_name, value, codes) => {
    expect(readWebhookEvents(value)).toEqual(codes);
  });

  it.each<[string, unknown, RegExp]>([
    ['nothing', undefined, /^Events is required: choose at least one Kommo event/],
    ['an empty list', [], /^Events is required/],
    ['an empty text', ' , ', /^Events is required/],
    ['a code Kommo does not send', ['add_lead', 'status_contact'], /^Events has an event Kommo does not send: "status_contact"\. Choose from add_lead, update_lead, .*note_customer\.$/],
    ['two unknown codes', ['restore_customer', 'restore_task'], /^Events has events Kommo does not send: "restore_customer", "restore_task"\./],
    ['text that is not a code (not echoed)', ['<script>alert(1)</script>'], /^Events has an event Kommo does not send: a value that is not an event code\./],
    ['a number', [42], /a value that is not an event code/],
  ])('refuses %s with a KommoConfigError', (_name, value, message) => {
    let caught: unknown;
    try {
      readWebhookEvents(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KommoConfigError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('<script>');
  });
});
