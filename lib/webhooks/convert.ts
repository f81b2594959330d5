/**
 * Turns a decoded Kommo webhook delivery into one event per entity, each entity in the v4 shape.
 *
 * Kommo's deliveries use the legacy (v2) vocabulary (docs/kommo-fidelity.md "Webhook deliveries",
 * docs/kommo-api.md §9): every value is a string; `last_modified`, `date_create`,
 * `created_user_id`, `modified_user_id`; custom fields as `custom_fields[i][id|name|code|values[j][value|enum]]`
 * (a date may be a bare `values[0]=1615845600`); companies under `contacts` with `type=company`;
 * tasks under the singular `task` with `element_id` / `element_type`; notes wrapped in a `note`
 * group. This module maps all of that onto the names and types `GET /api/v4/...` returns, so a
 * flow sees one shape whether an object came from a webhook or from a lookup.
 *
 * The seam for the custom-field codec: `custom_fields_values` here carries what the delivery
 * says (`field_id`, `field_name`, `field_code`, `values[{value, enum_id | enum_code}]`) without
 * field types, which a delivery does not carry. A later step decorates the objects (typed
 * values, `custom_fields_by_id`) from the account's field definitions.
 *
 * The account in a delivery is reported, never trusted: `account[subdomain]` and
 * `account[_links][self]` are unauthenticated text and must never choose where a request goes
 * (docs/kommo-api.md §11 "Webhooks"). Only `account.id` and `account.subdomain` are passed on,
 * as data.
 */
import { branchAt, FormTree, FormValue, isForbiddenSegment, orderedChildren, textAt } from './form';
import { WallClock, wallClock } from './localTime';

/** The object types a delivery's entities are reported as (the v4 collection names). */
export type WebhookEntityType = 'leads' | 'contacts' | 'companies' | 'tasks' | 'customers';

/** Kommo's action words in deliveries and in subscription codes (`status` in `status_lead`). */
export type WebhookAction = 'add' | 'update' | 'delete' | 'restore' | 'status' | 'responsible' | 'note';

/** A JSON value, as emitted in a message body. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An entity in the v4 shape: at least a numeric `id`, then whatever the delivery carried, renamed and typed. */
export interface V4Object {
  id: number;
  [key: string]: JsonValue;
}

/** The account a delivery names. Data only: never used to address a request. */
export interface WebhookAccount {
  readonly id: number;
  /** As the delivery spelled it; empty when the delivery had none. */
  readonly subdomain: string;
}

/** One message's body: one entity of a delivery. */
export interface WebhookEvent {
  /** Kommo's subscription code: `add_lead`, `status_lead`, `add_company`, `responsible_task`, `note_contact`, … */
  event: string;
  entity_type: WebhookEntityType;
  action: WebhookAction;
  account: WebhookAccount;
  /**
   * The entity in the v4 shape. For `note` events it is the note (v4 note shape: `entity_id` is
   * the lead, contact, company or customer it was added to).
   */
  object: V4Object;
}

/** How to convert. */
export interface ConvertOptions {
  /** The account's IANA time zone: tasks carry some dates as wall-clock text in it. */
  readonly timeZone: string;
  /** When given, only these subscription codes become events; others are skipped with a reason. */
  readonly events?: ReadonlySet<string>;
}

/** The outcome of converting a delivery. */
export type ConvertedDelivery =
  | {
    readonly ok: true;
    readonly account: WebhookAccount;
    readonly events: WebhookEvent[];
    /** What was left out and why, one line per kind with a count (no delivered values). Empty when nothing was. */
    readonly skipped: string[];
  }
  | { readonly ok: false; readonly reason: string };

/** Top-level delivery keys for entities this trigger reports. A Map, so `constructor` & co. are not found. */
const ENTITY_KEYS: ReadonlyMap<string, WebhookEntityType> = new Map<string, WebhookEntityType>([
  ['leads', 'leads'],
  ['contacts', 'contacts'],
  ['companies', 'companies'],
  ['task', 'tasks'],
  ['tasks', 'tasks'],
  ['customers', 'customers'],
]);

