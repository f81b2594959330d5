/**
 * Upsert Object (docs/design.md "Actions (2.0)", upsertObject): creates or updates one object of
 * the configured type, found by the configured criterion, and returns it as Kommo has it after the
 * write (Kommo's object plus `custom_fields_by_id`).
 *
 * - By `id`: `PATCH /{type}/{id}` (an unknown id is an error); no id creates.
 * - By any other criterion: search and strict match; 0 → create, 1 → update, more → an error
 *   listing the ids. Upserts of one criterion value in one process run one after another, so two
 *   never both create.
 * - A create that fails ambiguously (500, 502, 504, reset, timeout: Kommo may have applied it) is
 *   never sent again: the criterion is looked up again, and one match is the created object.
 * - Requests with warm caches: by id 2 (write, read back; +1 to read the current values when
 *   `mergeMultiValues` merges a multi-value field), by criterion 3 (search, write, read back).
 */
import { createHash } from 'crypto';
import type { CredentialConfig } from '../client/auth';
import type { KommoApi } from '../client/KommoClient';
import { isAmbiguousWriteFailure, KommoError } from '../client/errors';
import { accountModelFor, isCustomFieldRejection, type AccountModel } from '../entities/accountModel';
import { MULTI_VALUE_KINDS } from '../entities/customFieldCodec';
import { valueKind, type CustomFieldDefinition } from '../entities/customFields';
import { findByCriterion, idsOf, type KommoObject } from '../entities/criterionSearch';
import { criterionValue, isEmptyCriterionValue, matchKey, resolveCriterion, type Criterion } from '../entities/matching';
import { createObject, readObject, updateObject } from '../entities/objectRequests';
import { objectWriteBody, withCriterionValue, type ObjectWriteOptions } from '../entities/objectWrite';
import { isRecord } from '../entities/reader';
import { objectType, type ObjectTypeDefinition } from '../entities/registry';
import { buildObjectOutSchema, buildUpsertInSchema, type MetaModel } from '../entities/schema';
import { chosenObjectType } from '../entities/selectModels';
import * as processScope from '../processScope';
import { readCheckbox, readInput, service, step } from '../step';

export { getObjectTypes, getUpsertCriteria } from '../entities/services';

/** The step's configuration: credential fields plus this action's fields. */
export interface UpsertObjectConfig extends CredentialConfig {
  objectType?: unknown;
  upsertCriteria?: unknown;
  mergeMultiValues?: unknown;
}

/**
 * After an ambiguous create, the criterion is looked up again after each of these waits until
 * one finds the object: Kommo may finish a write its gateway already answered 504 for.
 */
export const RECHECK_DELAYS_MS: readonly number[] = [0, 1000];

/** What an upsert needs besides Kommo: how to wait between rechecks (tests skip the waits). */
export interface UpsertDeps {
  sleep(delayMs: number): Promise<void>;
}

const realDeps: UpsertDeps = { sleep: (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs)) };

/** One upsert, checked and resolved against the account before any write. */
export interface UpsertRequest {
  type: ObjectTypeDefinition;
  criterion: Criterion;
  fields: readonly CustomFieldDefinition[];
  input: Record<string, unknown>;
  mergeMultiValues: boolean;
}

/** Reads the configuration and the message against the account's fields; every error here comes before any write. */
export async function planUpsert(model: AccountModel, cfg: UpsertObjectConfig, body: unknown): Promise<UpsertRequest> {
  const type = await chosenObjectType(cfg.objectType, model);
  const fields = await model.customFields(type);
  const criterion = resolveCriterion(type, fields, cfg.upsertCriteria, 'Upsert criterion');
  const input = readInput(body, buildUpsertInSchema(type, fields, criterion.key));
  const request = { type, criterion, fields, input, mergeMultiValues: readCheckbox(cfg.mergeMultiValues) };
  const given = input[criterion.key];
  if (criterion.kind !== 'id' || !isEmptyCriterionValue(given)) criterionValue(criterion, given);
  // The whole body once, as a create would send it: a bad value fails here, not after a search.
  const probe = await writeBody(model, request, { mode: 'create' });
  if (criterion.kind !== 'id') withCriterionValue(probe, type, criterion, given, fields);
  return request;
}

