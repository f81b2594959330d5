/**
 * The default account and its demo data. Ids live in distinct ranges per kind so a test that
 * mixes them up (a contact id sent as a lead id) fails loudly.
 */
import type { EntityKind } from './types';

export const ACCOUNT_ID = 31000001;
export const SUBDOMAIN = 'sandbox';
export const CURRENT_USER_ID = 9000001;

/** A stored entity: the API shape without `_links`. */
export type EntityRecord = Record<string, unknown> & { id: number; created_at: number; updated_at: number };

export interface User {
  id: number;
  name: string;
  email: string;
  lang: string;
  is_admin: boolean;
}

export const USERS: readonly User[] = [
  { id: CURRENT_USER_ID, name: 'Alex Admin', email: 'alex.admin@sandbox.example', lang: 'en', is_admin: true },
  { id: 9000002, name: 'Bianca Sales', email: 'bianca.sales@sandbox.example', lang: 'en', is_admin: false },
  { id: 9000003, name: 'Carlos Support', email: 'carlos.support@sandbox.example', lang: 'es', is_admin: false },
];

export interface PipelineStatus {
  id: number;
  name: string;
  sort: number;
  color: string;
  /** 1 = the "incoming leads" stage; 0 = a regular one. */
  type: 0 | 1;
  is_editable: boolean;
}

export const PIPELINE = {
  id: 7000001,
  name: 'Sales',
  sort: 1,
  is_main: true,
  is_unsorted_on: true,
  is_archive: false,
  statuses: [
    { id: 7000011, name: 'Incoming leads', sort: 10, color: '#c1c1c1', type: 1, is_editable: false },
    { id: 7000012, name: 'Initial contact', sort: 20, color: '#99ccff', type: 0, is_editable: true },
    { id: 7000013, name: 'Negotiation', sort: 30, color: '#ffff99', type: 0, is_editable: true },
    { id: 7000014, name: 'Decision making', sort: 40, color: '#ffcc66', type: 0, is_editable: true },
    // 142 and 143 exist in every pipeline (docs/kommo-api.md §0, §6).
    { id: 142, name: 'Closed - won', sort: 10000, color: '#CCFF66', type: 0, is_editable: false },
    { id: 143, name: 'Closed - lost', sort: 11000, color: '#D5D8DB', type: 0, is_editable: false },
  ] satisfies PipelineStatus[],
} as const;

export const FIRST_STATUS_ID = 7000012;
export const CLOSED_STATUS_IDS: readonly number[] = [142, 143];

/** Task types every account has (docs/kommo-api.md §6: 1 = follow-up, 2 = meeting). */
export const TASK_TYPES = [
  { id: 1, name: 'Follow-up', code: 'FOLLOW_UP' },
  { id: 2, name: 'Meeting', code: 'MEETING' },
] as const;

export type CustomFieldType = 'text' | 'numeric' | 'select' | 'multitext' | 'date' | 'url' | 'checkbox';

export interface CustomFieldDefinition {
  id: number;
  name: string;
  code: string | null;
  type: CustomFieldType;
  enums?: ReadonlyArray<{ id: number; value: string; sort: number }>;
}

const MULTITEXT_ENUMS = [
  { id: 810001, value: 'WORK', sort: 2 },
  { id: 810002, value: 'MOB', sort: 4 },
  { id: 810003, value: 'HOME', sort: 6 },
  { id: 810004, value: 'OTHER', sort: 10 },
];

export const CUSTOM_FIELDS: Readonly<Record<Exclude<EntityKind, 'tasks'>, readonly CustomFieldDefinition[]>> = {
  leads: [
    {
      id: 710001,
      name: 'Deal source',
      code: null,
      type: 'select',
      enums: [
        { id: 811001, value: 'Website', sort: 1 },
        { id: 811002, value: 'Referral', sort: 2 },
        { id: 811003, value: 'Trade show', sort: 3 },
      ],
    },
    { id: 710002, name: 'Contract date', code: null, type: 'date' },
    { id: 710003, name: 'External ID', code: 'EXTERNAL_ID', type: 'text' },
  ],
  contacts: [
    { id: 720001, name: 'Phone', code: 'PHONE', type: 'multitext', enums: MULTITEXT_ENUMS },
    { id: 720002, name: 'Email', code: 'EMAIL', type: 'multitext', enums: MULTITEXT_ENUMS },
    { id: 720003, name: 'Position', code: 'POSITION', type: 'text' },
  ],
  companies: [
    { id: 730001, name: 'Phone', code: 'PHONE', type: 'multitext', enums: MULTITEXT_ENUMS },
    { id: 730002, name: 'Web', code: 'WEB', type: 'url' },
    { id: 730003, name: 'VAT number', code: null, type: 'text' },
  ],
};

/** First id handed out to a created entity of each kind. */
export const ID_RANGES: Readonly<Record<EntityKind, number>> = {
  leads: 1000001,
  contacts: 2000001,
  companies: 3000001,
  tasks: 4000001,
};

const DAY_S = 86400;

function cf(kind: Exclude<EntityKind, 'tasks'>, fieldId: number, values: Array<Record<string, unknown>>): Record<string, unknown> {
  const definition = CUSTOM_FIELDS[kind].find((field) => field.id === fieldId);
  if (!definition) throw new Error(`seed: no custom field ${fieldId} on ${kind}`);
  return { field_id: definition.id, field_name: definition.name, field_code: definition.code, field_type: definition.type, values };
}

