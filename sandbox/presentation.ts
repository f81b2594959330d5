/**
 * Entities as the API shows them: the stored record, `_embedded` relations as Kommo returns them
 * (tags and companies always, other linked kinds on `with=`), and HAL `_links`
 * (docs/kommo-api.md §5, §7; docs/kommo-fidelity.md #1).
 */
import { LOSS_REASONS, type EntityRecord } from './seed';
import { selfLink } from './routeKit';
import type { EntityStore } from './store';
import type { EntityKind } from './types';

/** Linked kinds shown without asking (Kommo's list examples carry these on every item). */
const ALWAYS: Readonly<Partial<Record<EntityKind, readonly EntityKind[]>>> = {
  leads: ['companies'],
  contacts: ['companies'],
};

/** Linked kinds shown with `with=<kind>`. */
const ON_REQUEST: Readonly<Partial<Record<EntityKind, readonly EntityKind[]>>> = {
  leads: ['contacts'],
  contacts: ['leads', 'customers'],
  companies: ['contacts', 'leads', 'customers'],
  customers: ['contacts', 'companies'],
};

/** The entity for an answer: relations per `with`, `_links` on it and on each linked entity. */
export function presentEntity(store: EntityStore, kind: EntityKind, id: number, withParts: ReadonlySet<string>, origin: string): Record<string, unknown> {
  const snapshot = store.snapshot(kind, id);
  if (!snapshot) throw new Error(`present: no ${kind} ${id}`);
  const { _embedded: stored, ...record } = snapshot as EntityRecord & { _embedded?: Record<string, unknown> };
  const result: Record<string, unknown> = { ...record, _links: selfLink(origin, `/api/v4/${kind}/${id}`) };
  if (!stored) return result;
  const embedded: Record<string, unknown> = { tags: stored.tags };
  const shown = [...(ALWAYS[kind] ?? []), ...(ON_REQUEST[kind] ?? []).filter((target) => withParts.has(target))];
  for (const target of shown) {
    const linked = (stored[target] ?? []) as Array<{ id: number }>;
    embedded[target] = linked.map((entry) => ({ ...entry, _links: selfLink(origin, `/api/v4/${target}/${entry.id}`) }));
  }
  if (kind === 'customers') embedded.segments = [];
  if (kind === 'leads' && withParts.has('loss_reason') && record.loss_reason_id !== null) {
    const reason = LOSS_REASONS.find((candidate) => candidate.id === record.loss_reason_id);
    if (reason) embedded.loss_reason = [{ ...reason, _links: selfLink(origin, `/api/v4/leads/loss_reasons/${reason.id}`) }];
  }
  result._embedded = embedded;
  return result;
}
