/**
 * The select models against the strict sandbox over real HTTP: what each offers for the sandbox
 * account, and what each costs in Kommo requests (a select model runs in a fresh process, so
 * every call starts with empty caches).
 */
import { getEventTypes, getLinkedObjects, getLookupCriteria, getObjectTypes, getUpsertCriteria } from '../../lib/entities/services';
import { recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const { sandbox, cfg } = useSandbox();

const deps = { rateLimiter: null };
const kommoPaths = () => sandbox.requestLog.map((entry) => entry.path.replace(/\?.*$/, ''));

describe('getObjectTypes', () => {
  it('offers the four types when customers are off, for one account request', async () => {
    sandbox.configure({ customersMode: 'disabled' });
    const model = await getObjectTypes.withDeps(deps).call(recordingContext(), cfg());
    expect(model).toEqual({ leads: 'Leads', contacts: 'Contacts', companies: 'Companies', tasks: 'Tasks' });
    expect(kommoPaths()).toEqual(['/api/v4/account']);
  });

  it('adds customers where the account has them', async () => {
    sandbox.configure({ customersMode: 'segments' });
    const model = await getObjectTypes.withDeps(deps).call(recordingContext(), cfg());
    expect(Object.keys(model)).toEqual(['leads', 'contacts', 'companies', 'tasks', 'customers']);
  });
});

describe.each([
  ['getLookupCriteria', getLookupCriteria],
  ['getUpsertCriteria', getUpsertCriteria],
])('%s', (_, model) => {
  it('contacts: id, name, email, phone and one cf_<id> per text, numeric or url field, for one pass over the field pages', async () => {
    const criteria = await model.withDeps(deps).call(recordingContext(), cfg({ objectType: 'contacts' }));
    expect(Object.keys(criteria).slice(0, 4)).toEqual(['id', 'name', 'email', 'phone']);
    expect(criteria.cf_720003).toBe('Position');
    expect(Object.keys(criteria).filter((key) => key.startsWith('cf_')).length).toBeGreaterThan(0);
    expect(new Set(kommoPaths())).toEqual(new Set(['/api/v4/contacts/custom_fields']));
  });

  it('a type with 120 custom fields costs 3 field pages (Kommo serves 50 per page)', async () => {
    sandbox.configure({ extraCustomFields: { leads: 120 - await leadFieldCount() } });
    sandbox.requestLog.length = 0;
    await model.withDeps(deps).call(recordingContext(), cfg({ objectType: 'leads' }));
    expect(kommoPaths()).toEqual(['/api/v4/leads/custom_fields', '/api/v4/leads/custom_fields', '/api/v4/leads/custom_fields']);
  });

  it('an unknown object type is a clear error before any request', async () => {
    const error = await rejection(model.withDeps(deps).call(recordingContext(), cfg({ objectType: 'deals' })));
    expect(String(error)).toContain('deals');
    expect(sandbox.requestLog).toHaveLength(0);
  });
});

/** How many custom fields the sandbox's leads have before any extra ones. */
async function leadFieldCount(): Promise<number> {
  let count = 0;
  for (let page = 1; ; page += 1) {
    const response = await fetch(`${sandbox.baseUrl}/api/v4/leads/custom_fields?page=${page}&limit=50`, { headers: { authorization: `Bearer ${sandbox.accessToken}` } });
    if (response.status === 204) return count;
    const body = await response.json() as { _embedded: { custom_fields: unknown[] } };
    count += body._embedded.custom_fields.length;
    if (body._embedded.custom_fields.length < 50) return count;
  }
}

describe('getLinkedObjects and getEventTypes', () => {
  it('getLinkedObjects offers the type\'s linked objects without a request', async () => {
    const model = await getLinkedObjects.withDeps(deps).call(recordingContext(), cfg({ objectType: 'leads' }));
    expect(model).toHaveProperty('contacts');
    expect(sandbox.requestLog).toHaveLength(0);
  });

  it('getEventTypes narrows to the entity type\'s own codes, without a request', async () => {
    const all = await getEventTypes.withDeps(deps).call(recordingContext(), cfg());
    const leads = await getEventTypes.withDeps(deps).call(recordingContext(), cfg({ entityType: 'leads' }));
    expect(all).toHaveProperty('contact_added');
    expect(leads).toHaveProperty('lead_status_changed');
    expect(leads).not.toHaveProperty('contact_added');
    expect(sandbox.requestLog).toHaveLength(0);
  });
});
