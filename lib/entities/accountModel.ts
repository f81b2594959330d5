/**
 * The account model: what this Kommo account defines that messages and schemas depend on —
 * custom-field definitions per type, the time zone, whether customers are enabled, pipelines with
 * their stages, users. Each part loads lazily, on first use, with the fewest requests Kommo
 * allows: a type's custom fields cost one pass over their pages (Kommo serves at most 50 per page,
 * docs/kommo-fidelity.md #8), the account one `GET account?with=datetime_settings`.
 *
 * Parts are stored in a `ModelCache`. {@link accountModelFor} keeps them in the process scope's TTL
 * cache under the client's credential scope (account origin + credential: never shared across
 * credentials) for `KOMMO_ACCOUNT_MODEL_TTL_MS`, so steady state reads nothing per message;
 * `getMetaModel` and select models run in a fresh process per call and read each part once.
 */
import { KommoError, KommoValidationError } from '../client/errors';
import type { KommoReader as ClientReader } from '../client/KommoClient';
import { resolveSettings } from '../client/options';
import * as processScope from '../processScope';
import { createCustomFieldCodec, KommoUnknownReferenceError, type CustomFieldCodec } from './customFieldCodec';
import { parseFieldDefinition, valueKind, type CustomFieldDefinition } from './customFields';
import { isRecord, type KommoReader } from './reader';
import type { ObjectTypeDefinition, ObjectTypeName } from './registry';
import { accountZone } from './timeZone';

/** Kommo serves custom fields 50 per page whatever `limit` asks; a smaller page is the last one. */
export const CUSTOM_FIELDS_PAGE_SIZE = 50;
/** Safety cap: 5,000 fields per type. */
export const CUSTOM_FIELDS_MAX_PAGES = 100;
/** Users per page (Kommo's maximum). */
export const USERS_PAGE_SIZE = 250;
export const USERS_MAX_PAGES = 40;
/** A part loaded more recently than this is not re-read on an "unknown value" (one bad input must not cost a pass per message). */
export const MIN_REFRESH_INTERVAL_MS = 30000;

/** Account settings the component needs. */
export interface AccountInfo {
  id?: number;
  subdomain?: string;
  /** IANA name, or Kommo's `timezone_offset` when the name is unknown to this runtime; undefined when Kommo gave neither. */
  timeZone?: string;
  /** Kommo's `customers_mode`: `unavailable`, `disabled`, `segments`, `periodicity`, `dynamic`. */
  customersMode?: string;
  customersEnabled: boolean;
}

/** A lead stage. */
export interface PipelineStatus {
  id: number;
  name: string;
  sort: number;
  /** Kommo's `type` (0 ordinary, 1 incoming leads), when given. */
  type?: number;
}

/** A lead pipeline with its stages (142 won and 143 lost included). */
export interface Pipeline {
  id: number;
  name: string;
  isMain: boolean;
  isArchive: boolean;
  statuses: PipelineStatus[];
}

/** A user of the account. */
export interface AccountUser {
  id: number;
  name: string;
  email?: string;
  isActive: boolean;
}

/** The parts of the model, each cached and refreshed on its own. */
export type AccountModelPart = 'account' | 'pipelines' | 'users' | `custom_fields:${ObjectTypeName}`;

/** Whose metadata a cache entry is: the account's origin and the credential (a secret id, or the token itself — it is hashed). */
/** What the model stores per part. */
export interface CachedPart<T> {
  loadedAtMs: number;
  value: T;
}

/**
 * The cache the model stores parts in, keyed by part: one cache serves one account and one
 * credential. `getOrLoad` shares one load among concurrent callers and forgets a load that failed.
 */
export interface ModelCache {
  getOrLoad<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** The entry (loaded or loading), without loading it. */
  peek<T>(key: string): Promise<T> | undefined;
  delete(key: string): void;
}

/** A cache that lives as long as the model holding it. */
export function memoryModelCache(): ModelCache {
  const entries = new Map<string, Promise<unknown>>();
  return {
    getOrLoad<T>(key: string, load: () => Promise<T>): Promise<T> {
      const cached = entries.get(key);
      if (cached) return cached as Promise<T>;
      const loading = load();
      entries.set(key, loading);
      loading.catch(() => {
        if (entries.get(key) === loading) entries.delete(key);
      });
      return loading;
    },
    peek<T>(key: string): Promise<T> | undefined {
      return entries.get(key) as Promise<T> | undefined;
    },
    delete(key: string): void {
      entries.delete(key);
    },
  };
}

