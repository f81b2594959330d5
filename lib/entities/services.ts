/**
 * The select models of docs/design.md "Dynamic metadata and select models", ready to export.
 * Sailor looks a select model up only in the module of the current action or trigger
 * (docs/elasticio-triggers.md §3), so each module re-exports the ones its component.json fields
 * name: `export { getObjectTypes, getLookupCriteria } from '../entities/services';`.
 *
 * Each call runs in a fresh `runService` process and costs what its model needs: object types one
 * account request, criteria one pass over the type's field pages, linked objects and event types
 * none.
 */
import type { CredentialConfig } from '../client/auth';
import { service } from '../step';
import { accountModelFor } from './accountModel';
import { objectType } from './registry';
import { criteriaFor, eventTypesModel, linkedObjectsModel, objectTypesFor } from './selectModels';

/** The step fields the select models read; each model reads only its own. */
export interface SelectModelConfig extends CredentialConfig {
  objectType?: unknown;
  /** Get Events Polling: the object type whose events to offer; empty for all. */
  entityType?: unknown;
}

/** `getObjectTypes`: leads, contacts, companies, tasks, and customers where the account has them. */
export const getObjectTypes = service<SelectModelConfig, [], Record<string, string>>({
  run: async (context) => objectTypesFor(accountModelFor(await context.client())),
});

/** `getLookupCriteria`: `id`, `name`, `email`/`phone` where the type has them, `cf_<id>` per text, numeric or url field. */
export const getLookupCriteria = service<SelectModelConfig, [], Record<string, string>>({
  run: async (context) => criteriaFor(context.cfg, accountModelFor(await context.client())),
});

/** `getUpsertCriteria`: the same criteria as lookups (an upsert finds before it writes). */
export const getUpsertCriteria = service<SelectModelConfig, [], Record<string, string>>({
  run: async (context) => criteriaFor(context.cfg, accountModelFor(await context.client())),
});

/** `getLinkedObjects`: the `with` values of the chosen type that add linked objects; no request. */
export const getLinkedObjects = service<SelectModelConfig, [], Record<string, string>>({
  run: async (context) => linkedObjectsModel(objectType(context.cfg.objectType)),
});

/** `getEventTypes`: Kommo's event codes, narrowed to `entityType`'s own codes when one is chosen; no request. */
export const getEventTypes = service<SelectModelConfig, [], Record<string, string>>({
  run: async (context) => {
    const chosen = context.cfg.entityType;
    return eventTypesModel(chosen === undefined || chosen === null || chosen === '' ? undefined : objectType(chosen, 'Entity type'));
  },
});
