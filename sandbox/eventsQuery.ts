/**
 * Query parameters of `GET /api/v4/events`: paging (at most 100 per page), the documented filters
 * and ordering (docs/kommo-api.md §5 "Events filters"), parsed once and applied to the journal.
 */
import { isEventType, PER_FIELD_TYPE } from './events';
import type { FieldError } from './customFields';
import type { JournalEvent } from './webhookTypes';

/** Kommo's events pages hold at most 100 (docs/kommo-api.md §5; docs/kommo-fidelity.md #7). */
export const MAX_EVENTS_PAGE_SIZE = 100;
/** At most 10 ids in `filter[entity_id]` and `filter[created_by]` (docs/kommo-api.md §5). */
const MAX_FILTER_IDS = 10;
const ENTITY_CHOICE = /^(lead|contact|company|customer|task|catalog_\d+)$/;

interface StatusPair {
  pipeline_id?: number;
  status_id?: number;
}

/** `filter[value_before]` / `filter[value_after]` parts the sandbox understands. */
interface ValueFilter {
  leadsStatuses: StatusPair[];
  responsibleUserIds: number[];
}

export interface EventsQuery {
  page: number;
  limit: number;
  ids?: Set<string>;
  types?: Set<string>;
  entities?: Set<string>;
  entityIds?: Set<number>;
  createdBy?: Set<number>;
  createdFrom?: number;
  createdTo?: number;
  valueBefore?: ValueFilter;
  valueAfter?: ValueFilter;
  order: { field: 'created_at' | 'id'; direction: 'asc' | 'desc' };
}

export type ParsedEventsQuery = { ok: true; query: EventsQuery } | { ok: false; errors: FieldError[] };

/** `filter[a][b][]` → `['filter', 'a', 'b', '']`; undefined when the key is not bracket-shaped. */
export function bracketPath(key: string): string[] | undefined {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) return undefined;
  return [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((part) => part[1])];
}

/** Every value of a list filter: `x[]=a&x[]=b`, `x[0]=a`, and the SDK's comma form `x=a,b` all add up. */
function listValues(raw: readonly string[]): string[] {
  return raw.flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '');
}

function isIntegerText(text: string): boolean {
  return /^\d+$/.test(text);
}

export function parseEventsQuery(params: URLSearchParams): ParsedEventsQuery {
  const errors: FieldError[] = [];
  const fail = (path: string, detail: string, code = 'InvalidValue'): void => {
    errors.push({ code, path, detail });
  };
  const positive = (name: 'page' | 'limit'): number | undefined => {
    const raw = params.get(name);
    if (raw === null) return undefined;
    if (isIntegerText(raw) && Number(raw) >= 1) return Number(raw);
    fail(name, 'This value should be a positive integer.', 'InvalidType');
    return undefined;
  };
  const page = positive('page') ?? 1;
  // Above 100 the page is clamped, as Kommo is reported to shrink pages silently (docs/kommo-api.md §5).
  const limit = Math.min(positive('limit') ?? MAX_EVENTS_PAGE_SIZE, MAX_EVENTS_PAGE_SIZE);

  const lists = new Map<string, string[]>();
  const created: { plain: string[]; from?: string; to?: string } = { plain: [] };
  const valueFilters: Record<'value_before' | 'value_after', { statuses: Map<string, StatusPair>; responsible: string[] }> = {
    value_before: { statuses: new Map(), responsible: [] },
    value_after: { statuses: new Map(), responsible: [] },
  };
  let order: EventsQuery['order'] | undefined;

  for (const [key, value] of params) {
    const path = bracketPath(key);
    if (!path || path.length < 2) continue;
    const [root, field, ...rest] = path;
    if (root === 'order' && path.length === 2) {
      if (field !== 'created_at' && field !== 'id') fail(`order.${field}`, 'Events can be ordered by created_at or id.');
      else if (value !== 'asc' && value !== 'desc') fail(`order.${field}`, 'The order should be asc or desc.');
      else order ??= { field, direction: value };
      continue;
    }
    if (root !== 'filter') continue;
    if (field === 'created_at') {
      if (rest[0] === 'from' || rest[0] === 'to') created[rest[0]] = value;
      else created.plain.push(...listValues([value]));
    } else if (field === 'value_before' || field === 'value_after') {
      const target = valueFilters[field];
      if (rest[0] === 'leads_statuses' && rest.length === 3 && (rest[2] === 'pipeline_id' || rest[2] === 'status_id')) {
        if (!isIntegerText(value)) fail(`filter.${field}.leads_statuses.${rest[1]}.${rest[2]}`, 'This value should be an integer.', 'InvalidType');
        else target.statuses.set(rest[1], { ...target.statuses.get(rest[1]), [rest[2]]: Number(value) });
      } else if (rest[0] === 'responsible_user_id') {
        target.responsible.push(...listValues([value]));
      }
      // Other value filters (custom_field_values, value) are accepted and not applied.
    } else if (rest.length <= 1) {
      lists.set(field, [...(lists.get(field) ?? []), value]);
    }
  }

  const query: EventsQuery = { page, limit, order: order ?? { field: 'created_at', direction: 'desc' } };
  const ints = (field: string, max?: number): Set<number> | undefined => {
    const raw = lists.get(field);
    if (raw === undefined) return undefined;
    const values = listValues(raw);
    if (values.some((value) => !isIntegerText(value))) fail(`filter.${field}`, 'Every value should be an integer.', 'InvalidType');
    if (max !== undefined && values.length > max) fail(`filter.${field}`, `At most ${max} values can be passed.`);
    return new Set(values.map(Number));
  };

  const ids = lists.get('id');
  if (ids) query.ids = new Set(listValues(ids));
  const types = lists.get('type');
  if (types) {
    const codes = listValues(types);
    for (const code of codes) if (!isEventType(code)) fail('filter.type', `Unknown event type ${code}; GET /api/v4/events/types lists them.`, 'NotSupportedChoice');
    // A per-field code must come alone (docs/kommo-api.md §5, events filtration).
    if (codes.length > 1 && codes.some((code) => PER_FIELD_TYPE.test(code))) {
      fail('filter.type', 'custom_field_{FIELD_ID}_value_changed cannot be combined with other types.');
    }
    query.types = new Set(codes);
  }
  const entities = lists.get('entity');
  if (entities) {
    const choices = listValues(entities);
    for (const entity of choices) if (!ENTITY_CHOICE.test(entity)) fail('filter.entity', `Unknown entity ${entity}; use lead, contact, company, customer, task or catalog_{id}.`, 'NotSupportedChoice');
    query.entities = new Set(choices);
  }
  query.entityIds = ints('entity_id', MAX_FILTER_IDS);
  if (query.entityIds && query.entities?.size !== 1) {
    fail('filter.entity_id', 'filter[entity_id] needs exactly one filter[entity].');
  }
  query.createdBy = ints('created_by', MAX_FILTER_IDS);

  const bound = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    if (isIntegerText(raw)) return Number(raw);
    fail(`filter.created_at.${name}`, 'This value should be a unix timestamp.', 'InvalidType');
    return undefined;
  };
  // A single timestamp means "since then"; two comma-separated ones are from,to (docs/kommo-api.md §5).
  if (created.plain.length > 2) fail('filter.created_at', 'Pass one timestamp, two comma-separated ones, or [from]/[to].');
  query.createdFrom = bound('from', created.from ?? created.plain[0]);
  query.createdTo = bound('to', created.to ?? created.plain[1]);

  for (const field of ['value_before', 'value_after'] as const) {
    const parsed = valueFilters[field];
    const responsible = parsed.responsible.filter(isIntegerText).map(Number);
    if (parsed.responsible.length !== responsible.length) fail(`filter.${field}.responsible_user_id`, 'Every value should be an integer.', 'InvalidType');
    if (parsed.statuses.size === 0 && responsible.length === 0) continue;
    const filter: ValueFilter = { leadsStatuses: [...parsed.statuses.values()], responsibleUserIds: responsible };
    if (field === 'value_before') query.valueBefore = filter;
    else query.valueAfter = filter;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, query };
}