/** Top-level keys Kommo sends for things this trigger does not report (docs/kommo-api.md §9). */
const UNSUPPORTED_KEYS: ReadonlySet<string> = new Set(['unsorted', 'talk', 'message', 'catalogs']);

const ACTIONS: ReadonlySet<string> = new Set<WebhookAction>(['add', 'update', 'delete', 'restore', 'status', 'responsible', 'note']);

/** The singular in Kommo's subscription codes. */
const SINGULAR: Readonly<Record<WebhookEntityType, string>> = {
  leads: 'lead',
  contacts: 'contact',
  companies: 'company',
  tasks: 'task',
  customers: 'customer',
};

/** Legacy field names and their v4 names. A v4 name present in the same entity wins. */
const LEGACY_NAMES: ReadonlyMap<string, string> = new Map([
  ['last_modified', 'updated_at'],
  ['date_create', 'created_at'],
  ['date_close', 'closed_at'],
  ['created_user_id', 'created_by'],
  ['modified_user_id', 'updated_by'],
]);

/** Task fields renamed in v4. */
const TASK_NAMES: ReadonlyMap<string, string> = new Map([
  ['element_id', 'entity_id'],
  ['task_type', 'task_type_id'],
  // Kommo sends the deadline twice: `complete_till` as wall-clock text and `complete_before` in Unix seconds.
  ['complete_before', 'complete_till'],
]);

/** Legacy `element_type` codes of tasks and notes (docs/kommo-fidelity.md "Webhook deliveries"). */
const ELEMENT_TYPES: ReadonlyMap<string, WebhookEntityType> = new Map<string, WebhookEntityType>([
  ['1', 'contacts'],
  ['2', 'leads'],
  ['3', 'companies'],
  ['12', 'customers'],
]);

/** Legacy numeric note types and their v4 names; other codes are passed on as delivered. */
const NOTE_TYPES: ReadonlyMap<string, string> = new Map([
  ['4', 'common'],
  ['5', 'attachment'],
  ['10', 'call_in'],
  ['11', 'call_out'],
  ['25', 'service_message'],
  ['102', 'sms_in'],
  ['103', 'sms_out'],
]);

/** Fields that are numbers in v4 although their names do not end in `_id` or `_at`. */
const NUMERIC_NAMES: ReadonlySet<string> = new Set([
  'id', 'price', 'score', 'sort', 'duration', 'created_by', 'updated_by',
  'next_price', 'periodicity', 'ltv', 'purchases_count', 'average_check', 'next_date',
]);

/** Fields that are Unix seconds in v4 and may arrive as wall-clock text in task deliveries. */
const TIMESTAMP_NAMES: ReadonlySet<string> = new Set(['created_at', 'updated_at', 'closed_at', 'closest_task_at', 'complete_till', 'next_date']);

/** Fields that are booleans in v4. */
const BOOLEAN_NAMES: ReadonlySet<string> = new Set(['is_deleted', 'is_completed', 'is_unsorted', 'is_price_computed']);

/** A decimal number as Kommo writes one: no sign games, no exponent, no leading zeros. */
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** A number for canonical decimal text within the safe range, else `undefined`. */
function decimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  if (!text.includes('.') && !Number.isSafeInteger(value)) return undefined;
  return value;
}

/** A positive safe integer id, else `undefined`. */
function positiveId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Key names repeated in reasons only when they look like Kommo's own, so reasons never echo arbitrary input. */
function nameForReason(key: string): string {
  return /^[a-z_]{1,40}$/.test(key) ? key : 'an unrecognised key';
}

/** Counts skip reasons, so a delivery with 500 unsupported items logs one line, not 500. */
class Skips {
  private readonly counts = new Map<string, number>();

  add(reason: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  lines(): string[] {
    return [...this.counts].map(([reason, count]) => (count === 1 ? reason : `${reason} (${count} times)`));
  }
}

/** Converts field values one way for every entity type. */
class FieldTyper {
  constructor(private readonly clock: WallClock) {}

