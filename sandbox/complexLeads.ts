/**
 * `POST /api/v4/leads/complex` (docs/kommo-api.md §0, §6, §8; docs/kommo-fidelity.md #6): up to 50 leads,
 * each with at most one contact and one company in `_embedded`, created (or linked, when given as
 * `{id}`) together, and answered with a plain array `[{id, contact_id, company_id, request_id:
 * [...], merged}]`.
 *
 * Duplicate control (the `duplicateControl` knob): a new contact or company whose phone digits or
 * email (case-insensitive) equal those of an existing one, or of one created earlier in the same
 * request, is not created; the existing one is linked instead and the item answers
 * `merged: true`. The lead itself is always new.
 */
import { jsonAnswer, problemAnswer, type Answer } from './answers';
import { isRecord } from './httpIo';
import { errorsMapProblem, validationProblem, type ValidationError } from './problems';
import { batchItems, type ApiRequest, type Route, type RouteContext } from './routeKit';
import { writeContext } from './entityRoutes';
import { lossReasonConflicts, requestIdOf, validateItem } from './validation';
import type { FieldError } from './customFields';
import type { EntityRecord } from './seed';
import type { EntityStore } from './store';
import type { EntityKind } from './types';

/** At most 50 leads per complex request (docs/kommo-api.md §0). */
export const MAX_COMPLEX_LEADS = 50;

type PartyKind = Extract<EntityKind, 'contacts' | 'companies'>;

/** The phone digits and lower-cased emails of a contact or company, stored or about to be. */
function identities(customFields: unknown, codeOf: (field: Record<string, unknown>) => string | null): string[] {
  if (!Array.isArray(customFields)) return [];
  const keys: string[] = [];
  for (const field of customFields) {
    if (!isRecord(field) || !Array.isArray(field.values)) continue;
    const code = codeOf(field);
    for (const value of field.values) {
      if (!isRecord(value) || typeof value.value !== 'string') continue;
      if (code === 'PHONE') {
        const digits = value.value.replace(/\D/g, '');
        if (digits.length >= 5) keys.push(`phone:${digits}`);
      } else if (code === 'EMAIL' && value.value.trim() !== '') {
        keys.push(`email:${value.value.trim().toLowerCase()}`);
      }
    }
  }
  return keys;
}

/** Finds an existing contact or company by phone or email. */
function findDuplicate(store: EntityStore, kind: PartyKind, item: Record<string, unknown>): EntityRecord | undefined {
  const catalog = store.customFields.catalog;
  const incoming = identities(item.custom_fields_values, (field) => {
    if (typeof field.field_code === 'string') return field.field_code;
    return typeof field.field_id === 'number' ? (catalog.byId(kind, field.field_id)?.code ?? null) : null;
  });
  if (incoming.length === 0) return undefined;
  return store.all(kind).find((record) => identities(record.custom_fields_values, (field) => (typeof field.field_code === 'string' ? field.field_code : null)).some((key) => incoming.includes(key)));
}

/** The single party (contact or company) of an item, and the problems with it. */
function partyOf(item: Record<string, unknown>, kind: PartyKind, store: EntityStore): { party?: Record<string, unknown>; errors: FieldError[] } {
  const embedded = isRecord(item._embedded) ? item._embedded : {};
  const list = embedded[kind];
  if (list === undefined) return { errors: [] };
  const path = `_embedded.${kind}`;
  if (!Array.isArray(list)) return { errors: [{ code: 'InvalidType', path, detail: 'This value should be of type array.' }] };
  if (list.length === 0) return { errors: [] };
  if (list.length > 1) return { errors: [{ code: 'InvalidType', path, detail: `A complex lead takes one ${kind === 'contacts' ? 'contact' : 'company'}.` }] };
  const party: unknown = list[0];
  if (!isRecord(party)) return { errors: [{ code: 'InvalidType', path: `${path}.0`, detail: 'This value should be of type array.' }] };
  if (party.id !== undefined) {
    const known = Number.isInteger(party.id) && store.has(kind, party.id as number);
    return known ? { party, errors: [] } : { errors: [{ code: 'NotFound', path: `${path}.0.id`, detail: 'Entity not found.' }] };
  }
  const errors = validateItem(kind, party, 'create', writeContext(store)).map((error) => ({ ...error, path: `${path}.0.${error.path}`.replace(/\.$/, '') }));
  return { party, errors };
}

