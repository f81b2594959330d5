/**
 * Links between objects (docs/kommo-api.md §6 "Links"; docs/kommo-fidelity.md #1, #16): which
 * types link to which, as data, and a link's `metadata` (`is_main` for a main contact, `quantity`
 * and `catalog_id` for list elements such as products), checked before any write.
 */
import type { CredentialConfig } from '../client/auth';
import { configError, isAmbiguousWriteFailure, KommoError } from '../client/errors';
import linkInSchema from '../schemas/actions/linkObjects.in.json';
import { readInput, step, type StepHandler } from '../step';
import { accountModelFor } from './accountModel';
import { parseObjectId } from './objectWrite';
import { isRecord } from './reader';
import { OBJECT_TYPES, type ObjectTypeName } from './registry';
import { chosenObjectType } from './selectModels';

/** What a link can point at: an object type, or the elements of a list (catalog). */
export type LinkTargetName = ObjectTypeName | 'catalog_elements';

/** Which types each type links to (tasks point at their object through `entity_id` instead). */
export const LINK_TARGETS: Readonly<Partial<Record<ObjectTypeName, readonly LinkTargetName[]>>> = {
  leads: ['contacts', 'companies', 'catalog_elements'],
  contacts: ['leads', 'companies', 'customers', 'catalog_elements'],
  companies: ['leads', 'contacts', 'customers', 'catalog_elements'],
  customers: ['contacts', 'companies', 'catalog_elements'],
};

/** Types whose contacts include a main one (`is_main`). */
const MAIN_CONTACT_OWNERS: readonly LinkTargetName[] = ['leads', 'customers'];

/** A link's checked metadata. */
export interface LinkMetadata {
  is_main?: boolean;
  quantity?: number;
  catalog_id?: number;
}

/** The pair named by `fromType`/`toType`, checked against {@link LINK_TARGETS}. */
export function linkPair(fromType: unknown, toType: unknown): { from: ObjectTypeName; to: LinkTargetName } {
  const sources = Object.keys(LINK_TARGETS) as ObjectTypeName[];
  const from = typeof fromType === 'string' ? sources.find((name) => name === fromType.trim()) : undefined;
  if (!from) {
    throw configError(`From type must be one of ${sources.join(', ')}; got ${fromType === undefined || fromType === '' ? 'nothing' : JSON.stringify(fromType)}.`);
  }
  const targets = LINK_TARGETS[from] ?? [];
  const to = typeof toType === 'string' ? targets.find((name) => name === toType.trim()) : undefined;
  if (!to) {
    throw configError(`${from} link to ${targets.join(', ')}; To type ${toType === undefined || toType === '' ? 'is missing' : `${JSON.stringify(toType)} is not one of them`}.`);
  }
  return { from, to };
}

function flag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  return value === 'true' || value === 'false' ? value === 'true' : undefined;
}

function number(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : undefined;
}

/**
 * The `metadata` of a link from `from` to `to`: `is_main` only where a contact meets a lead or a
 * customer; `catalog_id` (required) and `quantity` only for list elements. Absent or `{}` gives
 * `undefined` (except for list elements, which need their list).
 */