function writeBody(model: AccountModel, request: UpsertRequest, options: ObjectWriteOptions): Promise<Record<string, unknown>> {
  return model.withCodec(request.type, (codec) => objectWriteBody(request.type, codec, request.input, { ...options, mergeMultiValues: request.mergeMultiValues }));
}

/** True when merging needs the object's current values: the input sets a multiselect or multitext field. */
function mergesMultiValues(request: UpsertRequest): boolean {
  const byId = request.input.custom_fields_by_id;
  if (!request.mergeMultiValues || !isRecord(byId)) return false;
  return request.fields.some((field) => byId[String(field.id)] !== undefined && MULTI_VALUE_KINDS.includes(valueKind(field.type)));
}

/**
 * Sends a write built from the model; when Kommo refuses a custom-field value as unknown, the field
 * definitions may be stale: they are read again once and the write rebuilt (a 400 applied nothing).
 */
async function sendWrite<T>(model: AccountModel, type: ObjectTypeDefinition, build: () => Promise<Record<string, unknown>>, send: (body: Record<string, unknown>) => Promise<T>): Promise<T> {
  try {
    return await send(await build());
  } catch (error) {
    if (!isCustomFieldRejection(error) || !(await model.refresh(`custom_fields:${type.name}`))) throw error;
    return send(await build());
  }
}

function singular(type: ObjectTypeDefinition): string {
  return type.singularTitle.toLowerCase();
}

async function update(api: KommoApi, model: AccountModel, request: UpsertRequest, id: number, current?: KommoObject): Promise<number> {
  try {
    await sendWrite(model, request.type, () => writeBody(model, request, { mode: 'update', current }), (body) => updateObject(api, request.type, id, body));
  } catch (error) {
    if (!isAmbiguousWriteFailure(error)) throw error;
    throw new KommoError(`Kommo did not confirm the update of ${singular(request.type)} ${id}; it may or may not have been applied `
      + `(${(error as Error).message}). Running the message again is safe: it updates the same ${singular(request.type)}.`, { cause: error });
  }
  return id;
}

/** Creates with a criterion: an ambiguous failure is settled by looking the criterion up again, never by a second POST. */
async function createFound(api: KommoApi, model: AccountModel, request: UpsertRequest, deps: UpsertDeps): Promise<number | KommoObject> {
  const { type, criterion, fields, input } = request;
  const value = input[criterion.key];
  try {
    return await sendWrite(model, type, async () => withCriterionValue(await writeBody(model, request, { mode: 'create' }), type, criterion, value, fields),
      (body) => createObject(api, type, body));
  } catch (error) {
    if (!isAmbiguousWriteFailure(error)) throw error;
    for (const delayMs of RECHECK_DELAYS_MS) {
      if (delayMs > 0) await deps.sleep(delayMs);
      const found = await findByCriterion(api, type, criterion, value);
      if (found.length === 1) return found[0];
      if (found.length > 1) {
        throw new KommoError(`Kommo did not confirm the create of a ${singular(type)} (${(error as Error).message}), and now more than one `
          + `${singular(type)} matches the ${criterion.title} (${criterion.key}): ids ${idsOf(found)}. Merge them in Kommo.`, { cause: error });
      }
    }
    throw new KommoError(`Kommo did not confirm the create of a ${singular(type)} (${(error as Error).message}). Looked up by its `
      + `${criterion.title} (${criterion.key}) again: no ${singular(type)} has it, so nothing was created. Running the message again is safe.`, { cause: error });
  }
}