/** The process scope's TTL cache for one credential scope: parts live `ttlMs` across messages. */
export function processModelCache(scope: processScope.CredentialScope, ttlMs: number): ModelCache {
  const namespace = (part: string) => `account-model/${part}`;
  return {
    getOrLoad: (part, load) => processScope.memo(namespace(part), scope, ttlMs, load),
    peek: (part) => processScope.peek(namespace(part), scope),
    delete: (part) => processScope.invalidate(namespace(part), scope),
  };
}

function unexpected(what: string, status: number): KommoError {
  return new KommoError(`Kommo answered ${status} to GET ${what} without the expected data; try again later.`);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function knownZone(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.trim() === '') return undefined;
  try {
    accountZone(name);
    return name;
  } catch {
    return undefined;
  }
}

/** Customers modes in which the customers section exists (`unavailable` and `disabled` do not). */
const CUSTOMERS_ON = new Set(['segments', 'periodicity', 'dynamic']);

/** `GET account?with=datetime_settings` (docs/kommo-api.md §5, §8): one request. */
export async function loadAccountInfo(reader: KommoReader): Promise<AccountInfo> {
  const { status, body } = await reader.get('account', { with: ['datetime_settings'] });
  if (!isRecord(body)) throw unexpected('account', status);
  const embedded = isRecord(body._embedded) ? body._embedded : {};
  const settings = isRecord(embedded.datetime_settings) ? embedded.datetime_settings : {};
  const mode = typeof body.customers_mode === 'string' ? body.customers_mode : undefined;
  return {
    id: toNumber(body.id),
    subdomain: typeof body.subdomain === 'string' ? body.subdomain : undefined,
    timeZone: knownZone(settings.timezone) ?? knownZone(settings.timezone_offset),
    customersMode: mode,
    customersEnabled: mode !== undefined && CUSTOMERS_ON.has(mode),
  };
}

/**
 * Every custom field of a type, all pages (`{type}/custom_fields`, 50 per page). A type without
 * custom fields costs no request.
 */
export async function loadCustomFields(reader: KommoReader, type: ObjectTypeDefinition): Promise<CustomFieldDefinition[]> {
  if (!type.hasCustomFields) return [];
  const fields: CustomFieldDefinition[] = [];
  const pages = reader.paginate<unknown>(`${type.path}/custom_fields`, {
    embeddedKey: 'custom_fields', pageSize: CUSTOM_FIELDS_PAGE_SIZE, maxPages: CUSTOM_FIELDS_MAX_PAGES,
  });
  for await (const page of pages) {
    for (const item of page) {
      const field = parseFieldDefinition(item);
      if (field) fields.push(field);
    }
  }
  return fields;
}

/** `GET leads/pipelines`: every pipeline with its stages, in one request (at most 50 pipelines). */
export async function loadPipelines(reader: KommoReader): Promise<Pipeline[]> {
  const { status, body } = await reader.get('leads/pipelines');
  if (status === 204) return [];
  const list = isRecord(body) && isRecord(body._embedded) ? body._embedded.pipelines : undefined;
  if (!Array.isArray(list)) throw unexpected('leads/pipelines', status);
  return list.filter(isRecord).flatMap((item) => {
    const id = toNumber(item.id);
    if (id === undefined) return [];
    const statuses = isRecord(item._embedded) && Array.isArray(item._embedded.statuses) ? item._embedded.statuses : [];
    return [{
      id,
      name: String(item.name ?? `Pipeline ${id}`),
      isMain: item.is_main === true,
      isArchive: item.is_archive === true,
      statuses: statuses.filter(isRecord).flatMap((entry) => {
        const statusId = toNumber(entry.id);
        const statusType = toNumber(entry.type);
        return statusId === undefined ? [] : [{
          id: statusId,
          name: String(entry.name ?? `Stage ${statusId}`),
          sort: toNumber(entry.sort) ?? 0,
          ...(statusType !== undefined ? { type: statusType } : {}),
        }];
      }),
    }];
  });
}

/** Every user, all pages of `users`. */
export async function loadUsers(reader: KommoReader): Promise<AccountUser[]> {
  const users: AccountUser[] = [];
  for await (const page of reader.paginate<unknown>('users', { embeddedKey: 'users', pageSize: USERS_PAGE_SIZE, maxPages: USERS_MAX_PAGES })) {
    for (const item of page) {
      if (!isRecord(item)) continue;
      const id = toNumber(item.id);
      if (id === undefined) continue;
      const rights = isRecord(item.rights) ? item.rights : {};
      users.push({
        id,
        name: String(item.name ?? `User ${id}`),
        ...(typeof item.email === 'string' ? { email: item.email } : {}),
        isActive: rights.is_active !== false,
      });
    }
  }
  return users;
}

