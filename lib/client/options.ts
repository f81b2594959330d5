/**
 * Every tunable of the component, with its environment variable, default and bounds as data.
 * This is the only module that reads `process.env`. Out-of-range values are a configuration
 * error that names the variable and its range, never a silent default.
 */
import { configError } from './errors';

/** A numeric tunable: where it comes from and what it may be. */
export interface Tunable {
  /** Environment variable that overrides the default, if any. */
  env?: string;
  defaultValue: number;
  min: number;
  max: number;
  /** What the number counts, for error messages and the README table. */
  unit: string;
  description: string;
}

/** All client tunables. Names carry their unit. */
export const TUNABLES = {
  requestTimeoutMs: {
    env: 'API_REQUEST_TIMEOUT', defaultValue: 15000, min: 500, max: 120000, unit: 'ms',
    description: 'Timeout of one HTTP attempt to Kommo.',
  },
  rateLimitRps: {
    env: 'KOMMO_RATE_LIMIT_RPS', defaultValue: 7, min: 1, max: 7, unit: 'requests/s',
    description: 'Requests per second this process sends to one Kommo account (Kommo allows 7).',
  },
  maxRetryAfterMs: {
    env: 'KOMMO_MAX_RETRY_AFTER_MS', defaultValue: 60000, min: 0, max: 600000, unit: 'ms',
    description: 'Longest wait a 429 may ask for before the message fails with a rate-limit error instead of blocking.',
  },
  backoffBaseMs: {
    env: 'KOMMO_RETRY_BASE_DELAY_MS', defaultValue: 1000, min: 1, max: 10000, unit: 'ms',
    description: 'First backoff delay; doubles with each retry (with jitter).',
  },
  backoffMaxMs: {
    env: 'KOMMO_RETRY_MAX_DELAY_MS', defaultValue: 10000, min: 1, max: 60000, unit: 'ms',
    description: 'Cap on one backoff delay.',
  },
  retryBudgetMs: {
    env: 'KOMMO_RETRY_BUDGET_MS', defaultValue: 60000, min: 0, max: 600000, unit: 'ms',
    description: 'Total time one message may spend waiting between retries.',
  },
  accountModelTtlMs: {
    env: 'KOMMO_ACCOUNT_MODEL_TTL_MS', defaultValue: 300000, min: 0, max: 3600000, unit: 'ms',
    description: 'How long custom-field definitions, pipelines, users and the account time zone are reused across messages (0: read them for every message).',
  },
} as const satisfies Record<string, Tunable>;

/** The `retries` credential field ("Number of retries"). */
export const RETRIES: Tunable = {
  defaultValue: 5, min: 0, max: 10, unit: 'retries',
  description: 'Retries after the first attempt of one request.',
};

/**
 * verifyCredentials: a person is waiting on the button. Two attempts of 8 s plus at most 2 s of
 * waiting keeps it under 20 s.
 */
export const VERIFY = { maxRetries: 1, requestTimeoutMs: 8000, retryBudgetMs: 2000 } as const;

export type TunableName = keyof typeof TUNABLES;

/** Resolved values of all tunables. */
export type ClientSettings = { [K in TunableName]: number };

/** The range a whole number must lie in, and what it counts (for messages). */
export interface Bounds {
  min: number;
  max: number;
  unit?: string;
}

/** `"from 1 to 250"`, or `"from 1"` when there is no useful upper bound. */
export function describeBounds(bounds: Bounds): string {
  const range = bounds.max >= Number.MAX_SAFE_INTEGER ? `from ${bounds.min}` : `from ${bounds.min} to ${bounds.max}`;
  return bounds.unit ? `${range} (${bounds.unit})` : range;
}

/**
 * Parses a whole number within bounds; `''`, `null` and `undefined` mean "not set". Numbers may
 * arrive as text (mapped fields, environment variables). Anything else is a KommoConfigError
 * naming `label` and the range.
 */
export function parseBounded(raw: unknown, bounds: Bounds, label: string): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : JSON.stringify(raw) ?? String(raw);
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw configError(`${label} must be a whole number ${describeBounds(bounds)}; got ${typeof raw === 'string' ? `"${text}"` : text}.`);
  }
  return value;
}

/** Reads every tunable from the environment, applying defaults; throws on values out of bounds. */
export function resolveSettings(env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const entries = (Object.keys(TUNABLES) as TunableName[]).map((name) => {
    const tunable: Tunable = TUNABLES[name];
    const label = `Environment variable ${tunable.env}`;
    return [name, parseBounded(tunable.env ? env[tunable.env] : undefined, tunable, label) ?? tunable.defaultValue];
  });
  return Object.fromEntries(entries) as ClientSettings;
}

/**
 * True when the platform runs the step to retrieve a sample ("Retrieve sample" in the flow
 * designer): the runtime then sets `ELASTICIO_FLOW_TYPE=debug` (docs/elasticio-triggers.md §1).
 */
export function isRetrieveSample(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.ELASTICIO_FLOW_TYPE === 'debug';
}

/** Where the elastic.io platform API is, from the variables the runtime sets for every step. */
export interface PlatformSettings {
  apiUri: string;
  username: string;
  apiKey: string;
  workspaceId: string;
}

const PLATFORM_ENV = {
  apiUri: 'ELASTICIO_API_URI',
  username: 'ELASTICIO_API_USERNAME',
  apiKey: 'ELASTICIO_API_KEY',
  workspaceId: 'ELASTICIO_WORKSPACE_ID',
} as const;

/** Reads the platform API settings needed to read a credential secret; names any that are missing. */
export function resolvePlatformSettings(env: NodeJS.ProcessEnv = process.env): PlatformSettings {
  const missing = Object.values(PLATFORM_ENV).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw configError(`The step has a credential secret (secretId) but the runtime did not provide ${missing.join(', ')}. `
      + 'These are set by the elastic.io platform; when running locally, set them or pass the token in cfg.oauth.access_token.');
  }
  return {
    apiUri: String(env[PLATFORM_ENV.apiUri]).replace(/\/+$/, ''),
    username: String(env[PLATFORM_ENV.username]),
    apiKey: String(env[PLATFORM_ENV.apiKey]),
    workspaceId: String(env[PLATFORM_ENV.workspaceId]),
  };
}
