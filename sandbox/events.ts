/**
 * The events journal behind `GET /api/v4/events`: every applied write the change feed publishes
 * becomes zero or more Kommo events, stamped with the write's own sandbox-clock time
 * (docs/kommo-api.md §5, §6; docs/kommo-fidelity.md #7).
 */
import { randomBytes } from 'crypto';
import { isRecord } from './httpIo';
import type { EntityChange } from './changes';
import type { JournalEvent } from './webhookTypes';

/** API collection (plural, as in paths and the change feed) → the singular `entity_type` of events. */
const SINGULAR: Readonly<Record<string, string>> = {
  leads: 'lead',
  contacts: 'contact',
  companies: 'company',
  customers: 'customer',
  tasks: 'task',
};

/** `lead` → `leads`, for links back to the entity. */
export const PLURAL: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(SINGULAR).map(([plural, singular]) => [singular, plural]));

export function singularOf(kind: string): string {
  return SINGULAR[kind] ?? kind.replace(/s$/, '');
}

/**
 * The codes of `GET /api/v4/events/types`, in the docs' order, with English names
 * (docs/kommo-api.md §6). The numeric `type` is known from public code that reads live events
 * for the codes marked below; the others are numbered from 101 in list order (a guess).
 */
const KNOWN_TYPE_NUMBERS: Readonly<Record<string, number>> = {
  lead_added: 1,
  lead_status_changed: 14,
  custom_field_value_changed: 24,
  entity_responsible_changed: 25,
  common_note_added: 27,
  attachment_note_added: 28,
  entity_tag_added: 63,
  sale_field_changed: 69,
  name_field_changed: 70,
  entity_linked: 72,
  incoming_chat_message: 89,
  outgoing_chat_message: 90,
};

const TYPE_NAMES: ReadonlyArray<[string, string]> = [
  ['lead_added', 'New lead'],
  ['lead_deleted', 'Lead deleted'],
  ['lead_restored', 'Lead restored'],
  ['lead_status_changed', 'Lead stage changed'],
  ['lead_linked', 'Lead linked'],
  ['lead_unlinked', 'Lead unlinked'],
  ['contact_added', 'New contact'],
  ['contact_deleted', 'Contact deleted'],
  ['contact_restored', 'Contact restored'],
  ['contact_linked', 'Contact linked'],
  ['contact_unlinked', 'Contact unlinked'],
  ['company_added', 'New company'],
  ['company_deleted', 'Company deleted'],
  ['company_restored', 'Company restored'],
  ['company_linked', 'Company linked'],
  ['company_unlinked', 'Company unlinked'],
  ['customer_added', 'New customer'],
  ['customer_deleted', 'Customer deleted'],
  ['customer_status_changed', 'Customer stage changed'],
  ['customer_linked', 'Customer linked'],
  ['customer_unlinked', 'Customer unlinked'],
  ['task_added', 'New task'],
  ['task_deleted', 'Task deleted'],
  ['task_completed', 'Task completed'],
  ['task_type_changed', 'Task type changed'],
  ['task_text_changed', 'Task text changed'],
  ['task_deadline_changed', 'Task deadline changed'],
  ['task_result_added', 'Task result'],
  ['incoming_call', 'Incoming call'],
  ['outgoing_call', 'Outgoing call'],
  ['incoming_chat_message', 'Incoming chat message'],
  ['outgoing_chat_message', 'Outgoing chat message'],
  ['entity_direct_message', 'Internal message'],
  ['incoming_sms', 'Incoming SMS'],
  ['outgoing_sms', 'Outgoing SMS'],
  ['entity_tag_added', 'Tags added'],
  ['entity_tag_deleted', 'Tags deleted'],
  ['entity_linked', 'Linked'],
  ['entity_unlinked', 'Unlinked'],
  ['sale_field_changed', 'Sale field changed'],
  ['name_field_changed', 'Name field changed'],
  ['ltv_field_changed', 'Total purchases changed'],
  ['custom_field_value_changed', 'Custom field changed'],
  ['entity_responsible_changed', 'Responsible user changed'],
  ['robot_replied', 'AI: bot replied'],
  ['intent_identified', 'AI: intent identified'],
  ['nps_rate_added', 'New NPS rate'],
  ['link_followed', 'Link followed'],
  ['transaction_added', 'Purchase added'],
  ['common_note_added', 'New note'],
  ['common_note_deleted', 'Note deleted'],
  ['attachment_note_added', 'New file'],
  ['targeting_in_note_added', 'Added to retargeting'],
  ['targeting_out_note_added', 'Removed from retargeting'],
  ['geo_note_added', 'New note with geolocation'],
  ['service_note_added', 'New system note'],
  ['site_visit_note_added', 'Site visit'],
  ['message_to_cashier_note_added', 'LifePay: message to cashier'],
  ['key_action_completed', 'Key action completed'],
  ['entity_merged', 'Entities merged'],
];

