/**
 * Add Note against the strict sandbox: every note type with its parameters as input, the note
 * read back, a create Kommo does not confirm never sent again, and bad input refused first.
 */
import { getMetaModel, processAction as realAction } from '../../lib/actions/addNote';
import { KommoConfigError } from '../../lib/client/errors';
import { recordingContext, rejection } from '../helpers';
import { useSandbox } from './sandboxSuite';

const { sandbox, cfg } = useSandbox({ cfg: { retries: 2 } });
const action = realAction.withDeps({ rateLimiter: null, sleep: async () => undefined });

async function addNote(body: Record<string, unknown>, entityType: string, noteType: string): Promise<Record<string, unknown> | undefined> {
  return (await action.call(recordingContext(), { body }, cfg({ entityType, noteType })))?.body;
}

const CALL = { uniq: 'call-8841', duration: '95', source: 'Acme PBX', phone: '+15550100202', call_status: 4, link: 'https://pbx.example/rec/8841.mp3' };
const types: Array<[string, string, Record<string, unknown>, Record<string, unknown>]> = [
  ['common', 'leads', { text: 'Called back' }, { text: 'Called back' }],
  ['call_in', 'contacts', CALL, { uniq: 'call-8841', duration: 95, source: 'Acme PBX', phone: '+15550100202', call_status: 4 }],
  ['call_out', 'companies', { ...CALL, call_result: 'Agreed on a demo' }, { call_result: 'Agreed on a demo' }],
  ['service_message', 'leads', { service: 'Shop', text: 'Order paid' }, { service: 'Shop', text: 'Order paid' }],
  ['sms_in', 'contacts', { text: 'Yes', phone: '+15550100201' }, { text: 'Yes', phone: '+15550100201' }],
  ['sms_out', 'contacts', { text: 'See you', phone: 15550100201 }, { text: 'See you', phone: '15550100201' }],
];

describe('addNote', () => {
  it.each(types)('%s on %s: posts the note and returns it as Kommo has it (2 requests)', async (noteType, entityType, params, stored) => {
    const entityId = sandbox.entities(entityType as 'leads').at(0)?.id;
    const note = await addNote({ entity_id: String(entityId), ...params }, entityType, noteType);
    expect(note).toMatchObject({ entity_id: entityId, note_type: noteType, params: stored, id: expect.any(Number) });
    expect(sandbox.requestLog.map((entry) => `${entry.method} ${entry.path}`)).toEqual([`POST /api/v4/${entityType}/notes`, `GET /api/v4/${entityType}/notes/${note?.id}`]);
  });

  it('a note Kommo does not confirm is not sent again, and the error says it may exist', async () => {
    sandbox.injectFault('/api/v4/leads/notes', { kind: 'reset', afterProcessing: true }, 1, 'POST');
    const error = await rejection(addNote({ entity_id: 1000001, text: 'Once' }, 'leads', 'common'));
    expect(String(error)).toMatch(/did not confirm the note; it may have been added .*could add it twice/);
    expect(sandbox.notes('leads').filter((note) => (note.params as { text?: string }).text === 'Once')).toHaveLength(1);
    expect(sandbox.requestLog.filter((entry) => entry.method === 'POST')).toHaveLength(1);
  });

  it('an unknown object is Kommo\'s refusal, with its reason', async () => {
    const error = await rejection(addNote({ entity_id: 1999999, text: 'x' }, 'leads', 'common'));
    expect(String(error)).toContain('entity_id NotFound');
  });

  const bad: Array<[string, Record<string, unknown>, string, string, RegExp]> = [
    ['an entity_id that is not a positive whole number', { entity_id: 'abc', text: 'x' }, 'leads', 'common', /entity_id must be a positive whole number/],
    ['a missing entity_id', { text: 'x' }, 'leads', 'common', /entity_id must be a positive whole number .*got nothing/],
    ['a missing required parameter', { entity_id: 1000001, uniq: 'u', duration: 5, source: 's' }, 'leads', 'call_in', /phone \(Phone number\) is required for a incoming call note/],
    ['a fractional duration', { entity_id: 1000001, ...CALL, duration: 2.5 }, 'leads', 'call_in', /duration \(Duration \(seconds\)\) must be a whole number \(0 or more\)/],
    ['a call status out of range', { entity_id: 1000001, ...CALL, call_status: 9 }, 'leads', 'call_out', /call_status \(Call status\) must be a whole number from 1 to 7/],
    ['a parameter of another type', { entity_id: 1000001, text: 'x', phone: '1' }, 'leads', 'common', /does not read: "phone"/],
    ['a type without notes', { entity_id: 1, text: 'x' }, 'tasks', 'common', /no notes on tasks/],
    ['an unknown note type', { entity_id: 1, text: 'x' }, 'leads', 'attachment', /Note type must be one of common, call_in/],
  ];
  it.each(bad)('refuses %s before any request', async (_, body, entityType, noteType, message) => {
    const error = await rejection(addNote(body, entityType, noteType));
    expect(error).toBeInstanceOf(KommoConfigError);
    expect(String(error)).toMatch(message);
    expect(sandbox.requestLog).toEqual([]);
  });

  it('getMetaModel shows the parameters of the chosen note type, without a request', async () => {
    const meta = await getMetaModel.call(recordingContext(), cfg({ entityType: 'contacts', noteType: 'call_out' }));
    expect(Object.keys(meta.in.properties)).toEqual(['entity_id', 'uniq', 'duration', 'source', 'phone', 'link', 'call_result', 'call_status']);
    expect(meta.in.properties.uniq).toMatchObject({ type: 'string', required: true });
    expect(meta.in.properties.call_status).toMatchObject({ type: 'number', required: false, description: expect.stringContaining('1–7') });
    const sms = await getMetaModel.call(recordingContext(), cfg({ entityType: 'leads', noteType: 'sms_in' }));
    expect(Object.keys(sms.in.properties)).toEqual(['entity_id', 'text', 'phone']);
    expect(sandbox.requestLog).toEqual([]);
  });
});