/** Options of an account model. */
export interface AccountModelOptions {
  /** Where parts are kept, for one account and credential; a per-instance memo when absent. */
  cache?: ModelCache;
  /** Clock for the refresh interval (tests inject one). */
  nowMs?: () => number;
}

/** The lazily loaded model of one account, read through one credential. */
export class AccountModel {
  private readonly reader: KommoReader;
  private readonly cache: ModelCache;
  private readonly nowMs: () => number;

  constructor(reader: KommoReader, options: AccountModelOptions = {}) {
    this.reader = reader;
    this.cache = options.cache ?? memoryModelCache();
    this.nowMs = options.nowMs ?? Date.now;
  }

  private part<T>(part: AccountModelPart, load: () => Promise<T>): Promise<CachedPart<T>> {
    return this.cache.getOrLoad(part, async () => ({ loadedAtMs: this.nowMs(), value: await load() }));
  }

  /** Time zone, customers mode, ids. */
  async account(): Promise<AccountInfo> {
    return (await this.part('account', () => loadAccountInfo(this.reader))).value;
  }

  /** The type's custom fields (all pages). */
  async customFields(type: ObjectTypeDefinition): Promise<CustomFieldDefinition[]> {
    return (await this.part(`custom_fields:${type.name}`, () => loadCustomFields(this.reader, type))).value;
  }

  async pipelines(): Promise<Pipeline[]> {
    return (await this.part('pipelines', () => loadPipelines(this.reader))).value;
  }

  async users(): Promise<AccountUser[]> {
    return (await this.part('users', () => loadUsers(this.reader))).value;
  }

  /**
   * The type's codec. Reads the account (for its time zone) only when the type has a date field.
   */
  async codec(type: ObjectTypeDefinition): Promise<CustomFieldCodec> {
    const fields = await this.customFields(type);
    const needsZone = fields.some((field) => ['day', 'dateTime'].includes(valueKind(field.type)));
    const timeZone = needsZone ? (await this.account()).timeZone : undefined;
    return createCustomFieldCodec({ type, fields, timeZone });
  }

  /**
   * Forgets a part so the next use reads it again — unless it was read within
   * `MIN_REFRESH_INTERVAL_MS`. Returns whether it was forgotten.
   */
  async refresh(part: AccountModelPart): Promise<boolean> {
    const cached = await this.cache.peek<CachedPart<unknown>>(part)?.catch(() => undefined);
    if (cached && this.nowMs() - cached.loadedAtMs < MIN_REFRESH_INTERVAL_MS) return false;
    this.cache.delete(part);
    return true;
  }

  /**
   * Runs `use` with the type's codec; when it fails on a field or option the model does not know
   * (`KommoUnknownReferenceError`), refreshes the field definitions once and runs it again.
   */
  async withCodec<T>(type: ObjectTypeDefinition, use: (codec: CustomFieldCodec) => T | Promise<T>): Promise<T> {
    try {
      return await use(await this.codec(type));
    } catch (error) {
      if (!(error instanceof KommoUnknownReferenceError) || !(await this.refresh(`custom_fields:${type.name}`))) throw error;
      return use(await this.codec(type));
    }
  }
}

/**
 * True when Kommo refused a write because of a custom-field reference (an unknown field or
 * option: `NotSupportedChoice` on a `custom_fields_values…` path, docs/kommo-api.md §4, §10.11):
 * the field definitions may be stale and are worth one refresh.
 */
export function isCustomFieldRejection(error: unknown): boolean {
  return error instanceof KommoValidationError && error.rejections.some((rejection) =>
    rejection.path?.startsWith('custom_fields_values') === true && rejection.code === 'NotSupportedChoice');
}

/**
 * The account model of the client's account and credential, its parts cached in the process
 * scope for `KOMMO_ACCOUNT_MODEL_TTL_MS`: what every `process` uses, so steady state costs no
 * metadata request per message.
 */
export function accountModelFor(client: KommoReader & Pick<ClientReader, 'scope'>, env: NodeJS.ProcessEnv = process.env): AccountModel {
  return new AccountModel(client, { cache: processModelCache(client.scope, resolveSettings(env).accountModelTtlMs) });
}
