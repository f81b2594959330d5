/**
 * Create Lead with Contact and Company (docs/design.md "Actions (2.0)", createComplexLead): one
 * `POST /leads/complex` creates the lead with its contact and company (each new, or an existing
 * one given by `id`) and answers a plain array, not HAL (docs/kommo-api.md §6). Output:
 * `{lead_id, contact_id, company_id, merged}`; `merged` is true when Kommo's duplicate control
 * linked an existing contact or company instead of creating one.
 *
 * One lead per message. The request is never sent twice: a create Kommo does not confirm is an
 * error saying the lead may exist. One request per message with warm caches.
 */
import type { CredentialConfig } from '../client/auth';
import { configError, isAmbiguousWriteFailure, KommoError } from '../client/errors';
import type { KommoApi } from '../client/KommoClient';
import { accountModelFor, type AccountModel } from '../entities/accountModel';
import { objectWriteBody, parseObjectId } from '../entities/objectWrite';
import { isRecord } from '../entities/reader';
import { OBJECT_TYPES, type ObjectTypeDefinition } from '../entities/registry';
import { buildWriteSchema, type EioProperty, type EioSchema, type MetaModel } from '../entities/schema';
import { readInput, service, step } from '../step';

/** The step's configuration: credential fields only. */
export type CreateComplexLeadConfig = CredentialConfig;

/** The action's output body. */
export interface ComplexLeadOutput {
  lead_id: number;
  contact_id: number | null;
  company_id: number | null;
  merged: boolean;
}

/** Kommo's limit of `POST /leads/complex` (docs/kommo-api.md §0); this action sends one. */
export const MAX_COMPLEX_LEADS = 50;

const LEADS = OBJECT_TYPES.leads;
const PARTIES = [
  { key: 'contact', type: OBJECT_TYPES.contacts },
  { key: 'company', type: OBJECT_TYPES.companies },
] as const;

const MESSAGE_SHAPE = { properties: { lead: { title: 'Lead' }, contact: { title: 'Contact' }, company: { title: 'Company' } } };

async function schemas(model: AccountModel): Promise<{ lead: EioSchema; contact: EioSchema; company: EioSchema }> {
  const lead = buildWriteSchema(LEADS, await model.customFields(LEADS));
  delete lead.properties.tags_to_delete; // a new lead has no tags to remove
  const party = async (type: ObjectTypeDefinition): Promise<EioSchema> => {
    const { properties } = buildWriteSchema(type, await model.customFields(type));
    delete properties.tags_to_add;
    delete properties.tags_to_delete;
    return {
      type: 'object',
      properties: { id: { type: 'number', title: `Existing ${type.singularTitle.toLowerCase()} ID`, required: false, description: `Links this ${type.singularTitle.toLowerCase()} instead of creating one; give either the id or the fields.` }, ...properties },
    };
  };
  return { lead, contact: await party(OBJECT_TYPES.contacts), company: await party(OBJECT_TYPES.companies) };
}

function kindOf(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  return Array.isArray(value) ? `an array of ${value.length}` : typeof value;
}

/** The contact or company part of the complex item: `{id}` for an existing one, else its write body. */
async function partyBody(model: AccountModel, type: ObjectTypeDefinition, key: string, shape: EioSchema, value: unknown): Promise<Record<string, unknown> | undefined> {
  if (value === undefined || value === null || (isRecord(value) && Object.keys(value).length === 0)) return undefined;
  if (!isRecord(value)) {
    throw configError(`${key} must be one object (the ${type.singularTitle.toLowerCase()} to create, or {"id": …} of an existing one); got ${kindOf(value)}.`);
  }
  const input = readInput(value, shape);
  if (input.id !== undefined && input.id !== null && input.id !== '') {
    const others = Object.keys(input).filter((name) => name !== 'id' && input[name] !== undefined && input[name] !== '');
    if (others.length > 0) {
      throw configError(`${key} has an id and ${others.join(', ')}: give the id of an existing ${type.singularTitle.toLowerCase()} (linked as it is) or the fields of a new one, not both.`);
    }
    return { id: parseObjectId(input.id, `${key}.id`) };
  }
  return model.withCodec(type, (codec) => objectWriteBody(type, codec, input, { mode: 'create', where: `${key}.` }));
}