function matchesValues(values: readonly unknown[], filter: ValueFilter | undefined): boolean {
  if (!filter) return true;
  const entries = values.filter((entry): entry is Record<string, Record<string, unknown>> => typeof entry === 'object' && entry !== null);
  if (filter.leadsStatuses.length > 0) {
    const hit = entries.some((entry) =>
      filter.leadsStatuses.some(
        (pair) =>
          entry.lead_status !== undefined &&
          (pair.status_id === undefined || entry.lead_status.id === pair.status_id) &&
          (pair.pipeline_id === undefined || entry.lead_status.pipeline_id === pair.pipeline_id),
      ),
    );
    if (!hit) return false;
  }
  if (filter.responsibleUserIds.length > 0) {
    return entries.some((entry) => entry.responsible_user !== undefined && filter.responsibleUserIds.includes(entry.responsible_user.id as number));
  }
  return true;
}

function matchesType(event: JournalEvent, types: ReadonlySet<string>): boolean {
  // The generic code of /events/types stands for every per-field code (a guess, see the README).
  return types.has(event.type) || (types.has('custom_field_value_changed') && PER_FIELD_TYPE.test(event.type));
}

function matches(event: JournalEvent, query: EventsQuery): boolean {
  return (
    (query.ids === undefined || query.ids.has(event.id)) &&
    (query.types === undefined || matchesType(event, query.types)) &&
    (query.entities === undefined || query.entities.has(event.entity_type)) &&
    (query.entityIds === undefined || query.entityIds.has(event.entity_id)) &&
    (query.createdBy === undefined || query.createdBy.has(event.created_by)) &&
    (query.createdFrom === undefined || event.created_at >= query.createdFrom) &&
    (query.createdTo === undefined || event.created_at <= query.createdTo) &&
    matchesValues(event.value_before, query.valueBefore) &&
    matchesValues(event.value_after, query.valueAfter)
  );
}

/**
 * The requested page, filtered and ordered; ties on `created_at` follow id order (the order of
 * logging), or, given `random` (the unstable-order knob), a new shuffle on every request.
 */
export function selectEvents(events: readonly JournalEvent[], query: EventsQuery, random?: () => number): JournalEvent[] {
  const sign = query.order.direction === 'asc' ? 1 : -1;
  const byId = (a: JournalEvent, b: JournalEvent): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const matching = events.filter((event) => matches(event, query));
  const tieKeys = random ? new Map(matching.map((event) => [event.id, random()])) : undefined;
  const tie = (a: JournalEvent, b: JournalEvent): number => (tieKeys ? (tieKeys.get(a.id) ?? 0) - (tieKeys.get(b.id) ?? 0) : sign * byId(a, b));
  const compare =
    query.order.field === 'id' ? (a: JournalEvent, b: JournalEvent) => sign * byId(a, b) : (a: JournalEvent, b: JournalEvent) => sign * (a.created_at - b.created_at) || tie(a, b);
  const start = (query.page - 1) * query.limit;
  return matching.sort(compare).slice(start, start + query.limit);
}