/** Creates without a criterion (no id given): an ambiguous failure cannot be settled by a lookup. */
async function createUnfound(api: KommoApi, model: AccountModel, request: UpsertRequest): Promise<number> {
  try {
    return await sendWrite(model, request.type, () => writeBody(model, request, { mode: 'create' }), (body) => createObject(api, request.type, body));
  } catch (error) {
    if (!isAmbiguousWriteFailure(error)) throw error;
    throw new KommoError(`Kommo did not confirm the create of a ${singular(request.type)}; it may have been created (${(error as Error).message}). `
      + `Check Kommo before running the message again: without a criterion to find it by, another run could create a second ${singular(request.type)}.`, { cause: error });
  }
}

/** The queue key of a criterion value: account, type, criterion and the value as matching compares it (hashed: it can be an email). */
function queueKey(api: KommoApi, request: UpsertRequest, value: unknown): string {
  const digest = createHash('sha256').update(matchKey(request.criterion, value)).digest('hex').slice(0, 32);
  return `upsert ${api.base.origin} ${request.type.name} ${request.criterion.key} ${digest}`;
}

/** The write of an upsert; resolves to the written object's id, or to the object when the write's outcome was found by a lookup. */
async function write(api: KommoApi, model: AccountModel, request: UpsertRequest, deps: UpsertDeps): Promise<number | KommoObject> {
  const { type, criterion, input } = request;
  const value = input[criterion.key];
  if (criterion.kind === 'id') {
    if (isEmptyCriterionValue(value)) return createUnfound(api, model, request);
    const id = criterionValue(criterion, value) as number;
    const current = mergesMultiValues(request) ? await readObject(api, type, id) : undefined;
    return update(api, model, request, id, current);
  }
  return processScope.exclusive(queueKey(api, request, value), async () => {
    const matches = await findByCriterion(api, type, criterion, value);
    if (matches.length > 1) {
      throw new KommoError(`More than one ${singular(type)} matches the ${criterion.title} (${criterion.key}): ids ${idsOf(matches)}. `
        + 'Nothing was written. Merge them in Kommo, or upsert by id.');
    }
    if (matches.length === 1) return update(api, model, request, Number(matches[0].id), matches[0]);
    return createFound(api, model, request, deps);
  });
}

/** Upserts one object and returns it as Kommo has it after the write, with `custom_fields_by_id`. */
export async function upsertObject(api: KommoApi, model: AccountModel, request: UpsertRequest, deps: UpsertDeps = realDeps): Promise<KommoObject> {
  const written = await write(api, model, request, deps);
  let object: KommoObject;
  try {
    object = typeof written === 'number' ? await readObject(api, request.type, written) : written;
  } catch (error) {
    throw new KommoError(`Kommo applied the write to ${singular(request.type)} ${String(written)}, but reading it back failed: ${(error as Error).message}`, { cause: error });
  }
  return (await model.codec(request.type)).decorate(object);
}

/** The action's `process` with its waits injectable (tests); sailor gets {@link processAction}. */
export function upsertAction(deps: UpsertDeps = realDeps) {
  return step<UpsertObjectConfig, KommoObject>({
    async run(body, { cfg, client }) {
      objectType(cfg.objectType); // a wrong configuration fails before the credential is read
      const api = await client();
      const model = accountModelFor(api);
      return upsertObject(api, model, await planUpsert(model, cfg, body), deps);
    },
  });
}

/** Sailor's `process` for the action. */
export const processAction = upsertAction();

/** `getMetaModel`: the criterion and the writable fields of the type in; the object out. */
export const getMetaModel = service<UpsertObjectConfig, [], MetaModel>({
  async run({ cfg, client }) {
    const model = accountModelFor(await client());
    const type = await chosenObjectType(cfg.objectType, model);
    const fields = await model.customFields(type);
    return { in: buildUpsertInSchema(type, fields, cfg.upsertCriteria), out: buildObjectOutSchema(type, fields) };
  },
});

export { processAction as process };
