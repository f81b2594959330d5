/**
 * The entities of the default account, in memory, with their tags, links and notes. Writes here
 * are already validated; the store applies them with Kommo's defaults and bookkeeping
 * (`updated_at`, `updated_by`, stages, main contacts) and publishes one change per applied write
 * on the change feed (see changes.ts for the publishing rules).
 */
import type { ChangeFeed, EntityChange } from './changes';
import type { SandboxClock } from './clock';
import { mergeCustomFields, type CustomFieldContext } from './customFields';
import { isRecord } from './httpIo';
import { hasMainFlag, LINKABLE, LinkBook, type LinkEffect, type LinkNode } from './links';
import { isCustomFieldKind } from './customFieldCatalog';
import { noteParams, type NoteRecord } from './notes';
import {
  ACCOUNT_ID,
  CLOSED_STATUS_IDS,
  findPipeline,
  firstStatusOf,
  FIRST_STATUS_ID,
  ID_RANGES,
  LOST_STATUS_ID,
  PIPELINE,
  seedData,
  type EntityRecord,
} from './seed';
import { TagBook, type Tag, type TagRef } from './tags';
import { FIELD_RULES } from './validation';
import type { CustomFieldKind, EntityKind } from './types';

export const ENTITY_KINDS: readonly EntityKind[] = ['leads', 'contacts', 'companies', 'tasks', 'customers'];

export function isEntityKind(value: string): value is EntityKind {
  return (ENTITY_KINDS as readonly string[]).includes(value);
}

/** A link the client asked for (the kinds were validated). */
export interface LinkRequest {
  from: LinkNode;
  to: LinkNode;
  isMain?: boolean;
}

/** New entities start like this in Kommo (docs/kommo-api.md §6, §7: `custom_fields_values` is null when empty). */
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
        is_price_computed: false,
        score: null,
        labor_cost: null,
        custom_fields_values: null,
      };
    case 'contacts':
      return { ...common, name: '', first_name: '', last_name: '', closest_task_at: null, is_deleted: false, is_unsorted: false, custom_fields_values: null };
    case 'companies':
      return { ...common, name: '', closest_task_at: null, is_deleted: false, custom_fields_values: null };
    case 'customers':
      return {
        ...common,
        name: '',
        next_price: 0,
        next_date: nowSeconds,
        status_id: null,
        periodicity: 0,
        closest_task_at: null,
        is_deleted: false,
        ltv: 0,
        purchases_count: 0,
        average_check: 0,
        custom_fields_values: null,
      };
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

const nodeKey = (node: LinkNode): string => `${node.kind}:${node.id}`;

/** Collects the changes of one write and the "before" snapshot of every entity it touches. */
class ChangeBatch {
  readonly changes: EntityChange[] = [];
  private readonly before = new Map<string, EntityRecord | undefined>();

  constructor(
    private readonly store: EntityStore,
    private readonly userId: number,
    private readonly atSeconds: number,
  ) {}

  /** Remember how `node` looked before this write touched it (first call wins). */
  touch(node: LinkNode): void {
    if (!this.before.has(nodeKey(node))) this.before.set(nodeKey(node), this.store.snapshot(node.kind, node.id));
  }

  entity(kind: EntityKind, action: 'add' | 'update', id: number, before: EntityRecord | undefined): void {
    this.changes.push({
      kind,
      action,
      id,
      ...(before ? { before } : {}),
      after: this.store.snapshot(kind, id),
      atSeconds: this.atSeconds,
      userId: this.userId,
    });
  }

  /** One change per side of each link effect (changes.ts). */
  links(effects: readonly LinkEffect[]): void {
    for (const effect of effects) {
      for (const [self, other] of [
        [effect.from, effect.to],
        [effect.to, effect.from],
      ] as const) {
        const metadata = effect.main !== undefined ? { main_contact: effect.main } : undefined;
        this.changes.push({
          kind: self.kind,
          action: effect.action,
          id: self.id,
          before: this.before.get(nodeKey(self)) ?? this.store.snapshot(self.kind, self.id),
          after: this.store.snapshot(self.kind, self.id),
          atSeconds: this.atSeconds,
          userId: this.userId,
          link: { toKind: other.kind, toId: other.id, ...(metadata ? { metadata } : {}) },
        });
      }
    }
  }

