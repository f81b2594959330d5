/**
 * The Kommo object types the component works with, as data. Actions, triggers, schemas and
 * select models read this table; none of them switches over type names, so adding a type means
 * adding an entry here. Facts: docs/kommo-api.md §5 (`with`, filters, order), §6 (paths), §7
 * (fields, tags), §9 (webhook keys); docs/kommo-fidelity.md "Webhook deliveries".
 */
import { configError } from '../client/errors';

/** The `objectType` values of the component (docs/design.md "Object types"). */
export const OBJECT_TYPE_NAMES = ['leads', 'contacts', 'companies', 'tasks', 'customers'] as const;

/** One of the object types. */
export type ObjectTypeName = typeof OBJECT_TYPE_NAMES[number];

/** JSON type of a core field, in the schema dialect (elastic.io has no `integer`). */
export type CoreFieldType = 'string' | 'number' | 'boolean' | 'object' | 'array';

/** A field Kommo defines for every object of a type (not a custom field). */
export interface CoreField {
  readonly name: string;
  readonly type: CoreFieldType;
  readonly title: string;
  /** Sent on create or update; read-only fields are only ever read. */
  readonly writable: boolean;
  /** Kommo refuses a create without it. */
  readonly requiredOnCreate?: boolean;
  /** Kommo sends Unix seconds; writes take Unix seconds too. */
  readonly unixSeconds?: boolean;
  readonly description?: string;
}

/**
 * How a filter key takes its value (docs/kommo-api.md §5 "Filters"):
 * - `ids`: one id or a list of ids (`filter[id][]=1&filter[id][]=2`);
 * - `strings`: one string or a list;
 * - `numberRange`: a number or `{from, to}`;
 * - `dateRange`: Unix seconds or `{from, to}` (an ISO 8601 date is converted by the caller);
 * - `statuses`: `[{pipeline_id, status_id}]`;
 * - `customFields`: `{<field id>: [values] | {from, to}}`;
 * - `boolean`: `true`/`false` (sent as 1/0);
 * - `entityType`: one of `leads`, `contacts`, `companies`, `customers`.
 */
export type FilterValueKind = 'ids' | 'strings' | 'numberRange' | 'dateRange' | 'statuses' | 'customFields' | 'boolean' | 'entityType';

/** A `with=` value of a type's list and read endpoints. */
export interface WithOption {
  readonly value: string;
  readonly title: string;
  /**
   * Adds linked objects (or details) to each object without changing which objects come back;
   * only these are offered as "linked objects". `only_deleted`, for one, changes the result set.
   */
  readonly linked: boolean;
}

/** Criteria every type may offer (besides `cf_<id>`); see `matching.ts`. */
export type CoreCriterion = 'id' | 'name' | 'email' | 'phone';

/** A lookup/upsert criterion that is not a custom field. */
export interface CriterionDefinition {
  readonly key: CoreCriterion;
  readonly title: string;
  /** For `email`/`phone`: the `field_code` of the multitext field holding the value. */
  readonly fieldCode?: 'EMAIL' | 'PHONE';
}

/** Where a type's entities sit in a webhook delivery (docs/kommo-api.md §9). */
export interface WebhookShape {
  /** The key of the delivery (`leads`, `contacts`, the singular `task`, …). */
  readonly key: string;
  /** Contacts and companies share the `contacts` key; `type` tells them apart. */
  readonly contactsType?: 'contact' | 'company';
  /** Kommo's subscription codes for the type (`add_lead`, `status_lead`, …). */
  readonly events: readonly string[];
}

/** Everything the component knows about one object type. */
export interface ObjectTypeDefinition {
  readonly name: ObjectTypeName;
  /** Plural title, e.g. "Leads" (the `getObjectTypes` label). */
  readonly title: string;
  readonly singularTitle: string;
  /** Path below `/api/v4/`. */
  readonly path: string;
  /** Key of the list under `_embedded` in list and write answers. */
  readonly embeddedKey: string;
  /** Kommo's singular name in events (`filter[entity][]`, event `entity_type`) and webhook codes. */
  readonly singular: string;
  readonly webhook: WebhookShape;
  readonly coreFields: readonly CoreField[];
  readonly withOptions: readonly WithOption[];
  readonly filters: Readonly<Record<string, FilterValueKind>>;
  readonly orderKeys: readonly string[];
  /** Has `{type}/custom_fields` definitions and `custom_fields_values` on its objects. */
  readonly hasCustomFields: boolean;
  /** Kommo's `query=` free-text search works on its list. */
  readonly supportsQuery: boolean;
  /** Takes `tags_to_add` / `tags_to_delete` on writes. */
  readonly supportsTags: boolean;
  /** Lookup and upsert criteria besides `cf_<id>` (custom fields add theirs when `hasCustomFields`). */
  readonly criteria: readonly CriterionDefinition[];
  /** Only offered when the account has customers enabled (`customers_mode`). */
  readonly requiresCustomers: boolean;
  /** Notes can be attached (`/{type}/notes`). */
  readonly hasNotes: boolean;
}

