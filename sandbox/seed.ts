/**
 * The default account and its demo data. Ids live in distinct ranges per kind so a test that
 * mixes them up (a contact id sent as a lead id) fails loudly.
 */
import type { CustomFieldCatalog } from './customFieldCatalog';
import type { CustomFieldKind, EntityKind } from './types';

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

export interface Pipeline {
  id: number;
  name: string;
  sort: number;
  is_main: boolean;
  is_unsorted_on: boolean;
  is_archive: boolean;
  statuses: readonly PipelineStatus[];
}

export const WON_STATUS_ID = 142;
export const LOST_STATUS_ID = 143;
export const CLOSED_STATUS_IDS: readonly number[] = [WON_STATUS_ID, LOST_STATUS_ID];

/** 142 and 143 exist in every pipeline (docs/kommo-api.md §0, §6). */
const CLOSED_STATUSES: readonly PipelineStatus[] = [
  { id: WON_STATUS_ID, name: 'Closed - won', sort: 10000, color: '#CCFF66', type: 0, is_editable: false },
  { id: LOST_STATUS_ID, name: 'Closed - lost', sort: 11000, color: '#D5D8DB', type: 0, is_editable: false },
];

/** Two pipelines, so a stage filter has to name the pipeline as well as the stage (docs/kommo-api.md §5). */
export const PIPELINES: readonly Pipeline[] = [
  {
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
      ...CLOSED_STATUSES,
    ],
  },
  {
    id: 7000002,
    name: 'Partners',
    sort: 2,
    is_main: false,
    is_unsorted_on: true,
    is_archive: false,
    statuses: [
      { id: 7000021, name: 'Incoming leads', sort: 10, color: '#c1c1c1', type: 1, is_editable: false },
      { id: 7000022, name: 'Qualified', sort: 20, color: '#98cbff', type: 0, is_editable: true },
      { id: 7000023, name: 'Contract sent', sort: 30, color: '#fffd7f', type: 0, is_editable: true },
      ...CLOSED_STATUSES,
    ],
  },
];

/** The main pipeline (1.0's only one). */
export const PIPELINE = PIPELINES[0];
export const FIRST_STATUS_ID = 7000012;

/** The first stage a lead lands in when only the pipeline is given: the first regular one. */
export function firstStatusOf(pipeline: Pipeline): number {
  const regular = pipeline.statuses.find((status) => status.type === 0 && !CLOSED_STATUS_IDS.includes(status.id));
  return (regular ?? pipeline.statuses[0]).id;
}

export function findPipeline(id: unknown): Pipeline | undefined {
  return PIPELINES.find((pipeline) => pipeline.id === id);
}

/** Loss reasons of the account (`GET /leads/loss_reasons`, docs/kommo-api.md §6). */
export const LOSS_REASONS = [
  { id: 6900001, name: 'Too expensive', sort: 1 },
  { id: 6900002, name: 'Chose a competitor', sort: 2 },
  { id: 6900003, name: 'No response', sort: 3 },
] as const;

/** Task types every account has (docs/kommo-api.md §6: 1 = follow-up, 2 = meeting). */
export const TASK_TYPES = [
  { id: 1, name: 'Follow-up', code: 'FOLLOW_UP' },
  { id: 2, name: 'Meeting', code: 'MEETING' },
] as const;

/** First id handed out to a created entity of each kind, to notes and to tags. */
export const ID_RANGES: Readonly<Record<EntityKind | 'notes' | 'tags', number>> = {
  leads: 1000001,
  contacts: 2000001,
  companies: 3000001,
  tasks: 4000001,
  customers: 5000001,
  notes: 6000001,
  tags: 6700001,
};

const DAY_S = 86400;

/** A link of the seed: `from` is the lead, customer or contact side. */
export interface SeedLink {
  from: { kind: EntityKind; id: number };
  to: { kind: EntityKind; id: number };
  isMain?: boolean;
}

/** A seeded note: stored fields plus the kind of the entity it belongs to. */
export type SeedNote = Record<string, unknown> & { kind: EntityKind; id: number; entity_id: number };

/** The demo account: entities with timestamps relative to now, and their tags, links and notes. */
export interface SeedData {
  entities: Record<EntityKind, EntityRecord[]>;
  tags: Array<{ kind: EntityKind; id: number; name: string; color: string | null }>;
  entityTags: Array<{ kind: EntityKind; id: number; tagIds: number[] }>;
  links: SeedLink[];
  notes: SeedNote[];
}

