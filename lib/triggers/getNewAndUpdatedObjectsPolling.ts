/**
 * Get New and Updated Objects Polling: every version of an object (id, `updated_at`) — or every
 * new object (`created_at`) — of one type, exactly once across polls (docs/design.md "Triggers
 * (2.0)", "Polling guarantees"; the cursor's argument is in lib/polling/cursor.ts).
 *
 * config → runPoll over the type's list (one request per page, Kommo's clock from its `Date`
 * header) → each object with `custom_fields_by_id` (`{}` when it has no values, tasks included),
 * one message each or one `{results}` per
 * page → the snapshot after the data it accounts for. Tasks, which Kommo cannot sort by
 * `updated_at`, are read in id order (docs/kommo-api.md §5).
 */
import type { CredentialConfig } from '../client/auth';
import { configError } from '../client/errors';
import { accountModelFor } from '../entities/accountModel';
import type { CustomFieldCodec } from '../entities/customFieldCodec';
import { linkedWithOptions, objectType, type ObjectTypeDefinition } from '../entities/registry';
import { buildObjectOutSchema, type EioSchema, type MetaModel } from '../entities/schema';
import { chosenObjectType } from '../entities/selectModels';
import { buildPollConfig, type PollConfig, type TimestampField } from '../polling/config';
import { pollKommo } from '../polling/trigger';
import { readCheckbox, readEnum, service, step } from '../step';

export { getLinkedObjects, getObjectTypes } from '../entities/services';

/** The step's configuration: credential fields plus the trigger's fields (docs/design.md "Triggers (2.0)"). */
export interface ObjectsPollingConfig extends CredentialConfig {
  objectType?: unknown;
  timestampField?: unknown;
  emitBehavior?: unknown;
  startTime?: unknown;
  endTime?: unknown;
  pageSize?: unknown;
  singlePagePerInterval?: unknown;
  linkedObjects?: unknown;
}

/** `emitIndividually`: one message per object; `emitPage`: one `{results}` message per page. */
export const EMIT_BEHAVIORS = ['emitIndividually', 'emitPage'] as const;
const TIMESTAMP_FIELDS: readonly TimestampField[] = ['updated_at', 'created_at'];

/** The trigger's configuration, read and checked before any request. */
export interface ObjectsPolling {
  type: ObjectTypeDefinition;
  poll: PollConfig;
  emitPage: boolean;
  singlePagePerInterval: boolean;
  linkedObjects: string[];
}

function readLinkedObjects(value: unknown, type: ObjectTypeDefinition): string[] {
  if (value === undefined || value === null || value === '') return [];
  const given = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
  const allowed = linkedWithOptions(type).map((option) => option.value);
  const chosen = [...new Set(given.map((item) => (typeof item === 'string' ? item.trim() : JSON.stringify(item))).filter((item) => item !== ''))];
  const unknown = chosen.filter((item) => !allowed.includes(item));
  if (unknown.length > 0) {
    throw configError(`Linked objects ${unknown.map((item) => `"${item}"`).join(', ')} cannot be added to ${type.name}; `
      + (allowed.length > 0 ? `choose from ${allowed.join(', ')}.` : `${type.title} have no linked objects to add: leave the field empty.`));
  }
  return chosen;
}

/** Reads the step's fields; a bad value is a KommoConfigError naming the field, before any request and any snapshot change. */
export function readObjectsPolling(cfg: ObjectsPollingConfig): ObjectsPolling {
  const type = objectType(cfg.objectType);
  const field = readEnum(cfg.timestampField, { label: 'Timestamp field (timestampField)', values: TIMESTAMP_FIELDS, defaultValue: 'updated_at' });
  if (type.filters[field] !== 'dateRange') {
    const usable = TIMESTAMP_FIELDS.filter((candidate) => type.filters[candidate] === 'dateRange');
    throw configError(`${type.title} cannot be polled by ${field}: Kommo's ${type.name} list has no ${field} filter. `
      + `Choose ${usable.join(' or ')}${field === 'created_at' && usable.includes('updated_at') ? ' (a new object\'s updated_at is its creation time)' : ''}.`);
  }
  const emitBehavior = readEnum(cfg.emitBehavior, { label: 'Emit behavior (emitBehavior)', values: EMIT_BEHAVIORS, defaultValue: 'emitIndividually' });
  const linkedObjects = readLinkedObjects(cfg.linkedObjects, type);
  const poll = buildPollConfig({
    kind: 'entities',
    rangeOrder: type.orderKeys.includes(field) ? 'field' : 'id',
    timestampField: field,
    startTime: cfg.startTime,
    endTime: cfg.endTime,
    pageSize: cfg.pageSize,
    scope: type.name,
  });
  return { type, poll, emitPage: emitBehavior === 'emitPage', singlePagePerInterval: readCheckbox(cfg.singlePagePerInterval), linkedObjects };
}

/** Sailor's `process` for the trigger. */
export const processTrigger = step<ObjectsPollingConfig, never>({
  async run(_body, context) {
    const { type, poll, emitPage, singlePagePerInterval, linkedObjects } = readObjectsPolling(context.cfg);
    const client = await context.client();
    // Field definitions are read only when a page has values to decode: an idle poll is one request.
    let codec: Promise<CustomFieldCodec> | undefined;
    const decorate = async (records: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> => {
      const hasValues = (record: Record<string, unknown>): boolean => Array.isArray(record.custom_fields_values) && record.custom_fields_values.length > 0;
      if (!type.hasCustomFields || !records.some(hasValues)) return records.map((record) => ({ ...record, custom_fields_by_id: {} }));
      codec ??= accountModelFor(client).codec(type);
      const fields = await codec;
      return records.map((record) => fields.decorate(record));
    };
    await pollKommo<Record<string, unknown>>(client, context, {
      poll,
      list: { path: type.path, embeddedKey: type.embeddedKey, with: linkedObjects },
      what: type.name,
      singlePagePerInterval,
      emit: async (records) => {
        const objects = await decorate(records);
        if (emitPage) await context.emitData({ results: objects });
        else for (const object of objects) await context.emitData(object);
      },
    });
    return undefined;
  },
});

/** The out schema: the type's object, or `{results: [object]}` per page. */
export function objectsPollingOutSchema(object: EioSchema, emitPage: boolean): EioSchema {
  if (!emitPage) return object;
  return {
    type: 'object',
    properties: { results: { type: 'array', title: 'Objects of one page', required: true, items: { type: 'object', properties: object.properties } } },
  };
}

/** `getMetaModel`: no input; the type's object with the account's custom fields (one pass over the type's field pages). */
export const getMetaModel = service<ObjectsPollingConfig, [], MetaModel>({
  run: async ({ cfg, client }) => {
    const { emitPage } = readObjectsPolling(cfg);
    const model = accountModelFor(await client());
    const type = await chosenObjectType(cfg.objectType, model);
    const fields = type.hasCustomFields ? await model.customFields(type) : [];
    return { in: { type: 'object', properties: {} }, out: objectsPollingOutSchema(buildObjectOutSchema(type, fields), emitPage) };
  },
});

export { processTrigger as process };