/** The lead part of an item: everything but the contact and company. */
function leadPart(item: Record<string, unknown>): Record<string, unknown> {
  const { _embedded: embedded, ...lead } = item;
  if (!isRecord(embedded)) return lead;
  // The contact and company are handled apart; `metadata` and `source` (unsorted details) are not stored.
  const rest = Object.fromEntries(Object.entries(embedded).filter(([key]) => !['contacts', 'companies', 'metadata', 'source'].includes(key)));
  return Object.keys(rest).length > 0 ? { ...lead, _embedded: rest } : lead;
}

export function complexLeadRoutes(context: RouteContext): Route[] {
  const { store, knobs } = context;

  function createComplex(request: ApiRequest): Answer {
    const body = batchItems(request.body, MAX_COMPLEX_LEADS);
    if (!Array.isArray(body)) return body;
    const invalid: ValidationError[] = [];
    const prepared = body.map((item, index) => {
      if (!isRecord(item)) {
        invalid.push({ request_id: String(index), errors: [{ code: 'InvalidType', path: '', detail: 'This value should be of type array.' }] });
        return undefined;
      }
      const lead = leadPart(item);
      const contact = partyOf(item, 'contacts', store);
      const company = partyOf(item, 'companies', store);
      const errors = [...validateItem('leads', lead, 'create', writeContext(store)), ...contact.errors, ...company.errors];
      if (errors.length > 0) invalid.push({ request_id: requestIdOf(item, index), errors });
      return { lead, contact: contact.party, company: company.party, requestId: requestIdOf(item, index) };
    });
    if (invalid.length > 0) return problemAnswer(validationProblem(invalid));
    const conflicts = lossReasonConflicts(
      prepared.map((entry) => entry?.lead),
      'create',
      writeContext(store),
    );
    if (Object.keys(conflicts).length > 0) return problemAnswer(errorsMapProblem(conflicts));

    const answer = store.transaction(request.grant.userId, (add, link) =>
      prepared.flatMap((entry) => {
        if (!entry) return [];
        let merged = false;
        const resolve = (kind: PartyKind, party: Record<string, unknown> | undefined): number | null => {
          if (!party) return null;
          if (party.id !== undefined) return party.id as number;
          const duplicate = knobs.values.duplicateControl ? findDuplicate(store, kind, party) : undefined;
          if (duplicate) {
            merged = true;
            return duplicate.id;
          }
          return add(kind, party).id;
        };
        const contactId = resolve('contacts', entry.contact);
        const companyId = resolve('companies', entry.company);
        if (contactId !== null && companyId !== null && store.links.linksOf({ kind: 'contacts', id: contactId }, 'companies').length === 0) {
          link([{ from: { kind: 'contacts', id: contactId }, to: { kind: 'companies', id: companyId } }]);
        }
        const embedded = {
          ...(isRecord(entry.lead._embedded) ? entry.lead._embedded : {}),
          ...(contactId !== null ? { contacts: [{ id: contactId, is_main: true }] } : {}),
          ...(companyId !== null ? { companies: [{ id: companyId }] } : {}),
        };
        const lead = add('leads', { ...entry.lead, _embedded: embedded });
        return [{ id: lead.id, contact_id: contactId, company_id: companyId, request_id: [entry.requestId], merged }];
      }),
    );
    // A plain JSON array, not a HAL document (docs/kommo-api.md §6).
    return jsonAnswer(200, answer, 'application/json');
  }

  return [{ pattern: /^\/api\/v4\/leads\/complex$/, methods: { POST: createComplex } }];
}
