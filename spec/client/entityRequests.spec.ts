/**
 * KommoClient's entity helpers (get, post, patch, delete) against a real HTTP server on
 * 127.0.0.1: what goes on the wire, the strict entity-path rule (separate from Make Raw
 * Request's url rules), and the error classes entity steps branch on.
 */
import { KommoConfigError, KommoNotFoundError, KommoValidationError } from '../../lib/client/errors';
import { createKommoClient, KommoApi } from '../../lib/client/KommoClient';
import { reset } from '../../lib/processScope';
import { recordingContext, rejection } from '../helpers';
import { LoopbackServer, startLoopbackServer } from './loopbackServer';

let kommo: LoopbackServer;

beforeAll(async () => {
  kommo = await startLoopbackServer();
});

afterAll(async () => {
  reset();
  await kommo.close();
});

beforeEach(() => {
  kommo.received.length = 0;
  kommo.handler = () => ({ status: 200, json: { ok: true } });
});

function client(): Promise<KommoApi> {
  return createKommoClient({ oauth: { access_token: 'tok-entity' }, baseUrl: kommo.origin, retries: 0 }, { logger: recordingContext().logger, rateLimiter: null });
}

describe('entity requests', () => {
  it('get sends the path below /api/v4/ with the encoded query, and returns the parsed answer', async () => {
    const response = await (await client()).get('leads/123', { with: ['contacts'] });

    expect(response).toMatchObject({ status: 200, body: { ok: true } });
    expect(kommo.received).toEqual([expect.objectContaining({ method: 'GET', url: '/api/v4/leads/123?with=contacts', body: '' })]);
    expect(kommo.received[0].headers).toMatchObject({ authorization: 'Bearer tok-entity', accept: 'application/json' });
    expect(kommo.received[0].headers).not.toHaveProperty('content-type');
  });

  it.each([
    ['post', (api: KommoApi) => api.post('leads', [{ name: 'Deal' }]), 'POST', '/api/v4/leads', [{ name: 'Deal' }]],
    ['post with a query', (api: KommoApi) => api.post('leads/complex', [{ name: 'Deal' }], { with: 'x' }), 'POST', '/api/v4/leads/complex?with=x', [{ name: 'Deal' }]],
    ['patch', (api: KommoApi) => api.patch('leads/7', { price: 5 }), 'PATCH', '/api/v4/leads/7', { price: 5 }],
    ['delete with a body', (api: KommoApi) => api.delete('webhooks', { destination: 'https://hook.example/x' }), 'DELETE', '/api/v4/webhooks', { destination: 'https://hook.example/x' }],
  ] as const)('%s sends JSON', async (_name, call, method, url, body) => {
    await call(await client());

    expect(kommo.received).toHaveLength(1);
    expect(kommo.received[0]).toMatchObject({ method, url });
    expect(kommo.received[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(kommo.received[0].body)).toEqual(body);
  });

  it('delete without a body sends none', async () => {
    await (await client()).delete('leads/pipelines/5');

    expect(kommo.received[0]).toMatchObject({ method: 'DELETE', url: '/api/v4/leads/pipelines/5', body: '' });
  });

  it('a 204 is a response with no body (an empty list, or an unknown id: the caller decides)', async () => {
    kommo.handler = () => ({ status: 204 });

    await expect((await client()).get('leads', { query: 'nobody' })).resolves.toMatchObject({ status: 204, body: undefined });
  });

  it.each(['leads', 'leads/123', 'leads/custom_fields', 'events/types', 'leads/pipelines/5/statuses', 'events/01kysdabc9x', 'catalogs/3/elements', 'leads/unsorted/a-b_c'])(
    'accepts the entity path %s',
    async (path) => {
      await (await client()).get(path);
      expect(kommo.received.map((request) => request.url)).toEqual([`/api/v4/${path}`]);
    },
  );

  it.each([
    '', '/leads', 'api/v4/leads', 'leads/', 'leads?limit=1', 'leads#x', 'leads/../account', 'leads/./1', 'leads//1', 'leads/1%2F2',
    'leads\\1', 'lead s', 'https://evil.example/x', '//evil.example/x', 'leads@evil.example', 'leads:1', '123', 'лиды', 'a/b/c/d/e/f/g/h/i',
  ])('refuses the entity path %j before any request', async (path) => {
    const failure = await rejection((await client()).get(path));

    expect(failure).toBeInstanceOf(KommoConfigError);
    expect((failure as Error).message).toMatch(/^The Kommo path .* is not valid: it must be segments of letters, digits, "_" and "-"/);
    expect(kommo.received).toEqual([]);
  });

  it('a 404 is a KommoNotFoundError with the path and no step hint', async () => {
    kommo.handler = () => ({ status: 404, json: { title: 'Not Found', status: 404 } });

    const failure = await rejection((await client()).get('leads/999', { with: 'contacts' }));

    expect(failure).toBeInstanceOf(KommoNotFoundError);
    expect(failure).toMatchObject({ status: 404, method: 'GET', path: '/api/v4/leads/999', attempts: 1 });
    expect((failure as Error).message).toBe('Kommo answered 404 Not Found to GET /api/v4/leads/999 after 1 attempt: Not Found. The path or entity does not exist in this Kommo account.');
  });

  it('a 400 naming failing items is a KommoValidationError with the reasons per item (validation-errors shape)', async () => {
    kommo.handler = () => ({
      status: 400,
      json: {
        title: 'Bad Request',
        status: 400,
        detail: 'Request validation failed',
        'validation-errors': [
          { request_id: '1', errors: [{ code: 'InvalidType', path: 'custom_fields_values.6.values.0.value', detail: 'This value should be of type int.' }] },
          { request_id: '3', errors: [{ code: 'NotSupportedChoice', path: 'status_id', detail: 'The value you selected is not a valid choice.' }] },
        ],
      },
    });

    const failure = await rejection((await client()).post('leads', [{}, {}, {}, {}]));

    expect(failure).toBeInstanceOf(KommoValidationError);
    expect((failure as KommoValidationError).rejections).toEqual([
      { requestId: '1', path: 'custom_fields_values.6.values.0.value', code: 'InvalidType', detail: 'This value should be of type int.' },
      { requestId: '3', path: 'status_id', code: 'NotSupportedChoice', detail: 'The value you selected is not a valid choice.' },
    ]);
  });

  it('a 400 naming failing entities is a KommoValidationError too (errors-map shape)', async () => {
    kommo.handler = () => ({
      status: 400,
      json: { errors: { 7: 'Loss reason can be specified only for lost lead' }, title: 'Bad Request', type: 'https://httpstatus.es/400', status: 400, detail: 'Invalid request body' },
    });

    const failure = await rejection((await client()).patch('leads', [{ id: 7, loss_reason_id: 1 }]));

    expect(failure).toBeInstanceOf(KommoValidationError);
    expect((failure as KommoValidationError).rejections).toEqual([{ entityId: '7', detail: 'Loss reason can be specified only for lost lead' }]);
    expect((failure as Error).message).toBe('Kommo answered 400 Bad Request to PATCH /api/v4/leads after 1 attempt: Invalid request body.'
      + ' Validation errors: id 7: Loss reason can be specified only for lost lead.');
  });
});
