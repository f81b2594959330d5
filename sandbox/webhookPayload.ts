/**
 * The body of a webhook delivery in Kommo's legacy shape (docs/kommo-fidelity.md, "Webhook
 * deliveries as Kommo sends them"; docs/kommo-api.md §8, §9): entity keys `leads`, `contacts`
 * (companies too, with `type=company`), `task` (singular) and `customers`; actions `add`, `update`,
 * `delete`, `restore`, `status`, `responsible`, `note`; legacy field names; legacy `custom_fields`;
 * and the `account` block. Values are left as numbers here; the form encoder makes them strings.
 */
import { isRecord } from './httpIo';
import type { EntityChange } from './changes';
import type { FormValue } from './formEncoding';

/** Who the deliveries come from. */
export interface PayloadAccount {
  id: number;
  subdomain: string;
  /** IANA zone the account shows local times in; task deliveries carry formatted local datetimes (§8). */
  timeZone: string;
}

type Item = { [key: string]: FormValue };
type Payload = { [key: string]: FormValue };

/** Change-feed collection → delivery key and the suffix of its subscription codes (`add_<suffix>`). */
const TARGETS: Readonly<Record<string, { key: string; code: string }>> = {
  leads: { key: 'leads', code: 'lead' },
  contacts: { key: 'contacts', code: 'contact' },
  companies: { key: 'contacts', code: 'company' },
  customers: { key: 'customers', code: 'customer' },
  tasks: { key: 'task', code: 'task' },
};

/** Legacy `element_type` numbers of the entity a task or note belongs to. */
const ELEMENT_TYPES: Readonly<Record<string, number>> = { contacts: 1, leads: 2, companies: 3, customers: 12 };

/** v4 `note_type` → the legacy numeric code deliveries carry; types without a known code keep their v4 name. */
const LEGACY_NOTE_TYPES: Readonly<Record<string, number>> = { common: 4, call_in: 10, call_out: 11, service_message: 25, sms_in: 102, sms_out: 103 };

/** Field types whose values arrive bare (`custom_fields[i][values][0]=1615845600`, no `[value]`). */
const BARE_VALUE_TYPES = new Set(['date', 'date_time', 'birthday']);

type RecordView = Readonly<Record<string, unknown>>;

const num = (value: unknown): FormValue => (typeof value === 'number' || typeof value === 'string' ? value : undefined);

function legacyValue(value: unknown): FormValue {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(legacyValue);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, legacyValue(item)]));
  return String(value);
}

/** `custom_fields_values` (v4 read shape) → legacy `custom_fields[i][id|name|code|values[j][value|enum]]`. */
function legacyCustomFields(record: RecordView): FormValue {
  if (!Array.isArray(record.custom_fields_values)) return undefined;
  return (record.custom_fields_values as unknown[]).filter(isRecord).map((field) => ({
    id: num(field.field_id),
    name: num(field.field_name),
    code: num(field.field_code),
    values: (Array.isArray(field.values) ? (field.values as unknown[]) : []).filter(isRecord).map((value): FormValue => {
      if (BARE_VALUE_TYPES.has(String(field.field_type))) return legacyValue(value.value);
      return { value: legacyValue(value.value), enum: num(value.enum_id) };
    }),
  }));
}

function legacyTags(record: RecordView): FormValue {
  const embedded = record._embedded;
  if (!isRecord(embedded) || !Array.isArray(embedded.tags) || embedded.tags.length === 0) return undefined;
  return (embedded.tags as unknown[]).filter(isRecord).map((tag) => ({ id: num(tag.id), name: num(tag.name) }));
}

/** `2024-09-17 13:07:29` in the account's zone, as task deliveries carry it (docs/kommo-api.md §8). */
export function localDateTime(unixSeconds: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(unixSeconds * 1000));
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((candidate) => candidate.type === type)?.value ?? '00';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

function legacyTask(record: RecordView, account: PayloadAccount): Item {
  const local = (value: unknown): FormValue => (typeof value === 'number' ? localDateTime(value, account.timeZone) : undefined);
  return {
    id: num(record.id),
    element_id: num(record.entity_id),
    element_type: typeof record.entity_type === 'string' ? ELEMENT_TYPES[record.entity_type] : undefined,
    task_type: num(record.task_type_id),
    text: num(record.text),
    status: record.is_completed === true ? 1 : 0,
    responsible_user_id: num(record.responsible_user_id),
    complete_till: local(record.complete_till),
    date_create: local(record.created_at),
    last_modified: local(record.updated_at),
    created_user_id: num(record.created_by),
    modified_user_id: num(record.updated_by),
    group_id: num(record.group_id),
    account_id: account.id,
    created_at: num(record.created_at),
    updated_at: num(record.updated_at),
  };
}

