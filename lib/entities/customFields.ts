/**
 * Custom-field definitions of an account (`GET /api/v4/{type}/custom_fields`, docs/kommo-api.md
 * §6–7, docs/kommo-fidelity.md #8) and how each Kommo `field_type` travels in a message
 * (docs/design.md "How an object looks in a message"). Shared by the codec, the schema builder,
 * the select models and matching.
 */
import { isRecord } from './reader';

/** One option of a select, multiselect or radiobutton field, or an enum code of a multitext field. */
export interface CustomFieldEnum {
  readonly id: number;
  /** The label (selects) or the enum code (multitext: `WORK`, `MOB`, …). */
  readonly value: string;
  readonly sort?: number;
}

/** A stage in which Kommo requires a lead field (`required_statuses`). */
export interface RequiredStatus {
  readonly pipeline_id: number;
  readonly status_id: number;
}

/** A custom field of the account, normalised from Kommo's definition. */
export interface CustomFieldDefinition {
  readonly id: number;
  readonly name: string;
  /** `PHONE`, `EMAIL`, … for predefined fields, else null. */
  readonly code: string | null;
  /** Kommo's `type` (`text`, `select`, `multitext`, …; new types pass through). */
  readonly type: string;
  readonly enums: readonly CustomFieldEnum[] | null;
  /** Kommo's `is_required`: refused on create without a value. */
  readonly isRequired: boolean;
  /** Stages in which Kommo requires a value (leads). */
  readonly requiredStatuses: readonly RequiredStatus[];
  readonly isApiOnly: boolean;
  readonly sort: number;
}

/**
 * How a field's value looks in `custom_fields_by_id`:
 * `string`, `number`, `boolean`; `day` (`YYYY-MM-DD`); `dateTime` (ISO 8601 with offset);
 * `option` (a label); `options` (labels); `multitext` (`[{value, enum_code}]`);
 * `raw` (Kommo's `values` array as is, for every other type).
 */
export type ValueKind = 'string' | 'number' | 'boolean' | 'day' | 'dateTime' | 'option' | 'options' | 'multitext' | 'raw';

/** The table of docs/design.md "How an object looks in a message", as data. Types not listed are `raw`. */
export const FIELD_TYPE_KINDS: Readonly<Record<string, ValueKind>> = {
  text: 'string',
  textarea: 'string',
  url: 'string',
  streetaddress: 'string',
  numeric: 'number',
  price: 'number',
  monetary: 'number',
  checkbox: 'boolean',
  date: 'day',
  birthday: 'day',
  date_time: 'dateTime',
  select: 'option',
  radiobutton: 'option',
  multiselect: 'options',
  multitext: 'multitext',
};

/** The value kind of a Kommo field type. */
export function valueKind(fieldType: string): ValueKind {
  return Object.prototype.hasOwnProperty.call(FIELD_TYPE_KINDS, fieldType) ? FIELD_TYPE_KINDS[fieldType] : 'raw';
}

/** Field types usable as a `cf_<id>` lookup/upsert criterion (docs/design.md "Dynamic metadata"). */
export const CRITERION_FIELD_TYPES: readonly string[] = ['text', 'numeric', 'url'];

/** Enum codes of Kommo's predefined multitext fields (docs/kommo-fidelity.md #9), for messages when a field lists none. */
export const PREDEFINED_ENUM_CODES: Readonly<Record<string, readonly string[]>> = {
  PHONE: ['WORK', 'WORKDD', 'MOB', 'FAX', 'HOME', 'OTHER'],
  EMAIL: ['WORK', 'PRIV', 'OTHER'],
};

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function parseEnums(value: unknown): CustomFieldEnum[] | null {
  if (!Array.isArray(value)) return null;
  return value.filter(isRecord).flatMap((item) => {
    const id = toNumber(item.id);
    if (id === undefined || item.value === undefined || item.value === null) return [];
    const sort = toNumber(item.sort);
    return [{ id, value: String(item.value), ...(sort !== undefined ? { sort } : {}) }];
  });
}

function parseRequiredStatuses(value: unknown): RequiredStatus[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).flatMap((item) => {
    const pipelineId = toNumber(item.pipeline_id);
    const statusId = toNumber(item.status_id);
    return pipelineId === undefined || statusId === undefined ? [] : [{ pipeline_id: pipelineId, status_id: statusId }];
  });
}

/**
 * Normalises one item of Kommo's custom-field list. Items without a numeric id or a type are
 * dropped (they cannot be addressed by id); a missing name becomes `Field <id>`.
 */
export function parseFieldDefinition(item: unknown): CustomFieldDefinition | undefined {
  if (!isRecord(item)) return undefined;
  const id = toNumber(item.id);
  if (id === undefined || typeof item.type !== 'string') return undefined;
  return {
    id,
    name: typeof item.name === 'string' && item.name.trim() !== '' ? item.name : `Field ${id}`,
    code: typeof item.code === 'string' && item.code !== '' ? item.code : null,
    type: item.type,
    enums: parseEnums(item.enums),
    isRequired: item.is_required === true,
    requiredStatuses: parseRequiredStatuses(item.required_statuses),
    isApiOnly: item.is_api_only === true,
    sort: toNumber(item.sort) ?? 0,
  };
}

/** The field with a given code (`PHONE`, `EMAIL`), if the account has it. */
export function fieldByCode(fields: readonly CustomFieldDefinition[], code: string): CustomFieldDefinition | undefined {
  return fields.find((field) => field.code === code);
}

/** Short description of a field for messages: `710001 "Deal source" (select)`. */
export function describeField(field: CustomFieldDefinition): string {
  return `${field.id} "${field.name}" (${field.type})`;
}
