/**
 * processScope: the one module with process-wide state. One limiter per process with one pace
 * per account origin (whatever the steps' settings), one transport, the secret cache, and the
 * metadata cache (TTL, single flight, never shared across credentials), all forgotten by reset().
 */
import fs from 'fs';
import path from 'path';
import { createKommoClient } from '../lib/client/KommoClient';
import type { AdaptiveRateLimiter } from '../lib/client/rateLimiter';
import type { Transport } from '../lib/client/transport';
import * as processScope from '../lib/processScope';
import { recordingContext } from './helpers';

afterEach(() => {
  jest.useRealTimers();
  processScope.reset();
});

describe('the only module with process-wide state', () => {
  /**
   * Top-level `let`/`var` and module-level Maps are how state outlives a message. A constant
   * typed `ReadonlyMap` is a lookup table: its type forbids writing to it.
   */
  function moduleState(file: string): string[] {
    return fs.readFileSync(file, 'utf8').split('\n').filter((line) => /^(let|var) |^(export )?const \w+(: (?!Readonly)[^=]+)? = new (Map|WeakMap)\b/.test(line));
  }

  function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return sources(full);
      return entry.name.endsWith('.ts') ? [full] : [];
    });
  }

  it('no other module under lib/ keeps module-level state', () => {
    const root = path.join(__dirname, '..', 'lib');
    const offenders = sources(root).filter((file) => !file.endsWith('processScope.ts')).flatMap((file) => moduleState(file).map((line) => `${path.relative(root, file)}: ${line}`));
    expect(offenders).toEqual([]);
    // The check does see state where it is: processScope itself.
    expect(moduleState(path.join(root, 'processScope.ts')).length).toBeGreaterThan(0);
  });
});

describe('transport and rate limiter', () => {
  it('hands out one transport and one limiter until reset()', () => {
    const transport = processScope.sharedTransport();
    const limiter = processScope.sharedRateLimiter();
    expect(processScope.sharedTransport()).toBe(transport);
    expect(processScope.sharedRateLimiter()).toBe(limiter);
    processScope.reset();
    expect(processScope.sharedTransport()).not.toBe(transport);
    expect(processScope.sharedRateLimiter()).not.toBe(limiter);
  });

  it('one account has one pace: clients built with different rate settings share it; another account has its own', async () => {
    jest.useFakeTimers();
    processScope.reset();
    const sent: string[] = [];
    const answers: Array<() => void> = [];
    // Answers are held until the test releases them: a new origin has one request in flight at first (slow start).
    const transport: Transport = (request) => new Promise((resolve) => {
      sent.push(request.url.origin);
      answers.push(() => resolve({ kind: 'response', status: 200, statusText: 'OK', connectionReused: true, headers: {}, body: {} }));
    });
    const deps = (rps: string) => ({ logger: recordingContext().logger, transport, env: { KOMMO_RATE_LIMIT_RPS: rps } });
    const seven = await createKommoClient({ oauth: { access_token: 'a' }, baseUrl: 'https://acme.kommo.com' }, deps('7'));
    const three = await createKommoClient({ oauth: { access_token: 'b' }, baseUrl: 'https://acme.kommo.com' }, deps('3'));
    const other = await createKommoClient({ oauth: { access_token: 'c' }, baseUrl: 'https://globex.kommo.com' }, deps('7'));

    void seven.get('account');
    void three.get('account');
    void other.get('account');
    await jest.advanceTimersByTimeAsync(0);
    // A pace per rate setting would have sent both acme requests at once.
    expect(sent).toEqual(['https://acme.kommo.com', 'https://globex.kommo.com']);
    answers[0]();
    await jest.advanceTimersByTimeAsync(100);
    expect(sent).toEqual(['https://acme.kommo.com', 'https://globex.kommo.com', 'https://acme.kommo.com']);
    for (const answer of answers.slice(1)) answer();
    await jest.advanceTimersByTimeAsync(0);
  });

  it('paces at the process\'s KOMMO_RATE_LIMIT_RPS, read when the limiter is first used', () => {
    const saved = process.env.KOMMO_RATE_LIMIT_RPS;
    process.env.KOMMO_RATE_LIMIT_RPS = '2';
    try {
      processScope.reset();
      expect((processScope.sharedRateLimiter() as AdaptiveRateLimiter).requestsPerSecond).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.KOMMO_RATE_LIMIT_RPS;
      else process.env.KOMMO_RATE_LIMIT_RPS = saved;
      processScope.reset();
    }
  });
});

describe('secret cache', () => {
  it('is one map until reset() empties it', () => {
    const cache = processScope.secretCache();
    cache.set('k', { snapshot: Promise.resolve({ accessToken: 't', fields: {} }) });
    expect(processScope.secretCache().get('k')).toBeDefined();
    processScope.reset();
    expect(processScope.secretCache().size).toBe(0);
  });
});

