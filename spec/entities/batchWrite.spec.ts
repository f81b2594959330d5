/**
 * batchWrite: how Kommo's answers and refusals map back to items, with a scripted client (the
 * sandbox specs run the same against real HTTP). Each case is one script of answers.
 */
import { httpError, networkError, type KommoError } from '../../lib/client/errors';
import type { KommoApi, KommoResponse } from '../../lib/client/KommoClient';
import { writeBatch, type BatchItem } from '../../lib/entities/batchWrite';
import { OBJECT_TYPES } from '../../lib/entities/registry';

type Answer = KommoResponse | KommoError | Error;

/** A client that answers POST/PATCH with the scripted answers in turn and records each body. */
function scripted(answers: Answer[]): Pick<KommoApi, 'post' | 'patch'> & { sent: Array<{ method: string; body: Array<Record<string, unknown>> }> } {
  const sent: Array<{ method: string; body: Array<Record<string, unknown>> }> = [];
  const next = async (method: string, body: unknown): Promise<KommoResponse> => {
    sent.push({ method, body: body as Array<Record<string, unknown>> });
    const answer = answers.shift();
    if (!answer) throw new Error('no scripted answer left');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { sent, post: (_path, body) => next('POST', body), patch: (_path, body) => next('PATCH', body) };
}

const ok = (entries: Array<Record<string, unknown>>): KommoResponse => ({ status: 200, statusText: 'OK', headers: {}, body: { _embedded: { leads: entries } } });
const refused = (body: unknown) => httpError({ method: 'POST', path: '/api/v4/leads', attempts: 1, status: 400, headers: {}, body });
const creates = (count: number): BatchItem[] => Array.from({ length: count }, (_, index) => ({ index, mode: 'create', body: { name: `n${index}` } }));

describe('writeBatch', () => {
  it('maps answers by request_id, whatever their order', async () => {
    const api = scripted([ok([{ id: 12, request_id: 'item-1' }, { id: 11, request_id: 'item-0' }])]);
    const outcome = await writeBatch(api, OBJECT_TYPES.leads, creates(2), 50);
    expect(outcome.results).toEqual([{ index: 0, id: 11, action: 'created' }, { index: 1, id: 12, action: 'created' }]);
    expect(api.sent[0].body.map((item) => item.request_id)).toEqual(['item-0', 'item-1']);
  });

  it('maps an answer without request_ids by position, and an item the answer lacks is unknown', async () => {
    const byPosition = await writeBatch(scripted([ok([{ id: 21 }, { id: 22 }])]), OBJECT_TYPES.leads, creates(2), 50);
    expect(byPosition.results.map((result) => result.id)).toEqual([21, 22]);
    const missing = await writeBatch(scripted([ok([{ id: 31, request_id: 'item-0' }])]), OBJECT_TYPES.leads, creates(2), 50);
    expect(missing.results[1]).toMatchObject({ action: 'unknown', error: expect.stringContaining('did not list this item') });
  });

  it('a rejection with a bare number names the item by its place in the request (Kommo\'s default ids)', async () => {
    const items = creates(3).slice(1); // indexes 1 and 2, sent as places 0 and 1
    const api = scripted([refused({ 'validation-errors': [{ request_id: '1', errors: [{ code: 'NotBlank', path: 'name', detail: 'blank' }] }] }), ok([{ id: 5, request_id: 'item-1' }])]);
    const outcome = await writeBatch(api, OBJECT_TYPES.leads, items, 50);
    expect(outcome.results).toEqual([
      { index: 1, id: 5, action: 'created' },
      { index: 2, action: 'failed', error: 'Kommo refused it: name NotBlank (blank)' },
    ]);
  });

  it('the errors map names updated items by id; a custom-field NotSupportedChoice is reported as possibly stale definitions', async () => {
    const items: BatchItem[] = [{ index: 0, mode: 'update', body: { id: 900 } }, { index: 1, mode: 'update', body: { id: 901 } }];
    const api = scripted([refused({ errors: { 901: 'Loss reason can be specified only for lost lead' } }), ok([{ id: 900, request_id: 'item-0' }])]);
    const outcome = await writeBatch(api, OBJECT_TYPES.leads, items, 50);
    expect(outcome.results.map((result) => result.action)).toEqual(['updated', 'failed']);
    expect(api.sent.map((request) => request.method)).toEqual(['PATCH', 'PATCH']);
    expect(outcome.customFieldRejected).toBe(false);
    const stale = scripted([refused({ 'validation-errors': [{ request_id: 'item-0', errors: [{ code: 'NotSupportedChoice', path: 'custom_fields_values.0.values.0.enum_id' }] }] })]);
    expect((await writeBatch(stale, OBJECT_TYPES.leads, creates(1), 50)).customFieldRejected).toBe(true);
  });

  it('a 400 naming no item it can map fails the whole chunk with Kommo\'s words, and later chunks still go', async () => {
    const api = scripted([refused({ title: 'Bad Request', detail: 'Empty body' }), ok([{ id: 7, request_id: 'item-2' }])]);
    const outcome = await writeBatch(api, OBJECT_TYPES.leads, creates(3), 2);
    expect(outcome.results.map((result) => result.action)).toEqual(['failed', 'failed', 'created']);
    expect(outcome.results[0].error).toContain('Empty body');
  });

  it('resubmits the rest once: a second refusal fails the rest without a third request', async () => {
    const first = refused({ 'validation-errors': [{ request_id: 'item-0', errors: [{ code: 'InvalidType', path: 'price' }] }] });
    const second = refused({ 'validation-errors': [{ request_id: 'item-1', errors: [{ code: 'InvalidType', path: 'name' }] }] });
    const api = scripted([first, second]);
    const outcome = await writeBatch(api, OBJECT_TYPES.leads, creates(3), 50);
    expect(api.sent.map((request) => request.body.length)).toEqual([3, 2]);
    expect(outcome.results.map((result) => result.action)).toEqual(['failed', 'failed', 'failed']);
    expect(outcome.results[2].error).toMatch(/^Not sent again: Kommo refused its chunk a second time/);
  });

  it.each([
    ['504', httpError({ method: 'POST', path: '/api/v4/leads', attempts: 1, status: 504, headers: {}, body: '' })],
    ['a reset', networkError({ method: 'POST', path: '/api/v4/leads', attempts: 1 }, 'https://acme.kommo.com', 'ECONNRESET')],
    ['a timeout', networkError({ method: 'POST', path: '/api/v4/leads', attempts: 1 }, 'https://acme.kommo.com', 'ETIMEDOUT', 15000)],
  ])('a chunk answered with %s is unknown, never sent again; the next chunk goes', async (_, failure) => {
    const api = scripted([failure, ok([{ id: 3, request_id: 'item-2' }])]);
    const outcome = await writeBatch(api, OBJECT_TYPES.leads, creates(3), 2);
    expect(outcome.results.map((result) => result.action)).toEqual(['unknown', 'unknown', 'created']);
    expect(api.sent).toHaveLength(2);
  });

  it('a failure about the account stops the batch: later chunks are not sent', async () => {
    const auth = httpError({ method: 'POST', path: '/api/v4/leads', attempts: 1, status: 401, headers: {}, body: { title: 'Unauthorized' } });
    const api = scripted([auth]);
    const outcome = await writeBatch(api, OBJECT_TYPES.leads, creates(3), 1);
    expect(outcome.results.map((result) => result.action)).toEqual(['failed', 'failed', 'failed']);
    expect(outcome.results[1].error).toMatch(/^Not sent: an earlier chunk failed \(Kommo answered 401/);
    expect(api.sent).toHaveLength(1);
  });

  it('an error that is not Kommo\'s (a bug) is thrown, not reported as data', async () => {
    await expect(writeBatch(scripted([new TypeError('boom')]), OBJECT_TYPES.leads, creates(1), 50)).rejects.toThrow('boom');
  });

  it('sends creates and updates in separate requests, in chunks of the given size', async () => {
    const items: BatchItem[] = [...creates(3), { index: 3, mode: 'update', body: { id: 1 } }];
    const api = scripted([ok([]), ok([]), ok([])]);
    await writeBatch(api, OBJECT_TYPES.leads, items, 2);
    expect(api.sent.map((request) => `${request.method} ${request.body.length}`)).toEqual(['POST 2', 'POST 1', 'PATCH 1']);
  });
});
