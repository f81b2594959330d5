/**
 * Links between entities (docs/kommo-api.md §6 "Links"; docs/kommo-fidelity.md #1, #16): leads, customers
 * and companies link to contacts; leads, contacts and customers link to one company. A link is
 * one pair seen from both sides. Leads and customers have a main contact, written as
 * `metadata.is_main` and read back as `main_contact` / `is_main`.
 */
import type { EntityKind } from './types';

/** One side of a link. */
export interface LinkNode {
  kind: EntityKind;
  id: number;
}

/** What linking did, for the change feed. */
export type LinkEffect = { action: 'link' | 'unlink'; from: LinkNode; to: LinkNode; main?: boolean };

/** Which kinds each kind links to (tasks link through `entity_type`/`entity_id`, not here). */
export const LINKABLE: Readonly<Partial<Record<EntityKind, readonly EntityKind[]>>> = {
  leads: ['contacts', 'companies'],
  contacts: ['leads', 'companies', 'customers'],
  companies: ['leads', 'contacts', 'customers'],
  customers: ['contacts', 'companies'],
};

export function canLink(from: EntityKind, to: EntityKind): boolean {
  return LINKABLE[from]?.includes(to) ?? false;
}

/** Kinds whose contacts include a main one. */
const HAS_MAIN_CONTACT: ReadonlySet<EntityKind> = new Set(['leads', 'customers']);

/** Does this pair carry a main-contact flag? */
export function hasMainFlag(a: EntityKind, b: EntityKind): boolean {
  return (HAS_MAIN_CONTACT.has(a) && b === 'contacts') || (HAS_MAIN_CONTACT.has(b) && a === 'contacts');
}

interface PairState {
  main: boolean;
  /** Link order, for listing and for choosing the next main contact. */
  order: number;
}

const key = (node: LinkNode): string => `${node.kind}:${node.id}`;

export class LinkBook {
  /** node key → other node key → state (each pair stored under both sides, sharing one state). */
  private readonly sides = new Map<string, Map<string, { other: LinkNode; state: PairState }>>();
  private counter = 0;

  reset(seed: ReadonlyArray<{ from: LinkNode; to: LinkNode; isMain?: boolean }>): void {
    this.sides.clear();
    this.counter = 0;
    for (const link of seed) this.put(link.from, link.to, { main: link.isMain ?? false, order: this.counter++ });
  }

  /** The entities `node` is linked to, of one kind or all, in link order. */
  linksOf(node: LinkNode, kind?: EntityKind): Array<{ to: LinkNode; main: boolean }> {
    const entries = [...(this.sides.get(key(node))?.values() ?? [])];
    return entries
      .filter((entry) => kind === undefined || entry.other.kind === kind)
      .sort((a, b) => a.state.order - b.state.order)
      .map((entry) => ({ to: { ...entry.other }, main: entry.state.main }));
  }

  has(a: LinkNode, b: LinkNode): boolean {
    return this.sides.get(key(a))?.has(key(b)) ?? false;
  }

  /**
   * Link `from` and `to` (kinds already checked with {@link canLink}). A lead, contact or
   * customer has one company: linking another replaces it. The first contact of a lead or
   * customer becomes its main contact; `isMain: true` moves the flag.
   */
  link(from: LinkNode, to: LinkNode, isMain?: boolean): LinkEffect[] {
    const effects: LinkEffect[] = [];
    for (const [owner, company] of [
      [from, to],
      [to, from],
    ] as const) {
      if (company.kind !== 'companies' || owner.kind === 'companies') continue;
      for (const existing of this.linksOf(owner, 'companies')) {
        if (existing.to.id !== company.id) effects.push(...this.unlink(owner, existing.to));
      }
    }
    const mainOwner = hasMainFlag(from.kind, to.kind) ? (from.kind === 'contacts' ? to : from) : undefined;
    const already = this.sides.get(key(from))?.get(key(to));
    if (already) {
      if (mainOwner && isMain === true && !already.state.main) this.makeMain(mainOwner, from.kind === 'contacts' ? from : to);
      return effects;
    }
    const hasMainAlready = mainOwner ? this.linksOf(mainOwner, 'contacts').some((link) => link.main) : false;
    const main = mainOwner !== undefined && (isMain === true || !hasMainAlready);
    if (mainOwner && main) this.clearMain(mainOwner);
    this.put(from, to, { main, order: this.counter++ });
    effects.push({ action: 'link', from, to, ...(mainOwner ? { main } : {}) });
    return effects;
  }

  /** Remove a link; unlinking a main contact promotes the earliest remaining one. */
  unlink(from: LinkNode, to: LinkNode): LinkEffect[] {
    const entry = this.sides.get(key(from))?.get(key(to));
    if (!entry) return [];
    this.sides.get(key(from))?.delete(key(to));
    this.sides.get(key(to))?.delete(key(from));
    const mainOwner = hasMainFlag(from.kind, to.kind) ? (from.kind === 'contacts' ? to : from) : undefined;
    if (mainOwner && entry.state.main) {
      const next = this.linksOf(mainOwner, 'contacts')[0];
      if (next) this.makeMain(mainOwner, next.to);
    }
    return [{ action: 'unlink', from, to, ...(mainOwner ? { main: entry.state.main } : {}) }];
  }

  private put(a: LinkNode, b: LinkNode, state: PairState): void {
    for (const [side, other] of [
      [a, b],
      [b, a],
    ] as const) {
      let map = this.sides.get(key(side));
      if (!map) {
        map = new Map();
        this.sides.set(key(side), map);
      }
      map.set(key(other), { other: { kind: other.kind, id: other.id }, state });
    }
  }

  private clearMain(owner: LinkNode): void {
    for (const entry of this.sides.get(key(owner))?.values() ?? []) if (entry.other.kind === 'contacts') entry.state.main = false;
  }

  private makeMain(owner: LinkNode, contact: LinkNode): void {
    this.clearMain(owner);
    const entry = this.sides.get(key(owner))?.get(key(contact));
    if (entry) entry.state.main = true;
  }
}