/** Demo data with timestamps relative to `nowSeconds`, so `updated_at` filters have something to bite on. */
export function seedData(nowSeconds: number, catalog: CustomFieldCatalog): SeedData {
  const at = (daysAgo: number): number => nowSeconds - daysAgo * DAY_S;
  const cf = (kind: CustomFieldKind, fieldId: number, values: Array<Record<string, unknown>>): Record<string, unknown> => {
    const definition = catalog.byId(kind, fieldId);
    if (!definition) throw new Error(`seed: no custom field ${fieldId} on ${kind}`);
    const withEnums = values.map((value) => {
      if (!definition.enums) return value;
      const code = typeof value.enum_code === 'string' ? value.enum_code : undefined;
      const chosen = definition.enums.find((option) => option.value === (code ?? value.value));
      if (!chosen) throw new Error(`seed: no enum ${String(code ?? value.value)} on field ${fieldId}`);
      return definition.type === 'multitext' || definition.type === 'smart_address'
        ? { value: value.value, enum_id: chosen.id, enum_code: chosen.value }
        : { value: chosen.value, enum_id: chosen.id, enum_code: null };
    });
    return { field_id: definition.id, field_name: definition.name, field_code: definition.code, field_type: definition.type, values: withEnums };
  };
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
    extra: Record<string, unknown> = {},
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
    is_price_computed: false,
    score: null,
    labor_cost: null,
    custom_fields_values: customFields,
    ...extra,
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
  });
  const company = (id: number, name: string, ages: [number, number], customFields: Array<Record<string, unknown>> | null): EntityRecord => ({
    ...meta(id, ages[0], ages[1]),
    name,
    closest_task_at: null,
    is_deleted: false,
    custom_fields_values: customFields,
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
  const customer = (id: number, name: string, nextPrice: number, nextInDays: number, ages: [number, number]): EntityRecord => ({
    ...meta(id, ages[0], ages[1]),
    name,
    next_price: nextPrice,
    next_date: nowSeconds + nextInDays * DAY_S,
    status_id: null,
    periodicity: 30,
    closest_task_at: null,
    is_deleted: false,
    ltv: 0,
    purchases_count: 0,
    average_check: 0,
    custom_fields_values: null,
  });

  return {
    entities: {
      leads: [
        lead(1000001, 'Website redesign for Acme', 12000, 7000012, [30, 10], [
          cf('leads', 710001, [{ value: 'Website' }]),
          cf('leads', 710003, [{ value: 'ERP-5521' }]),
        ]),
        lead(1000002, 'Annual support contract', 4800, 7000013, [25, 6], [cf('leads', 710001, [{ value: 'Referral' }])]),
        lead(1000003, 'Pilot: 20 licences', 1999.99, 7000014, [20, 3], null),
        lead(1000004, 'Hardware bundle', 35000, WON_STATUS_ID, [40, 2], [cf('leads', 710002, [{ value: at(2) }])]),
        lead(1000005, 'Consulting hours', 900, LOST_STATUS_ID, [15, 1], null, { loss_reason_id: LOSS_REASONS[0].id }),
      ],
      contacts: [
        contact(2000001, 'Maria', 'Gomez', [60, 9], [
          cf('contacts', 720001, [{ value: '+15550100201', enum_code: 'WORK' }]),
          cf('contacts', 720002, [{ value: 'maria.gomez@acme.example', enum_code: 'WORK' }]),
          cf('contacts', 720003, [{ value: 'Head of Procurement' }]),
        ]),
        contact(2000002, 'John', 'Smith', [50, 7], [cf('contacts', 720001, [{ value: '+15550100202', enum_code: 'MOB' }])]),
        contact(2000003, 'Aiko', 'Tanaka', [45, 4], [cf('contacts', 720002, [{ value: 'aiko@globex.example', enum_code: 'PRIV' }])]),
        contact(2000004, 'Pierre', 'Durand', [10, 2], null),
      ],
      companies: [
        company(3000001, 'Acme Corporation', [90, 8], [
          cf('companies', 730001, [{ value: '+15550100100', enum_code: 'WORK' }]),
          cf('companies', 730002, [{ value: 'https://acme.example' }]),
        ]),
        company(3000002, 'Globex Ltd', [70, 5], [cf('companies', 730003, [{ value: 'GB123456789' }])]),
      ],
      tasks: [
        task(4000001, 'Call Maria about the proposal', ['leads', 1000001], 1, 1, [5, 5]),
        task(4000002, 'Demo meeting with Globex', ['companies', 3000002], 2, 3, [4, 2]),
      ],
      customers: [customer(5000001, 'Acme support plan', 1200, 20, [80, 6]), customer(5000002, 'Globex licences', 5400, 45, [65, 3])],
    },
    tags: [
      { kind: 'leads', id: 6700001, name: 'vip', color: null },
      { kind: 'leads', id: 6700002, name: 'renewal', color: null },
      { kind: 'contacts', id: 6700003, name: 'decision maker', color: null },
    ],
    entityTags: [
      { kind: 'leads', id: 1000001, tagIds: [6700001] },
      { kind: 'leads', id: 1000002, tagIds: [6700001, 6700002] },
      { kind: 'contacts', id: 2000001, tagIds: [6700003] },
    ],
    links: [
      { from: { kind: 'leads', id: 1000001 }, to: { kind: 'contacts', id: 2000001 }, isMain: true },
      { from: { kind: 'leads', id: 1000001 }, to: { kind: 'companies', id: 3000001 } },
      { from: { kind: 'leads', id: 1000002 }, to: { kind: 'contacts', id: 2000002 }, isMain: true },
      { from: { kind: 'leads', id: 1000003 }, to: { kind: 'contacts', id: 2000003 }, isMain: true },
      { from: { kind: 'leads', id: 1000003 }, to: { kind: 'companies', id: 3000002 } },
      { from: { kind: 'contacts', id: 2000001 }, to: { kind: 'companies', id: 3000001 } },
      { from: { kind: 'contacts', id: 2000003 }, to: { kind: 'companies', id: 3000002 } },
      { from: { kind: 'customers', id: 5000001 }, to: { kind: 'contacts', id: 2000001 }, isMain: true },
      { from: { kind: 'customers', id: 5000001 }, to: { kind: 'companies', id: 3000001 } },
    ],
    notes: [
      { kind: 'leads', id: 6000001, entity_id: 1000001, note_type: 'common', params: { text: 'Asked for a revised proposal' }, created_by: CURRENT_USER_ID, created_at: at(9), updated_at: at(9) },
      {
        kind: 'contacts',
        id: 6000002,
        entity_id: 2000002,
        note_type: 'call_in',
        params: { uniq: '8f1c2b7e-3d4a-4c5b-9e6f-1a2b3c4d5e6f', duration: 95, source: 'sandbox-telephony', link: 'https://calls.sandbox.example/rec/1.mp3', phone: '+15550100202' },
        created_by: CURRENT_USER_ID,
        created_at: at(7),
        updated_at: at(7),
      },
    ],
  };
}
