/**
 * Link Objects and Unlink Objects against the strict sandbox: the link with its metadata, the
 * unlink's 204, pairs and metadata checked before any write.
 */
import { processAction as realLink } from '../../lib/actions/linkObjects';
import { processAction as realUnlink } from '../../lib/actions/unlinkObjects';
import { KommoConfigError } from '../../lib/client/errors';
import { recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const { sandbox, cfg: sandboxCfg } = useSandbox({ cfg: { retries: 2 } });
const deps = { rateLimiter: null, sleep: async () => undefined };
const link = realLink.withDeps(deps);
const unlink = realUnlink.withDeps(deps);

const cfg = (fromType: string, toType: string) => sandboxCfg({ fromType, toType });
const linkedContacts = (leadId: number) => (sandbox.entities('leads').find((lead) => lead.id === leadId)?._embedded as { contacts?: Array<{ id: number; is_main?: boolean }> }).contacts ?? [];

describe('linkObjects / unlinkObjects', () => {
  it('links a contact to a lead as its main contact, in one request', async () => {
    const message = await link.call(recordingContext(), { body: { from_id: '1000002', to_id: 2000003, metadata: { is_main: 'true' } } }, cfg('leads', 'contacts'));
    expect(message?.body).toEqual({ from_type: 'leads', from_id: 1000002, to_type: 'contacts', to_id: 2000003, metadata: { main_contact: true } });
    expect(linkedContacts(1000002)).toEqual(expect.arrayContaining([expect.objectContaining({ id: 2000003, is_main: true })]));
    expect(sandbox.requestLog.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['POST /api/v4/leads/1000002/link']);
    expect(sandbox.requestLog[0].body).toEqual([{ to_entity_id: 2000003, to_entity_type: 'contacts', metadata: { is_main: true } }]);
  });

  it('unlinks (Kommo answers 204) and reports the pair', async () => {
    const message = await unlink.call(recordingContext(), { body: { from_id: 1000002, to_id: 2000002 } }, cfg('leads', 'contacts'));
    expect(message?.body).toEqual({ from_type: 'leads', from_id: 1000002, to_type: 'contacts', to_id: 2000002, metadata: null });
    expect(linkedContacts(1000002).map((contact) => contact.id)).not.toContain(2000002);
  });

  it('a link Kommo refuses (an unknown object) is an error with its reason', async () => {
    const error = await rejection(link.call(recordingContext(), { body: { from_id: 1000001, to_id: 2999999 } }, cfg('leads', 'contacts')));
    expect(String(error)).toContain('to_entity_id NotFound');
  });

  it('an unconfirmed link is an error saying a rerun is safe', async () => {
    sandbox.injectFault('/api/v4/companies/3000001/link', { kind: 'status', status: 502 }, 1, 'POST');
    const error = await rejection(link.call(recordingContext(), { body: { from_id: 3000001, to_id: 1000003 } }, cfg('companies', 'leads')));
    expect(String(error)).toMatch(/did not confirm the link .*Running the message again is safe/);
  });

  const bad: Array<[string, string, string, Record<string, unknown>, RegExp]> = [
    ['a pair Kommo does not link', 'leads', 'customers', { from_id: 1, to_id: 2 }, /leads link to contacts, companies, catalog_elements/],
    ['tasks', 'tasks', 'leads', { from_id: 1, to_id: 2 }, /From type must be one of leads, contacts, companies, customers/],
    ['a bad from_id', 'leads', 'contacts', { from_id: 0, to_id: 2 }, /from_id must be a positive whole number/],
    ['a missing to_id', 'leads', 'contacts', { from_id: 1 }, /to_id must be a positive whole number .*got nothing/],
    ['is_main between a company and a lead', 'companies', 'leads', { from_id: 1, to_id: 2, metadata: { is_main: true } }, /is_main applies only to a contact/],
    ['a list element without its list', 'leads', 'catalog_elements', { from_id: 1, to_id: 2, metadata: { quantity: 2 } }, /needs metadata.catalog_id/],
    ['quantity on a contact link', 'leads', 'contacts', { from_id: 1, to_id: 2, metadata: { quantity: 2 } }, /quantity applies only to links to list elements/],
    ['an unknown metadata key', 'leads', 'contacts', { from_id: 1, to_id: 2, metadata: { main: true } }, /does not take "main"/],
  ];
  it.each(bad)('refuses %s before any request', async (_, fromType, toType, body, message) => {
    const error = await rejection(link.call(recordingContext(), { body }, cfg(fromType, toType)));
    expect(error).toBeInstanceOf(KommoConfigError);
    expect(String(error)).toMatch(message);
    expect(sandbox.requestLog).toEqual([]);
  });

  it('a list element link carries catalog_id and quantity', async () => {
    // The sandbox has no lists; Kommo's refusal shows what was sent.
    await rejection(link.call(recordingContext(), { body: { from_id: 1000001, to_id: 77, metadata: { catalog_id: '5001', quantity: 3 } } }, cfg('leads', 'catalog_elements')));
    expect(sandbox.requestLog[0].body).toEqual([{ to_entity_id: 77, to_entity_type: 'catalog_elements', metadata: { catalog_id: 5001, quantity: 3 } }]);
  });
});
