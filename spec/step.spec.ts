/**
 * The step and service wrappers, driven as sailor drives them (`process.call(context, msg, cfg,
 * snapshot)`), with a fake client injected through `withDeps`; and the field readers, as tables.
 */
import type { CredentialConfig } from '../lib/client/auth';
import { blockedError, KommoConfigError, KommoHttpError, KommoRateLimitError } from '../lib/client/errors';
import type { ClientDeps, KommoApi } from '../lib/client/KommoClient';
import { readCheckbox, readEnum, readInput, readNumber, service, step, StepDeps } from '../lib/step';
import { recordingContext, rejection } from './helpers';

type FlagConfig = CredentialConfig & { flag?: unknown };
const CFG: FlagConfig = { oauth: { access_token: 'tok' }, baseUrl: 'https://acme.kommo.com' };

/** A fake client factory that records how it was called. */
function fakeConnect(): { deps: StepDeps; calls: Array<{ cfg: CredentialConfig; deps: ClientDeps }>; client: KommoApi } {
  const client = { get: async () => ({ status: 200, statusText: 'OK', headers: {}, body: { id: 1 } }) } as unknown as KommoApi;
  const calls: Array<{ cfg: CredentialConfig; deps: ClientDeps }> = [];
  return { client, calls, deps: { connect: async (cfg, deps) => { calls.push({ cfg, deps }); return client; } } };
}