/** One entry of `GET /api/v4/events/types` (`_embedded.events_types`, the PHP SDK's `EventTypeModel`). */
export interface EventTypeEntry {
  key: string;
  type: number;
  lang: string;
}

export const EVENT_TYPES: readonly EventTypeEntry[] = TYPE_NAMES.map(([key, lang], index) => ({ key, type: KNOWN_TYPE_NUMBERS[key] ?? 101 + index, lang }));

const TYPE_KEYS = new Set(EVENT_TYPES.map((entry) => entry.key));

/** Kommo reports a custom-field change under a per-field code (docs/kommo-api.md §5, events filters). */
export const PER_FIELD_TYPE = /^custom_field_(\d+)_value_changed$/;

export function isEventType(code: string): boolean {
  return TYPE_KEYS.has(code) || PER_FIELD_TYPE.test(code);
}

/** A note's v4 `note_type` → the event code its creation logs (unknown types log as a common note). */
const NOTE_EVENT_TYPES: Readonly<Record<string, string>> = {
  common: 'common_note_added',
  attachment: 'attachment_note_added',
  service_message: 'service_note_added',
  extended_service_message: 'service_note_added',
  geolocation: 'geo_note_added',
  call_in: 'incoming_call',
  call_out: 'outgoing_call',
  sms_in: 'incoming_sms',
  sms_out: 'outgoing_sms',
};

type Derived = Pick<JournalEvent, 'type' | 'value_before' | 'value_after'>;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function tagNames(record: Readonly<Record<string, unknown>> | undefined): string[] {
  const embedded = record?._embedded;
  const tags = isRecord(embedded) && Array.isArray(embedded.tags) ? embedded.tags : [];
  return tags.flatMap((tag: unknown) => (isRecord(tag) && typeof tag.name === 'string' ? [tag.name] : []));
}

interface StoredFieldValue {
  field_id: number;
  values: Array<Record<string, unknown>>;
}

function fieldValues(record: Readonly<Record<string, unknown>> | undefined): Map<number, StoredFieldValue> {
  const list = Array.isArray(record?.custom_fields_values) ? (record.custom_fields_values as unknown[]) : [];
  const fields = new Map<number, StoredFieldValue>();
  for (const field of list) {
    if (!isRecord(field) || typeof field.field_id !== 'number') continue;
    fields.set(field.field_id, { field_id: field.field_id, values: Array.isArray(field.values) ? (field.values as Array<Record<string, unknown>>) : [] });
  }
  return fields;
}

/** `[{custom_field_value: {field_id, enum_id?, text}}]`, one entry per value, as public readers of live events expect. */
function customFieldEntries(field: StoredFieldValue | undefined): unknown[] {
  if (!field) return [];
  return field.values.map((value) => ({
    custom_field_value: {
      field_id: field.field_id,
      ...(typeof value.enum_id === 'number' ? { enum_id: value.enum_id } : {}),
      text: value.value === undefined || value.value === null ? '' : isRecord(value.value) ? JSON.stringify(value.value) : String(value.value),
    },
  }));
}

function customFieldEvents(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): Derived[] {
  const old = fieldValues(before);
  const now = fieldValues(after);
  const ids = [...new Set([...old.keys(), ...now.keys()])].sort((a, b) => a - b);
  return ids
    .filter((id) => !same(old.get(id)?.values, now.get(id)?.values))
    .map((id) => ({ type: `custom_field_${id}_value_changed`, value_before: customFieldEntries(old.get(id)), value_after: customFieldEntries(now.get(id)) }));
}

function tagEvents(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): Derived[] {
  const old = tagNames(before);
  const now = tagNames(after);
  const added = now.filter((name) => !old.includes(name));
  const removed = old.filter((name) => !now.includes(name));
  const events: Derived[] = [];
  // One event per write lists every tag it added (or removed), the way the card's history groups them.
  if (added.length > 0) events.push({ type: 'entity_tag_added', value_before: [], value_after: added.map((name) => ({ tag: { name } })) });
  if (removed.length > 0) events.push({ type: 'entity_tag_deleted', value_before: removed.map((name) => ({ tag: { name } })), value_after: [] });
  return events;
}

function taskEvents(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): Derived[] {
  const events: Derived[] = [];
  const changed = (field: string): boolean => !same(before[field], after[field]);
  if (changed('task_type_id')) {
    events.push({ type: 'task_type_changed', value_before: [{ task_type: { id: before.task_type_id } }], value_after: [{ task_type: { id: after.task_type_id } }] });
  }
  if (changed('text')) events.push({ type: 'task_text_changed', value_before: [{ text: { text: before.text } }], value_after: [{ text: { text: after.text } }] });
  if (changed('complete_till')) {
    events.push({
      type: 'task_deadline_changed',
      value_before: [{ task_deadline: { timestamp: before.complete_till } }],
      value_after: [{ task_deadline: { timestamp: after.complete_till } }],
    });
  }
  if (before.is_completed !== true && after.is_completed === true) events.push({ type: 'task_completed', value_before: [], value_after: [] });
  return events;
}