describe('metadata cache (memo)', () => {
  let nowMs = 0;
  const A = processScope.credentialScope('https://acme.kommo.com', 'secret ws|s1');
  const B = processScope.credentialScope('https://acme.kommo.com', 'secret ws|s2');

  beforeEach(() => {
    nowMs = 0;
    processScope.reset({ nowMs: () => nowMs });
  });

  function counter(): { load: () => Promise<string>; calls: () => number } {
    let calls = 0;
    return { load: async () => { calls += 1; return `value ${calls}`; }, calls: () => calls };
  }

  it('loads once and serves the value until the TTL has passed since the load finished', async () => {
    const { load, calls } = counter();
    expect(await processScope.memo('fields/leads', A, 1000, load)).toBe('value 1');
    nowMs = 999;
    expect(await processScope.memo('fields/leads', A, 1000, load)).toBe('value 1');
    nowMs = 1000;
    expect(await processScope.memo('fields/leads', A, 1000, load)).toBe('value 2');
    expect(calls()).toBe(2);
  });

  it('shares one load among concurrent callers', async () => {
    const { load, calls } = counter();
    const values = await Promise.all(Array.from({ length: 5 }, () => processScope.memo('fields/leads', A, 1000, load)));
    expect(values).toEqual(Array(5).fill('value 1'));
    expect(calls()).toBe(1);
  });

  it('never serves one credential\'s value to another, nor one namespace\'s to another', async () => {
    const { load, calls } = counter();
    expect(await processScope.memo('fields/leads', A, 1000, load)).toBe('value 1');
    expect(await processScope.memo('fields/leads', B, 1000, load)).toBe('value 2');
    expect(await processScope.memo('fields/contacts', A, 1000, load)).toBe('value 3');
    expect(calls()).toBe(3);
  });

  it('does not keep a failed load', async () => {
    let calls = 0;
    const flaky = async () => {
      calls += 1;
      if (calls === 1) throw new Error('Kommo down');
      return 'fields';
    };
    await expect(processScope.memo('fields/leads', A, 1000, flaky)).rejects.toThrow('Kommo down');
    await expect(processScope.memo('fields/leads', A, 1000, flaky)).resolves.toBe('fields');
  });

  it('invalidate() forgets one namespace of one scope', async () => {
    const { load } = counter();
    await processScope.memo('fields/leads', A, 1000, load);
    await processScope.memo('fields/leads', B, 1000, load);
    processScope.invalidate('fields/leads', A);
    expect(await processScope.memo('fields/leads', A, 1000, load)).toBe('value 3');
    expect(await processScope.memo('fields/leads', B, 1000, load)).toBe('value 2');
  });

  it('reset() forgets every value', async () => {
    const { load } = counter();
    await processScope.memo('fields/leads', A, 1000, load);
    processScope.reset({ nowMs: () => nowMs });
    expect(await processScope.memo('fields/leads', A, 1000, load)).toBe('value 2');
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a ttlMs of %p', (ttlMs) => {
    expect(() => processScope.memo('x', A, ttlMs, async () => 1)).toThrow(RangeError);
  });

  it('a scope names the account, and only a hash of the credential', () => {
    const scope = processScope.credentialScope('https://acme.kommo.com', 'token tok-SECRET-123');
    expect(scope).toMatch(/^https:\/\/acme\.kommo\.com [0-9a-f]{32}$/);
    expect(scope).not.toContain('tok-SECRET');
    expect(processScope.credentialScope('https://acme.kommo.com', 'token other')).not.toBe(scope);
  });

  it('clients carry their scope: one per account and credential', async () => {
    const deps = { logger: recordingContext().logger, rateLimiter: null };
    const first = await createKommoClient({ oauth: { access_token: 'tok-1' }, baseUrl: 'https://acme.kommo.com' }, deps);
    const again = await createKommoClient({ oauth: { access_token: 'tok-1' }, baseUrl: 'https://acme.kommo.com/api/v4' }, deps);
    const otherToken = await createKommoClient({ oauth: { access_token: 'tok-2' }, baseUrl: 'https://acme.kommo.com' }, deps);
    const otherAccount = await createKommoClient({ oauth: { access_token: 'tok-1' }, baseUrl: 'https://globex.kommo.com' }, deps);
    expect(again.scope).toBe(first.scope);
    expect(new Set([first.scope, otherToken.scope, otherAccount.scope]).size).toBe(3);
  });
});

describe('webhook replay guard', () => {
  it('is one per process: a request id seen through one reference is seen through the next; reset() forgets it', () => {
    expect(processScope.webhookReplayGuard().seen('req-00000001', 0)).toBe(false);
    expect(processScope.webhookReplayGuard()).toBe(processScope.webhookReplayGuard());
    expect(processScope.webhookReplayGuard().seen('req-00000001', 1000)).toBe(true);
    processScope.reset();
    expect(processScope.webhookReplayGuard().seen('req-00000001', 2000)).toBe(false);
  });
});
