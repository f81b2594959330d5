/**
 * The sandbox's change feed. Every write the store applies is published here once, after it is
 * applied, so the events journal (`GET /api/v4/events`) and the webhook dispatcher see exactly
 * the writes a client made, the way Kommo derives both from its own writes.
 */

/** What happened to one entity. `note`, `link` and `unlink` concern an entity without changing its fields. */
export type ChangeAction = 'add' | 'update' | 'delete' | 'restore' | 'note' | 'link' | 'unlink';

/**
 * One applied write to one entity. Records are deep copies: listeners may keep them.
 *
 * How the sandbox publishes (so listeners can derive Kommo's events and webhooks):
 * - a batch publishes one change per item, in item order, after the whole batch is applied;
 * - `before`/`after` are the entity as `GET /{kind}/{id}` would show it with every relation
 *   (`_embedded.tags`, `_embedded.contacts`/`companies`/`leads`/`customers`), without `_links`;
 * - tags and custom fields changed by a write arrive inside that write's `update` (or `add`);
 * - a link or unlink publishes one change per side (the lead's `link` to the contact and the
 *   contact's `link` to the lead), after the `add`/`update` that carried it, if any;
 * - a note publishes a `note` change on the entity it was added to (fields unchanged).
 */
export interface EntityChange {
  /** The collection, plural as in the API path: `leads`, `contacts`, `companies`, `tasks`, `customers`. */
  kind: string;
  action: ChangeAction;
  /** The entity's id. */
  id: number;
  /** The entity before the write (absent for `add`). */
  before?: Readonly<Record<string, unknown>>;
  /** The entity after the write (absent for `delete`). */
  after?: Readonly<Record<string, unknown>>;
  /** When the write was applied, by the sandbox clock, in Unix seconds. */
  atSeconds: number;
  /** The user whose token made the write. */
  userId: number;
  /** For `note`: the note as stored. */
  note?: Readonly<Record<string, unknown>>;
  /** For `link` / `unlink`: the other side of the link. */
  link?: { toKind: string; toId: number; metadata?: Readonly<Record<string, unknown>> };
}

/** Receives every change; must not throw (a listener's failure must not undo or fail a write). */
export type ChangeListener = (change: EntityChange) => void;

/** Publishes applied writes to whoever subscribed (the events journal, the webhook dispatcher). */
export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(change: EntityChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