const ID: CoreField = { name: 'id', type: 'number', title: 'ID', writable: false };
const NAME: CoreField = { name: 'name', type: 'string', title: 'Name', writable: true };
const RESPONSIBLE: CoreField = { name: 'responsible_user_id', type: 'number', title: 'Responsible user ID', writable: true };
const GROUP: CoreField = { name: 'group_id', type: 'number', title: 'Group ID of the responsible user', writable: false };
const AUDIT: readonly CoreField[] = [
  { name: 'created_by', type: 'number', title: 'Created by (user ID)', writable: false },
  { name: 'updated_by', type: 'number', title: 'Updated by (user ID)', writable: false },
  { name: 'created_at', type: 'number', title: 'Created at (Unix seconds)', writable: false, unixSeconds: true },
  { name: 'updated_at', type: 'number', title: 'Updated at (Unix seconds)', writable: false, unixSeconds: true },
];
const CLOSEST_TASK: CoreField = { name: 'closest_task_at', type: 'number', title: 'Closest open task at (Unix seconds)', writable: false, unixSeconds: true };
const IS_DELETED: CoreField = { name: 'is_deleted', type: 'boolean', title: 'Deleted', writable: false };
const ACCOUNT: CoreField = { name: 'account_id', type: 'number', title: 'Account ID', writable: false };

/** Filters shared by leads, contacts, companies and customers (docs/kommo-api.md §5). */
const PARTY_FILTERS: Readonly<Record<string, FilterValueKind>> = {
  id: 'ids',
  name: 'strings',
  created_by: 'ids',
  updated_by: 'ids',
  responsible_user_id: 'ids',
  created_at: 'dateRange',
  updated_at: 'dateRange',
  closest_task_at: 'dateRange',
  custom_fields_values: 'customFields',
};

const ORDER_KEYS = ['id', 'created_at', 'updated_at'] as const;
const BY_ID: CriterionDefinition = { key: 'id', title: 'ID' };
const BY_NAME: CriterionDefinition = { key: 'name', title: 'Name' };
const BY_EMAIL: CriterionDefinition = { key: 'email', title: 'Email', fieldCode: 'EMAIL' };
const BY_PHONE: CriterionDefinition = { key: 'phone', title: 'Phone', fieldCode: 'PHONE' };

const CATALOG_ELEMENTS: WithOption = { value: 'catalog_elements', title: 'Linked list elements (products)', linked: true };

function webhookEvents(singular: string, actions: readonly string[]): string[] {
  return actions.map((action) => `${action}_${singular}`);
}

const PARTY_ACTIONS = ['add', 'update', 'delete', 'restore', 'responsible', 'note'] as const;

/** Customers have no restore webhook event (docs/kommo-api.md §9, "Which of them exist"). */
const CUSTOMER_ACTIONS = ['add', 'update', 'delete', 'responsible', 'note'] as const;

