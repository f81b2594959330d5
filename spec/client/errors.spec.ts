/**
 * The error factory: which class each final answer becomes, Kommo's per-item reasons in both
 * 400 shapes, the query and the token cut out of everything Kommo said, hints, and `cause`.
 */
import {
  configError, httpError, HttpFailureInput, itemRejections, KommoAuthError, KommoConfigError, KommoError, KommoHttpError, KommoNetworkError,
  KommoNotFoundError, KommoRateLimitError, KommoValidationError, networkError, notFoundError, platformError,
} from '../../lib/client/errors';
import { allStrings } from '../helpers';

function answer(status: number, body: unknown, extra: Partial<HttpFailureInput> = {}): HttpFailureInput {
  return { method: 'POST', path: '/api/v4/leads', attempts: 1, status, headers: { 'content-type': 'application/problem+json' }, body, ...extra };
}

const VALIDATION_BODY = {
  title: 'Bad Request',
  status: 400,
  detail: 'Request validation failed',
  'validation-errors': [{ request_id: '0', errors: [{ code: 'NotSupportedChoice', path: 'custom_fields_values.0.field_id', detail: 'Not a valid choice.' }] }],
};
const ERRORS_MAP_BODY = { errors: { 12: 'Loss reason can be specified only for lost lead' }, title: 'Bad Request', status: 400, detail: 'Invalid request body' };

describe('httpError: the class of a final answer', () => {
  it.each<[string, number, unknown, abstract new (...args: never[]) => KommoHttpError, string]>([
    ['401', 401, { title: 'Unauthorized' }, KommoAuthError, 'KommoAuthError'],
    ['404', 404, { title: 'Not Found' }, KommoNotFoundError, 'KommoNotFoundError'],
    ['429', 429, { title: 'Too Many Requests' }, KommoRateLimitError, 'KommoRateLimitError'],
    ['400 with validation-errors', 400, VALIDATION_BODY, KommoValidationError, 'KommoValidationError'],
    ['400 with the errors map', 400, ERRORS_MAP_BODY, KommoValidationError, 'KommoValidationError'],
    ['400 naming no item', 400, { title: 'Bad Request', detail: 'Request data can not be empty' }, KommoHttpError, 'KommoHttpError'],
    ['402', 402, { title: 'Payment Required' }, KommoHttpError, 'KommoHttpError'],
    ['422 (not one of the two 400 shapes)', 422, VALIDATION_BODY, KommoHttpError, 'KommoHttpError'],
    ['500', 500, 'oops', KommoHttpError, 'KommoHttpError'],
  ])('%s → %p', (_name, status, body, type, name) => {
    const error = httpError(answer(status, body));
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(KommoError);
    expect(error.name).toBe(name);
    if (name === 'KommoHttpError') expect(error.constructor).toBe(KommoHttpError);
  });

  it('a 400 message lists the reasons of either shape', () => {
    expect(httpError(answer(400, VALIDATION_BODY)).message)
      .toBe('Kommo answered 400 to POST /api/v4/leads after 1 attempt: Request validation failed. Validation errors: item 0: custom_fields_values.0.field_id NotSupportedChoice (Not a valid choice.).');
    expect(httpError(answer(400, ERRORS_MAP_BODY)).message)
      .toBe('Kommo answered 400 to POST /api/v4/leads after 1 attempt: Invalid request body. Validation errors: id 12: Loss reason can be specified only for lost lead.');
  });

  it('adds the step\'s hint after the generic one', () => {
    expect(httpError(answer(404, '', { hint: 'Tick the box.' })).message).toMatch(/does not exist in this Kommo account\. Tick the box\.$/);
  });
});

