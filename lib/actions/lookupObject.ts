/**
 * Lookup Object (at most one): finds the one object of `objectType` whose `lookupCriteria`
 * (`id`, `name`, `email`, `phone`, `cf_<field id>`) equals the input value, and emits it as Kommo
 * returns it plus `custom_fields_by_id` (docs/design.md "Actions (2.0)", "Strict matching").
 *
 * - Input: `{<criterion>: value}` (the key is the criterion's own). An empty value is an error,
 *   or `{}` with `allowCriteriaToBeOmitted`, without a request.
 * - `id` reads the object; other criteria search with Kommo's fuzzy `query=` and keep only exact
 *   matches. More than one match is an error listing the ids.
 * - None: an error; `{}` with `allowZeroResults`; with `waitForObjectToExist` a rebound (the
 *   platform delivers the message again later; that option wins over `allowZeroResults`).
 * - `linkedObjects` are read with the object (`with=`), in the same request.
 * With warm caches a message costs one Kommo request.
 */
import type { CredentialConfig } from '../client/auth';
import { configError } from '../client/errors';
import { accountModelFor } from '../entities/accountModel';
import { findByCriterion } from '../entities/criterionSearch';
import { criterionKey, KommoMultipleMatchesError, KommoNoMatchError, readCriterion, readLinkedObjects } from '../entities/lookup';
import { isEmptyCriterionValue } from '../entities/matching';
import { objectType } from '../entities/registry';
import { buildLookupInSchema, buildObjectOutSchema, type MetaModel } from '../entities/schema';
import { chosenObjectType } from '../entities/selectModels';
import { readCheckbox, readInput, service, step } from '../step';

export { getLinkedObjects, getLookupCriteria, getObjectTypes } from '../entities/services';

/** The step's configuration: credential fields plus this action's fields (docs/design.md "Actions (2.0)"). */
export interface LookupObjectConfig extends CredentialConfig {
  objectType?: unknown;
  lookupCriteria?: unknown;
  linkedObjects?: unknown;
  allowCriteriaToBeOmitted?: unknown;
  allowZeroResults?: unknown;
  waitForObjectToExist?: unknown;
}

/** What the action emits: the object with `custom_fields_by_id`, or `{}`. */
export type LookupObjectOutput = Record<string, unknown>;

/** How many ids the "more than one" error lists before "and N more". */
const LISTED_IDS = 20;

function listIds(ids: readonly number[]): string {
  return ids.length <= LISTED_IDS ? ids.join(', ') : `${ids.slice(0, LISTED_IDS).join(', ')} and ${ids.length - LISTED_IDS} more`;
}

/** Sailor's `process` for the action (exported under that name below). */
export const processAction = step<LookupObjectConfig, LookupObjectOutput>({
  async run(body, { cfg, client, rebound }) {
    // Configuration and input first: nothing here needs a request.
    const registered = objectType(cfg.objectType);
    const key = criterionKey(registered, cfg.lookupCriteria);
    const linked = readLinkedObjects(registered, cfg.linkedObjects);
    const input = readInput(body, { properties: { [key]: { title: key } } });
    const value = input[key];
    if (isEmptyCriterionValue(value)) {
      if (readCheckbox(cfg.allowCriteriaToBeOmitted)) return {};
      throw configError(`The lookup value "${key}" is empty. Map a value to it, or enable "Allow criteria to be omitted" to emit {} instead.`);
    }

    const api = await client();
    const model = accountModelFor(api);
    const type = await chosenObjectType(cfg.objectType, model);
    const criterion = await readCriterion(type, key, () => model.customFields(type));

    const matches = await findByCriterion(api, type, criterion, value, { with: linked });
    if (matches.length > 1) {
      const ids = matches.map((match) => Number(match.id));
      throw new KommoMultipleMatchesError(`More than one matching object found: ${matches.length} ${type.name} match ${criterion.title} (${criterion.key}), `
        + `ids ${listIds(ids)}. Choose a criterion that identifies one object, or use Lookup Objects to get them all.`, ids);
    }
    if (matches.length === 0) {
      const none = `No ${type.singular} matches ${criterion.title} (${criterion.key})`;
      if (readCheckbox(cfg.waitForObjectToExist)) return rebound(new KommoNoMatchError(`${none} yet; waiting for it to exist.`));
      if (readCheckbox(cfg.allowZeroResults)) return {};
      throw new KommoNoMatchError(`${none}. Enable "Allow zero results" to emit {} instead, or "Wait for object to exist" to retry later.`);
    }
    return (await model.codec(type)).decorate(matches[0]);
  },
});

export { processAction as process };

/**
 * `getMetaModel`: in, the criterion's property (required unless it may be omitted); out, the
 * type's object with one `custom_fields_by_id` property per custom field of the account. Costs
 * one pass over the type's field pages (plus the account request for customers).
 */
export const getMetaModel = service<LookupObjectConfig, [], MetaModel>({
  async run({ cfg, client }) {
    const key = criterionKey(objectType(cfg.objectType), cfg.lookupCriteria);
    const model = accountModelFor(await client());
    const type = await chosenObjectType(cfg.objectType, model);
    const fields = await model.customFields(type);
    const out = buildObjectOutSchema(type, fields);
    // `{}` is a possible answer then, so not even the id is certain.
    if (readCheckbox(cfg.allowZeroResults) || readCheckbox(cfg.allowCriteriaToBeOmitted)) {
      for (const property of Object.values(out.properties)) property.required = false;
    }
    return { in: buildLookupInSchema(type, fields, key, { allowCriteriaToBeOmitted: readCheckbox(cfg.allowCriteriaToBeOmitted) }), out };
  },
});
