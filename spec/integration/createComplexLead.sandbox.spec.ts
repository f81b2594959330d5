/**
 * Create Lead with Contact and Company against the strict sandbox: one request with warm caches,
 * Kommo's plain-array answer, duplicate control (`merged`), existing parties by id, never sent
 * twice, and bad input refused before the write.
 */
import { getMetaModel, processAction as realAction, type ComplexLeadOutput } from '../../lib/actions/createComplexLead';
import { KommoConfigError } from '../../lib/client/errors';
import { recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const CONTACT_EMAIL = 720002;
const DEAL_SOURCE = 710001;
const COMPANY_VAT = 730003;

const { sandbox, cfg } = useSandbox({ cfg: { retries: 2 } });
const action = realAction.withDeps({ rateLimiter: null, sleep: async () => undefined });

async function complex(body: Record<string, unknown>): Promise<ComplexLeadOutput | undefined> {
  return (await action.call(recordingContext(), { body }, cfg()))?.body;
}

const writes = () => sandbox.requestLog.filter((entry) => entry.method !== 'GET');

describe('createComplexLead', () => {
  it('creates the lead, contact and company in one request with warm caches, typed by the account fields', async () => {
    await complex({ lead: { name: 'warm-up' } });
    sandbox.requestLog.length = 0;
    const out = await complex({
      lead: { name: 'Big deal', price: 5000, custom_fields_by_id: { [DEAL_SOURCE]: 'Referral' }, tags_to_add: ['complex'] },
      contact: { first_name: 'Ana', custom_fields_by_id: { [CONTACT_EMAIL]: 'ana@newco.example' } },
      company: { name: 'NewCo', custom_fields_by_id: { [COMPANY_VAT]: 'VAT-1' } },
    });
    expect(sandbox.requestLog.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['POST /api/v4/leads/complex']);
    expect(out).toEqual({ lead_id: expect.any(Number), contact_id: expect.any(Number), company_id: expect.any(Number), merged: false });
    const lead = sandbox.entities('leads').find((candidate) => candidate.id === out?.lead_id);
    expect(lead).toMatchObject({ name: 'Big deal', price: 5000 });
    expect(JSON.stringify(lead?._embedded)).toContain('"complex"');
    expect(JSON.stringify(lead?.custom_fields_values)).toContain('Referral');
    expect(sandbox.entities('contacts').find((contact) => contact.id === out?.contact_id)).toMatchObject({ first_name: 'Ana' });
  });

  it('reports merged when duplicate control links an existing contact', async () => {
    const out = await complex({ lead: { name: 'Repeat' }, contact: { name: 'Maria again', custom_fields_by_id: { [CONTACT_EMAIL]: 'maria.gomez@acme.example' } } });
    expect(out).toMatchObject({ contact_id: 2000001, company_id: null, merged: true });
  });

  it('links an existing contact and company given by id', async () => {
    const out = await complex({ lead: { name: 'For known people' }, contact: { id: '2000002' }, company: { id: 3000001 } });
    expect(out).toMatchObject({ contact_id: 2000002, company_id: 3000001 });
  });

  it('a create Kommo does not confirm is never sent again and says the lead may exist', async () => {
    sandbox.injectFault('/api/v4/leads/complex', { kind: 'status', status: 504, afterProcessing: true }, 1, 'POST');
    const before = sandbox.entities('leads').length;
    const error = await rejection(complex({ lead: { name: 'Unconfirmed' } }));
    expect(String(error)).toMatch(/did not confirm the complex lead; the lead .*may have been created/);
    expect(writes()).toHaveLength(1);
    expect(sandbox.entities('leads')).toHaveLength(before + 1);
  });

  it('Kommo\'s refusal is an error with its reasons', async () => {
    const error = await rejection(complex({ lead: { name: 'Bad', responsible_user_id: 42 } }));
    expect(String(error)).toContain('responsible_user_id NotSupportedChoice');
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no lead', { contact: { name: 'x' } }, /lead is required/],
    ['many leads (Kommo takes at most 50, this action one)', { lead: Array.from({ length: 51 }, (_, i) => ({ name: `l${i}` })) }, /lead must be one object: .*at most 50.*array of 51/],
    ['an unknown lead field', { lead: { name: 'x', stage: 3 } }, /does not read: "stage"/],
    ['a contact with an id and fields', { lead: { name: 'x' }, contact: { id: 2000001, first_name: 'y' } }, /contact has an id and first_name/],
    ['a company id that is not a positive whole number', { lead: { name: 'x' }, company: { id: 'acme' } }, /company\.id must be a positive whole number/],
    ['two contacts', { lead: { name: 'x' }, contact: [{ name: 'a' }, { name: 'b' }] }, /contact must be one object/],
    ['a wrong-typed lead price', { lead: { name: 'x', price: 'lots' } }, /lead\.price \(Sale value\) must be a number/],
    ['an unknown option', { lead: { name: 'x', custom_fields_by_id: { [DEAL_SOURCE]: 'Radio' } } }, /no option labelled the text "Radio"/],
  ];
  it.each(bad)('refuses %s before any write', async (_, body, message) => {
    const error = await rejection(complex(body));
    expect(error).toBeInstanceOf(KommoConfigError);
    expect(String(error)).toMatch(message);
    expect(writes()).toEqual([]);
  });

  it('getMetaModel: lead, contact and company typed by the account fields', async () => {
    const meta = await getMetaModel.withDeps({ rateLimiter: null }).call(recordingContext(), cfg());
    expect(Object.keys(meta.in.properties)).toEqual(['lead', 'contact', 'company']);
    expect(meta.in.properties.lead.properties).toHaveProperty('tags_to_add');
    expect(meta.in.properties.lead.properties).not.toHaveProperty('tags_to_delete');
    expect(meta.in.properties.contact.properties?.custom_fields_by_id.properties?.[String(CONTACT_EMAIL)]).toMatchObject({ title: 'Email' });
    expect(Object.keys(meta.out.properties)).toEqual(['lead_id', 'contact_id', 'company_id', 'merged']);
  });
});