describe('itemRejections', () => {
  it.each<[string, unknown, unknown[]]>([
    ['validation-errors, several items and errors', {
      'validation-errors': [
        { request_id: '0', errors: [{ code: 'A', path: 'name', detail: 'a' }, { code: 'B', path: 'price', detail: 'b' }] },
        { request_id: 2, errors: [{ path: 'x' }] },
      ],
    }, [
      { requestId: '0', path: 'name', code: 'A', detail: 'a' },
      { requestId: '0', path: 'price', code: 'B', detail: 'b' },
      { requestId: '2', path: 'x', detail: '' },
    ]],
    ['validation-errors without request_id (a single PATCH)', { 'validation-errors': [{ errors: [{ code: 'InvalidType', path: 'custom_fields_values.6.values.0.value', detail: 'int' }] }] },
      [{ path: 'custom_fields_values.6.values.0.value', code: 'InvalidType', detail: 'int' }]],
    ['the errors map, reasons as text, a list and an object', { errors: { 5: 'gone', 6: ['too', 'long'], 7: { code: 9 } } }, [
      { entityId: '5', detail: 'gone' },
      { entityId: '6', detail: 'too; long' },
      { entityId: '7', detail: '{"code":9}' },
    ]],
    ['nothing per item', { title: 'Bad Request' }, []],
    ['malformed entries are skipped', { 'validation-errors': ['x', { errors: 'y' }, { errors: [null, 3] }], errors: ['not', 'a', 'map'] }, []],
    ['not an object', 'Bad Request', []],
  ])('%s', (_name, body, expected) => {
    expect(itemRejections(body)).toEqual(expected);
  });
});

describe('what Kommo said is shown without the query or the token', () => {
  const search = '?query=%2B15551234567&filter[id][]=42&limit=5';

  it('cuts every query value of four or more characters (raw, decoded, trimmed, a phone\'s digits) out of title, detail, message and body', () => {
    const error = httpError(answer(400, {
      title: 'Bad Request for +15551234567',
      detail: 'query=%2B15551234567 is not allowed',
      echo: { url: `/api/v4/leads${search}`, phone: ' 15551234567', limit: 5 },
    }, { search }));

    const texts = [...allStrings(error), error.message];
    expect(texts.filter((text) => text.includes('15551234567'))).toEqual([]);
    expect(error.title).toBe('Bad Request for [query value removed]');
    expect(error.responseBody).toEqual({
      title: 'Bad Request for [query value removed]',
      detail: 'query=[query value removed] is not allowed',
      echo: { url: '/api/v4/leads?[query value removed]', phone: ' [query value removed]', limit: 5 },
    });
  });

  it('keeps short values and keys: a batch maps reasons back by entity id', () => {
    const error = httpError(answer(400, { errors: { 42: 'Lead 42 is closed' }, detail: 'limit 5' }, { search: '?filter[id][]=42&limit=5' }));
    expect((error as KommoValidationError).rejections).toEqual([{ entityId: '42', detail: 'Lead 42 is closed' }]);
  });

  it('cuts the token (and "Bearer token") out of an echoed answer', () => {
    const error = httpError(answer(502, '<pre>authorization: Bearer tok-echoed-1234</pre>', { secrets: ['tok-echoed-1234'], headers: { 'content-type': 'text/html' } }));
    expect(error.responseBody).toBe('authorization: [secret removed]');
    expect(error.message).not.toContain('tok-echoed');
  });
});

describe('other factories', () => {
  it('notFoundError: a 204 to a GET of one entity reads like a 404', () => {
    const error = notFoundError({ method: 'GET', path: '/api/v4/leads/5', attempts: 1 });
    expect(error).toBeInstanceOf(KommoNotFoundError);
    expect(error).toMatchObject({ status: 204, path: '/api/v4/leads/5' });
    expect(error.message).toBe('Kommo answered 204 No Content to GET /api/v4/leads/5 after 1 attempt: nothing was found. The path or entity does not exist in this Kommo account.');
  });

  it('networkError keeps the transport\'s error as cause', () => {
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const error = networkError({ method: 'GET', path: '/api/v4/leads', attempts: 3 }, 'https://acme.kommo.com', 'ECONNRESET', 1000, cause);
    expect(error).toBeInstanceOf(KommoNetworkError);
    expect(error.cause).toBe(cause);
    expect(error.message).toMatch(/^Could not reach Kommo at https:\/\/acme\.kommo\.com \(ECONNRESET\): GET \/api\/v4\/leads failed after 3 attempts\./);
  });

  it('configError and platformError keep their cause', () => {
    const cause = new Error('underlying');
    expect(configError('bad input', cause)).toMatchObject({ name: 'KommoConfigError', message: 'bad input', cause });
    expect(configError('bad input')).not.toHaveProperty('cause');
    expect(platformError('read', 's1', 'ECONNREFUSED', cause).cause).toBe(cause);
    expect(platformError('refresh', 's1', 409)).toBeInstanceOf(KommoConfigError);
    expect(platformError('refresh', 's1', 503)).not.toBeInstanceOf(KommoConfigError);
  });
});
