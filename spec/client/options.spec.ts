import { KommoConfigError } from '../../lib/client/errors';
import { parseBounded, resolvePlatformSettings, resolveSettings, RETRIES, TUNABLES } from '../../lib/client/options';

describe('resolveSettings', () => {
  it('applies every default when nothing is set', () => {
    expect(resolveSettings({})).toEqual({
      requestTimeoutMs: 15000,
      rateLimitRps: 7,
      maxRetryAfterMs: 60000,
      backoffBaseMs: 1000,
      backoffMaxMs: 10000,
      retryBudgetMs: 60000,
      accountModelTtlMs: 300000,
    });
  });

  it.each(Object.entries(TUNABLES).flatMap(([name, tunable]) => [
    [name, tunable.env, String(tunable.min), tunable.min],
    [name, tunable.env, String(tunable.max), tunable.max],
  ]))('%s reads %s=%s', (name, env, raw, expected) => {
    expect(resolveSettings({ [env]: raw })[name as keyof typeof TUNABLES]).toBe(expected);
  });

  it.each(Object.values(TUNABLES).flatMap((tunable) => [
    [tunable.env, String(tunable.min - 1)],
    [tunable.env, String(tunable.max + 1)],
    [tunable.env, 'abc'],
    [tunable.env, '1.5'],
  ]))('%s=%s is a configuration error naming the variable and its range', (env, raw) => {
    const tunable = Object.values(TUNABLES).find((t) => t.env === env)!;
    expect(() => resolveSettings({ [env]: raw })).toThrow(KommoConfigError);
    expect(() => resolveSettings({ [env]: raw })).toThrow(`${env} must be a whole number from ${tunable.min} to ${tunable.max}`);
  });
});

describe('Number of retries', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    [0, 0],
    ['0', 0],
    [' 3 ', 3],
    [10, 10],
    ['10', 10],
  ])('%p → %p', (raw, expected) => {
    expect(parseBounded(raw, RETRIES, 'Number of retries')).toBe(expected);
  });

  it.each([[2.5], ['2.5'], [-1], ['-1'], [11], ['11'], ['abc'], [true]])('%p is refused with the accepted range', (raw) => {
    expect(() => parseBounded(raw, RETRIES, 'Number of retries')).toThrow('Number of retries must be a whole number from 0 to 10');
  });
});

describe('resolvePlatformSettings', () => {
  it('names every missing platform variable', () => {
    expect(() => resolvePlatformSettings({ ELASTICIO_API_URI: 'http://x' }))
      .toThrow('ELASTICIO_API_USERNAME, ELASTICIO_API_KEY, ELASTICIO_WORKSPACE_ID');
  });

  it('strips a trailing slash from the API URI', () => {
    expect(resolvePlatformSettings({
      ELASTICIO_API_URI: 'https://api.example/', ELASTICIO_API_USERNAME: 'u', ELASTICIO_API_KEY: 'k', ELASTICIO_WORKSPACE_ID: 'w',
    }).apiUri).toBe('https://api.example');
  });
});