  /** A scalar field's v4 value, by the v4 field name. */
  scalar(name: string, text: string): JsonValue {
    if (BOOLEAN_NAMES.has(name)) {
      if (text === '1' || text === 'true') return true;
      if (text === '0' || text === 'false' || text === '') return false;
      return text;
    }
    const isTimestamp = TIMESTAMP_NAMES.has(name);
    if (isTimestamp || NUMERIC_NAMES.has(name) || /_(?:id|at)$/.test(name)) {
      if (text === '') return null;
      const number = decimal(text);
      if (number !== undefined) return number;
      if (isTimestamp) return this.clock.toUnixSeconds(text) ?? text;
    }
    return text;
  }

  /** A field's v4 value: scalars typed by name, groups as arrays (all keys indexes) or objects. */
  field(name: string, value: FormValue): JsonValue {
    if (typeof value === 'string') return this.scalar(name, value);
    const children = orderedChildren(value).filter(([key]) => !isForbiddenSegment(key));
    if (children.length > 0 && children.every(([key]) => /^(?:0|[1-9]\d*)$/.test(key))) {
      // Array items have no name of their own: text stays text.
      return children.map(([, item]) => (typeof item === 'string' ? item : this.field('', item)));
    }
    const object: { [key: string]: JsonValue } = {};
    for (const [key, item] of children) object[key] = this.field(key, item);
    return object;
  }
}

/** The legacy custom-field shape → v4 `custom_fields_values`. */
function customFieldsValues(group: FormValue, typer: FieldTyper, skips: Skips): JsonValue[] {
  if (typeof group === 'string') {
    skips.add('custom_fields that are not a list were ignored');
    return [];
  }
  const fields: JsonValue[] = [];
  for (const [, field] of orderedChildren(group)) {
    const fieldId = typeof field === 'string' ? undefined : positiveId(textAt(field, 'id'));
    if (typeof field === 'string' || fieldId === undefined) {
      skips.add('custom fields without a numeric id were ignored');
      continue;
    }
    const values: JsonValue[] = [];
    const delivered = field.get('values');
    const entries = delivered === undefined ? [] : typeof delivered === 'string' ? [delivered] : orderedChildren(delivered).map(([, value]) => value);
    for (const entry of entries) {
      if (typeof entry === 'string') {
        // The bare form (`values[0]=1615845600`) is how date fields arrive; v4 dates are Unix seconds.
        values.push({ value: decimal(entry) ?? entry });
        continue;
      }
      const value: { [key: string]: JsonValue } = {};
      for (const [key, part] of entry) {
        if (key === 'enum' && typeof part === 'string') {
          // Select options come as enum ids; older multitext values (PHONE, EMAIL) as codes such as WORK.
          // "0" or "" means no option.
          const enumId = positiveId(part);
          if (enumId !== undefined) value.enum_id = enumId;
          else if (part !== '' && decimal(part) === undefined) value.enum_code = part;
        } else if (!isForbiddenSegment(key)) {
          // `value` stays text: numeric fields read back as text in v4 too; the codec types values by field type.
          value[key] = key === 'value' ? typer.field('', part) : typer.field(key, part);
        }
      }
      values.push(value);
    }
    const code = textAt(field, 'code');
    fields.push({
      field_id: fieldId,
      field_name: textAt(field, 'name') ?? null,
      field_code: code === undefined || code === '' ? null : code,
      values,
    });
  }
  return fields;
}

/** `tags[i][id|name]` → `[{id, name}]`. */
function tags(group: FormValue, skips: Skips): JsonValue[] {
  const list: JsonValue[] = [];
  if (typeof group === 'string') {
    skips.add('tags that are not a list were ignored');
    return list;
  }
  for (const [, tag] of orderedChildren(group)) {
    const id = typeof tag === 'string' ? undefined : positiveId(textAt(tag, 'id'));
    if (typeof tag === 'string' || id === undefined) {
      skips.add('tags without a numeric id were ignored');
      continue;
    }
    list.push({ id, name: textAt(tag, 'name') ?? '' });
  }
  return list;
}

/** `linked_leads_id[<id>][ID]=<id>` (companies and contacts) → `[{id}]`. */
function linkedIds(group: FormValue): JsonValue[] {
  if (typeof group === 'string') {
    const id = positiveId(group);
    return id === undefined ? [] : [{ id }];
  }
  const list: JsonValue[] = [];
  for (const [key, value] of orderedChildren(group)) {
    const id = positiveId(typeof value === 'string' ? value : textAt(value, 'ID') ?? textAt(value, 'id') ?? key);
    if (id !== undefined) list.push({ id });
  }
  return list;
}

/** Converts one entity (not a note) of a delivery. `undefined` when it has no numeric id. */
function convertEntity(item: FormTree, entityType: WebhookEntityType, typer: FieldTyper, skips: Skips): V4Object | undefined {
  const id = positiveId(textAt(item, 'id'));
  if (id === undefined) return undefined;
  const object: V4Object = { id };
  const renamed = new Map<string, JsonValue>();
  const embedded: { [key: string]: JsonValue } = {};
  for (const [key, value] of item) {
    if (key === 'id' || isForbiddenSegment(key)) continue;
    if (key === 'custom_fields') {
      object.custom_fields_values = customFieldsValues(value, typer, skips);
      continue;
    }
    if (key === 'tags') {
      embedded.tags = tags(value, skips);
      continue;
    }
    if ((entityType === 'contacts' || entityType === 'companies') && key === 'type') continue;
    if (entityType === 'contacts' || entityType === 'companies') {
      const linkedType = key === 'linked_company_id' ? 'companies' : key === 'linked_leads_id' ? 'leads' : undefined;
      if (linkedType !== undefined) {
        const linked = linkedIds(value);
        if (linked.length > 0) embedded[linkedType] = linked;
        continue;
      }
    }
    if (entityType === 'tasks' && typeof value === 'string') {
      if (key === 'element_type') {
        const type = ELEMENT_TYPES.get(value);
        if (type !== undefined) renamed.set('entity_type', type);
        else object.element_type = decimal(value) ?? value;
        continue;
      }
      if (key === 'status' && (value === '0' || value === '1')) {
        renamed.set('is_completed', value === '1');
        continue;
      }
      const taskName = TASK_NAMES.get(key);
      if (taskName !== undefined) {
        renamed.set(taskName, typer.scalar(taskName, value));
        continue;
      }
    }
    const v4Name = LEGACY_NAMES.get(key);
    if (v4Name !== undefined && typeof value === 'string') {
      renamed.set(v4Name, typer.scalar(v4Name, value));
      continue;
    }
    object[key] = typer.field(key, value);
  }
  // A field under its v4 name beats the same field under a legacy name, except where the legacy
  // one is the better value: a task's `complete_before` (Unix seconds) over `complete_till` (wall clock).
  for (const [name, value] of renamed) {
    const preferRenamed = entityType === 'tasks' && name === 'complete_till' && typeof value === 'number';
    if (preferRenamed || !Object.hasOwn(object, name)) object[name] = value;
  }
  if (Object.keys(embedded).length > 0) object._embedded = embedded;
  return object;
}

/** Converts one note (`leads[note][0][note][...]`). `undefined` when it has no numeric id. */
function convertNote(item: FormTree, typer: FieldTyper): V4Object | undefined {
  const note = branchAt(item, 'note') ?? item;
  const id = positiveId(textAt(note, 'id'));
  if (id === undefined) return undefined;
  const object: V4Object = { id };
  const renamed = new Map<string, JsonValue>();
  const params: { [key: string]: JsonValue } = {};
  for (const [key, value] of note) {
    if (key === 'id' || key === 'element_type' || isForbiddenSegment(key)) continue;
    if (typeof value === 'string') {
      if (key === 'element_id') {
        renamed.set('entity_id', typer.scalar('entity_id', value));
        continue;
      }
      if (key === 'note_type') {
        object.note_type = NOTE_TYPES.get(value) ?? value;
        continue;
      }
      if (key === 'text') {
        params.text = value;
        continue;
      }
      const v4Name = LEGACY_NAMES.get(key);
      if (v4Name !== undefined) {
        renamed.set(v4Name, typer.scalar(v4Name, value));
        continue;
      }
    }
    object[key] = typer.field(key, value);
  }
  for (const [name, value] of renamed) if (!Object.hasOwn(object, name)) object[name] = value;
  if (Object.keys(params).length > 0) object.params = params;
  return object;
}

/** Which object type a `contacts` entry is: Kommo puts companies there too, marked `type=company`. */
function contactsEntryType(item: FormTree, action: WebhookAction): WebhookEntityType | undefined {
  if (action === 'note') {
    const note = branchAt(item, 'note') ?? item;
    return ELEMENT_TYPES.get(textAt(note, 'element_type') ?? '') === 'companies' ? 'companies' : 'contacts';
  }
  const type = textAt(item, 'type');
  if (type === undefined || type === 'contact') return 'contacts';
  if (type === 'company') return 'companies';
  return undefined;
}

/** The account a delivery names, or `undefined` when it names none. */
function deliveryAccount(tree: FormTree): WebhookAccount | undefined {
  const account = branchAt(tree, 'account');
  if (account === undefined) return undefined;
  const id = positiveId(textAt(account, 'id'));
  if (id === undefined) return undefined;
  return { id, subdomain: textAt(account, 'subdomain') ?? '' };
}

/**
 * Converts a decoded delivery into one event per entity, in delivery order. Refuses a delivery
 * that names no account or yields no event (empty, or only things this trigger does not report),
 * with a reason for the log. Throws a `KommoConfigError` for an unknown time zone.
 */
export function convertDelivery(tree: FormTree, options: ConvertOptions): ConvertedDelivery {
  const typer = new FieldTyper(wallClock(options.timeZone));
  const account = deliveryAccount(tree);
  if (account === undefined) return { ok: false, reason: 'the delivery names no account (account[id])' };
  const skips = new Skips();
  const events: WebhookEvent[] = [];
  for (const [key, group] of tree) {
    if (key === 'account') continue;
    const deliveredType = ENTITY_KEYS.get(key);
    if (deliveredType === undefined) {
      skips.add(UNSUPPORTED_KEYS.has(key)
        ? `${key} entries are not reported by this trigger and were ignored`
        : `the delivery key ${nameForReason(key)} is not a Kommo entity and was ignored`);
      continue;
    }
    if (typeof group === 'string') {
      skips.add(`${key} without actions was ignored`);
      continue;
    }
    for (const [actionKey, items] of group) {
      if (!ACTIONS.has(actionKey) || typeof items === 'string') {
        skips.add(`${key} with the unknown action ${nameForReason(actionKey)} was ignored`);
        continue;
      }
      const action = actionKey as WebhookAction;
      for (const [, item] of orderedChildren(items)) {
        if (typeof item === 'string') {
          skips.add(`${key}[${action}] entries that are not groups of fields were ignored`);
          continue;
        }
        const entityType = deliveredType === 'contacts' ? contactsEntryType(item, action) : deliveredType;
        if (entityType === undefined) {
          skips.add(`${key}[${action}] entries of an unknown type were ignored`);
          continue;
        }
        const event = `${action}_${SINGULAR[entityType]}`;
        if (options.events !== undefined && !options.events.has(event)) {
          skips.add(`${event} is not among the subscribed events; its entities were ignored`);
          continue;
        }
        const object = action === 'note' ? convertNote(item, typer) : convertEntity(item, entityType, typer, skips);
        if (object === undefined) {
          skips.add(`${key}[${action}] entries without a numeric id were ignored`);
          continue;
        }
        events.push({ event, entity_type: entityType, action, account, object });
      }
    }
  }
  if (events.length === 0) {
    const why = skips.lines();
    return { ok: false, reason: why.length === 0 ? 'the delivery contains no entities' : `the delivery contains no reportable entities: ${why.join('; ')}` };
  }
  return { ok: true, account, events, skipped: skips.lines() };
}