/** What a function that must throw threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function rateLimitError(): KommoRateLimitError {
  return new KommoRateLimitError('Kommo answered 429', { method: 'GET', path: '/api/v4/leads', attempts: 1, status: 429 }, 300000);
}

describe('step()', () => {
  it('returns the handler\'s body as the one outgoing message and emits nothing itself (no end)', async () => {
    const handler = step({ run: async (body) => ({ echoed: body }) });
    const ctx = recordingContext();

    const message = await handler.call(ctx, { body: { a: 1 } }, CFG);

    expect(message).toEqual({ body: { echoed: { a: 1 } }, headers: {}, attachments: {} });
    expect(ctx.emitted).toEqual([]);
  });

  it('returns nothing when the handler returns nothing', async () => {
    await expect(step({ run: async () => undefined }).call(recordingContext(), { body: {} }, CFG)).resolves.toBeUndefined();
  });

  it('gives the handler {} when sailor passes no message (a trigger tick), and the snapshot as an object', async () => {
    const seen: unknown[] = [];
    const handler = step({ run: async (body, { snapshot, message }) => { seen.push(body, snapshot, message); return undefined; } });

    await handler.call(recordingContext(), undefined, CFG, { cursor: 5 });
    await handler.call(recordingContext(), { body: {} }, CFG, 'not an object');

    expect(seen).toEqual([{}, { cursor: 5 }, { body: {} }, {}, {}, { body: {} }]);
  });

  it.each`
    env                                  | retrieveSample
    ${{ ELASTICIO_FLOW_TYPE: 'debug' }}  | ${true}
    ${{ ELASTICIO_FLOW_TYPE: 'ordinary' }} | ${false}
    ${{}}                                | ${false}
  `('tells a "Retrieve sample" run apart: $env → $retrieveSample', async ({ env, retrieveSample }) => {
    const seen: boolean[] = [];
    const handler = step({ run: async (_body, context) => { seen.push(context.retrieveSample); return undefined; } }).withDeps({ env });
    await handler.call(recordingContext(), { body: {} }, CFG);
    expect(seen).toEqual([retrieveSample]);
  });

  it('builds the client from cfg on first use only, once per call, with the runtime\'s logger', async () => {
    const fake = fakeConnect();
    const ctx = recordingContext();
    const handler = step({
      run: async (_body, { client }) => {
        const first = await client();
        expect(await client()).toBe(first);
        return (await first.get('leads/1')).body;
      },
    }).withDeps(fake.deps);

    await expect(handler.call(ctx, { body: {} }, CFG)).resolves.toMatchObject({ body: { id: 1 } });

    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0].cfg).toBe(CFG);
    expect(fake.calls[0].deps.logger).toBe(ctx.logger);
  });

  it('builds no client when the handler fails on its input first (the credential secret is not even read)', async () => {
    const fake = fakeConnect();
    const handler = step({ run: async () => { throw new KommoConfigError('bad input'); } }).withDeps(fake.deps);

    await expect(handler.call(recordingContext(), { body: {} }, CFG)).rejects.toThrow('bad input');
    expect(fake.calls).toEqual([]);
  });

  it('withDeps merges collaborators over those given before, and passes them to the client', async () => {
    const fake = fakeConnect();
    const sleep = async () => undefined;
    const handler = step({ run: async (_body, { client }) => { await client(); return undefined; }, clientOverrides: { maxRetries: 1 } })
      .withDeps({ rateLimiter: null })
      .withDeps({ ...fake.deps, sleep });

    await handler.call(recordingContext(), { body: {} }, CFG);

    expect(fake.calls[0].deps).toMatchObject({ rateLimiter: null, sleep, overrides: { maxRetries: 1 } });
  });

  it('lets a trigger emit several messages and then its snapshot, in that order', async () => {
    const ctx = recordingContext();
    const handler = step({
      run: async (_body, { emitData, emitSnapshot }) => {
        for (const id of [1, 2, 3]) await emitData({ id });
        await emitSnapshot({ lastId: 3 });
      },
    });

    await expect(handler.call(ctx, {} as never, CFG, {})).resolves.toBeUndefined();

    expect(ctx.emitted).toEqual([
      { event: 'data', payload: { body: { id: 1 }, headers: {}, attachments: {} } },
      { event: 'data', payload: { body: { id: 2 }, headers: {}, attachments: {} } },
      { event: 'data', payload: { body: { id: 3 }, headers: {}, attachments: {} } },
      { event: 'snapshot', payload: { lastId: 3 } },
    ]);
  });

  describe('rebound', () => {
    const reboundIfFlag = (cfg: FlagConfig) => readCheckbox(cfg.flag);

    it.each([
      ['a rate-limit error', rateLimitError()],
      ['a block (the limiter\'s breaker is open)', blockedError('https://acme.kommo.com', 120_000)],
    ])('turns %s into a rebound when the step asks for it: emits rebound, returns nothing', async (_name, error) => {
      const ctx = recordingContext();
      const handler = step<FlagConfig, never>({ run: async () => { throw error; }, reboundOnRateLimit: reboundIfFlag });

      await expect(handler.call(ctx, { body: {} }, { ...CFG, flag: 'true' })).resolves.toBeUndefined();
      expect(ctx.emitted).toEqual([{ event: 'rebound', payload: error }]);
    });

    it.each([
      ['the step does not ask', { ...CFG, flag: false }, rateLimitError()],
      ['the error is not a rate limit', { ...CFG, flag: true }, new KommoHttpError('500', { method: 'GET', path: '/x', attempts: 1, status: 500 })],
    ])('fails the message when %s', async (_name, cfg, error) => {
      const ctx = recordingContext();
      const handler = step<FlagConfig, never>({ run: async () => { throw error; }, reboundOnRateLimit: reboundIfFlag });

      await expect(handler.call(ctx, { body: {} }, cfg)).rejects.toBe(error);
      expect(ctx.emitted).toEqual([]);
    });

    it('fails instead of rebounding once data was emitted: the retry would emit it again', async () => {
      const error = rateLimitError();
      const ctx = recordingContext();
      const handler = step({
        run: async (_body, { emitData }) => { await emitData({ id: 1 }); throw error; },
        reboundOnRateLimit: () => true,
      });

      await expect(handler.call(ctx, { body: {} }, CFG)).rejects.toBe(error);
      expect(ctx.emitted.map((entry) => entry.event)).toEqual(['data']);
    });

    it('a handler can rebound itself (wait for an object to exist) and returns nothing', async () => {
      const ctx = recordingContext();
      const reason = new Error('Lead 5 does not exist yet');
      const handler = step({ run: async (_body, { rebound }) => rebound(reason) });

      await expect(handler.call(ctx, { body: {} }, CFG)).resolves.toBeUndefined();
      expect(ctx.emitted).toEqual([{ event: 'rebound', payload: reason }]);
    });

    it('a handler that rebounds after emitting data fails with the reason instead', async () => {
      const ctx = recordingContext();
      const reason = new Error('not yet');
      const handler = step({ run: async (_body, { emitData, rebound }) => { await emitData({}); return rebound(reason); } });

      await expect(handler.call(ctx, { body: {} }, CFG)).rejects.toBe(reason);
      expect(ctx.emitted.map((entry) => entry.event)).toEqual(['data']);
    });
  });
});

describe('service()', () => {
  it('passes cfg and the further arguments, and builds the client with the service\'s overrides', async () => {
    const fake = fakeConnect();
    const ctx = recordingContext();
    const hook = service<CredentialConfig, [{ destination: string }], string>({
      clientOverrides: { maxRetries: 0 },
      run: async ({ client, cfg }, startupData) => {
        await client();
        expect(cfg).toBe(CFG);
        return startupData.destination;
      },
    }).withDeps(fake.deps);

    await expect(hook.call(ctx, CFG, { destination: 'https://hook.example/x' })).resolves.toBe('https://hook.example/x');
    expect(fake.calls[0].deps).toMatchObject({ logger: ctx.logger, overrides: { maxRetries: 0 } });
  });

  it('hooks run without sailor\'s logger on `this`: the service logs to stdout instead', async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; });
    try {
      const hook = service<CredentialConfig, [], void>({ run: async ({ logger }) => { logger.info('subscribed'); } });
      await hook.call(undefined, CFG);
      await hook.call({} as never, CFG);
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual(['INFO subscribed\n', 'INFO subscribed\n']);
  });
});

describe('readCheckbox', () => {
  it.each<[unknown, boolean]>([[true, true], ['true', true], [false, false], ['false', false], [undefined, false], ['', false], ['TRUE', false], [1, false]])(
    '%p → %p',
    (value, expected) => expect(readCheckbox(value)).toBe(expected),
  );
});

describe('readNumber', () => {
  const PAGE_SIZE = { label: 'Page Size', min: 1, max: 250 };

  it.each<[unknown, object, number | undefined]>([
    [50, PAGE_SIZE, 50],
    ['50', PAGE_SIZE, 50],
    [' 7 ', PAGE_SIZE, 7],
    [undefined, PAGE_SIZE, undefined],
    ['', { ...PAGE_SIZE, defaultValue: 250 }, 250],
    [null, { ...PAGE_SIZE, defaultValue: 250 }, 250],
    [1, PAGE_SIZE, 1],
    [250, PAGE_SIZE, 250],
  ])('%p with %j → %p', (value, field, expected) => {
    expect(readNumber(value, { ...PAGE_SIZE, ...field })).toBe(expected);
  });

  it.each<[unknown, object, string]>([
    [0, PAGE_SIZE, 'Page Size must be a whole number from 1 to 250; got 0.'],
    ['251', PAGE_SIZE, 'Page Size must be a whole number from 1 to 250; got "251".'],
    [2.5, PAGE_SIZE, 'Page Size must be a whole number from 1 to 250; got 2.5.'],
    ['2.5', PAGE_SIZE, 'Page Size must be a whole number from 1 to 250; got "2.5".'],
    ['ten', PAGE_SIZE, 'Page Size must be a whole number from 1 to 250; got "ten".'],
    [true, PAGE_SIZE, 'Page Size must be a whole number from 1 to 250; got true.'],
    [{ n: 1 }, { ...PAGE_SIZE, unit: 'objects' }, 'Page Size must be a whole number from 1 to 250 (objects); got {"n":1}.'],
    [undefined, { ...PAGE_SIZE, required: true }, 'Page Size is required: a whole number from 1 to 250.'],
  ])('%p with %j → KommoConfigError "%s"', (value, field, message) => {
    expect(() => readNumber(value, { ...PAGE_SIZE, ...field })).toThrow(KommoConfigError);
    expect(() => readNumber(value, { ...PAGE_SIZE, ...field })).toThrow(message);
  });
});

describe('readEnum', () => {
  const EMIT = { label: 'Emit Behavior', values: ['emitAll', 'emitPage', 'emitIndividually'] as const };

  it.each<[unknown, object, string | undefined]>([
    ['emitPage', {}, 'emitPage'],
    [' emitAll ', {}, 'emitAll'],
    [undefined, {}, undefined],
    ['', { defaultValue: 'emitIndividually' }, 'emitIndividually'],
    ['EMITPAGE', { ignoreCase: true }, 'emitPage'],
  ])('%p with %j → %p', (value, field, expected) => {
    expect(readEnum(value, { ...EMIT, ...field })).toBe(expected);
  });

  it.each<[unknown, object, string]>([
    ['emitpage', {}, 'Emit Behavior must be one of emitAll, emitPage, emitIndividually; got "emitpage".'],
    [3, {}, 'Emit Behavior must be one of emitAll, emitPage, emitIndividually; got 3.'],
    [undefined, { required: true }, 'Emit Behavior must be one of emitAll, emitPage, emitIndividually; got nothing.'],
    [['emitAll'], {}, 'got ["emitAll"]'],
  ])('%p with %j → KommoConfigError "%s"', (value, field, message) => {
    expect(() => readEnum(value, { ...EMIT, ...field })).toThrow(KommoConfigError);
    expect(() => readEnum(value, { ...EMIT, ...field })).toThrow(message);
  });
});

describe('readInput', () => {
  const SHAPE = { properties: { url: { title: 'Url' }, method: { title: 'Method' }, data: { title: 'Request Body' } } };

  it('returns the object when every key is the schema\'s, and {} for a non-object', () => {
    const body = { url: 'leads', method: 'GET' };
    expect(readInput(body, SHAPE)).toBe(body);
    expect(readInput(undefined, SHAPE)).toEqual({});
    expect(readInput('text', SHAPE)).toEqual({});
  });

  it.each<[object, Record<string, string>, string]>([
    [{ body: {} }, { body: 'data' }, 'The input has a key this step does not read: "body" (use "data", Request Body, instead). Its input keys are "url", "method", "data".'],
    [{ Method: 'GET' }, {}, '"Method" (use "method", Method, instead)'],
    [{ extra: 1, other: 2 }, {}, 'The input has keys this step does not read: "extra", "other". Its input keys are'],
    [{ constructor: 1 }, {}, 'does not read: "constructor".'],
  ])('%j → KommoConfigError naming the key', (body, misplaced, message) => {
    const failure = thrown(() => readInput(body, SHAPE, misplaced));
    expect(failure).toBeInstanceOf(KommoConfigError);
    expect((failure as Error).message).toContain(message);
  });

  it('refuses before anything else can happen (a rejected promise from a handler)', async () => {
    const handler = step({ run: async (body) => readInput(body, SHAPE) });
    const failure = await rejection(handler.call(recordingContext(), { body: { body: {} } }, CFG));
    expect(failure).toBeInstanceOf(KommoConfigError);
  });
});
