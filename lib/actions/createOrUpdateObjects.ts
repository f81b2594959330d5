/**
 * Create or Update Objects (batch) (docs/design.md "Actions (2.0)", createOrUpdateObjects): writes
 * the message's `objects` — an item with `id` is updated, one without is created — in chunks of
 * "Items per request" (1–250, default 50) and returns one result per item:
 * `{results: [{index, id?, action, error?}], created, updated, failed, unknown}`.
 *
 * Item failures are data, not a thrown error: an item with a bad value fails before anything is
 * sent, one Kommo refuses fails with Kommo's reason, and the items of a chunk whose outcome Kommo
 * did not confirm are `unknown` (never sent twice). Only a message that is not a batch at all (no
 * `objects` array, a wrong configuration) fails the message. Requests with warm caches: one per
 * chunk, plus one per chunk Kommo refuses in part (the resubmission).
 */
import type { CredentialConfig } from '../client/auth';
import { configError, KommoConfigError } from '../client/errors';
import { accountModelFor, type AccountModel } from '../entities/accountModel';
import { writeBatch, DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, type BatchItem, type BatchResult } from '../entities/batchWrite';
import { KommoUnknownReferenceError, type CustomFieldCodec } from '../entities/customFieldCodec';
import type { CustomFieldDefinition } from '../entities/customFields';
import { objectWriteBody, parseObjectId } from '../entities/objectWrite';
import { isRecord } from '../entities/reader';
import { objectType, type ObjectTypeDefinition } from '../entities/registry';
import { buildWriteSchema, type EioProperty, type EioSchema, type MetaModel } from '../entities/schema';
import { chosenObjectType } from '../entities/selectModels';
import { readInput, readNumber, service, step, type InputShape } from '../step';

export { getObjectTypes } from '../entities/services';

/** The step's configuration: credential fields plus this action's fields. */
export interface CreateOrUpdateObjectsConfig extends CredentialConfig {
  objectType?: unknown;
  batchSize?: unknown;
}

/** The action's output body. */
export interface BatchOutput {
  results: BatchResult[];
  created: number;
  updated: number;
  failed: number;
  unknown: number;
}

const BATCH_SIZE = { label: 'Items per request', min: 1, max: MAX_BATCH_SIZE, defaultValue: DEFAULT_BATCH_SIZE };
const MESSAGE_SHAPE: InputShape = { properties: { objects: { title: 'Objects' } } };

/** One item's schema: `id` (update) and the type's writable fields. */
function itemSchema(type: ObjectTypeDefinition, fields: readonly CustomFieldDefinition[]): EioSchema {
  const { properties } = buildWriteSchema(type, fields);
  return {
    type: 'object',
    properties: { id: { type: 'number', title: 'ID', required: false, description: 'The object to update; leave it empty to create one.' }, ...properties },
  };
}

function kindOf(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  return isRecord(value) ? 'an object' : typeof value;
}

/** An item checked and encoded, or why it cannot be sent (and whether the reason may be a stale field definition). */
type Prepared = { item: BatchItem } | { failure: BatchResult; unknownReference: boolean };

function prepare(type: ObjectTypeDefinition, shape: EioSchema, codec: CustomFieldCodec, item: unknown, index: number): Prepared {
  const where = `objects[${index}].`;
  try {
    if (!isRecord(item)) throw configError(`objects[${index}] must be an object (one ${type.singularTitle.toLowerCase()}); got ${kindOf(item)}.`);
    const input = readInput(item, shape);
    const given = input.id;
    if (given === undefined || given === null || given === '') {
      return { item: { index, mode: 'create', body: objectWriteBody(type, codec, input, { mode: 'create', where }) } };
    }
    const id = parseObjectId(given, `${where}id`, 'the object to update; leave it empty to create one');
    return { item: { index, mode: 'update', body: { id, ...objectWriteBody(type, codec, input, { mode: 'update', where }) } } };
  } catch (error) {
    if (!(error instanceof KommoConfigError)) throw error;
    const message = error.message.startsWith('objects[') ? error.message : `objects[${index}]: ${error.message}`;
    return { failure: { index, action: 'failed', error: message }, unknownReference: error instanceof KommoUnknownReferenceError };
  }
}