function updateEvents(kind: string, before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): Derived[] {
  const events: Derived[] = [];
  const changed = (field: string): boolean => !same(before[field], after[field]);
  if (kind === 'leads' && (changed('status_id') || changed('pipeline_id'))) {
    events.push({
      type: 'lead_status_changed',
      value_before: [{ lead_status: { id: before.status_id, pipeline_id: before.pipeline_id } }],
      value_after: [{ lead_status: { id: after.status_id, pipeline_id: after.pipeline_id } }],
    });
  }
  if (changed('responsible_user_id')) {
    events.push({
      type: 'entity_responsible_changed',
      value_before: [{ responsible_user: { id: before.responsible_user_id } }],
      value_after: [{ responsible_user: { id: after.responsible_user_id } }],
    });
  }
  if (kind !== 'tasks' && changed('name')) {
    events.push({ type: 'name_field_changed', value_before: [{ name_field_value: { name: before.name } }], value_after: [{ name_field_value: { name: after.name } }] });
  }
  if (kind === 'leads' && changed('price')) {
    events.push({ type: 'sale_field_changed', value_before: [{ sale_field_value: { sale: before.price } }], value_after: [{ sale_field_value: { sale: after.price } }] });
  }
  if (kind === 'tasks') return [...events, ...taskEvents(before, after)];
  return [...events, ...customFieldEvents(before, after), ...tagEvents(before, after)];
}

/** The events one applied write logs, in a fixed order. A write that changes nothing Kommo journals logs none. */
export function deriveEvents(change: EntityChange): Derived[] {
  const singular = singularOf(change.kind);
  switch (change.action) {
    case 'add':
      return [{ type: `${singular}_added`, value_before: [], value_after: [] }];
    case 'delete':
      return [{ type: `${singular}_deleted`, value_before: [], value_after: [] }];
    case 'restore':
      return [{ type: `${singular}_restored`, value_before: [], value_after: [] }];
    case 'note': {
      const noteType = typeof change.note?.note_type === 'string' ? change.note.note_type : 'common';
      return [{ type: NOTE_EVENT_TYPES[noteType] ?? 'common_note_added', value_before: [], value_after: [{ note: { id: change.note?.id } }] }];
    }
    case 'link':
    case 'unlink': {
      const entry = change.link ? [{ link: { entity: { id: change.link.toId, type: singularOf(change.link.toKind) } } }] : [];
      return change.action === 'link'
        ? [{ type: 'entity_linked', value_before: [], value_after: entry }]
        : [{ type: 'entity_unlinked', value_before: entry, value_after: [] }];
    }
    case 'update':
      return change.before && change.after ? updateEvents(change.kind, change.before, change.after) : [];
  }
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const RANDOM_BITS = 80n;

function base32(value: bigint, length: number): string {
  let text = '';
  let rest = value;
  for (let index = 0; index < length; index += 1) {
    text = CROCKFORD[Number(rest & 31n)] + text;
    rest >>= 5n;
  }
  return text;
}

/**
 * Lowercase ULIDs like Kommo's event ids (`01drbfj5a8k9zd60bgg907a6w9`, docs/kommo-api.md §8): 48 bits
 * of milliseconds, 80 random bits, and monotonic, so that events stamped in the same second (or with
 * a clock that went back) still sort in the order they were logged.
 */
export class UlidSource {
  private lastMs = -1;
  private lastRandom = 0n;

  next(ms: number): string {
    if (ms <= this.lastMs) {
      this.lastRandom += 1n;
    } else {
      this.lastMs = ms;
      this.lastRandom = BigInt(`0x${randomBytes(10).toString('hex')}`) >> 1n; // leave room to count up
    }
    return base32(BigInt(this.lastMs), 10) + base32(this.lastRandom & ((1n << RANDOM_BITS) - 1n), 16);
  }
}

/** Events in the order they were logged (which is also id order). */
export class EventJournal {
  private readonly events: JournalEvent[] = [];
  private readonly ids = new UlidSource();

  constructor(private readonly accountId: number) {}

  /** The change-feed listener. */
  record(change: EntityChange): void {
    for (const derived of deriveEvents(change)) {
      this.events.push({
        id: this.ids.next(change.atSeconds * 1000),
        type: derived.type,
        entity_id: change.id,
        entity_type: singularOf(change.kind),
        created_by: change.userId,
        created_at: change.atSeconds,
        value_after: derived.value_after,
        value_before: derived.value_before,
        account_id: this.accountId,
      });
    }
  }

  all(): readonly JournalEvent[] {
    return this.events;
  }

  get(id: string): JournalEvent | undefined {
    return this.events.find((event) => event.id === id);
  }

  reset(): void {
    this.events.length = 0;
  }
}
