/** Read-only account-level resources: `/account`, `/users`, `/leads/pipelines`. */
import { ACCOUNT_ID, CURRENT_USER_ID, PIPELINE, SUBDOMAIN, TASK_TYPES, USERS, type User } from './seed';

/** Fixed so that every run sees the same account (2024-01-15T10:00:00Z). */
const ACCOUNT_CREATED_AT = 1705312800;

type Payload = Record<string, unknown>;

function link(origin: string, path: string): { self: { href: string } } {
  return { self: { href: `${origin}${path}` } };
}

/** Extras of `?with=` that sit at the top level vs. under `_embedded`, as in Kommo's account model. */
const TOP_LEVEL_EXTRAS: Readonly<Record<string, () => unknown>> = {
  amojo_id: () => 'f3c6340f-7b3e-4b7d-9f6a-5c2d1e0a9b81',
  amojo_rights: () => ({ can_direct: true, can_create_groups: true }),
  uuid: () => '0a8b4e2c-6d1f-4c3a-b5e7-9f2d8c1a7e60',
  version: () => 11,
  is_api_filter_enabled: () => true,
  drive_url: () => 'https://drive-c.kommo.com',
  invoices_settings: () => ({ lang: 'en', invoices_catalog_id: null }),
};

const EMBEDDED_EXTRAS: Readonly<Record<string, () => unknown>> = {
  users_groups: () => [{ id: 0, name: 'Sales', uuid: null }],
  task_types: () => TASK_TYPES.map((type) => ({ ...type, color: null, icon_id: null })),
  entity_names: () => ({
    leads: { en: { singular_form: { default: 'Lead' }, plural_form: { default: 'Leads' }, gender: 'f' } },
  }),
  datetime_settings: () => ({
    date_pattern: 'm/d/Y H:i',
    short_date_pattern: 'm/d/Y',
    short_time_pattern: 'H:i',
    date_format: 'm/d/Y',
    time_format: 'H:i',
    timezone: 'America/New_York',
    timezone_offset: '-05:00',
  }),
};

/** `GET /api/v4/account?with=a,b` (docs/kommo-api.md §5, §6); unknown `with` parts are ignored. */
export function accountPayload(origin: string, withParts: ReadonlySet<string>): Payload {
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
    customers_mode: 'disabled',
    is_unsorted_on: true,
    is_loss_reason_enabled: true,
    is_helpbot_enabled: false,
    is_technical_account: false,
    contact_name_display_order: 1,
    mobile_feature_version: 0,
  };
  const embedded: Payload = {};
  for (const part of withParts) {
    if (TOP_LEVEL_EXTRAS[part]) account[part] = TOP_LEVEL_EXTRAS[part]();
    else if (EMBEDDED_EXTRAS[part]) embedded[part] = EMBEDDED_EXTRAS[part]();
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

export function usersPayload(origin: string): Payload {
  return {
    _total_items: USERS.length,
    _page: 1,
    _page_count: 1,
    _links: link(origin, '/api/v4/users'),
    _embedded: { users: USERS.map((user) => userPayload(origin, user)) },
  };
}

export function pipelinePayload(origin: string): Payload {
  const { statuses, ...pipeline } = PIPELINE;
  return {
    ...pipeline,
    account_id: ACCOUNT_ID,
    _links: link(origin, `/api/v4/leads/pipelines/${PIPELINE.id}`),
    _embedded: {
      statuses: statuses.map((status) => ({
        ...status,
        pipeline_id: PIPELINE.id,
        account_id: ACCOUNT_ID,
        _links: link(origin, `/api/v4/leads/pipelines/${PIPELINE.id}/statuses/${status.id}`),
      })),
    },
  };
}

export function pipelinesPayload(origin: string): Payload {
  return {
    _total_items: 1,
    _links: link(origin, '/api/v4/leads/pipelines'),
    _embedded: { pipelines: [pipelinePayload(origin)] },
  };
}
