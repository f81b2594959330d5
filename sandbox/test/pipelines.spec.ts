import { embedded, useSandboxApi } from './fixtures';

const { sandbox, api } = useSandboxApi({ rateLimit: false });

type Status = { id: number; pipeline_id: number; name: string; _links: { self: { href: string } } };

describe('pipelines and statuses (docs/kommo-api.md §6, docs/kommo-fidelity.md #16)', () => {
  it('lists two pipelines, each with 142 and 143', async () => {
    const pipelines = embedded<{ id: number; is_main: boolean; _embedded: { statuses: Status[] } }>(await api('GET', '/api/v4/leads/pipelines'), 'pipelines');
    expect(pipelines.map((pipeline) => [pipeline.id, pipeline.is_main])).toEqual([
      [7000001, true],
      [7000002, false],
    ]);
    for (const pipeline of pipelines) expect(pipeline._embedded.statuses.map((status) => status.id)).toEqual(expect.arrayContaining([142, 143]));
  });

  it('GET /leads/pipelines/{id}/statuses lists the pipeline’s stages with links', async () => {
    const response = await api('GET', '/api/v4/leads/pipelines/7000002/statuses');
    expect(response.json()).toMatchObject({ _total_items: 5 });
    const statuses = embedded<Status>(response, 'statuses');
    expect(statuses.map((status) => status.id)).toEqual([7000021, 7000022, 7000023, 142, 143]);
    expect(statuses.every((status) => status.pipeline_id === 7000002)).toBe(true);
    expect(statuses[1]._links.self.href).toBe(`${sandbox().baseUrl}/api/v4/leads/pipelines/7000002/statuses/7000022`);
  });

  it('GET /leads/pipelines/{id}/statuses/{id} reads one stage; other pipelines’ stages are unknown there', async () => {
    expect((await api('GET', '/api/v4/leads/pipelines/7000001/statuses/7000013')).json()).toMatchObject({ id: 7000013, name: 'Negotiation' });
    expect((await api('GET', '/api/v4/leads/pipelines/7000001/statuses/7000022')).status).toBe(404);
    expect((await api('GET', '/api/v4/leads/pipelines/9/statuses')).status).toBe(404);
  });
});

describe('stages on lead writes', () => {
  it('a pipeline without a stage lands on its first regular stage', async () => {
    const [lead] = embedded<{ id: number }>(await api('POST', '/api/v4/leads', [{ name: 'P', pipeline_id: 7000002 }]), 'leads');
    expect((await api('GET', `/api/v4/leads/${lead.id}`)).json()).toMatchObject({ pipeline_id: 7000002, status_id: 7000022 });
  });

  it('refuses a stage of another pipeline', async () => {
    const response = await api('PATCH', '/api/v4/leads/1000001', { status_id: 7000022 });
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ 'validation-errors': [{ errors: [{ code: 'NotSupportedChoice', path: 'status_id' }] }] });
  });
});

describe('loss reasons (docs/kommo-api.md §6)', () => {
  it('GET /leads/loss_reasons lists them; GET /leads/loss_reasons/{id} reads one', async () => {
    const reasons = embedded<{ id: number; name: string }>(await api('GET', '/api/v4/leads/loss_reasons'), 'loss_reasons');
    expect(reasons.map((reason) => reason.name)).toEqual(['Too expensive', 'Chose a competitor', 'No response']);
    expect((await api('GET', `/api/v4/leads/loss_reasons/${reasons[1].id}`)).json()).toMatchObject({ id: reasons[1].id, name: 'Chose a competitor' });
  });

  it('with=loss_reason embeds a lost lead’s reason', async () => {
    const lead = (await api('GET', '/api/v4/leads/1000005?with=loss_reason')).json<{ loss_reason_id: number; _embedded: { loss_reason: Array<{ id: number }> } }>();
    expect(lead._embedded.loss_reason.map((reason) => reason.id)).toEqual([lead.loss_reason_id]);
  });

  it('moves a lead to lost with a reason, and drops the reason when it leaves lost', async () => {
    expect((await api('PATCH', '/api/v4/leads/1000001', { status_id: 143, loss_reason_id: 6900002 })).status).toBe(200);
    expect(sandbox().entities('leads')[0]).toMatchObject({ status_id: 143, loss_reason_id: 6900002 });
    await api('PATCH', '/api/v4/leads/1000001', { status_id: 7000013 });
    expect(sandbox().entities('leads')[0]).toMatchObject({ status_id: 7000013, loss_reason_id: null, closed_at: null });
  });

  it('answers a reason on a lead that is not lost with the errors map, Kommo’s second 400 shape (docs/kommo-fidelity.md #10)', async () => {
    const response = await api('PATCH', '/api/v4/leads', [{ id: 1000002, loss_reason_id: 6900001 }]);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json()).toEqual({
      title: 'Bad Request',
      type: 'https://httpstatus.es/400',
      status: 400,
      detail: 'Invalid request body',
      errors: { '1000002': 'Loss reason can be specified only for lost lead' },
    });
    expect(sandbox().entities('leads')[1].loss_reason_id).toBeNull();
  });

  it('keys a new lead by its request_id in the errors map', async () => {
    const response = await api('POST', '/api/v4/leads', [{ name: 'n', loss_reason_id: 6900001, request_id: 'new-1' }]);
    expect(response.json()).toMatchObject({ errors: { 'new-1': 'Loss reason can be specified only for lost lead' } });
  });

  it('refuses an unknown loss reason with validation-errors', async () => {
    const response = await api('PATCH', '/api/v4/leads/1000005', { loss_reason_id: 1 });
    expect(response.json()).toMatchObject({ 'validation-errors': [{ errors: [{ code: 'NotSupportedChoice', path: 'loss_reason_id' }] }] });
  });
});