/** A lead, contact, company or customer in the legacy shape. */
function legacyEntity(kind: string, record: RecordView, account: PayloadAccount): Item {
  if (kind === 'tasks') return legacyTask(record, account);
  return {
    id: num(record.id),
    name: num(record.name),
    ...(kind === 'leads' ? { status_id: num(record.status_id), price: num(record.price) } : {}),
    responsible_user_id: num(record.responsible_user_id),
    last_modified: num(record.updated_at),
    modified_user_id: num(record.updated_by),
    created_user_id: num(record.created_by),
    date_create: num(record.created_at),
    ...(kind === 'leads' ? { pipeline_id: num(record.pipeline_id) } : {}),
    ...(kind === 'contacts' || kind === 'companies' ? { type: kind === 'contacts' ? 'contact' : 'company' } : {}),
    account_id: account.id,
    custom_fields: legacyCustomFields(record),
    tags: legacyTags(record),
    created_at: num(record.created_at),
    updated_at: num(record.updated_at),
  };
}

function legacyNote(change: EntityChange, account: PayloadAccount): Item {
  const note = change.note ?? {};
  const params = isRecord(note.params) ? note.params : {};
  const noteType = typeof note.note_type === 'string' ? note.note_type : 'common';
  return {
    note: {
      id: num(note.id),
      element_id: change.id,
      element_type: ELEMENT_TYPES[change.kind],
      note_type: LEGACY_NOTE_TYPES[noteType] ?? noteType,
      text: num(params.text) ?? '',
      date_create: num(note.created_at) ?? change.atSeconds,
      last_modified: num(note.updated_at) ?? change.atSeconds,
      created_by: num(note.created_by) ?? change.userId,
      main_user_id: num(note.responsible_user_id),
      account_id: account.id,
    },
  };
}

/** One entry of a delivery: under `key[action]`, sent only to subscriptions holding `code`. */
interface Entry {
  key: string;
  action: string;
  code: string;
  item: Item;
}

const changedField = (change: EntityChange, field: string): boolean =>
  JSON.stringify(change.before?.[field] ?? null) !== JSON.stringify(change.after?.[field] ?? null);

function entriesOf(change: EntityChange, account: PayloadAccount): Entry[] {
  const target = TARGETS[change.kind];
  if (!target) return [];
  const entry = (action: string, item: Item): Entry => ({ key: target.key, action, code: `${action}_${target.code}`, item });
  const { before, after } = change;
  switch (change.action) {
    case 'add':
    case 'restore':
      return after ? [entry(change.action, legacyEntity(change.kind, after, account))] : [];
    case 'delete': {
      const record = before ?? { id: change.id };
      const item: Item = { id: change.id };
      if (change.kind === 'leads') Object.assign(item, { status_id: num(record.status_id), pipeline_id: num(record.pipeline_id) });
      if (change.kind === 'contacts' || change.kind === 'companies') item.type = change.kind === 'contacts' ? 'contact' : 'company';
      return [entry('delete', item)];
    }
    case 'note':
      return change.kind === 'tasks' ? [] : [entry('note', legacyNote(change, account))];
    case 'link':
    case 'unlink':
    case 'update': {
      // A link changes the entity's card, so it reaches `update` subscribers as an edit (a guess).
      if (!after) return [];
      const entries = [entry('update', legacyEntity(change.kind, after, account))];
      if (change.action !== 'update' || !before) return entries;
      if (change.kind === 'leads' && (changedField(change, 'status_id') || changedField(change, 'pipeline_id'))) {
        // Stage moves arrive in the short digital-pipeline shape.
        entries.push(
          entry('status', {
            id: change.id,
            status_id: num(after.status_id),
            pipeline_id: num(after.pipeline_id),
            old_status_id: num(before.status_id),
            old_pipeline_id: num(before.pipeline_id),
          }),
        );
      }
      if (changedField(change, 'responsible_user_id')) {
        entries.push(entry('responsible', { ...legacyEntity(change.kind, after, account), old_responsible_user_id: num(before.responsible_user_id) }));
      }
      return entries;
    }
  }
}

/**
 * The delivery for one subscription: every entry of `changes` its `settings` ask for, grouped as
 * `key[action][i]` in the order the writes were applied, then the `account` block; undefined when
 * nothing is for it. `account[_links][self]` names the account's Kommo host, never the sandbox: it
 * is unauthenticated input a receiver must not send tokens to (docs/kommo-api.md §11).
 */
export function buildDelivery(changes: readonly EntityChange[], settings: ReadonlySet<string>, account: PayloadAccount): Payload | undefined {
  const grouped: Record<string, Record<string, Item[]>> = {};
  for (const change of changes) {
    for (const { key, action, code, item } of entriesOf(change, account)) {
      if (!settings.has(code)) continue;
      grouped[key] ??= {};
      (grouped[key][action] ??= []).push(item);
    }
  }
  if (Object.keys(grouped).length === 0) return undefined;
  return {
    ...grouped,
    account: { id: account.id, subdomain: account.subdomain, _links: { self: `https://${account.subdomain}.kommo.com` } },
  };
}
