/** Read-only account-level resources: `/account`, `/users`, `/leads/pipelines`, statuses, loss reasons. */
import { ACCOUNT_ID, CURRENT_USER_ID, LOSS_REASONS, PIPELINES, SUBDOMAIN, TASK_TYPES, USERS, type Pipeline, type PipelineStatus, type User } from './seed';
import { countedPage } from './routeKit';
import { offsetLabel } from './timezone';
import type { SandboxKnobs } from './types';

/** Fixed so that every run sees the same account (2024-01-15T10:00:00Z). */
const ACCOUNT_CREATED_AT = 1705312800;

type Payload = Record<string, unknown>;

function link(origin: string, path: string): { self: { href: string } } {
  return { self: { href: `${origin}${path}` } };
}

/** What the account payload depends on at request time. */
interface AccountState {
  knobs: Readonly<SandboxKnobs>;
  /** Kommo's clock (ms), for the zone's current offset. */
  nowMs: number;
}

/** Extras of `?with=` that sit at the top level vs. under `_embedded`, as in Kommo's account model. */
const TOP_LEVEL_EXTRAS: Readonly<Record<string, (state: AccountState) => unknown>> = {
  amojo_id: () => 'f3c6340f-7b3e-4b7d-9f6a-5c2d1e0a9b81',
  uuid: () => '0a8b4e2c-6d1f-4c3a-b5e7-9f2d8c1a7e60',
  version: () => 11,
  is_api_filter_enabled: (state) => !state.knobs.ignoreFilters,
  drive_url: () => 'https://drive-c.kommo.com',
  invoices_settings: () => ({ lang: 'en', invoices_catalog_id: null }),
};

const EMBEDDED_EXTRAS: Readonly<Record<string, (state: AccountState) => unknown>> = {
  // Under `_embedded`, as live answers show it (docs/kommo-fidelity.md #12).
  amojo_rights: () => ({ can_direct: true, can_create_groups: true }),
  users_groups: () => [{ id: 0, name: 'Sales', uuid: null }],
  task_types: () => TASK_TYPES.map((type) => ({ ...type, color: null, icon_id: null })),
  entity_names: () => ({
    leads: { en: { singular_form: { default: 'Lead' }, plural_form: { default: 'Leads' }, gender: 'f' } },
  }),
  datetime_settings: (state) => ({
    date_pattern: 'm/d/Y H:i',
    short_date_pattern: 'm/d/Y',
    short_time_pattern: 'H:i',
    date_format: 'm/d/Y',
    time_format: 'H:i',
    timezone: state.knobs.timezone,
    timezone_offset: offsetLabel(state.knobs.timezone, state.nowMs),
  }),
};

/** `GET /api/v4/account?with=a,b` (docs/kommo-api.md §5, §6); unknown `with` parts are ignored. */
export function accountPayload(origin: string, withParts: ReadonlySet<string>, state: AccountState): Payload {
  const account: Payload = {
    id: ACCOUNT_ID,
    name: 'Sandbox Trading LLC',
    subdomain: SUBDOMAIN,
    created_at: ACCOUNT_CREATED_AT,
    created_by: CURRENT_USER_ID,
    updated_at: ACCOUNT_CREATED_AT,
    updated_by: CURRENT_USER_ID,
    current_user_id: CURRENT_USER_ID,
    country: 'US',
    currency: 'USD',
    currency_symbol: '$',
    customers_mode: state.knobs.customersMode,
    is_unsorted_on: true,
    is_loss_reason_enabled: true,
    is_helpbot_enabled: false,
    is_technical_account: false,
    contact_name_display_order: 1,
    mobile_feature_version: 0,
  };
  const embedded: Payload = {};
  for (const part of withParts) {
    if (TOP_LEVEL_EXTRAS[part]) account[part] = TOP_LEVEL_EXTRAS[part](state);
    else if (EMBEDDED_EXTRAS[part]) embedded[part] = EMBEDDED_EXTRAS[part](state);
  }
  account._links = link(origin, '/api/v4/account');
  if (Object.keys(embedded).length > 0) account._embedded = embedded;
  return account;
}

