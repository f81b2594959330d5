/**
 * Upsert Object against the strict sandbox over real HTTP: create, update, strict matching,
 * tags, merged multi-values, serialised concurrent upserts, ambiguous creates settled by a second
 * lookup, bad input refused before any write, and the Kommo requests each path costs with warm
 * caches (docs/design.md "Quality bars (2.0)").
 */
import { getMetaModel, upsertAction } from '../../lib/actions/upsertObject';
import { KommoConfigError } from '../../lib/client/errors';
import { exclusiveKeys } from '../../lib/processScope';
import type { Fault } from '../../sandbox';
import { recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const EMAIL = 720002;
const POSITION = 720003;
const SOURCE = 720007;
const PRODUCTS = 720008;

const { sandbox, cfg } = useSandbox({ cfg: { retries: 2, objectType: 'contacts', upsertCriteria: 'email' } });
const slept: number[] = [];
const action = upsertAction({ sleep: async (delayMs) => { slept.push(delayMs); } })
  .withDeps({ rateLimiter: null, sleep: async () => undefined });

beforeEach(() => {
  slept.length = 0;
});

async function upsert(body: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const message = await action.call(recordingContext(), { body }, cfg(extra));
  return message?.body as Record<string, unknown>;
}

/** Runs one message so the account model is cached, then forgets the requests it made. */
async function warm(extra: Record<string, unknown> = {}): Promise<void> {
  await upsert(extra.upsertCriteria === 'id' ? { first_name: 'Warm-up' } : { email: 'warm-up@example.test' }, extra);
  sandbox.requestLog.length = 0;
}

const requests = () => sandbox.requestLog.map((entry) => `${entry.method} ${entry.path.replace(/\?.*$/, '')}`);
const writes = () => sandbox.requestLog.filter((entry) => entry.method !== 'GET');
const contactsWithEmail = (email: string) => sandbox.entities('contacts').filter((contact) =>
  JSON.stringify(contact.custom_fields_values ?? []).toLowerCase().includes(`"${email.toLowerCase()}"`));

describe('upsert by email (contacts)', () => {
  it('creates a contact carrying the email when none matches: search, create, read back', async () => {
    await warm();
    const out = await upsert({ email: 'New.Person@Example.test', first_name: 'New', custom_fields_by_id: { [POSITION]: 'Buyer' } });
    expect(requests()).toEqual(['GET /api/v4/contacts', 'POST /api/v4/contacts', `GET /api/v4/contacts/${out.id}`]);
    expect(out).toMatchObject({ first_name: 'New', custom_fields_by_id: { [EMAIL]: [{ value: 'New.Person@Example.test', enum_code: 'WORK' }], [POSITION]: 'Buyer' } });
    expect(contactsWithEmail('new.person@example.test')).toHaveLength(1);
  });

  it('updates the one strict match, not the fuzzy ones: search, update, read back', async () => {
    // A fuzzy candidate: Kommo's query finds it by substring, strict matching drops it.
    await upsert({ email: 'maria.gomez@acme.example.org', first_name: 'Decoy' });
    await warm();
    const out = await upsert({ email: ' MARIA.GOMEZ@acme.example ', last_name: 'Gómez' });
    expect(out).toMatchObject({ id: 2000001, last_name: 'Gómez', first_name: 'Maria' });
    expect(requests()).toEqual(['GET /api/v4/contacts', 'PATCH /api/v4/contacts/2000001', 'GET /api/v4/contacts/2000001']);
  });

  it('refuses to write when more than one contact matches, naming their ids', async () => {
    await upsert({ email: 'twin@example.test', first_name: 'A' }, { upsertCriteria: 'email' });
    sandbox.requestLog.length = 0;
    // A second one with the same email, created behind the component's back.
    await fetch(`${sandbox.baseUrl}/api/v4/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ name: 'B', custom_fields_values: [{ field_id: EMAIL, values: [{ value: 'TWIN@example.test' }] }] }]),
    });
    sandbox.requestLog.length = 0;
    const error = await rejection(upsert({ email: 'twin@example.test', first_name: 'C' }));
    const ids = contactsWithEmail('twin@example.test').map((contact) => contact.id);
    expect(String(error)).toContain(`More than one contact matches the Email (email): ids ${ids.join(', ')}`);
    expect(writes()).toEqual([]);
  });

  it('upserts by phone digits whatever the formatting', async () => {
    const out = await upsert({ phone: '+1 (555) 010-0202', first_name: 'Johnny' }, { upsertCriteria: 'phone' });
    expect(out).toMatchObject({ id: 2000002, first_name: 'Johnny' });
  });

  it('upserts by a custom field: the created object carries its value, so the next upsert updates it', async () => {
    const first = await upsert({ [`cf_${POSITION}`]: 'EXT-9', first_name: 'One' }, { upsertCriteria: `cf_${POSITION}` });
    expect(first.custom_fields_by_id).toMatchObject({ [POSITION]: 'EXT-9' });
    const second = await upsert({ [`cf_${POSITION}`]: 'EXT-9', first_name: 'Two' }, { upsertCriteria: `cf_${POSITION}` });
    expect(second).toMatchObject({ id: first.id, first_name: 'Two' });
  });
});

describe('upsert by id', () => {
  it('updates with two requests: the write and the read back', async () => {
    await warm({ upsertCriteria: 'id' });
    const out = await upsert({ id: 2000002, first_name: 'Jon' }, { upsertCriteria: 'id' });
    expect(out).toMatchObject({ id: 2000002, first_name: 'Jon' });
    expect(requests()).toEqual(['PATCH /api/v4/contacts/2000002', 'GET /api/v4/contacts/2000002']);
  });

  it('an id given as text works; an unknown id is an error saying Kommo cannot create with an id', async () => {
    await expect(upsert({ id: '2000002', first_name: 'Jon' }, { upsertCriteria: 'id' })).resolves.toMatchObject({ id: 2000002 });
    const before = sandbox.entities('contacts').length;
    const error = await rejection(upsert({ id: 2999999, first_name: 'Ghost' }, { upsertCriteria: 'id' }));
    expect(String(error)).toMatch(/no contact with id 2999999 .*leave the id empty to create one/);
    expect(sandbox.entities('contacts')).toHaveLength(before);
  });

  it('without an id, creates', async () => {
    const before = sandbox.entities('contacts').length;
    const out = await upsert({ first_name: 'Fresh' }, { upsertCriteria: 'id' });
    expect(sandbox.entities('contacts')).toHaveLength(before + 1);
    expect(out).toMatchObject({ first_name: 'Fresh' });
  });
});

describe('tags and multi-values never clobber', () => {
  it('tags_to_add and tags_to_delete keep the other tags', async () => {
    sandbox.requestLog.length = 0;
    const out = await upsert({ id: 2000001, tags_to_add: ['vip', 'Emea'], tags_to_delete: ['nothing-here'] }, { upsertCriteria: 'id' });
    const names = ((out._embedded as { tags: Array<{ name: string }> }).tags).map((tag) => tag.name).sort();
    expect(names).toEqual(['Emea', 'decision maker', 'vip']);
    const patch = sandbox.requestLog.find((entry) => entry.method === 'PATCH');
    expect(patch?.body).toEqual({ tags_to_add: [{ name: 'vip' }, { name: 'Emea' }], tags_to_delete: [{ name: 'nothing-here' }] });
    const removed = await upsert({ id: 2000001, tags_to_delete: ['vip'] }, { upsertCriteria: 'id' });
    expect(((removed._embedded as { tags: Array<{ name: string }> }).tags).map((tag) => tag.name).sort()).toEqual(['Emea', 'decision maker']);
  });

  it('a created object gets its tags_to_add as its tags', async () => {
    const refused = await rejection(upsert({ email: 'tagged@example.test', tags_to_add: ['web', 7] }));
    // Tag 7 does not exist: Kommo refuses, and nothing is created.
    expect(String(refused)).toContain('_embedded.tags.1.id NotFound (Tag not found.)');
    expect(contactsWithEmail('tagged@example.test')).toHaveLength(0);
    const created = await upsert({ email: 'tagged@example.test', tags_to_add: ['web'] });
    expect((created._embedded as { tags: Array<{ name: string }> }).tags.map((tag) => tag.name)).toEqual(['web']);
  });

  it('mergeMultiValues adds options and emails to the current ones; by id it reads them first (3 requests)', async () => {
    await upsert({ id: 2000001, custom_fields_by_id: { [PRODUCTS]: ['CRM'] } }, { upsertCriteria: 'id' });
    await warm({ upsertCriteria: 'id' });
    const out = await upsert({ id: 2000001, custom_fields_by_id: { [PRODUCTS]: ['Analytics'], [EMAIL]: 'second@acme.example' } },
      { upsertCriteria: 'id', mergeMultiValues: true });
    expect(out.custom_fields_by_id).toMatchObject({
      [PRODUCTS]: ['CRM', 'Analytics'],
      [EMAIL]: [{ value: 'maria.gomez@acme.example', enum_code: 'WORK' }, { value: 'second@acme.example', enum_code: 'WORK' }],
    });
    expect(requests()).toEqual(['GET /api/v4/contacts/2000001', 'PATCH /api/v4/contacts/2000001', 'GET /api/v4/contacts/2000001']);
  });

  it('without mergeMultiValues the given values replace the current ones', async () => {
    await upsert({ id: 2000001, custom_fields_by_id: { [PRODUCTS]: ['CRM'] } }, { upsertCriteria: 'id' });
    const out = await upsert({ id: 2000001, custom_fields_by_id: { [PRODUCTS]: ['Analytics'] } }, { upsertCriteria: 'id' });
    expect(out.custom_fields_by_id).toMatchObject({ [PRODUCTS]: ['Analytics'] });
  });
});

describe('zero duplicates', () => {
  it('ten concurrent upserts of one email create exactly one contact; the queue is empty afterwards', async () => {
    const outs = await Promise.all(Array.from({ length: 10 }, (_, index) => upsert({ email: 'race@example.test', first_name: `R${index}` })));
    expect(contactsWithEmail('race@example.test')).toHaveLength(1);
    expect(new Set(outs.map((out) => out.id)).size).toBe(1);
    expect(sandbox.requestLog.filter((entry) => entry.method === 'POST')).toHaveLength(1);
    expect(exclusiveKeys()).toBe(0);
  });

  it('the same email in another case or with spaces is the same queue', async () => {
    await Promise.all(['Case@Example.test', ' case@example.TEST ', 'CASE@EXAMPLE.TEST'].map((email) => upsert({ email })));
    expect(contactsWithEmail('case@example.test')).toHaveLength(1);
  });

  const ambiguous: Array<[string, Fault]> = [
    ['500 after applying', { kind: 'status', status: 500, afterProcessing: true }],
    ['504 after applying', { kind: 'status', status: 504, afterProcessing: true }],
    ['a reset after applying', { kind: 'reset', afterProcessing: true }],
  ];
  it.each(ambiguous)('a create answered with %s is found by a second lookup, never posted again', async (_, fault) => {
    await warm();
    sandbox.injectFault('/api/v4/contacts', fault, 1, 'POST');
    const out = await upsert({ email: 'ambiguous@example.test', first_name: 'Amb' });
    expect(contactsWithEmail('ambiguous@example.test')).toHaveLength(1);
    expect(out).toMatchObject({ first_name: 'Amb', custom_fields_by_id: { [EMAIL]: [{ value: 'ambiguous@example.test' }] } });
    expect(requests()).toEqual(['GET /api/v4/contacts', 'POST /api/v4/contacts', 'GET /api/v4/contacts']);
  });

  const notApplied: Array<[string, Fault]> = [
    ['502 before applying', { kind: 'status', status: 502 }],
    ['504 before applying', { kind: 'status', status: 504 }],
    ['a reset before applying', { kind: 'reset' }],
  ];
  it.each(notApplied)('a create answered with %s, and not found again, is an error saying nothing was created', async (_, fault) => {
    sandbox.injectFault('/api/v4/contacts', fault, 1, 'POST');
    const before = sandbox.entities('contacts').length;
    const error = await rejection(upsert({ email: 'lost@example.test' }));
    expect(String(error)).toMatch(/did not confirm the create of a contact .*no contact has it, so nothing was created/);
    expect(sandbox.entities('contacts')).toHaveLength(before);
    expect(sandbox.requestLog.filter((entry) => entry.method === 'POST')).toHaveLength(1);
    expect(slept).toEqual([1000]);
  });

  it('a 503 (refused, not applied) is retried by the client like any refused request', async () => {
    sandbox.injectFault('/api/v4/contacts', { kind: 'status', status: 503 }, 1, 'POST');
    await upsert({ email: 'retried@example.test' });
    expect(contactsWithEmail('retried@example.test')).toHaveLength(1);
    expect(sandbox.requestLog.filter((entry) => entry.method === 'POST')).toHaveLength(2);
  });

  it('an ambiguous update is an error saying a rerun is safe', async () => {
    sandbox.injectFault('/api/v4/contacts/2000001', { kind: 'status', status: 504, afterProcessing: true }, 1, 'PATCH');
    const error = await rejection(upsert({ email: 'maria.gomez@acme.example', first_name: 'M' }));
    expect(String(error)).toMatch(/did not confirm the update of contact 2000001.*Running the message again is safe/);
  });
});

describe('bad input is refused before any write', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, RegExp]> = [
    ['an unknown key', { email: 'x@example.test', frist_name: 'X' }, {}, /does not read: "frist_name"/],
    ['a wrong-typed core field', { email: 'x@example.test', responsible_user_id: 'boss' }, {}, /responsible_user_id \(Responsible user ID\) must be a number; got the text "boss"/],
    ['an unknown select label', { email: 'x@example.test', custom_fields_by_id: { [SOURCE]: 'Billboard' } }, {}, /720007 "Source" \(select\).*no option labelled the text "Billboard"/],
    ['an unknown custom field', { email: 'x@example.test', custom_fields_by_id: { 123: 'x' } }, {}, /"123" is not a custom field of contacts/],
    ['a tag that is neither a name nor an id', { email: 'x@example.test', tags_to_add: [true] }, {}, /tags_to_add\[0\] must be a tag name \(text\) or a tag id/],
    ['a missing criterion value', { first_name: 'X' }, {}, /Email \(email\) to look up must be given/],
    ['an id that is not a positive whole number', { id: -4, first_name: 'X' }, { upsertCriteria: 'id' }, /ID \(id\) to look up must be a positive whole number/],
    ['a criterion the type does not offer', { email: 'x' }, { objectType: 'leads' }, /Upsert criterion "email" is not available for leads/],
    ['a custom-field value that contradicts the criterion', { [`cf_${POSITION}`]: 'A', custom_fields_by_id: { [POSITION]: 'B' } }, { upsertCriteria: `cf_${POSITION}` }, /give field 720003 "Position" different values/],
  ];
  it.each(cases)('%s', async (_, body, extra, message) => {
    const error = await rejection(upsert(body, extra));
    expect(error).toBeInstanceOf(KommoConfigError);
    expect(String(error)).toMatch(message);
    expect(writes()).toEqual([]);
    expect(requests().every((request) => request.endsWith('/custom_fields') || request === 'GET /api/v4/account')).toBe(true);
  });

  it('a wrong objectType fails before the credential is read', async () => {
    const error = await rejection(upsert({ email: 'x' }, { objectType: 'deals' }));
    expect(String(error)).toMatch(/Object type must be one of leads, contacts/);
    expect(sandbox.requestLog).toEqual([]);
  });
});

describe('getMetaModel', () => {
  it('in: the criterion first, then the writable fields, custom fields and tags; out: the object', async () => {
    const meta = await getMetaModel.withDeps({ rateLimiter: null }).call(recordingContext(), cfg({ upsertCriteria: 'phone' }));
    expect(Object.keys(meta.in.properties).slice(0, 2)).toEqual(['phone', 'name']);
    expect(meta.in.properties).toHaveProperty('tags_to_add');
    expect(meta.in.properties.custom_fields_by_id.properties?.[String(SOURCE)]).toMatchObject({ title: 'Source', enum: ['Website', 'Referral', 'Trade show'] });
    expect(meta.out.properties).toHaveProperty('custom_fields_by_id');
    expect(meta.in.properties.phone).toMatchObject({ type: 'string', required: false });
  });
});
