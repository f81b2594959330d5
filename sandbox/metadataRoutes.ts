/**
 * Account metadata routes: `/account`, `/users`, pipelines and their statuses, loss reasons
 * and custom-field definitions (docs/kommo-api.md §5, §6; docs/kommo-fidelity.md #8, #12, #16).
 */
import {
  accountPayload,
  accountUsers,
  lossReasonPayload,
  lossReasonsPayload,
  pipelinePayload,
  pipelinesPayload,
  statusesPayload,
  statusPayload,
  userPayload,
  usersPayload,
} from './account';
import { jsonAnswer, NO_CONTENT, type Answer } from './answers';
import { isCustomFieldKind, type CustomFieldDefinition } from './customFieldCatalog';
import { parseListQuery, type ListSpec } from './listQuery';
import { ACCOUNT_ID, findPipeline, LOSS_REASONS } from './seed';
import { countedPage, queryProblem, selfLink, unknownId, withParts, type ApiRequest, type Route, type RouteContext } from './routeKit';
import type { CustomFieldKind } from './types';

/** Custom-field definitions come at most 50 per page, then 204 (docs/kommo-fidelity.md #8). */
export const CUSTOM_FIELDS_PAGE_SIZE = 50;
const CUSTOM_FIELD_LIST: ListSpec = { filters: { id: 'value', type: 'value' }, orderFields: new Set(['id']), maxLimit: CUSTOM_FIELDS_PAGE_SIZE };
/** Users: `page` and `limit` (at most 250, default 50), 204 past the end (docs/kommo-api.md §5). */
const USER_LIST: ListSpec = { filters: {}, orderFields: new Set() };

/** A definition as Kommo lists it (PHP `CustomFieldModel::toArray`, docs/kommo-fidelity.md #8). */
export function presentDefinition(origin: string, kind: CustomFieldKind, field: CustomFieldDefinition): Record<string, unknown> {
  return {
    id: field.id,
    name: field.name,
    type: field.type,
    account_id: ACCOUNT_ID,
    code: field.code,
    sort: field.sort,
    is_api_only: false,
    enums: field.enums ? field.enums.map((option) => ({ ...option })) : null,
    group_id: null,
    required_statuses: [],
    is_deletable: !field.isPredefined,
    is_predefined: field.isPredefined,
    entity_type: kind,
    tracking_callback: null,
    search_in: null,
    remind: field.remind,
    ...(kind === 'leads' ? { hidden_statuses: [] } : {}),
    ...(field.currency !== undefined ? { currency: field.currency } : {}),
    ...(field.chainedLists !== undefined ? { chained_lists: field.chainedLists.map((list) => ({ ...list })) } : {}),
    _links: selfLink(origin, `/api/v4/${kind}/custom_fields/${field.id}`),
  };
}

export function metadataRoutes(context: RouteContext): Route[] {
  const { store, knobs } = context;
  const catalog = store.customFields.catalog;

  const fieldKind = (params: string[]): CustomFieldKind => {
    if (!isCustomFieldKind(params[0])) throw new Error(`route matched ${params[0]}`);
    return params[0];
  };

  function listCustomFields(request: ApiRequest, kind: CustomFieldKind): Answer {
    const parsed = parseListQuery(request.url.searchParams, CUSTOM_FIELD_LIST);
    if (!parsed.ok) return queryProblem(parsed.errors);
    const { page, limit, filters } = parsed.query;
    const matching = catalog.definitions(kind).filter((field) =>
      filters.every((filter) => filter.kind !== 'values' || filter.values.includes(String(field[filter.field as 'id' | 'type']))),
    );
    const items = matching.slice((page - 1) * limit, page * limit);
    if (items.length === 0) return NO_CONTENT;
    const href = (at: number): string => `${request.origin}${request.url.pathname}?page=${at}&limit=${limit}`;
    return jsonAnswer(200, {
      ...countedPage(matching.length, page, limit, href),
      _embedded: { custom_fields: items.map((field) => presentDefinition(request.origin, kind, field)) },
    });
  }

  function listUsers(request: ApiRequest): Answer {
    const parsed = parseListQuery(request.url.searchParams, USER_LIST);
    if (!parsed.ok) return queryProblem(parsed.errors);
    const payload = usersPayload(request.origin, accountUsers(knobs.values.extraUsers), parsed.query.page, parsed.query.limit);
    return payload ? jsonAnswer(200, payload) : NO_CONTENT;
  }

  return [
    {
      pattern: /^\/api\/v4\/account$/,
      methods: { GET: (r) => jsonAnswer(200, accountPayload(r.origin, withParts(r.url), { knobs: knobs.values, nowMs: context.clock.nowMs() })) },
    },
    { pattern: /^\/api\/v4\/users$/, methods: { GET: listUsers } },
    {
      pattern: /^\/api\/v4\/users\/(\d+)$/,
      methods: {
        GET: (r, [id]) => {
          const user = accountUsers(knobs.values.extraUsers).find((candidate) => candidate.id === Number(id));
          return user ? jsonAnswer(200, userPayload(r.origin, user)) : unknownId(context);
        },
      },
    },
    { pattern: /^\/api\/v4\/leads\/pipelines$/, methods: { GET: (r) => jsonAnswer(200, pipelinesPayload(r.origin)) } },
    {
      pattern: /^\/api\/v4\/leads\/pipelines\/(\d+)$/,
      methods: {
        GET: (r, [id]) => {
          const pipeline = findPipeline(Number(id));
          return pipeline ? jsonAnswer(200, pipelinePayload(r.origin, pipeline)) : unknownId(context);
        },
      },
    },
    {
      pattern: /^\/api\/v4\/leads\/pipelines\/(\d+)\/statuses$/,
      methods: {
        GET: (r, [id]) => {
          const pipeline = findPipeline(Number(id));
          return pipeline ? jsonAnswer(200, statusesPayload(r.origin, pipeline)) : unknownId(context);
        },
      },
    },
    {
      pattern: /^\/api\/v4\/leads\/pipelines\/(\d+)\/statuses\/(\d+)$/,
      methods: {
        GET: (r, [id, statusId]) => {
          const pipeline = findPipeline(Number(id));
          const status = pipeline?.statuses.find((candidate) => candidate.id === Number(statusId));
          return pipeline && status ? jsonAnswer(200, statusPayload(r.origin, pipeline, status)) : unknownId(context);
        },
      },
    },
    { pattern: /^\/api\/v4\/leads\/loss_reasons$/, methods: { GET: (r) => jsonAnswer(200, lossReasonsPayload(r.origin)) } },
    {
      pattern: /^\/api\/v4\/leads\/loss_reasons\/(\d+)$/,
      methods: {
        GET: (r, [id]) => {
          const reason = LOSS_REASONS.find((candidate) => candidate.id === Number(id));
          return reason ? jsonAnswer(200, lossReasonPayload(r.origin, reason)) : unknownId(context);
        },
      },
    },
    { pattern: /^\/api\/v4\/(leads|contacts|companies|customers)\/custom_fields$/, methods: { GET: (r, p) => listCustomFields(r, fieldKind(p)) } },
    {
      pattern: /^\/api\/v4\/(leads|contacts|companies|customers)\/custom_fields\/(\d+)$/,
      methods: {
        GET: (r, p) => {
          const kind = fieldKind(p);
          const field = catalog.byId(kind, Number(p[1]));
          return field ? jsonAnswer(200, presentDefinition(r.origin, kind, field)) : unknownId(context);
        },
      },
    },
  ];
}
