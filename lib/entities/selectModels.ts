/**
 * Select models (docs/design.md "Dynamic metadata and select models"): `{value: label}` objects
 * for the dropdowns `getObjectTypes`, `getLookupCriteria`, `getUpsertCriteria`,
 * `getLinkedObjects`, `getEventTypes`. The pure builders take what they show; the `…Model`
 * functions read the account model and cost only what they need (object types: one account
 * request; criteria: one pass over the type's field pages, plus the account for customers).
 *
 * Event types are a static list of Kommo's documented codes, not `GET events/types`: it costs no
 * request, and Kommo's list adds one `custom_field_<id>_value_changed` entry per field of every
 * type, which would bury the codes people pick.
 */
import { configError } from '../client/errors';
import type { AccountModel } from './accountModel';
import type { CustomFieldDefinition } from './customFields';
import { availableCriteria } from './matching';
import { availableObjectTypes, linkedWithOptions, objectType, OBJECT_TYPE_NAMES, OBJECT_TYPES, type ObjectTypeDefinition } from './registry';

/** A select model: option value → label. */
export type SelectModel = Record<string, string>;

/** `getObjectTypes`: the five types, customers only where enabled. */
export function objectTypesModel(customersEnabled: boolean): SelectModel {
  return Object.fromEntries(availableObjectTypes(customersEnabled).map((type) => [type.name, type.title]));
}

/**
 * `getLookupCriteria` / `getUpsertCriteria`: `id`, `name`, `email`/`phone` where the type has
 * them, `cf_<id>` per text, numeric or url field titled with its name (with its id when two
 * labels would read the same).
 */
export function criteriaModel(type: ObjectTypeDefinition, fields: readonly CustomFieldDefinition[]): SelectModel {
  const criteria = availableCriteria(type, fields);
  const counts = new Map<string, number>();
  for (const criterion of criteria) counts.set(criterion.title.toLowerCase(), (counts.get(criterion.title.toLowerCase()) ?? 0) + 1);
  return Object.fromEntries(criteria.map((criterion) => {
    const ambiguous = criterion.kind === 'customField' && (counts.get(criterion.title.toLowerCase()) ?? 0) > 1;
    return [criterion.key, ambiguous ? `${criterion.title} (field ${criterion.field.id})` : criterion.title];
  }));
}

/** `getLinkedObjects`: the type's `with` values that add linked objects. */
export function linkedObjectsModel(type: ObjectTypeDefinition): SelectModel {
  return Object.fromEntries(linkedWithOptions(type).map((option) => [option.value, option.title]));
}

/** Kommo's event type codes (`GET events?filter[type][]=…`, docs/kommo-api.md §5) with readable titles. */
export const EVENT_TYPES: Readonly<Record<string, string>> = {
  lead_added: 'Lead added',
  lead_deleted: 'Lead deleted',
  lead_restored: 'Lead restored',
  lead_status_changed: 'Lead stage changed',
  lead_linked: 'Lead linked',
  lead_unlinked: 'Lead unlinked',
  contact_added: 'Contact added',
  contact_deleted: 'Contact deleted',
  contact_restored: 'Contact restored',
  contact_linked: 'Contact linked',
  contact_unlinked: 'Contact unlinked',
  company_added: 'Company added',
  company_deleted: 'Company deleted',
  company_restored: 'Company restored',
  company_linked: 'Company linked',
  company_unlinked: 'Company unlinked',
  customer_added: 'Customer added',
  customer_deleted: 'Customer deleted',
  customer_status_changed: 'Customer status changed',
  customer_linked: 'Customer linked',
  customer_unlinked: 'Customer unlinked',
  task_added: 'Task added',
  task_deleted: 'Task deleted',
  task_completed: 'Task completed',
  task_type_changed: 'Task type changed',
  task_text_changed: 'Task text changed',
  task_deadline_changed: 'Task deadline changed',
  task_result_added: 'Task result added',
  incoming_call: 'Incoming call',
  outgoing_call: 'Outgoing call',
  incoming_mail: 'Incoming e-mail',
  outgoing_mail: 'Outgoing e-mail',
  incoming_chat_message: 'Incoming chat message',
  outgoing_chat_message: 'Outgoing chat message',
  entity_direct_message: 'Internal message',
  incoming_sms: 'Incoming SMS',
  outgoing_sms: 'Outgoing SMS',
  entity_tag_added: 'Tags added',
  entity_tag_deleted: 'Tags removed',
  entity_linked: 'Object linked',
  entity_unlinked: 'Object unlinked',
  sale_field_changed: 'Sale value changed',
  name_field_changed: 'Name changed',
  ltv_field_changed: 'Customer lifetime value changed',
  custom_field_value_changed: 'Custom field value changed',
  entity_responsible_changed: 'Responsible user changed',
  robot_replied: 'AI: bot started',
  intent_identified: 'AI: bot not started',
  nps_rate_added: 'NPS rating added',
  link_followed: 'Link followed',
  common_note_added: 'Note added',
  common_note_deleted: 'Note deleted',
  attachment_note_added: 'File attached',
};

/**
 * `getEventTypes`: every code, or for one object type its own codes (`lead_…` for leads) plus the
 * codes not tied to a type (calls, messages, tags, field changes…).
 */
export function eventTypesModel(type?: ObjectTypeDefinition): SelectModel {
  const prefixes = OBJECT_TYPE_NAMES.map((name) => `${OBJECT_TYPES[name].singular}_`);
  return Object.fromEntries(Object.entries(EVENT_TYPES).filter(([code]) => {
    if (!type) return true;
    const owner = prefixes.find((prefix) => code.startsWith(prefix));
    return owner === undefined || owner === `${type.singular}_`;
  }));
}

/**
 * The object type chosen in a step's configuration, checked against the account: customers only
 * when enabled (which costs the account request; other types cost nothing).
 */
export async function chosenObjectType(value: unknown, model: AccountModel, label = 'Object type'): Promise<ObjectTypeDefinition> {
  const type = objectType(value, label);
  if (type.requiresCustomers) {
    const account = await model.account();
    if (!account.customersEnabled) {
      throw configError(`${label} "${type.name}" needs the customers section, which is not enabled in this Kommo account`
        + ` (customers_mode "${account.customersMode ?? 'unknown'}"). Enable it in Kommo or choose another type.`);
    }
  }
  return type;
}

/** `getObjectTypes` for an account: one account request. */
export async function objectTypesFor(model: AccountModel): Promise<SelectModel> {
  return objectTypesModel((await model.account()).customersEnabled);
}

/** `getLookupCriteria` / `getUpsertCriteria` for `cfg.objectType`: one pass over the type's field pages. */
export async function criteriaFor(cfg: { objectType?: unknown }, model: AccountModel): Promise<SelectModel> {
  const type = await chosenObjectType(cfg.objectType, model);
  return criteriaModel(type, await model.customFields(type));
}