/** Demo entities with timestamps relative to `nowSeconds`, so `updated_at` filters have something to bite on. */
export function seedEntities(nowSeconds: number): Record<EntityKind, EntityRecord[]> {
  const at = (daysAgo: number): number => nowSeconds - daysAgo * DAY_S;
  const meta = (id: number, createdDaysAgo: number, updatedDaysAgo: number, userId: number = CURRENT_USER_ID) => ({
    id,
    created_by: userId,
    updated_by: userId,
    created_at: at(createdDaysAgo),
    updated_at: at(updatedDaysAgo),
    responsible_user_id: userId,
    group_id: 0,
    account_id: ACCOUNT_ID,
  });
  const lead = (
    id: number,
    name: string,
    price: number,
    statusId: number,
    ages: [number, number],
    customFields: Array<Record<string, unknown>> | null,
  ): EntityRecord => ({
    ...meta(id, ages[0], ages[1], id % 2 === 0 ? 9000002 : CURRENT_USER_ID),
    name,
    price,
    status_id: statusId,
    pipeline_id: PIPELINE.id,
    loss_reason_id: null,
    closed_at: CLOSED_STATUS_IDS.includes(statusId) ? at(ages[1]) : null,
    closest_task_at: null,
    is_deleted: false,
    score: null,
    labor_cost: null,
    custom_fields_values: customFields,
    _embedded: { tags: [], companies: [] },
  });
  const contact = (
    id: number,
    firstName: string,
    lastName: string,
    ages: [number, number],
    customFields: Array<Record<string, unknown>> | null,
  ): EntityRecord => ({
    ...meta(id, ages[0], ages[1]),
    name: `${firstName} ${lastName}`,
    first_name: firstName,
    last_name: lastName,
    closest_task_at: null,
    is_deleted: false,
    is_unsorted: false,
    custom_fields_values: customFields,
    _embedded: { tags: [], companies: [] },
  });
  const company = (id: number, name: string, ages: [number, number], customFields: Array<Record<string, unknown>> | null): EntityRecord => ({
    ...meta(id, ages[0], ages[1]),
    name,
    closest_task_at: null,
    is_deleted: false,
    custom_fields_values: customFields,
    _embedded: { tags: [] },
  });
  const task = (id: number, text: string, entity: [string, number], taskTypeId: number, dueInDays: number, ages: [number, number]): EntityRecord => ({
    ...meta(id, ages[0], ages[1]),
    entity_type: entity[0],
    entity_id: entity[1],
    task_type_id: taskTypeId,
    text,
    duration: 0,
    is_completed: false,
    complete_till: nowSeconds + dueInDays * DAY_S,
    result: [],
  });

  return {
    leads: [
      lead(1000001, 'Website redesign for Acme', 12000, 7000012, [30, 10], [
        cf('leads', 710001, [{ value: 'Website', enum_id: 811001, enum_code: null }]),
        cf('leads', 710003, [{ value: 'ERP-5521' }]),
      ]),
      lead(1000002, 'Annual support contract', 4800, 7000013, [25, 6], [cf('leads', 710001, [{ value: 'Referral', enum_id: 811002, enum_code: null }])]),
      lead(1000003, 'Pilot: 20 licences', 1999.99, 7000014, [20, 3], null),
      lead(1000004, 'Hardware bundle', 35000, 142, [40, 2], [cf('leads', 710002, [{ value: at(2) }])]),
      lead(1000005, 'Consulting hours', 900, 143, [15, 1], null),
    ],
    contacts: [
      contact(2000001, 'Maria', 'Gomez', [60, 9], [
        cf('contacts', 720001, [{ value: '+15550100201', enum_id: 810001, enum_code: 'WORK' }]),
        cf('contacts', 720002, [{ value: 'maria.gomez@acme.example', enum_id: 810001, enum_code: 'WORK' }]),
        cf('contacts', 720003, [{ value: 'Head of Procurement' }]),
      ]),
      contact(2000002, 'John', 'Smith', [50, 7], [cf('contacts', 720001, [{ value: '+15550100202', enum_id: 810002, enum_code: 'MOB' }])]),
      contact(2000003, 'Aiko', 'Tanaka', [45, 4], [cf('contacts', 720002, [{ value: 'aiko@globex.example', enum_id: 810001, enum_code: 'WORK' }])]),
      contact(2000004, 'Pierre', 'Durand', [10, 2], null),
    ],
    companies: [
      company(3000001, 'Acme Corporation', [90, 8], [
        cf('companies', 730001, [{ value: '+15550100100', enum_id: 810001, enum_code: 'WORK' }]),
        cf('companies', 730002, [{ value: 'https://acme.example' }]),
      ]),
      company(3000002, 'Globex Ltd', [70, 5], [cf('companies', 730003, [{ value: 'GB123456789' }])]),
    ],
    tasks: [
      task(4000001, 'Call Maria about the proposal', ['leads', 1000001], 1, 1, [5, 5]),
      task(4000002, 'Demo meeting with Globex', ['companies', 3000002], 2, 3, [4, 2]),
    ],
  };
}