/** The registry. Order is the order of `getObjectTypes`. */
export const OBJECT_TYPES: Readonly<Record<ObjectTypeName, ObjectTypeDefinition>> = {
  leads: {
    name: 'leads',
    title: 'Leads',
    singularTitle: 'Lead',
    path: 'leads',
    embeddedKey: 'leads',
    singular: 'lead',
    webhook: { key: 'leads', events: webhookEvents('lead', ['add', 'update', 'delete', 'restore', 'status', 'responsible', 'note']) },
    coreFields: [
      ID,
      NAME,
      { name: 'price', type: 'number', title: 'Sale value', writable: true },
      RESPONSIBLE,
      GROUP,
      { name: 'status_id', type: 'number', title: 'Stage (status) ID', writable: true },
      { name: 'pipeline_id', type: 'number', title: 'Pipeline ID', writable: true },
      { name: 'loss_reason_id', type: 'number', title: 'Loss reason ID', writable: true, description: 'Only for a lead in the "Closed - lost" stage (143).' },
      ...AUDIT,
      { name: 'closed_at', type: 'number', title: 'Closed at (Unix seconds)', writable: true, unixSeconds: true },
      CLOSEST_TASK,
      IS_DELETED,
      { name: 'score', type: 'number', title: 'Score', writable: false },
      ACCOUNT,
    ],
    withOptions: [
      { value: 'contacts', title: 'Contacts', linked: true },
      CATALOG_ELEMENTS,
      { value: 'loss_reason', title: 'Loss reason details', linked: true },
      { value: 'source_id', title: 'Source ID', linked: true },
      { value: 'is_price_modified_by_robot', title: 'Whether a robot last changed the sale value', linked: true },
      { value: 'only_deleted', title: 'Only deleted leads that can still be restored', linked: false },
    ],
    filters: {
      ...PARTY_FILTERS,
      price: 'numberRange',
      closed_at: 'dateRange',
      statuses: 'statuses',
      pipeline_id: 'ids',
    },
    orderKeys: ORDER_KEYS,
    hasCustomFields: true,
    supportsQuery: true,
    supportsTags: true,
    criteria: [BY_ID, BY_NAME],
    requiresCustomers: false,
    hasNotes: true,
  },
  contacts: {
    name: 'contacts',
    title: 'Contacts',
    singularTitle: 'Contact',
    path: 'contacts',
    embeddedKey: 'contacts',
    singular: 'contact',
    webhook: { key: 'contacts', contactsType: 'contact', events: webhookEvents('contact', PARTY_ACTIONS) },
    coreFields: [
      ID,
      NAME,
      { name: 'first_name', type: 'string', title: 'First name', writable: true },
      { name: 'last_name', type: 'string', title: 'Last name', writable: true },
      RESPONSIBLE,
      GROUP,
      ...AUDIT,
      CLOSEST_TASK,
      IS_DELETED,
      { name: 'is_unsorted', type: 'boolean', title: 'In incoming leads (unsorted)', writable: false },
      ACCOUNT,
    ],
    withOptions: [
      { value: 'leads', title: 'Leads', linked: true },
      { value: 'customers', title: 'Customers', linked: true },
      CATALOG_ELEMENTS,
    ],
    filters: PARTY_FILTERS,
    orderKeys: ORDER_KEYS,
    hasCustomFields: true,
    supportsQuery: true,
    supportsTags: true,
    criteria: [BY_ID, BY_NAME, BY_EMAIL, BY_PHONE],
    requiresCustomers: false,
    hasNotes: true,
  },
  companies: {
    name: 'companies',
    title: 'Companies',
    singularTitle: 'Company',
    path: 'companies',
    embeddedKey: 'companies',
    singular: 'company',
    webhook: { key: 'contacts', contactsType: 'company', events: webhookEvents('company', PARTY_ACTIONS) },
    coreFields: [ID, NAME, RESPONSIBLE, GROUP, ...AUDIT, CLOSEST_TASK, IS_DELETED, ACCOUNT],
    withOptions: [
      { value: 'leads', title: 'Leads', linked: true },
      { value: 'contacts', title: 'Contacts', linked: true },
      { value: 'customers', title: 'Customers', linked: true },
      CATALOG_ELEMENTS,
    ],
    filters: PARTY_FILTERS,
    orderKeys: ORDER_KEYS,
    hasCustomFields: true,
    supportsQuery: true,
    supportsTags: true,
    criteria: [BY_ID, BY_NAME, BY_EMAIL, BY_PHONE],
    requiresCustomers: false,
    hasNotes: true,
  },
  tasks: {
    name: 'tasks',
    title: 'Tasks',
    singularTitle: 'Task',
    path: 'tasks',
    embeddedKey: 'tasks',
    singular: 'task',
    webhook: { key: 'task', events: webhookEvents('task', ['add', 'update', 'delete', 'responsible']) },
    coreFields: [
      ID,
      { name: 'text', type: 'string', title: 'Task text', writable: true, requiredOnCreate: true },
      { name: 'complete_till', type: 'number', title: 'Deadline (Unix seconds)', writable: true, requiredOnCreate: true, unixSeconds: true },
      { name: 'task_type_id', type: 'number', title: 'Task type ID', writable: true, description: '1 = follow-up, 2 = meeting, or an account task type.' },
      { name: 'entity_type', type: 'string', title: 'Linked object type', writable: true, description: 'leads, contacts, companies or customers.' },
      { name: 'entity_id', type: 'number', title: 'Linked object ID', writable: true },
      RESPONSIBLE,
      GROUP,
      { name: 'is_completed', type: 'boolean', title: 'Completed', writable: true },
      { name: 'duration', type: 'number', title: 'Duration (seconds)', writable: true },
      { name: 'result', type: 'object', title: 'Result ({"text": …}) when completing', writable: true },
      ...AUDIT,
      ACCOUNT,
    ],
    withOptions: [],
    filters: {
      id: 'ids',
      created_by: 'ids',
      responsible_user_id: 'ids',
      is_completed: 'boolean',
      task_type: 'ids',
      entity_type: 'entityType',
      entity_id: 'ids',
      updated_at: 'dateRange',
    },
    // Kommo sorts tasks by these three only, and filters them by `updated_at` but not `created_at` (docs/kommo-api.md §5).
    orderKeys: ['id', 'created_at', 'complete_till'],
    hasCustomFields: false,
    supportsQuery: false,
    supportsTags: false,
    criteria: [BY_ID],
    requiresCustomers: false,
    hasNotes: false,
  },
  customers: {
    name: 'customers',
    title: 'Customers',
    singularTitle: 'Customer',
    path: 'customers',
    embeddedKey: 'customers',
    singular: 'customer',
    webhook: { key: 'customers', events: webhookEvents('customer', CUSTOMER_ACTIONS) },
    coreFields: [
      ID,
      { ...NAME, requiredOnCreate: true },
      { name: 'next_price', type: 'number', title: 'Expected purchase value', writable: true },
      { name: 'next_date', type: 'number', title: 'Expected purchase date (Unix seconds)', writable: true, unixSeconds: true },
      RESPONSIBLE,
      { name: 'status_id', type: 'number', title: 'Status ID', writable: true },
      { name: 'periodicity', type: 'number', title: 'Purchase periodicity (days)', writable: true },
      ...AUDIT,
      CLOSEST_TASK,
      IS_DELETED,
      { name: 'ltv', type: 'number', title: 'Lifetime value', writable: false },
      { name: 'purchases_count', type: 'number', title: 'Purchases', writable: false },
      { name: 'average_check', type: 'number', title: 'Average check', writable: false },
      ACCOUNT,
    ],
    withOptions: [
      { value: 'contacts', title: 'Contacts', linked: true },
      { value: 'companies', title: 'Companies', linked: true },
      CATALOG_ELEMENTS,
    ],
    filters: { ...PARTY_FILTERS, next_date: 'dateRange' },
    orderKeys: ORDER_KEYS,
    hasCustomFields: true,
    supportsQuery: true,
    supportsTags: true,
    criteria: [BY_ID, BY_NAME],
    requiresCustomers: true,
    hasNotes: true,
  },
};

