/**
 * Kommo requests per message of the write actions with warm caches (docs/design.md "Quality bars
 * (2.0)"), counted in the sandbox's request log, next to a naive path run for real in the same
 * run: read the field definitions, search, write, read back, for every message, with no cache.
 *
 * - upsert by id: Upsert Object on contacts by `id` (update).
 * - upsert by criterion, update: by `email`, each message's email matching one contact.
 * - upsert by criterion, create: by `email`, each message a new email.
 * - batch of 250 creates: Create or Update Objects, 250 new leads in one message (chunks of 50).
 *   The naive path creates them one by one the same way (field pages, search, create, read back).
 *
 * Pacing is off on both sides (`rateLimiter: null`, sandbox limit off): the figures count
 * requests, not time. "Warm" means one message of the same kind ran first (not counted), so the
 * account's field definitions are in the process's cache, as in a running flow.
 */
import { processAction as batchAction } from '../lib/actions/createOrUpdateObjects';
import { upsertAction } from '../lib/actions/upsertObject';
import { createKommoClient, type KommoClient } from '../lib/client/KommoClient';
import { reset as resetProcessScope } from '../lib/processScope';
import { startSandbox, type Sandbox } from '../sandbox';
import type { BenchResult, Figure } from './report';
import { countingLogger, round, runMessage, sequentially } from './support';

export interface WritesOptions {
  /** Messages per upsert figure. */
  messages: number;
  /** Items of the batch. */
  batchItems: number;
}

export const DEFAULT_WRITES_OPTIONS: WritesOptions = { messages: 30, batchItems: 250 };

const EMAIL_FIELD = 720002;
const GOALS = { byId: 2, byCriterion: 3, batchPer50: 1, batchBase: 5 };

interface Count {
  messages: number;
  succeeded: number;
  requests: number;
  perMessage: number;
  /** Requests by method and path (ids and queries dropped), for the JSON. */
  byRoute: Record<string, number>;
}

