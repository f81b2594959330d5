/**
 * Get Events Polling: every Kommo event (`GET /api/v4/events`) of the chosen types and object
 * type, exactly once across polls, by `created_at` (docs/design.md "Triggers (2.0)", "Polling
 * guarantees"). This is how a flow sees deletions and stage changes without a public webhook URL.
 *
 * config → runPoll over the events list (100 per page, Kommo's clock from its `Date` header;
 * events never change, so a crowded second is re-read until its count is reached, see
 * lib/polling/cursor.ts) → one message per event, as Kommo returns it (string `id`) → the
 * snapshot after the data it accounts for.
 */
import type { CredentialConfig } from '../client/auth';
import type { FilterValue } from '../client/query';
import { configError } from '../client/errors';
import { objectType, OBJECT_TYPE_NAMES, OBJECT_TYPES, type ObjectTypeDefinition } from '../entities/registry';
import { EVENT_TYPES } from '../entities/selectModels';
import { buildPollConfig, type PollConfig } from '../polling/config';
import { pollKommo } from '../polling/trigger';
import { readCheckbox, step } from '../step';

export { getEventTypes, getObjectTypes } from '../entities/services';

/** The step's configuration: credential fields plus the trigger's fields (docs/design.md "Triggers (2.0)"). */
export interface EventsPollingConfig extends CredentialConfig {
  eventTypes?: unknown;
  entityType?: unknown;
  startTime?: unknown;
  singlePagePerInterval?: unknown;
}

/** Kommo's per-field codes (`custom_field_123_value_changed`) go alone in `filter[type]` (docs/kommo-api.md §5). */
const PER_FIELD_TYPE = /^custom_field_\d+_value_changed$/;

/** The trigger's configuration, read and checked before any request. */
export interface EventsPolling {
  poll: PollConfig;
  entity?: ObjectTypeDefinition;
  eventTypes: string[];
  singlePagePerInterval: boolean;
}

function ownerOf(code: string): ObjectTypeDefinition | undefined {
  return OBJECT_TYPE_NAMES.map((name) => OBJECT_TYPES[name]).find((type) => code.startsWith(`${type.singular}_`));
}

function readEventTypes(value: unknown, entity: ObjectTypeDefinition | undefined): string[] {
  if (value === undefined || value === null || value === '') return [];
  const given = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
  const codes = [...new Set(given.map((item) => (typeof item === 'string' ? item.trim() : JSON.stringify(item))).filter((item) => item !== ''))];
  const unknown = codes.filter((code) => !Object.hasOwn(EVENT_TYPES, code) && !PER_FIELD_TYPE.test(code));
  if (unknown.length > 0) {
    throw configError(`Event types ${unknown.map((code) => `"${code}"`).join(', ')} are not Kommo event codes; choose them from the list `
      + '(e.g. lead_added, lead_status_changed, contact_deleted) or use custom_field_<field id>_value_changed.');
  }
  if (codes.length > 1 && codes.some((code) => PER_FIELD_TYPE.test(code))) {
    throw configError('A custom_field_<field id>_value_changed event type must be the only event type: Kommo refuses it combined with others. '
      + 'Use custom_field_value_changed for changes of any field, or one trigger per field.');
  }
  const foreign = entity ? codes.filter((code) => ownerOf(code) !== undefined && ownerOf(code) !== entity) : [];
  if (entity && foreign.length > 0) {
    throw configError(`Event types ${foreign.join(', ')} never happen to ${entity.name} (entity type): remove them, or clear the entity type to poll events of every type.`);
  }
  return codes;
}

/** Reads the step's fields; a bad value is a KommoConfigError naming the field, before any request and any snapshot change. */
export function readEventsPolling(cfg: EventsPollingConfig): EventsPolling {
  const chosen = cfg.entityType;
  const entity = chosen === undefined || chosen === null || chosen === '' ? undefined : objectType(chosen, 'Entity type (entityType)');
  const eventTypes = readEventTypes(cfg.eventTypes, entity);
  const filter: Record<string, FilterValue> = {
    ...(eventTypes.length > 0 ? { type: eventTypes } : {}),
    ...(entity ? { entity: [entity.singular] } : {}),
  };
  const poll = buildPollConfig({
    kind: 'events',
    startTime: cfg.startTime,
    scope: `${entity?.name ?? 'all'}:${[...eventTypes].sort().join(',') || 'all'}`,
    filter,
  });
  return { poll, ...(entity ? { entity } : {}), eventTypes, singlePagePerInterval: readCheckbox(cfg.singlePagePerInterval) };
}

/** Sailor's `process` for the trigger. */
export const processTrigger = step<EventsPollingConfig, never>({
  async run(_body, context) {
    const { poll, singlePagePerInterval } = readEventsPolling(context.cfg);
    const client = await context.client();
    await pollKommo<Record<string, unknown>>(client, context, {
      poll,
      list: { path: 'events', embeddedKey: 'events' },
      what: 'events',
      singlePagePerInterval,
      emit: async (events) => {
        for (const event of events) await context.emitData(event);
      },
    });
    return undefined;
  },
});

export { processTrigger as process };