  note(kind: EntityKind, id: number, note: NoteRecord): void {
    const snapshot = this.store.snapshot(kind, id);
    this.changes.push({ kind, action: 'note', id, before: snapshot, after: this.store.snapshot(kind, id), atSeconds: this.atSeconds, userId: this.userId, note: structuredClone(note) });
  }
}

export class EntityStore {
  readonly tags = new TagBook(ID_RANGES.tags);
  readonly links = new LinkBook();
  private readonly records = new Map<EntityKind, Map<number, EntityRecord>>();
  private readonly nextIds = new Map<EntityKind, number>();
  private readonly entityTags = new Map<string, number[]>();
  private readonly notes = new Map<CustomFieldKind, NoteRecord[]>();
  private nextNoteId = ID_RANGES.notes;

  constructor(
    private readonly seeded: boolean,
    private readonly clock: SandboxClock,
    private readonly feed: ChangeFeed,
    readonly customFields: CustomFieldContext,
  ) {
    this.reset();
  }

  reset(): void {
    const seed = this.seeded ? seedData(this.clock.nowSeconds(), this.customFields.catalog) : undefined;
    for (const kind of ENTITY_KINDS) {
      const records = seed?.entities[kind] ?? [];
      this.records.set(kind, new Map(records.map((record) => [record.id, record])));
      this.nextIds.set(kind, Math.max(ID_RANGES[kind] - 1, ...records.map((record) => record.id)) + 1);
    }
    this.tags.reset((seed?.tags ?? []).filter((tag): tag is typeof tag & { kind: CustomFieldKind } => isCustomFieldKind(tag.kind)));
    this.entityTags.clear();
    for (const entry of seed?.entityTags ?? []) this.entityTags.set(nodeKey(entry), [...entry.tagIds]);
    this.links.reset(seed?.links ?? []);
    this.notes.clear();
    for (const { kind, ...note } of seed?.notes ?? []) {
      if (kind === 'tasks') continue;
      this.notesOf(kind).push({ ...this.noteDefaults(note.entity_id, note.id, Number(note.created_at), note), ...note } as NoteRecord);
    }
    this.nextNoteId = Math.max(ID_RANGES.notes - 1, ...(seed?.notes ?? []).map((note) => note.id)) + 1;
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

  /** The tags an entity carries, in the order they were added. */
  tagsOf(kind: EntityKind, id: number): Tag[] {
    if (!isCustomFieldKind(kind)) return [];
    return (this.entityTags.get(nodeKey({ kind, id })) ?? []).flatMap((tagId) => this.tags.byId(kind, tagId) ?? []);
  }

  /**
   * A copy of the entity with every relation under `_embedded` (tags, linked entities with
   * `is_main` on the contacts of leads and customers), as the change feed carries it.
   */
  snapshot(kind: EntityKind, id: number): EntityRecord | undefined {
    const record = this.get(kind, id);
    if (!record) return undefined;
    const copy = structuredClone(record);
    if (kind === 'tasks') return copy;
    const embedded: Record<string, unknown> = { tags: this.tagsOf(kind, id).map((tag) => ({ ...tag })) };
    for (const target of LINKABLE[kind] ?? []) {
      embedded[target] = this.links.linksOf({ kind, id }, target).map((link) => (hasMainFlag(kind, target) ? { id: link.to.id, is_main: link.main } : { id: link.to.id }));
    }
    copy._embedded = embedded;
    return copy;
  }

  /** Create validated items, all or nothing, in order; publishes `add` (and `link`) changes. */
  create(kind: EntityKind, items: ReadonlyArray<Record<string, unknown>>, userId: number): EntityRecord[] {
    const batch = this.batch(userId);
    const created = items.map((item) => this.createOne(kind, item, userId, batch));
    this.flush(batch);
    return created;
  }

  /** Update validated items whose ids exist; `updated_at`/`updated_by` move unless the item sets them. */
  update(kind: EntityKind, items: ReadonlyArray<Record<string, unknown>>, userId: number): EntityRecord[] {
    const batch = this.batch(userId);
    const updated = items.map((item) => {
      const record = this.get(kind, item.id as number);
      if (!record) throw new Error(`update of unknown ${kind} ${String(item.id)} (validate first)`);
      const before = this.snapshot(kind, record.id);
      batch.touch({ kind, id: record.id });
      record.updated_at = this.clock.nowSeconds();
      record.updated_by = userId;
      this.apply(kind, record, item);
      const effects = this.applyRelations(kind, record.id, item, batch);
      batch.entity(kind, 'update', record.id, before);
      batch.links(effects);
      return record;
    });
    this.flush(batch);
    return updated;
  }

  /**
   * Several writes of different kinds applied as one (complex leads): `steps` run in order and
   * may call `add` for each new entity; every change is published after the last step.
   */
  transaction<T>(userId: number, steps: (add: (kind: EntityKind, item: Record<string, unknown>) => EntityRecord, link: (requests: LinkRequest[]) => void) => T): T {
    const batch = this.batch(userId);
    const result = steps(
      (kind, item) => this.createOne(kind, item, userId, batch),
      (requests) => batch.links(this.applyLinks(requests, batch)),
    );
    this.flush(batch);
    return result;
  }

  /** Link validated pairs; publishes one `link` change per side of each new link. */
  link(requests: readonly LinkRequest[], userId: number): LinkEffect[] {
    const batch = this.batch(userId);
    const effects = this.applyLinks(requests, batch);
    batch.links(effects);
    this.flush(batch);
    return effects;
  }

  /** Unlink pairs; unknown links are skipped. Publishes one `unlink` change per side. */
  unlink(requests: readonly LinkRequest[], userId: number): LinkEffect[] {
    const batch = this.batch(userId);
    for (const request of requests) {
      batch.touch(request.from);
      batch.touch(request.to);
    }
    const effects = requests.flatMap((request) => this.links.unlink(request.from, request.to));
    batch.links(effects);
    this.flush(batch);
    return effects;
  }

  /** Notes of a kind in id order (stored objects; callers copy before handing out). */
  notesOf(kind: CustomFieldKind): NoteRecord[] {
    let notes = this.notes.get(kind);
    if (!notes) {
      notes = [];
      this.notes.set(kind, notes);
    }
    return notes;
  }

  /** Add validated notes; publishes a `note` change on each note's entity. */
  addNotes(kind: CustomFieldKind, items: ReadonlyArray<Record<string, unknown>>, userId: number): NoteRecord[] {
    const batch = this.batch(userId);
    const added = items.map((item) => {
      const note = this.noteDefaults(item.entity_id as number, this.nextNoteId++, this.clock.nowSeconds(), { created_by: userId, responsible_user_id: userId });
      for (const field of ['created_by', 'responsible_user_id'] as const) if (item[field] !== undefined) note[field] = item[field];
      note.note_type = item.note_type as string;
      note.params = noteParams(note.note_type, item.params as Record<string, unknown>);
      this.notesOf(kind).push(note);
      batch.note(kind, note.entity_id, note);
      return note;
    });
    this.flush(batch);
    return added;
  }

  private noteDefaults(entityId: number, id: number, atSeconds: number, users: Record<string, unknown>): NoteRecord {
    const userId = typeof users.created_by === 'number' ? users.created_by : 0;
    return {
      id,
      entity_id: entityId,
      created_by: userId,
      updated_by: userId,
      created_at: atSeconds,
      updated_at: atSeconds,
      responsible_user_id: typeof users.responsible_user_id === 'number' ? users.responsible_user_id : userId,
      group_id: 0,
      note_type: 'common',
      params: {},
      account_id: ACCOUNT_ID,
    };
  }

  private batch(userId: number): ChangeBatch {
    return new ChangeBatch(this, userId, this.clock.nowSeconds());
  }

  private flush(batch: ChangeBatch): void {
    for (const change of batch.changes) this.feed.publish(change);
  }

  private createOne(kind: EntityKind, item: Record<string, unknown>, userId: number, batch: ChangeBatch): EntityRecord {
    const id = this.nextIds.get(kind) ?? ID_RANGES[kind];
    this.nextIds.set(kind, id + 1);
    const record = defaultsFor(kind, id, userId, this.clock.nowSeconds());
    this.kindRecords(kind).set(id, record);
    this.apply(kind, record, item, true);
    if (kind === 'contacts' && item.name === undefined) {
      record.name = [record.first_name, record.last_name].filter((part) => typeof part === 'string' && part !== '').join(' ');
    }
    const effects = this.applyRelations(kind, id, item, batch);
    batch.entity(kind, 'add', id, undefined);
    batch.links(effects);
    return record;
  }

  private apply(kind: EntityKind, record: EntityRecord, item: Record<string, unknown>, creating = false): void {
    const previousStatus = record.status_id;
    for (const field of Object.keys(FIELD_RULES[kind])) {
      if (item[field] !== undefined) record[field] = isRecord(item[field]) ? structuredClone(item[field]) : item[field];
    }
    if (kind !== 'tasks' && item.custom_fields_values !== undefined) {
      record.custom_fields_values = mergeCustomFields(kind, record.custom_fields_values, item.custom_fields_values, this.customFields);
    }
    if (kind === 'leads') this.applyStage(record, item, creating, previousStatus);
  }

  /**
   * Stages: a new pipeline without a stage lands on its first regular stage; moving into
   * won/lost closes the lead, as the UI does; leaving "lost" drops the loss reason.
   */
  private applyStage(record: EntityRecord, item: Record<string, unknown>, creating: boolean, previousStatus: unknown): void {
    if (item.pipeline_id !== undefined && item.status_id === undefined) {
      const pipeline = findPipeline(item.pipeline_id);
      const stageInPipeline = pipeline?.statuses.some((status) => status.id === previousStatus) && !creating;
      if (pipeline && !stageInPipeline) record.status_id = firstStatusOf(pipeline);
    }
    if ((item.status_id !== undefined || item.pipeline_id !== undefined) && item.closed_at === undefined) {
      const closed = CLOSED_STATUS_IDS.includes(record.status_id as number);
      record.closed_at = closed ? (record.closed_at ?? this.clock.nowSeconds()) : null;
    }
    if (record.status_id !== LOST_STATUS_ID && item.loss_reason_id === undefined) record.loss_reason_id = null;
  }

  /** Tags (`_embedded.tags` replaces, then `tags_to_add`, `tags_to_delete`) and `_embedded` links. */
  private applyRelations(kind: EntityKind, id: number, item: Record<string, unknown>, batch: ChangeBatch): LinkEffect[] {
    if (kind === 'tasks') return [];
    const embedded = isRecord(item._embedded) ? item._embedded : {};
    if (isCustomFieldKind(kind)) this.applyTags(kind, id, item, embedded);
    const requests: LinkRequest[] = [];
    for (const target of LINKABLE[kind] ?? []) {
      const refs = embedded[target];
      if (!Array.isArray(refs)) continue;
      for (const ref of refs) {
        if (isRecord(ref)) requests.push({ from: { kind, id }, to: { kind: target, id: ref.id as number }, isMain: ref.is_main === true ? true : undefined });
      }
    }
    return this.applyLinks(requests, batch);
  }

  private applyTags(kind: CustomFieldKind, id: number, item: Record<string, unknown>, embedded: Record<string, unknown>): void {
    const key = nodeKey({ kind, id });
    const refs = (value: unknown): TagRef[] => (Array.isArray(value) ? value.filter(isRecord).map((ref) => (ref.id !== undefined ? { id: ref.id as number } : { name: String(ref.name) })) : []);
    let tagIds = this.entityTags.get(key) ?? [];
    // `_embedded.tags` replaces the whole set (docs/kommo-api.md §7); null clears it.
    if (embedded.tags !== undefined) tagIds = refs(embedded.tags).map((ref) => this.tags.resolve(kind, ref).id);
    for (const ref of refs(item.tags_to_add)) tagIds.push(this.tags.resolve(kind, ref).id);
    const removed = new Set(refs(item.tags_to_delete).flatMap((ref) => this.tags.find(kind, ref)?.id ?? []));
    const next = [...new Set(tagIds)].filter((tagId) => !removed.has(tagId));
    if (next.length === 0) this.entityTags.delete(key);
    else this.entityTags.set(key, next);
  }

  private applyLinks(requests: readonly LinkRequest[], batch: ChangeBatch): LinkEffect[] {
    return requests.flatMap((request) => {
      for (const node of [request.from, request.to]) {
        batch.touch(node);
        for (const company of this.links.linksOf(node, 'companies')) batch.touch(company.to);
      }
      return this.links.link(request.from, request.to, request.isMain);
    });
  }

  private kindRecords(kind: EntityKind): Map<number, EntityRecord> {
    const records = this.records.get(kind);
    if (!records) throw new Error(`unknown entity kind ${kind}`);
    return records;
  }
}