/**
 * Every item checked and encoded against the account's fields. A field or option the model does
 * not know may be new in Kommo: the definitions are read again once (as `withCodec` does for one
 * object) before the items naming it fail.
 */
async function prepareAll(model: AccountModel, type: ObjectTypeDefinition, objects: readonly unknown[]): Promise<Prepared[]> {
  const shape = itemSchema(type, await model.customFields(type));
  const encodeAll = (codec: CustomFieldCodec): Prepared[] => objects.map((item, index) => prepare(type, shape, codec, item, index));
  const prepared = encodeAll(await model.codec(type));
  const stale = prepared.some((entry) => 'failure' in entry && entry.unknownReference);
  if (!stale || !(await model.refresh(`custom_fields:${type.name}`))) return prepared;
  return encodeAll(await model.codec(type));
}

/** Sailor's `process` for the action. */
export const processAction = step<CreateOrUpdateObjectsConfig, BatchOutput>({
  async run(body, { cfg, client }) {
    objectType(cfg.objectType);
    const batchSize = readNumber(cfg.batchSize, BATCH_SIZE);
    const { objects } = readInput(body, MESSAGE_SHAPE);
    if (!Array.isArray(objects)) {
      throw configError(`objects must be an array of objects to create or update (an item with "id" is updated, one without is created); got ${kindOf(objects)}.`);
    }
    const api = await client();
    const model = accountModelFor(api);
    const type = await chosenObjectType(cfg.objectType, model);
    const prepared = objects.length === 0 ? [] : await prepareAll(model, type, objects);
    const refusedHere = prepared.flatMap((entry) => ('failure' in entry ? [entry.failure] : []));
    const outcome = await writeBatch(api, type, prepared.flatMap((entry) => ('item' in entry ? [entry.item] : [])), batchSize);
    if (outcome.customFieldRejected) await model.refresh(`custom_fields:${type.name}`);
    const results = [...refusedHere, ...outcome.results].sort((a, b) => a.index - b.index);
    const count = (action: BatchResult['action']): number => results.filter((result) => result.action === action).length;
    return { results, created: count('created'), updated: count('updated'), failed: count('failed'), unknown: count('unknown') };
  },
});

const RESULT: EioProperty = {
  type: 'object',
  properties: {
    index: { type: 'number', title: 'Item index (from 0)', required: true },
    id: { type: 'number', title: 'Object ID', required: false },
    action: { type: 'string', title: 'What happened', required: true, enum: ['created', 'updated', 'failed', 'unknown'] },
    error: { type: 'string', title: 'Why it failed, or why its outcome is unknown', required: false },
  },
};

/** `getMetaModel`: the items typed by the type's fields in; the results out. */
export const getMetaModel = service<CreateOrUpdateObjectsConfig, [], MetaModel>({
  async run({ cfg, client }) {
    const model = accountModelFor(await client());
    const type = await chosenObjectType(cfg.objectType, model);
    const items = itemSchema(type, await model.customFields(type));
    return {
      in: {
        type: 'object',
        properties: {
          objects: { type: 'array', title: `${type.title} to create or update`, required: true, items: { type: 'object', properties: items.properties } },
        },
      },
      out: {
        type: 'object',
        properties: {
          results: { type: 'array', title: 'One result per item, in item order', required: true, items: RESULT },
          created: { type: 'number', title: 'Created', required: true },
          updated: { type: 'number', title: 'Updated', required: true },
          failed: { type: 'number', title: 'Failed', required: true },
          unknown: { type: 'number', title: 'Outcome unknown (Kommo did not confirm; not sent again)', required: true },
        },
      },
    };
  },
});

export { processAction as process };
