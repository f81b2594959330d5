/**
 * Lookup Object against the strict sandbox over real HTTP: strict confirmation of Kommo's fuzzy
 * search, 404 and 204 for a missing id, the three answers to "none" (error, `{}`, rebound), the
 * bad-input rules (errors before any request) and what a message costs in Kommo requests.
 */
import { KommoConfigError } from '../../lib/client/errors';
import { getMetaModel, processAction as realAction } from '../../lib/actions/lookupObject';
import { KommoMultipleMatchesError, KommoNoMatchError } from '../../lib/entities/lookup';
import { allStrings, recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const { sandbox, cfg } = useSandbox();
const processAction = realAction.withDeps({ rateLimiter: null });

/** Runs one message; `ctx` holds the emitted events and log lines. */
function lookup(fields: Record<string, unknown>, body: unknown) {
  const ctx = recordingContext();
  return { ctx, result: processAction.call(ctx, { body }, cfg(fields)) };
}

/** Kommo requests since the last reset, as `path?query`, decoded for reading. */
const requests = (): string[] => sandbox.requestLog.map((entry) => decodeURIComponent(entry.path));

/** Creates objects through the sandbox's API (not counted: the log is cleared afterwards). */
async function create(kind: string, items: unknown[]): Promise<number[]> {
  const response = await fetch(`${sandbox.baseUrl}/api/v4/${kind}`, {
    method: 'POST', headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(items),
  });
  if (response.status !== 200) throw new Error(`create ${kind}: ${response.status} ${await response.text()}`);
  const body = await response.json() as { _embedded: Record<string, Array<{ id: number }>> };
  sandbox.requestLog.length = 0;
  return body._embedded[kind].map((item) => item.id);
}

const email = (value: string) => ({ field_code: 'EMAIL', values: [{ value, enum_code: 'WORK' }] });

describe('Lookup Object by id', () => {
  it('emits the object as Kommo returns it plus custom_fields_by_id, linked objects read in the same request', async () => {
    const message = await lookup({ objectType: 'leads', lookupCriteria: 'id', linkedObjects: ['contacts'] }, { id: '1000001' }).result;
    const kommo = sandbox.entities('leads').find((lead) => lead.id === 1000001)!;
    expect(message?.body).toMatchObject({
      id: 1000001,
      name: kommo.name,
      custom_fields_values: kommo.custom_fields_values,
      custom_fields_by_id: { 710001: 'Website', 710003: 'ERP-5521' },
      _embedded: { contacts: [{ id: 2000001, is_main: true }], tags: [{ name: 'vip' }] },
    });
    expect(requests()[0]).toBe('/api/v4/leads/1000001?with=contacts');
  });

  it('costs one request per message once the account model is cached', async () => {
    await lookup({ objectType: 'leads', lookupCriteria: 'id' }, { id: 1000001 }).result;
    sandbox.requestLog.length = 0;
    await lookup({ objectType: 'leads', lookupCriteria: 'id' }, { id: 1000002 }).result;
    expect(requests()).toEqual(['/api/v4/leads/1000002']);
  });

  describe.each([404, 204] as const)('a missing id answered %i', (status) => {
    beforeEach(() => sandbox.configure({ unknownIdStatus: status }));

    it('is an error saying none matches', async () => {
      const error = await rejection(lookup({ objectType: 'leads', lookupCriteria: 'id' }, { id: 999 }).result);
      expect(error).toBeInstanceOf(KommoNoMatchError);
      expect((error as Error).message).toBe('No lead matches ID (id). Enable "Allow zero results" to emit {} instead, or "Wait for object to exist" to retry later.');
      expect(sandbox.requestLog[0]).toMatchObject({ path: '/api/v4/leads/999', status });
    });

    it('emits {} with allowZeroResults', async () => {
      const message = await lookup({ objectType: 'leads', lookupCriteria: 'id', allowZeroResults: 'true' }, { id: 999 }).result;
      expect(message?.body).toEqual({});
    });

    it('rebounds with waitForObjectToExist (even with allowZeroResults), emitting nothing else', async () => {
      const { ctx, result } = lookup({ objectType: 'leads', lookupCriteria: 'id', waitForObjectToExist: true, allowZeroResults: true }, { id: 999 });
      expect(await result).toBeUndefined();
      expect(ctx.emitted).toHaveLength(1);
      expect(ctx.emitted[0].event).toBe('rebound');
      expect(ctx.emitted[0].payload).toBeInstanceOf(KommoNoMatchError);
      expect((ctx.emitted[0].payload as Error).message).toBe('No lead matches ID (id) yet; waiting for it to exist.');
    });
  });
});

describe('Lookup Object by a searched criterion: strict matching after Kommo\'s fuzzy query', () => {
  it('email: Kommo\'s search finds two contacts, only the exact (trimmed, any case) one is emitted, for one request', async () => {
    const [decoy] = await create('contacts', [{ name: 'Decoy', custom_fields_values: [email('maria.gomez@acme.example.org')] }]);
    const fuzzy = await fetch(`${sandbox.baseUrl}/api/v4/contacts?query=maria.gomez%40acme.example`, { headers: { authorization: `Bearer ${sandbox.accessToken}` } });
    expect(((await fuzzy.json()) as { _embedded: { contacts: Array<{ id: number }> } })._embedded.contacts.map((contact) => contact.id)).toEqual([2000001, decoy]);
    await lookup({ objectType: 'contacts', lookupCriteria: 'email' }, { email: 'aiko@globex.example' }).result;
    sandbox.requestLog.length = 0;

    const message = await lookup({ objectType: 'contacts', lookupCriteria: 'email' }, { email: ' MARIA.Gomez@acme.example ' }).result;

    expect(message?.body).toMatchObject({ id: 2000001, custom_fields_by_id: { 720002: [{ value: 'maria.gomez@acme.example', enum_code: 'WORK' }] } });
    expect(requests()).toEqual(['/api/v4/contacts?page=1&limit=250&query=MARIA.Gomez@acme.example']);
  });

  it('phone: searched by its digits, matched by its digits', async () => {
    const message = await lookup({ objectType: 'contacts', lookupCriteria: 'phone' }, { phone: '+1 (555) 010-0202' }).result;
    expect(message?.body).toMatchObject({ id: 2000002, name: 'John Smith' });
    expect(requests()[0]).toBe('/api/v4/contacts?page=1&limit=250&query=15550100202');
  });

  it('name: whole, not a fragment Kommo would also find', async () => {
    expect((await lookup({ objectType: 'contacts', lookupCriteria: 'name' }, { name: 'john SMITH' }).result)?.body).toMatchObject({ id: 2000002 });
    const error = await rejection(lookup({ objectType: 'contacts', lookupCriteria: 'name' }, { name: 'John' }).result);
    expect(error).toBeInstanceOf(KommoNoMatchError);
  });

  it('a custom field (cf_<id>): exact value only', async () => {
    const fields = { objectType: 'contacts', lookupCriteria: 'cf_720003' };
    expect((await lookup(fields, { cf_720003: 'Head of Procurement' }).result)?.body).toMatchObject({ id: 2000001 });
    expect(await rejection(lookup(fields, { cf_720003: 'Head' }).result)).toBeInstanceOf(KommoNoMatchError);
  });

  it('more than one exact match is an error listing the ids', async () => {
    const ids = await create('contacts', [
      { name: 'Twin one', custom_fields_values: [email('twin@example.org')] },
      { name: 'Twin two', custom_fields_values: [email('Twin@Example.org')] },
    ]);
    const error = await rejection(lookup({ objectType: 'contacts', lookupCriteria: 'email' }, { email: 'twin@example.org' }).result);
    expect(error).toBeInstanceOf(KommoMultipleMatchesError);
    expect((error as KommoMultipleMatchesError).ids).toEqual(ids);
    expect((error as Error).message).toBe(`More than one matching object found: 2 contacts match Email (email), ids ${ids.join(', ')}. `
      + 'Choose a criterion that identifies one object, or use Lookup Objects to get them all.');
  });

  it('says nothing of the value it searched for: not in errors, rebound reasons or log lines', async () => {
    const secret = '+1 555 777 0000';
    const failed = lookup({ objectType: 'contacts', lookupCriteria: 'phone' }, { phone: secret });
    const error = await rejection(failed.result);
    const waiting = lookup({ objectType: 'contacts', lookupCriteria: 'phone', waitForObjectToExist: true }, { phone: secret });
    await waiting.result;
    const said = [...allStrings(error), ...allStrings(waiting.ctx.emitted), ...[...failed.ctx.logs, ...waiting.ctx.logs].map((line) => line.text)];
    expect(said.length).toBeGreaterThan(0);
    expect(said.filter((text) => text.includes('5557770000') || text.includes('555 777'))).toEqual([]);
  });
});

describe('Lookup Object: empty and bad input', () => {
  it('an empty criterion is an error before any request, or {} with allowCriteriaToBeOmitted', async () => {
    for (const body of [{}, { email: '' }, { email: '  ' }, { email: null }]) {
      const error = await rejection(lookup({ objectType: 'contacts', lookupCriteria: 'email' }, body).result);
      expect(error).toBeInstanceOf(KommoConfigError);
      expect((error as Error).message).toBe('The lookup value "email" is empty. Map a value to it, or enable "Allow criteria to be omitted" to emit {} instead.');
      expect((await lookup({ objectType: 'contacts', lookupCriteria: 'email', allowCriteriaToBeOmitted: true }, body).result)?.body).toEqual({});
    }
    expect(sandbox.requestLog).toHaveLength(0);
  });

  it.each([
    ['an unknown object type', { objectType: 'deals', lookupCriteria: 'id' }, { id: 1 }, /Object type must be one of leads, contacts, companies, tasks, customers; got "deals"/],
    ['a criterion the type does not have', { objectType: 'leads', lookupCriteria: 'email' }, { email: 'a@b.example' }, /Lookup criterion must be one of id, name, or cf_<field id> for a text, numeric or url custom field for leads; got "email"/],
    ['no criterion', { objectType: 'tasks' }, { id: 1 }, /Lookup criterion must be one of id for tasks; got nothing/],
    ['an id that is not a number', { objectType: 'leads', lookupCriteria: 'id' }, { id: 'abc' }, /The ID \(id\) to look up must be a positive whole number; got text/],
    ['an email that is not text', { objectType: 'contacts', lookupCriteria: 'email' }, { email: ['a@b.example'] }, /The Email \(email\) to look up must be text; got an array/],
    ['a value under another key', { objectType: 'leads', lookupCriteria: 'id' }, { ID: 5 }, /The input has a key this step does not read: "ID" \(use "id"/],
    ['a linked object the type does not offer', { objectType: 'leads', lookupCriteria: 'id', linkedObjects: ['only_deleted'] }, { id: 1 }, /Linked objects "only_deleted" cannot be read with leads; choose from contacts, catalog_elements/],
  ])('%s is a clear error before any request', async (_name, fields, body, message) => {
    const error = await rejection(lookup(fields, body).result);
    expect(error).toBeInstanceOf(KommoConfigError);
    expect((error as Error).message).toMatch(message);
    expect(sandbox.requestLog).toHaveLength(0);
  });

  it('a custom field that is not a criterion is an error naming why', async () => {
    const error = await rejection(lookup({ objectType: 'leads', lookupCriteria: 'cf_710001' }, { cf_710001: 'Website' }).result);
    expect((error as Error).message).toMatch(/Lookup criterion "cf_710001" is not available for leads \(only text, numeric and url custom fields can be criteria\)/);
    expect(requests().every((path) => path.startsWith('/api/v4/leads/custom_fields'))).toBe(true);
  });
});

describe('Lookup Object getMetaModel', () => {
  it('in: the criterion\'s property; out: the type\'s object with one custom_fields_by_id property per field', async () => {
    const model = await getMetaModel.withDeps({ rateLimiter: null }).call(recordingContext(), cfg({ objectType: 'contacts', lookupCriteria: 'email' }));
    expect(model.in).toEqual({ type: 'object', properties: { email: { type: 'string', title: 'Email', required: true } } });
    expect(model.out.properties.id).toMatchObject({ type: 'number', required: true });
    expect(model.out.properties.custom_fields_by_id.properties?.['720003']).toMatchObject({ type: 'string', title: 'Position' });
    expect(new Set(requests().map((path) => path.replace(/\?.*$/, '')))).toEqual(new Set(['/api/v4/contacts/custom_fields']));
  });

  it('with allowZeroResults nothing in the output is certain, and with allowCriteriaToBeOmitted neither is the input', async () => {
    const model = await getMetaModel.withDeps({ rateLimiter: null }).call(recordingContext(), cfg({
      objectType: 'leads', lookupCriteria: 'cf_710003', allowZeroResults: true, allowCriteriaToBeOmitted: true,
    }));
    expect(model.in.properties).toEqual({ cf_710003: expect.objectContaining({ type: 'string', title: 'External ID', required: false }) });
    expect(Object.values(model.out.properties).some((property) => property.required)).toBe(false);
  });
});