/** True when `value` names an object type. */
export function isObjectTypeName(value: unknown): value is ObjectTypeName {
  return typeof value === 'string' && (OBJECT_TYPE_NAMES as readonly string[]).includes(value);
}

/** The types this account can use (customers only when enabled), in registry order. */
export function availableObjectTypes(customersEnabled: boolean): ObjectTypeDefinition[] {
  return OBJECT_TYPE_NAMES.map((name) => OBJECT_TYPES[name]).filter((type) => customersEnabled || !type.requiresCustomers);
}

/**
 * The definition named by a configuration value (`cfg.objectType`, `cfg.entityType`, …); a
 * missing or unknown value is a configuration error listing the accepted values.
 */
export function objectType(value: unknown, label = 'Object type'): ObjectTypeDefinition {
  if (isObjectTypeName(value)) return OBJECT_TYPES[value];
  const got = value === undefined || value === null || value === '' ? 'nothing' : `"${String(value)}"`;
  throw configError(`${label} must be one of ${OBJECT_TYPE_NAMES.join(', ')}; got ${got}. Choose the object type in the step's configuration.`);
}

/** The type whose Kommo singular name (events, webhook codes) is `singular` (`lead` → leads). */
export function objectTypeBySingular(singular: string): ObjectTypeDefinition | undefined {
  return OBJECT_TYPE_NAMES.map((name) => OBJECT_TYPES[name]).find((type) => type.singular === singular);
}

/** Core fields a write may send (create or update). */
export function writableCoreFields(type: ObjectTypeDefinition): CoreField[] {
  return type.coreFields.filter((field) => field.writable);
}

/** The `with` values offered as "linked objects" for a type. */
export function linkedWithOptions(type: ObjectTypeDefinition): WithOption[] {
  return type.withOptions.filter((option) => option.linked);
}