function routes(sandbox: Sandbox): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of sandbox.requestLog) {
    const route = `${entry.method} ${entry.path.replace(/\?.*$/, '').replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
    counts[route] = (counts[route] ?? 0) + 1;
  }
  return counts;
}

/** Runs `messages` messages after `warm` (not counted) and counts Kommo requests. */
async function count(sandbox: Sandbox, messages: number, warm: () => Promise<boolean>, run: (index: number) => Promise<boolean>): Promise<Count> {
  sandbox.reset();
  resetProcessScope();
  if (!(await warm())) throw new Error('the warm-up message failed');
  sandbox.requestLog.length = 0;
  let succeeded = 0;
  await sequentially(messages, async (index) => {
    if (await run(index)) succeeded += 1;
  });
  return { messages, succeeded, requests: sandbox.requestLog.length, perMessage: round(sandbox.requestLog.length / messages), byRoute: routes(sandbox) };
}

/** The naive path for one object: field definitions, search, write, read back; no cache. */
async function naiveUpsert(client: KommoClient, type: 'contacts' | 'leads', search: { id?: number; query?: string }, body: Record<string, unknown>): Promise<boolean> {
  for await (const page of client.paginate(`${type}/custom_fields`, { embeddedKey: 'custom_fields', pageSize: 50 })) void page;
  let id = search.id;
  if (id !== undefined) {
    await client.get(`${type}/${id}`);
  } else if (search.query !== undefined) {
    const found = await client.get(type, { query: search.query });
    const list = (found.body as { _embedded?: Record<string, Array<{ id: number }>> } | undefined)?._embedded?.[type];
    id = list?.[0]?.id;
  }
  if (id !== undefined) {
    await client.patch(`${type}/${id}`, body);
  } else {
    const created = await client.post(type, [body]);
    id = (created.body as { _embedded: Record<string, Array<{ id: number }>> })._embedded[type][0].id;
  }
  return (await client.get(`${type}/${id}`)).status === 200;
}

function figure(label: string, ours: Count, naive: Count, goal: number, goalText: string): Figure {
  return {
    figure: label,
    ours: ours.perMessage,
    baselineLabel: 'naive: fields, search, write, re-read; no cache',
    baseline: naive.perMessage,
    ratio: round(ours.perMessage / naive.perMessage),
    goal: goalText,
    met: ours.succeeded === ours.messages && ours.perMessage <= goal,
  };
}

export async function runWrites(options: WritesOptions = DEFAULT_WRITES_OPTIONS): Promise<BenchResult> {
  const sandbox = await startSandbox({ rateLimit: false });
  try {
    const deps = { rateLimiter: null, sleep: async () => undefined };
    const upsert = upsertAction().withDeps(deps);
    const batch = batchAction.withDeps(deps);
    const credential = { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl, retries: 2 };
    const client = await createKommoClient(credential, { logger: countingLogger(), ...deps });
    const ok = async (outcome: Promise<{ kind: string }>): Promise<boolean> => (await outcome).kind === 'data';
    const byId = { ...credential, objectType: 'contacts', upsertCriteria: 'id' };
    const byEmail = { ...credential, objectType: 'contacts', upsertCriteria: 'email' };
    const leads = { ...credential, objectType: 'leads' };
    const seeded = [2000001, 2000002, 2000003];
    const emailOf = (index: number): string => `bench-${index}@example.test`;

    const oursById = await count(sandbox, options.messages,
      () => ok(runMessage(upsert, { id: seeded[0], first_name: 'warm' }, byId)),
      (index) => ok(runMessage(upsert, { id: seeded[index % 3], first_name: `B${index}` }, byId)));
    const naiveById = await count(sandbox, options.messages, async () => true,
      (index) => naiveUpsert(client, 'contacts', { id: seeded[index % 3] }, { first_name: `B${index}` }));

    // Updates by email: each message's email belongs to a contact created before counting.
    const seedEmails = async (): Promise<void> => {
      await client.post('contacts', Array.from({ length: options.messages }, (_, index) => ({
        name: `Bench ${index}`, custom_fields_values: [{ field_id: EMAIL_FIELD, values: [{ value: emailOf(index), enum_code: 'WORK' }] }],
      })));
    };
    const oursUpdate = await count(sandbox, options.messages,
      async () => { await seedEmails(); return ok(runMessage(upsert, { email: 'warm@example.test' }, byEmail)); },
      (index) => ok(runMessage(upsert, { email: emailOf(index), first_name: `U${index}` }, byEmail)));
    const naiveUpdate = await count(sandbox, options.messages, async () => { await seedEmails(); return true; },
      (index) => naiveUpsert(client, 'contacts', { query: emailOf(index) }, { first_name: `U${index}` }));

    const newEmail = (index: number): string => `new-${index}@example.test`;
    const oursCreate = await count(sandbox, options.messages,
      () => ok(runMessage(upsert, { email: 'warm@example.test' }, byEmail)),
      (index) => ok(runMessage(upsert, { email: newEmail(index), first_name: `C${index}` }, byEmail)));
    const naiveCreate = await count(sandbox, options.messages, async () => true,
      (index) => naiveUpsert(client, 'contacts', { query: newEmail(index) }, {
        first_name: `C${index}`, custom_fields_values: [{ field_id: EMAIL_FIELD, values: [{ value: newEmail(index), enum_code: 'WORK' }] }],
      }));

    const items = Array.from({ length: options.batchItems }, (_, index) => ({ name: `bulk-${index}`, price: index }));
    let batchOutput: unknown;
    const oursBatch = await count(sandbox, 1,
      () => ok(runMessage(batch, { objects: [{ name: 'warm' }] }, leads)),
      async () => {
        const outcome = await runMessage(batch, { objects: items }, leads);
        batchOutput = outcome.kind === 'data' ? outcome.message.body : undefined;
        return outcome.kind === 'data' && (batchOutput as { created: number }).created === options.batchItems;
      });
    const naiveBatch = await count(sandbox, 1, async () => true, async () => {
      let all = true;
      for (const item of items) all = (await naiveUpsert(client, 'leads', {}, item)) && all;
      return all;
    });

    const batchGoal = GOALS.batchBase + GOALS.batchPer50 * Math.ceil(options.batchItems / 50);
    return {
      name: 'writes',
      figures: [
        figure('upsert by id (update): Kommo requests/msg', oursById, naiveById, GOALS.byId, `≤ ${GOALS.byId}`),
        figure('upsert by email, update: Kommo requests/msg', oursUpdate, naiveUpdate, GOALS.byCriterion, `≤ 2 (+1 read back)`),
        figure('upsert by email, create: Kommo requests/msg', oursCreate, naiveCreate, GOALS.byCriterion, `≤ 2 (+1 read back)`),
        figure(`batch of ${options.batchItems} creates: Kommo requests/msg`, oursBatch, naiveBatch, batchGoal, `≤ 5 + 1 per 50 (${batchGoal})`),
      ],
      details: {
        options,
        ours: { byId: oursById, update: oursUpdate, create: oursCreate, batch: oursBatch },
        naive: { byId: naiveById, update: naiveUpdate, create: naiveCreate, batch: naiveBatch },
        batchOutputCounts: batchOutput === undefined ? undefined : Object.fromEntries(Object.entries(batchOutput as Record<string, unknown>).filter(([key]) => key !== 'results')),
      },
    };
  } finally {
    await sandbox.close();
  }
}