export function linkMetadata(from: LinkTargetName, to: LinkTargetName, value: unknown): LinkMetadata | undefined {
  if (value !== undefined && value !== null && value !== '' && !isRecord(value)) {
    throw configError(`metadata must be an object such as {"is_main": true} or {"catalog_id": 1001, "quantity": 2}; got ${typeof value}.`);
  }
  const given = isRecord(value) ? value : {};
  const unknown = Object.keys(given).filter((key) => !['is_main', 'quantity', 'catalog_id'].includes(key));
  if (unknown.length > 0) throw configError(`metadata takes is_main, quantity and catalog_id; it does not take ${unknown.map((key) => `"${key}"`).join(', ')}.`);
  const metadata: LinkMetadata = {};
  if (given.is_main !== undefined && given.is_main !== null && given.is_main !== '') {
    const mainContact = (from === 'contacts' && MAIN_CONTACT_OWNERS.includes(to)) || (to === 'contacts' && MAIN_CONTACT_OWNERS.includes(from));
    if (!mainContact) throw configError('metadata.is_main applies only to a contact linked to a lead or a customer (the main contact).');
    const main = flag(given.is_main);
    if (main === undefined) throw configError(`metadata.is_main must be true or false; got ${JSON.stringify(given.is_main)}.`);
    metadata.is_main = main;
  }
  const forList = to === 'catalog_elements';
  for (const key of ['quantity', 'catalog_id'] as const) {
    const raw = given[key];
    if (raw === undefined || raw === null || raw === '') continue;
    if (!forList) throw configError(`metadata.${key} applies only to links to list elements (catalog_elements).`);
    const parsed = number(raw);
    const valid = parsed !== undefined && (key === 'quantity' ? parsed >= 0 : Number.isSafeInteger(parsed) && parsed > 0);
    if (!valid) throw configError(`metadata.${key} must be ${key === 'quantity' ? 'a number of 0 or more' : 'the list\'s id, a positive whole number'}; got ${JSON.stringify(raw)}.`);
    metadata[key] = parsed;
  }
  if (forList && metadata.catalog_id === undefined) throw configError('A link to list elements needs metadata.catalog_id: the id of the list (catalog) the element belongs to.');
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

/** The step's configuration: credential fields plus the two types. */
export interface LinkConfig extends CredentialConfig {
  fromType?: unknown;
  toType?: unknown;
}

/** The output of Link Objects and Unlink Objects. */
export interface LinkOutput {
  from_type: ObjectTypeName;
  from_id: number;
  to_type: LinkTargetName;
  to_id: number;
  /** Kommo's metadata of the link after linking (`main_contact`, `quantity`…), else what was sent; `null` when none. */
  metadata: Record<string, unknown> | null;
}

/**
 * The `process` of Link Objects (`POST /{from}/{id}/link`) or Unlink Objects (`POST
 * /{from}/{id}/unlink`, answered 204). Both are safe to repeat, so an unconfirmed one is an error
 * saying so. One request per message (two for customers, whose section is checked once per TTL).
 */
export function linkStep(action: 'link' | 'unlink'): StepHandler<LinkConfig, LinkOutput> {
  return step<LinkConfig, LinkOutput>({
    async run(body, { cfg, client }) {
      const { from, to } = linkPair(cfg.fromType, cfg.toType);
      const input = readInput(body, linkInSchema);
      const fromId = parseObjectId(input.from_id, 'from_id', `the ${OBJECT_TYPES[from].singularTitle.toLowerCase()} to ${action} from`);
      const toId = parseObjectId(input.to_id, 'to_id', `the ${to === 'catalog_elements' ? 'list element' : OBJECT_TYPES[to].singularTitle.toLowerCase()} to ${action}`);
      const metadata = linkMetadata(from, to, input.metadata);
      const api = await client();
      const model = accountModelFor(api);
      await chosenObjectType(from, model, 'From type');
      if (to !== 'catalog_elements') await chosenObjectType(to, model, 'To type');
      const item = { to_entity_id: toId, to_entity_type: to, ...(metadata ? { metadata } : {}) };
      let answer: unknown;
      try {
        answer = (await api.post(`${OBJECT_TYPES[from].path}/${fromId}/${action}`, [item])).body;
      } catch (error) {
        if (!isAmbiguousWriteFailure(error)) throw error;
        throw new KommoError(`Kommo did not confirm the ${action} of ${from} ${fromId} and ${to} ${toId} (${(error as Error).message}); `
          + `it may or may not have been applied. Running the message again is safe: ${action === 'link' ? 'linking' : 'unlinking'} twice changes nothing.`, { cause: error });
      }
      const links = isRecord(answer) && isRecord(answer._embedded) && Array.isArray(answer._embedded.links) ? answer._embedded.links.filter(isRecord) : [];
      const entry = links.find((link) => Number(link.to_entity_id) === toId);
      const kommoMetadata = entry && isRecord(entry.metadata) ? entry.metadata : undefined;
      return { from_type: from, from_id: fromId, to_type: to, to_id: toId, metadata: kommoMetadata ?? (metadata ? { ...metadata } : null) };
    },
  });
}
