/**
 * The account's custom-field definitions: one field of every type Kommo has on leads, contacts,
 * companies and customers (docs/kommo-api.md §7), Kommo's predefined contact and company fields with
 * their own enum sets (docs/kommo-fidelity.md #9), and any number of extra fields a test asks for.
 */

import type { CustomFieldKind } from './types';

/** Every custom-field type of Kommo v4 (docs/kommo-api.md §7). */
export const CUSTOM_FIELD_TYPES = [
  'text',
  'numeric',
  'checkbox',
  'select',
  'multiselect',
  'multitext',
  'date',
  'url',
  'textarea',
  'radiobutton',
  'streetaddress',
  'smart_address',
  'birthday',
  'legal_entity',
  'date_time',
  'price',
  'category',
  'items',
  'tracking_data',
  'linked_entity',
  'org_legal_name',
  'monetary',
  'chained_list',
  'file',
  'payer',
  'supplier',
] as const;

export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** Kinds that carry custom fields (and tags and notes). */
export const CUSTOM_FIELD_KINDS: readonly CustomFieldKind[] = ['leads', 'contacts', 'companies', 'customers'];

export function isCustomFieldKind(kind: string): kind is CustomFieldKind {
  return (CUSTOM_FIELD_KINDS as readonly string[]).includes(kind);
}

export interface EnumOption {
  id: number;
  value: string;
  sort: number;
}

export interface CustomFieldDefinition {
  id: number;
  name: string;
  code: string | null;
  type: CustomFieldType;
  sort: number;
  /** Choices of select, multiselect, radiobutton, category, multitext and smart_address; null otherwise. */
  enums: readonly EnumOption[] | null;
  /** Kommo's own fields (PHONE, EMAIL, …) cannot be deleted. */
  isPredefined: boolean;
  /** `remind` of birthday fields (`never`, `day`, `week`, `month`); null elsewhere. */
  remind: string | null;
  /** Currency of monetary fields. */
  currency?: string;
  /** Catalogs of chained_list fields. */
  chainedLists?: ReadonlyArray<{ title: string; catalog_id: number; parent_catalog_id: number }>;
}

/** Types whose values pick one of the field's enums. */
export const ENUM_TYPES: ReadonlySet<CustomFieldType> = new Set(['select', 'multiselect', 'radiobutton', 'category', 'multitext', 'smart_address']);

const PHONE_ENUM_CODES = ['WORK', 'WORKDD', 'MOB', 'FAX', 'HOME', 'OTHER'];
const EMAIL_ENUM_CODES = ['WORK', 'PRIV', 'OTHER'];
const IM_ENUM_CODES = ['SKYPE', 'ICQ', 'JABBER', 'GTALK', 'MSN', 'OTHER'];
/** The parts of a smart address, as enum codes. */
export const SMART_ADDRESS_CODES = ['address_line_1', 'address_line_2', 'city', 'state', 'zip', 'country'];

/** What a field is before ids are handed out. */
interface FieldTemplate {
  id: number;
  name: string;
  code?: string;
  type: CustomFieldType;
  enums?: readonly string[];
  predefined?: boolean;
}

/** A realistic name and choices per type, for the one-of-each-type fields. */
const TYPE_TEMPLATES: Readonly<Record<CustomFieldType, { name: string; enums?: readonly string[]; code?: string }>> = {
  text: { name: 'Reference' },
  numeric: { name: 'Seats' },
  checkbox: { name: 'Newsletter' },
  select: { name: 'Source', enums: ['Website', 'Referral', 'Trade show'] },
  multiselect: { name: 'Products', enums: ['CRM', 'Telephony', 'Analytics', 'Support'] },
  multitext: { name: 'Other phones', enums: PHONE_ENUM_CODES },
  date: { name: 'Contract date' },
  url: { name: 'Landing page' },
  textarea: { name: 'Notes for billing' },
  radiobutton: { name: 'Priority', enums: ['Low', 'Medium', 'High'] },
  streetaddress: { name: 'Delivery address' },
  smart_address: { name: 'Billing address', enums: SMART_ADDRESS_CODES },
  birthday: { name: 'Birthday' },
  legal_entity: { name: 'Legal entity' },
  date_time: { name: 'Kick-off' },
  price: { name: 'Unit price' },
  category: { name: 'Category', enums: ['Hardware', 'Software', 'Services'] },
  items: { name: 'Items' },
  tracking_data: { name: 'utm_source', code: 'UTM_SOURCE' },
  linked_entity: { name: 'Linked record' },
  org_legal_name: { name: 'Registered name' },
  monetary: { name: 'Deposit' },
  chained_list: { name: 'Region' },
  file: { name: 'Attachment' },
  payer: { name: 'Payer' },
  supplier: { name: 'Supplier' },
};

/** The fields each kind starts with (ids kept from 1.0), before the one-of-each-type fields. */
const HEAD_FIELDS: Readonly<Record<CustomFieldKind, readonly FieldTemplate[]>> = {
  leads: [
    { id: 710001, name: 'Deal source', type: 'select', enums: ['Website', 'Referral', 'Trade show'] },
    { id: 710002, name: 'Contract date', type: 'date' },
    { id: 710003, name: 'External ID', code: 'EXTERNAL_ID', type: 'text' },
  ],
  contacts: [
    { id: 720001, name: 'Phone', code: 'PHONE', type: 'multitext', enums: PHONE_ENUM_CODES, predefined: true },
    { id: 720002, name: 'Email', code: 'EMAIL', type: 'multitext', enums: EMAIL_ENUM_CODES, predefined: true },
    { id: 720003, name: 'Position', code: 'POSITION', type: 'text', predefined: true },
    { id: 720004, name: 'Instant messenger', code: 'IM', type: 'multitext', enums: IM_ENUM_CODES, predefined: true },
  ],
  companies: [
    { id: 730001, name: 'Phone', code: 'PHONE', type: 'multitext', enums: PHONE_ENUM_CODES, predefined: true },
    { id: 730002, name: 'Web', code: 'WEB', type: 'url', predefined: true },
    { id: 730003, name: 'VAT number', type: 'text' },
    { id: 730004, name: 'Email', code: 'EMAIL', type: 'multitext', enums: EMAIL_ENUM_CODES, predefined: true },
    { id: 730005, name: 'Address', code: 'ADDRESS', type: 'textarea', predefined: true },
  ],
  customers: [],
};

