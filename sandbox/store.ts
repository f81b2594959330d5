/**
 * The entities of the default account, in memory. Writes here are already validated; the store
 * only applies them with Kommo's defaults and bookkeeping (`updated_at`, `updated_by`).
 */
import { mergeCustomFields } from './customFields';
import type { ChangeFeed } from './changes';
import { isRecord } from './httpIo';
import { ACCOUNT_ID, CLOSED_STATUS_IDS, FIRST_STATUS_ID, ID_RANGES, PIPELINE, seedEntities, type EntityRecord } from './seed';
import { FIELD_RULES } from './validation';
import type { EntityKind } from './types';

export const ENTITY_KINDS: readonly EntityKind[] = ['leads', 'contacts', 'companies', 'tasks'];

export function isEntityKind(value: string): value is EntityKind {
  return (ENTITY_KINDS as readonly string[]).includes(value);
}

/** New entities start like this in Kommo (kommo-api.md §6, §7: `custom_fields_values` is null when empty). */
function defaultsFor(kind: EntityKind, id: number, userId: number, nowSeconds: number): EntityRecord {
  const common = {
    id,
    created_by: userId,
    updated_by: userId,
    created_at: nowSeconds,
    updated_at: nowSeconds,
    responsible_user_id: userId,
    group_id: 0,
    account_id: ACCOUNT_ID,
  };
  switch (kind) {
    case 'leads':
      return {
        ...common,
        name: `Lead #${id}`,
        price: 0,
        status_id: FIRST_STATUS_ID,
        pipeline_id: PIPELINE.id,
        loss_reason_id: null,
        closed_at: null,
        closest_task_at: null,
        is_deleted: false,
        score: null,
        labor_cost: null,
        custom_fields_values: null,
        _embedded: { tags: [], companies: [] },
      };
    case 'contacts':
      return {
        ...common,
        name: '',
        first_name: '',
        last_name: '',
        closest_task_at: null,
        is_deleted: false,
        is_unsorted: false,
        custom_fields_values: null,
        _embedded: { tags: [], companies: [] },
      };
    case 'companies':
      return { ...common, name: '', closest_task_at: null, is_deleted: false, custom_fields_values: null, _embedded: { tags: [] } };
    case 'tasks':
      return {
        ...common,
        entity_type: null,
        entity_id: null,
        task_type_id: 1,
        text: '',
        duration: 0,
        is_completed: false,
        complete_till: nowSeconds,
        result: [],
      };
  }
}

export class EntityStore {
  private records = new Map<EntityKind, Map<number, EntityRecord>>();
  private nextIds = new Map<EntityKind, number>();

  constructor(
    private readonly seeded: boolean,
    private readonly nowSeconds: () => number,
    /** Receives every applied write (the events journal, the webhook dispatcher); seeding publishes nothing. */
    private readonly feed?: ChangeFeed,
  ) {
    this.reset();
  }

  reset(): void {
    const seed = this.seeded ? seedEntities(this.nowSeconds()) : undefined;
    for (const kind of ENTITY_KINDS) {
      const records = seed?.[kind] ?? [];
      this.records.set(kind, new Map(records.map((record) => [record.id, record])));
      this.nextIds.set(kind, Math.max(ID_RANGES[kind] - 1, ...records.map((record) => record.id)) + 1);
    }
  }

  /** Stored records in id order (ids only grow, so insertion order is id order). */
  all(kind: EntityKind): EntityRecord[] {
    return [...this.kindRecords(kind).values()];
  }

  get(kind: EntityKind, id: number): EntityRecord | undefined {
    return this.kindRecords(kind).get(id);
  }

  has(kind: EntityKind, id: number): boolean {
    return this.kindRecords(kind).has(id);
  }

  /** Create validated items, all or nothing, in order. */
  create(kind: EntityKind, items: ReadonlyArray<Record<string, unknown>>, userId: number): EntityRecord[] {
    const created = items.map((item) => {
      const id = this.nextIds.get(kind) ?? ID_RANGES[kind];
      this.nextIds.set(kind, id + 1);
      const record = defaultsFor(kind, id, userId, this.nowSeconds());
      this.apply(kind, record, item);
      if (kind === 'contacts' && item.name === undefined) {
        record.name = [record.first_name, record.last_name].filter((part) => typeof part === 'string' && part !== '').join(' ');
      }
      this.kindRecords(kind).set(id, record);
      return record;
    });
    for (const record of created) this.publish(kind, 'add', userId, undefined, record);
    return created;
  }

  /** Update validated items whose ids exist; `updated_at`/`updated_by` move unless the item sets them. */
  update(kind: EntityKind, items: ReadonlyArray<Record<string, unknown>>, userId: number): EntityRecord[] {
    const updated = items.map((item) => {
      const record = this.get(kind, item.id as number);
      if (!record) throw new Error(`update of unknown ${kind} ${String(item.id)} (validate first)`);
      const before = structuredClone(record);
      record.updated_at = this.nowSeconds();
      record.updated_by = userId;
      this.apply(kind, record, item);
      return { before, record };
    });
    for (const { before, record } of updated) this.publish(kind, 'update', userId, before, record);
    return updated.map(({ record }) => record);
  }

  /** Tell the feed about an applied write, with copies so listeners may keep them. */
  private publish(kind: EntityKind, action: 'add' | 'update', userId: number, before: EntityRecord | undefined, after: EntityRecord): void {
    this.feed?.publish({ kind, action, id: after.id, before, after: structuredClone(after), atSeconds: this.nowSeconds(), userId });
  }

  private apply(kind: EntityKind, record: EntityRecord, item: Record<string, unknown>): void {
    for (const field of Object.keys(FIELD_RULES[kind])) {
      if (item[field] !== undefined) record[field] = isRecord(item[field]) ? structuredClone(item[field]) : item[field];
    }
    if (kind !== 'tasks' && item.custom_fields_values !== undefined) {
      record.custom_fields_values = mergeCustomFields(kind, record.custom_fields_values, item.custom_fields_values);
    }
    // Moving a lead into won/lost closes it, as the UI does.
    if (kind === 'leads' && item.status_id !== undefined && item.closed_at === undefined) {
      const closed = CLOSED_STATUS_IDS.includes(record.status_id as number);
      record.closed_at = closed ? (record.closed_at ?? this.nowSeconds()) : null;
    }
  }

  private kindRecords(kind: EntityKind): Map<number, EntityRecord> {
    const records = this.records.get(kind);
    if (!records) throw new Error(`unknown entity kind ${kind}`);
    return records;
  }
}