/** The one item of `POST /leads/complex`, checked completely before anything is sent. */
async function complexItem(model: AccountModel, body: unknown): Promise<Record<string, unknown>> {
  const input = readInput(body, MESSAGE_SHAPE);
  const shapes = await schemas(model);
  if (Array.isArray(input.lead)) {
    throw configError(`lead must be one object: this action creates one lead per message (Kommo's complex create takes at most ${MAX_COMPLEX_LEADS}); `
      + `got an array of ${input.lead.length}. Split the leads into messages, or create them with Create or Update Objects.`);
  }
  if (!isRecord(input.lead)) throw configError(`lead is required: an object with the new lead's fields (e.g. {"name": "…", "price": 100}); got ${kindOf(input.lead)}.`);
  const leadInput = readInput(input.lead, shapes.lead);
  const lead = await model.withCodec(LEADS, (codec) => objectWriteBody(LEADS, codec, leadInput, { mode: 'create', where: 'lead.' }));
  const embedded: Record<string, unknown> = isRecord(lead._embedded) ? { ...lead._embedded } : {};
  for (const { key, type } of PARTIES) {
    const party = await partyBody(model, type, key, shapes[key], input[key]);
    if (party) embedded[type.embeddedKey] = [party];
  }
  return Object.keys(embedded).length > 0 ? { ...lead, _embedded: embedded } : lead;
}

function idOrNull(value: unknown): number | null {
  const id = Number(value);
  return value !== null && value !== undefined && Number.isSafeInteger(id) && id > 0 ? id : null;
}

async function sendComplex(api: KommoApi, item: Record<string, unknown>): Promise<ComplexLeadOutput> {
  let answer: unknown;
  try {
    answer = (await api.post(`${LEADS.path}/complex`, [item])).body;
  } catch (error) {
    if (!isAmbiguousWriteFailure(error)) throw error;
    throw new KommoError(`Kommo did not confirm the complex lead; the lead (with its contact and company) may have been created (${(error as Error).message}). `
      + 'Check Kommo before running the message again: another run could create them twice.', { cause: error });
  }
  // A plain array (docs/kommo-api.md §6); a HAL envelope is read too, should Kommo ever wrap it.
  const list = Array.isArray(answer) ? answer : isRecord(answer) && isRecord(answer._embedded) ? answer._embedded.leads : undefined;
  const created = Array.isArray(list) && isRecord(list[0]) ? list[0] : undefined;
  const leadId = idOrNull(created?.id);
  if (!created || leadId === null) {
    throw new KommoError('Kommo accepted POST /api/v4/leads/complex but its answer has no lead id; check Kommo before running the message again.');
  }
  return { lead_id: leadId, contact_id: idOrNull(created.contact_id), company_id: idOrNull(created.company_id), merged: created.merged === true };
}

/** Sailor's `process` for the action. */
export const processAction = step<CreateComplexLeadConfig, ComplexLeadOutput>({
  async run(body, { client }) {
    readInput(body, MESSAGE_SHAPE);
    const api = await client();
    return sendComplex(api, await complexItem(accountModelFor(api), body));
  },
});

const OUT: Record<string, EioProperty> = {
  lead_id: { type: 'number', title: 'Lead ID', required: true },
  contact_id: { type: 'number', title: 'Contact ID (null without a contact)', required: false },
  company_id: { type: 'number', title: 'Company ID (null without a company)', required: false },
  merged: { type: 'boolean', title: 'An existing contact or company was used (Kommo\'s duplicate control)', required: true },
};

/** `getMetaModel`: the lead, contact and company typed by the account's fields in; the ids out. */
export const getMetaModel = service<CreateComplexLeadConfig, [], MetaModel>({
  async run({ client }) {
    const shapes = await schemas(accountModelFor(await client()));
    const part = (schema: EioSchema, title: string, required: boolean): EioProperty => ({ type: 'object', title, required, properties: schema.properties });
    return {
      in: {
        type: 'object',
        properties: {
          lead: part(shapes.lead, 'Lead', true),
          contact: part(shapes.contact, 'Contact (new, or an existing one by id)', false),
          company: part(shapes.company, 'Company (new, or an existing one by id)', false),
        },
      },
      out: { type: 'object', properties: OUT },
    };
  },
});

export { processAction as process };