const FIELD_ID_BASE: Readonly<Record<CustomFieldKind, number>> = { leads: 710000, contacts: 720000, companies: 730000, customers: 740000 };
/** Extra fields live in their own id range per kind, after the seeded ones. */
const EXTRA_FIELD_ID_BASE: Readonly<Record<CustomFieldKind, number>> = { leads: 719000, contacts: 729000, companies: 739000, customers: 749000 };
export const MAX_EXTRA_FIELDS = 999;
/** Extra fields cycle through these types, so a long field list still has choices and dates in it. */
const EXTRA_CYCLE: readonly CustomFieldType[] = ['text', 'numeric', 'checkbox', 'select', 'date'];

function templatesOf(kind: CustomFieldKind): FieldTemplate[] {
  const head = HEAD_FIELDS[kind];
  const present = new Set(head.map((field) => field.type));
  let next = FIELD_ID_BASE[kind] + head.length + 1;
  const rest = CUSTOM_FIELD_TYPES.filter((type) => !present.has(type)).map((type): FieldTemplate => ({ id: next++, type, ...TYPE_TEMPLATES[type] }));
  return [...head, ...rest];
}

/** Turns templates into definitions; `nextEnumId` hands out enum ids, distinct for every field. */
function define(templates: readonly FieldTemplate[], nextEnumId: () => number, sortFrom: number): CustomFieldDefinition[] {
  return templates.map((template, index) => ({
    id: template.id,
    name: template.name,
    code: template.code ?? null,
    type: template.type,
    sort: sortFrom + index * 2,
    enums: template.enums ? template.enums.map((value, enumIndex) => ({ id: nextEnumId(), value, sort: (enumIndex + 1) * 2 })) : null,
    isPredefined: template.predefined ?? false,
    remind: template.type === 'birthday' ? 'never' : null,
    ...(template.type === 'monetary' ? { currency: 'USD' } : {}),
    ...(template.type === 'chained_list' ? { chainedLists: [{ title: 'Regions', catalog_id: 8800001, parent_catalog_id: 0 }] } : {}),
  }));
}

/** The account's field definitions per kind, with a configurable number of extra fields. */
export class CustomFieldCatalog {
  private readonly seeded: Readonly<Record<CustomFieldKind, readonly CustomFieldDefinition[]>>;
  private readonly extras = new Map<CustomFieldKind, CustomFieldDefinition[]>();

  constructor() {
    let enumId = 810000;
    const nextEnumId = (): number => ++enumId;
    this.seeded = {
      leads: define(templatesOf('leads'), nextEnumId, 500),
      contacts: define(templatesOf('contacts'), nextEnumId, 500),
      companies: define(templatesOf('companies'), nextEnumId, 500),
      customers: define(templatesOf('customers'), nextEnumId, 500),
    };
  }

  /** Definitions of a kind in `sort` order: seeded first, then the extras. */
  definitions(kind: CustomFieldKind): readonly CustomFieldDefinition[] {
    return [...this.seeded[kind], ...(this.extras.get(kind) ?? [])];
  }

  byId(kind: CustomFieldKind, id: number): CustomFieldDefinition | undefined {
    return this.definitions(kind).find((field) => field.id === id);
  }

  byCode(kind: CustomFieldKind, code: string): CustomFieldDefinition | undefined {
    return this.definitions(kind).find((field) => field.code !== null && field.code === code);
  }

  /** How many extra fields each kind has now. */
  extraCounts(): Partial<Record<CustomFieldKind, number>> {
    return Object.fromEntries([...this.extras].map(([kind, fields]) => [kind, fields.length]));
  }

  /**
   * Give `kind` exactly `count` extra fields (ids and enum ids depend only on kind and position,
   * so the same count always yields the same fields). Values stored for removed fields stay.
   */
  setExtraFields(kind: CustomFieldKind, count: number): void {
    if (!Number.isInteger(count) || count < 0 || count > MAX_EXTRA_FIELDS) {
      throw new RangeError(`extraCustomFields.${kind} must be an integer from 0 to ${MAX_EXTRA_FIELDS}, got ${count}`);
    }
    const base = EXTRA_FIELD_ID_BASE[kind];
    const kindIndex = CUSTOM_FIELD_KINDS.indexOf(kind);
    const templates = Array.from({ length: count }, (_, index): FieldTemplate => {
      const type = EXTRA_CYCLE[index % EXTRA_CYCLE.length];
      return { id: base + index + 1, name: `Extra ${type} ${index + 1}`, type, enums: type === 'select' ? ['One', 'Two', 'Three'] : undefined };
    });
    // Enum ids of extras: a fixed block per kind and field position, clear of the seeded ones.
    const definitions = templates.map((template, index) => {
      let enumId = 900000 + kindIndex * 10000 + index * 3;
      return define([template], () => ++enumId, 10_000 + index * 2)[0];
    });
    if (count === 0) this.extras.delete(kind);
    else this.extras.set(kind, definitions);
  }

  /** Back to no extra fields. */
  clearExtraFields(): void {
    this.extras.clear();
  }
}