export function userPayload(origin: string, user: User): Payload {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    lang: user.lang,
    rights: {
      leads: { view: 'A', edit: 'A', add: 'A', delete: user.is_admin ? 'A' : 'D', export: user.is_admin ? 'A' : 'D' },
      contacts: { view: 'A', edit: 'A', add: 'A', delete: user.is_admin ? 'A' : 'D', export: user.is_admin ? 'A' : 'D' },
      companies: { view: 'A', edit: 'A', add: 'A', delete: user.is_admin ? 'A' : 'D', export: user.is_admin ? 'A' : 'D' },
      tasks: { edit: 'A', delete: user.is_admin ? 'A' : 'D' },
      mail_access: true,
      catalog_access: true,
      is_admin: user.is_admin,
      is_free: false,
      is_active: true,
      group_id: null,
      role_id: null,
    },
    _links: link(origin, `/api/v4/users/${user.id}`),
  };
}

/** Ids of the users `extraUsers` adds, after the seeded ones. */
const EXTRA_USER_ID_BASE = 9100000;
export const MAX_EXTRA_USERS = 999;

/** The account's users: the seeded ones, then `extraUsers` generated ones (listed and readable by id). */
export function accountUsers(extraUsers: number): User[] {
  const extra = Array.from({ length: extraUsers }, (_, index): User => ({
    id: EXTRA_USER_ID_BASE + index + 1,
    name: `Extra user ${index + 1}`,
    email: `extra.user${index + 1}@sandbox.example`,
    lang: 'en',
    is_admin: false,
  }));
  return [...USERS, ...extra];
}

/** One page of `GET /users` (users are paginated, docs/kommo-fidelity.md "Other details"); undefined past the end (204). */
export function usersPayload(origin: string, users: readonly User[], page: number, limit: number): Payload | undefined {
  const items = users.slice((page - 1) * limit, page * limit);
  if (items.length === 0) return undefined;
  const href = (at: number): string => `${origin}/api/v4/users?page=${at}&limit=${limit}`;
  return {
    ...countedPage(users.length, page, limit, href),
    _embedded: { users: items.map((user) => userPayload(origin, user)) },
  };
}

export function statusPayload(origin: string, pipeline: Pipeline, status: PipelineStatus): Payload {
  return {
    ...status,
    pipeline_id: pipeline.id,
    account_id: ACCOUNT_ID,
    _links: link(origin, `/api/v4/leads/pipelines/${pipeline.id}/statuses/${status.id}`),
  };
}

export function statusesPayload(origin: string, pipeline: Pipeline): Payload {
  return {
    _total_items: pipeline.statuses.length,
    _links: link(origin, `/api/v4/leads/pipelines/${pipeline.id}/statuses`),
    _embedded: { statuses: pipeline.statuses.map((status) => statusPayload(origin, pipeline, status)) },
  };
}

export function pipelinePayload(origin: string, pipeline: Pipeline): Payload {
  return {
    id: pipeline.id,
    name: pipeline.name,
    sort: pipeline.sort,
    is_main: pipeline.is_main,
    is_unsorted_on: pipeline.is_unsorted_on,
    is_archive: pipeline.is_archive,
    account_id: ACCOUNT_ID,
    _links: link(origin, `/api/v4/leads/pipelines/${pipeline.id}`),
    _embedded: { statuses: pipeline.statuses.map((status) => statusPayload(origin, pipeline, status)) },
  };
}

export function pipelinesPayload(origin: string): Payload {
  return {
    _total_items: PIPELINES.length,
    _links: link(origin, '/api/v4/leads/pipelines'),
    _embedded: { pipelines: PIPELINES.map((pipeline) => pipelinePayload(origin, pipeline)) },
  };
}

export function lossReasonPayload(origin: string, reason: (typeof LOSS_REASONS)[number]): Payload {
  return { ...reason, created_at: ACCOUNT_CREATED_AT, updated_at: ACCOUNT_CREATED_AT, _links: link(origin, `/api/v4/leads/loss_reasons/${reason.id}`) };
}

export function lossReasonsPayload(origin: string): Payload {
  return {
    _total_items: LOSS_REASONS.length,
    _page: 1,
    _page_count: 1,
    _links: link(origin, '/api/v4/leads/loss_reasons'),
    _embedded: { loss_reasons: LOSS_REASONS.map((reason) => lossReasonPayload(origin, reason)) },
  };
}
