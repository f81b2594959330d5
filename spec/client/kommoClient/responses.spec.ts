/**
 * KommoClient: what the client makes of Kommo's answers: 2xx bodies and headers, error mapping, no redirects.
 */
import nock from 'nock';
import { KommoHttpError, KommoNotFoundError, KommoValidationError } from '../../../lib/client/errors';
import { KommoClient, KommoResponse } from '../../../lib/client/KommoClient';
import { useNockIsolation } from '../../nockIsolation';
import {
  KOMMO, LEADS, GET_LEADS, kommo, harness, rejectionOf, countRequests,
} from './harness';

useNockIsolation();

describe('responses', () => {
  async function oauthClient(h = harness()): Promise<KommoClient> {
    return h.client({ oauth: { access_token: 'tok' }, baseUrl: KOMMO, retries: 3 });
  }

  it('204 → status 204 and no body', async () => {
    kommo().patch(LEADS).reply(204);

    const response = await (await oauthClient()).request({ method: 'PATCH', url: 'leads', body: [{ id: 1, price: 5 }] });

    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
  });

  it('200 application/hal+json; charset=utf-8 → parsed JSON, headers as a plain lower-case object', async () => {
    kommo().get(LEADS).reply(200, JSON.stringify({ _page: 1, _embedded: { leads: [{ id: 3 }] } }), {
      'Content-Type': 'application/hal+json; charset=utf-8',
      'X-Request-Id': 'req-1',
    });

    const response: KommoResponse = await (await oauthClient()).request(GET_LEADS);

    expect(response.body).toEqual({ _page: 1, _embedded: { leads: [{ id: 3 }] } });
    expect(response.headers['content-type']).toBe('application/hal+json; charset=utf-8');
    expect(response.headers['x-request-id']).toBe('req-1');
    expect(Object.getPrototypeOf(response.headers)).toBe(Object.prototype);
  });

  it('sends the body as JSON with content-type, and a GET without a body', async () => {
    const scope = nock(KOMMO)
      .post(LEADS, [{ name: 'Deal' }]).matchHeader('content-type', 'application/json').matchHeader('accept', 'application/json').reply(200, {})
      .get(LEADS).matchHeader('content-type', (value: string | undefined) => value === undefined).reply(200, {});
    const client = await oauthClient();

    await client.request({ method: 'POST', url: 'leads', body: [{ name: 'Deal' }] });
    await client.request({ method: 'GET', url: 'leads', body: { ignored: true } });

    expect(scope.isDone()).toBe(true);
  });

  it('HTML 403 → not retried; KommoHttpError saying it is probably a block and what to do, with a text excerpt', async () => {
    const html = '<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1><p>Access denied.</p></body></html>';
    const scope = kommo().get(LEADS).times(2).reply(403, html, { 'content-type': 'text/html; charset=utf-8' });
    const kommoRequests = countRequests(scope);
    const h = harness();

    const error = await rejectionOf((await oauthClient(h)).request(GET_LEADS), KommoHttpError);

    expect(error).toMatchObject({ status: 403, attempts: 1 });
    expect(error.message).toMatch(/probably an IP or account block/);
    expect(error.message).toMatch(/Lower the request rate/);
    expect(typeof error.responseBody).toBe('string');
    expect(error.responseBody).toContain('403 Forbidden');
    expect(error.responseBody).toContain('Access denied.');
    expect(error.responseBody).not.toContain('<');
    expect(kommoRequests.count).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('problem+json 400 → Kommo\'s title, detail, validation errors and x-request-id on the error', async () => {
    kommo().post(LEADS).reply(400, {
      title: 'Bad Request',
      type: 'https://httpstatus.es/400',
      status: 400,
      detail: 'Request validation failed',
      'validation-errors': [{ request_id: '0', errors: [{ code: 'NotSupportedChoice', path: 'custom_fields_values.0.field_id', detail: 'The value you selected is not a valid choice.' }] }],
    }, { 'content-type': 'application/problem+json', 'x-request-id': 'abc-1' });

    const error = await rejectionOf((await oauthClient()).request({ method: 'POST', url: 'leads', body: [{}] }), KommoValidationError);

    expect(error).toMatchObject({ status: 400, requestId: 'abc-1', title: 'Bad Request', detail: 'Request validation failed' });
    expect(error.rejections).toEqual([
      { requestId: '0', path: 'custom_fields_values.0.field_id', code: 'NotSupportedChoice', detail: 'The value you selected is not a valid choice.' },
    ]);
    expect(error.message).toMatch(/Request validation failed/);
    expect(error.message).toMatch(/item 0: custom_fields_values\.0\.field_id NotSupportedChoice/);
  });

  it('404 → KommoNotFoundError with the generic hint only; with acceptStatuses [404] → returned as a response', async () => {
    kommo().get('/api/v4/leads/999').times(2).reply(404, '');
    const client = await oauthClient();

    const error = await rejectionOf(client.request({ method: 'GET', url: 'leads/999' }), KommoNotFoundError);
    const response = await client.request({ method: 'GET', url: 'leads/999', acceptStatuses: [404] });

    expect(error).toMatchObject({ status: 404, attempts: 1, path: '/api/v4/leads/999' });
    expect(error.message).toMatch(/does not exist in this Kommo account\.$/);
    expect(error.message).not.toMatch(/Don't throw/);
    expect(response.status).toBe(404);
    expect(response.body).toBeUndefined();
  });

  it('a step\'s hint for a status is added to that status\'s error only', async () => {
    kommo().get('/api/v4/leads/1').reply(404, '').get('/api/v4/leads/2').reply(400, '');
    const client = await oauthClient();
    const hints = { 404: 'Tick the box.' };

    const notFound = await rejectionOf(client.request({ method: 'GET', url: 'leads/1', hints }), KommoNotFoundError);
    const badRequest = await rejectionOf(client.request({ method: 'GET', url: 'leads/2', hints }), KommoHttpError);

    expect(notFound.message).toMatch(/does not exist in this Kommo account\. Tick the box\.$/);
    expect(badRequest.message).not.toContain('Tick the box');
  });

  it('3xx is not followed: nothing reaches the Location host, KommoHttpError 302', async () => {
    const scope = kommo().get(LEADS).times(2).reply(302, '', { location: 'https://evil.example/steal' });
    const kommoRequests = countRequests(scope);
    const evil = nock('https://evil.example').get(/.*/).reply(200, {});
    const h = harness();

    const error = await rejectionOf((await oauthClient(h)).request(GET_LEADS), KommoHttpError);

    expect(error).toMatchObject({ status: 302, attempts: 1 });
    expect(evil.isDone()).toBe(false);
    expect(kommoRequests.count).toBe(1);
    expect(h.sleeps).toEqual([]);
  });
});
