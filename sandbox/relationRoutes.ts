/**
 * Relations of entities (docs/kommo-api.md §6; docs/kommo-fidelity.md #1, #2, #16): tag lists
 * (`/{kind}/tags`), links (`/{kind}/{id}/link|unlink|links`, the batch `/{kind}/link|unlink`,
 * `/{kind}/links?filter[entity_id][]=`) and notes (`/{kind}/notes`, `/{kind}/{id}/notes`,
 * `/{kind}/notes/{id}`).
 */
import { jsonAnswer, NO_CONTENT, problemAnswer, type Answer } from './answers';
import { isCustomFieldKind } from './customFieldCatalog';
import { isRecord } from './httpIo';
import { canLink, hasMainFlag, type LinkNode } from './links';
import { parseListQuery, selectPage, type ListSpec } from './listQuery';
import { validateNote } from './notes';
import { validationProblem, type ValidationError } from './problems';
import { batchItems, echoedRequestId, listAnswer, notFound, queryProblem, selfLink, unknownId, type ApiRequest, type Route, type RouteContext } from './routeKit';
import { isEntityKind, type LinkRequest } from './store';
import { requestIdOf, USER_IDS } from './validation';
import type { FieldError } from './customFields';
import type { NoteRecord } from './notes';
import type { CustomFieldKind, EntityKind } from './types';

const KIND = '(leads|contacts|companies|customers)';
const ID = '(\\d+)';

const TAG_LIST: ListSpec = { filters: { id: 'value', name: 'text' }, orderFields: new Set(['id']) };
const NOTE_LIST: ListSpec = { filters: { id: 'value', note_type: 'value', entity_id: 'value', updated_at: 'range' }, orderFields: new Set(['id', 'updated_at']) };
/** Kommo's tag colours are hex RGB without `#` (e.g. `DDEBB5`). */
const TAG_COLOR = /^[0-9A-Fa-f]{6}$/;

/** One link as `GET /{kind}/{id}/links` shows it; `main_contact` is how `is_main` reads back (docs/kommo-fidelity.md #16). */
function linkEntry(from: LinkNode, to: LinkNode, main: boolean): Record<string, unknown> {
  return {
    entity_id: from.id,
    entity_type: from.kind,
    to_entity_id: to.id,
    to_entity_type: to.kind,
    metadata: hasMainFlag(from.kind, to.kind) ? { main_contact: main } : null,
  };
}

export function relationRoutes(context: RouteContext): Route[] {
  const { store } = context;

  const kindOf = (params: string[]): CustomFieldKind => {
    const kind = params[0];
    if (!isCustomFieldKind(kind)) throw new Error(`route matched ${kind}`);
    return kind;
  };

  // ---- tags ---------------------------------------------------------------------------------

  function listTags(request: ApiRequest, kind: CustomFieldKind): Answer {
    const parsed = parseListQuery(request.url.searchParams, TAG_LIST);
    if (!parsed.ok) return queryProblem(parsed.errors);
    const text = parsed.query.text?.toLowerCase();
    const tags = store.tags.list(kind).filter((tag) => text === undefined || tag.name.toLowerCase().includes(text));
    const page = selectPage(tags, { ...parsed.query, text: undefined });
    return listAnswer(request, parsed.query, 'tags', page.map((tag) => ({ ...tag })));
  }

  /** `POST /{kind}/tags`: a name that exists already answers the existing tag (a guess, see README). */
  function createTags(request: ApiRequest, kind: CustomFieldKind): Answer {
    const items = batchItems(request.body);
    if (!Array.isArray(items)) return items;
    const invalid: ValidationError[] = [];
    items.forEach((item, index) => {
      const errors: FieldError[] = [];
      if (!isRecord(item) || typeof item.name !== 'string' || item.name.trim() === '') {
        errors.push({ code: 'NotBlank', path: 'name', detail: 'This value should not be blank.' });
      } else if (item.color !== undefined && item.color !== null && (typeof item.color !== 'string' || !TAG_COLOR.test(item.color))) {
        errors.push({ code: 'NotSupportedChoice', path: 'color', detail: 'The value you selected is not a valid choice.' });
      }
      if (errors.length > 0) invalid.push({ request_id: requestIdOf(item, index), errors });
    });
    if (invalid.length > 0) return problemAnswer(validationProblem(invalid));
    const tags = (items as Array<Record<string, unknown>>).map((item, index) => ({
      ...store.tags.ensure(kind, item.name as string, typeof item.color === 'string' ? item.color.toUpperCase() : null),
      request_id: echoedRequestId(item, index),
    }));
    return jsonAnswer(200, { _links: selfLink(request.origin, `/api/v4/${kind}/tags`), _embedded: { tags } });
  }

  // ---- links --------------------------------------------------------------------------------

  function linksAnswer(request: ApiRequest, entries: Array<Record<string, unknown>>): Answer {
    if (entries.length === 0) return NO_CONTENT;
    return jsonAnswer(200, {
      _total_items: entries.length,
      _links: selfLink(request.origin, `${request.url.pathname}${request.url.search}`),
      _embedded: { links: entries },
    });
  }

  /** Links of some entities, narrowed by `filter[to_entity_id]` / `filter[to_entity_type]`. */
  function listLinks(request: ApiRequest, kind: EntityKind, ids: readonly number[]): Answer {
    const params = request.url.searchParams;
    const values = (name: string): string[] => [...params].filter(([key]) => key === `filter[${name}]` || key.startsWith(`filter[${name}][`)).flatMap(([, value]) => value.split(','));
    const toIds = values('to_entity_id');
    const toTypes = values('to_entity_type');
    const entries = ids.flatMap((id) =>
      store.links
        .linksOf({ kind, id })
        .filter((link) => (toIds.length === 0 || toIds.includes(String(link.to.id))) && (toTypes.length === 0 || toTypes.includes(link.to.kind)))
        .map((link) => linkEntry({ kind, id }, link.to, link.main)),
    );
    return linksAnswer(request, entries);
  }

  /** Validated link requests from a link/unlink body; `fixedId` is the `{id}` of the path, if any. */
  function linkRequests(request: ApiRequest, kind: EntityKind, fixedId: number | undefined, checkTargets: boolean): LinkRequest[] | Answer {
    const items = batchItems(request.body);
    if (!Array.isArray(items)) return items;
    const invalid: ValidationError[] = [];
    const requests: LinkRequest[] = [];
    items.forEach((item, index) => {
      const errors: FieldError[] = [];
      if (!isRecord(item)) {
        invalid.push({ request_id: String(index), errors: [{ code: 'InvalidType', path: '', detail: 'This value should be of type array.' }] });
        return;
      }
      const fromId = fixedId ?? item.entity_id;
      if (fixedId === undefined && (!Number.isInteger(fromId) || !store.has(kind, fromId as number))) {
        errors.push({ code: Number.isInteger(fromId) ? 'NotFound' : 'InvalidType', path: 'entity_id', detail: 'Entity not found.' });
      }
      const toKind = item.to_entity_type;
      if (typeof toKind !== 'string' || !isEntityKind(toKind) || !canLink(kind, toKind)) {
        errors.push({ code: 'NotSupportedChoice', path: 'to_entity_type', detail: 'The value you selected is not a valid choice.' });
      } else if (!Number.isInteger(item.to_entity_id)) {
        errors.push({ code: 'InvalidType', path: 'to_entity_id', detail: 'This value should be of type int.' });
      } else if (checkTargets && !store.has(toKind, item.to_entity_id as number)) {
        errors.push({ code: 'NotFound', path: 'to_entity_id', detail: 'Entity not found.' });
      }
      const metadata = item.metadata;
      if (metadata !== undefined && metadata !== null && (!isRecord(metadata) || (metadata.is_main !== undefined && typeof metadata.is_main !== 'boolean'))) {
        errors.push({ code: 'InvalidType', path: 'metadata.is_main', detail: 'This value should be of type bool.' });
      }
      if (errors.length > 0) {
        invalid.push({ request_id: requestIdOf(item, index), errors });
        return;
      }
      requests.push({
        from: { kind, id: fromId as number },
        to: { kind: toKind as EntityKind, id: item.to_entity_id as number },
        isMain: isRecord(metadata) && metadata.is_main === true ? true : undefined,
      });
    });
    return invalid.length > 0 ? problemAnswer(validationProblem(invalid)) : requests;
  }

  function link(request: ApiRequest, kind: EntityKind, fixedId: number | undefined): Answer {
    if (fixedId !== undefined && !store.has(kind, fixedId)) return notFound();
    const requests = linkRequests(request, kind, fixedId, true);
    if (!Array.isArray(requests)) return requests;
    store.link(requests, request.grant.userId);
    // The answer lists the requested links as they now stand (main flag included).
    const entries = requests.map((entry) => {
      const stored = store.links.linksOf(entry.from, entry.to.kind).find((candidate) => candidate.to.id === entry.to.id);
      return linkEntry(entry.from, entry.to, stored?.main ?? false);
    });
    return jsonAnswer(200, { _total_items: entries.length, _links: selfLink(request.origin, request.url.pathname), _embedded: { links: entries } });
  }

  /** Unlink answers 204, as the official SDK expects (PHP `LinkMethodsTrait::unlink`); unknown links are skipped. */
  function unlink(request: ApiRequest, kind: EntityKind, fixedId: number | undefined): Answer {
    if (fixedId !== undefined && !store.has(kind, fixedId)) return notFound();
    const requests = linkRequests(request, kind, fixedId, false);
    if (!Array.isArray(requests)) return requests;
    store.unlink(requests, request.grant.userId);
    return NO_CONTENT;
  }

  // ---- notes --------------------------------------------------------------------------------

  const presentNote = (origin: string, kind: CustomFieldKind, note: NoteRecord): Record<string, unknown> => ({
    ...structuredClone(note),
    _links: selfLink(origin, `/api/v4/${kind}/notes/${note.id}`),
  });

  function listNotes(request: ApiRequest, kind: CustomFieldKind, entityId: number | undefined): Answer {
    if (entityId !== undefined && !store.has(kind, entityId)) return unknownId(context);
    const parsed = parseListQuery(request.url.searchParams, NOTE_LIST);
    if (!parsed.ok) return queryProblem(parsed.errors);
    const notes = store.notesOf(kind).filter((note) => entityId === undefined || note.entity_id === entityId);
    const page = selectPage(notes, parsed.query, { random: context.knobs.orderRandom() });
    return listAnswer(request, parsed.query, 'notes', page.map((note) => presentNote(request.origin, kind, note)));
  }

  function getNote(request: ApiRequest, kind: CustomFieldKind, noteId: number, entityId?: number): Answer {
    const note = store.notesOf(kind).find((candidate) => candidate.id === noteId && (entityId === undefined || candidate.entity_id === entityId));
    return note ? jsonAnswer(200, presentNote(request.origin, kind, note)) : unknownId(context);
  }

  function addNotes(request: ApiRequest, kind: CustomFieldKind, entityId: number | undefined): Answer {
    if (entityId !== undefined && !store.has(kind, entityId)) return notFound();
    const body = batchItems(request.body);
    if (!Array.isArray(body)) return body;
    const items = body.map((item) => (entityId !== undefined && isRecord(item) ? { ...item, entity_id: entityId } : item));
    const invalid: ValidationError[] = [];
    items.forEach((item, index) => {
      const errors = validateNote(item, (id) => store.has(kind, id), USER_IDS);
      if (errors.length > 0) invalid.push({ request_id: requestIdOf(item, index), errors });
    });
    if (invalid.length > 0) return problemAnswer(validationProblem(invalid));
    const notes = store.addNotes(kind, items as Array<Record<string, unknown>>, request.grant.userId);
    return jsonAnswer(200, {
      _links: selfLink(request.origin, `/api/v4/${kind}/notes`),
      _embedded: {
        notes: notes.map((note, index) => ({
          id: note.id,
          entity_id: note.entity_id,
          request_id: echoedRequestId(items[index], index),
          _links: selfLink(request.origin, `/api/v4/${kind}/notes/${note.id}`),
        })),
      },
    });
  }

  return [
    { pattern: new RegExp(`^/api/v4/${KIND}/tags$`), methods: { GET: (r, p) => listTags(r, kindOf(p)), POST: (r, p) => createTags(r, kindOf(p)) } },
    { pattern: new RegExp(`^/api/v4/${KIND}/link$`), methods: { POST: (r, p) => link(r, kindOf(p), undefined) } },
    { pattern: new RegExp(`^/api/v4/${KIND}/unlink$`), methods: { POST: (r, p) => unlink(r, kindOf(p), undefined) } },
    {
      pattern: new RegExp(`^/api/v4/${KIND}/links$`),
      methods: {
        GET: (r, p) => {
          const ids = [...r.url.searchParams].filter(([key]) => /^filter\[entity_id\](\[\d*\])?$/.test(key)).flatMap(([, value]) => value.split(','));
          if (ids.length === 0 || ids.some((id) => !/^\d+$/.test(id))) {
            return queryProblem([{ code: 'NotBlank', path: 'filter.entity_id', detail: 'filter[entity_id][] with the ids whose links you want is required.' }]);
          }
          return listLinks(r, kindOf(p), ids.map(Number));
        },
      },
    },
    { pattern: new RegExp(`^/api/v4/${KIND}/${ID}/link$`), methods: { POST: (r, p) => link(r, kindOf(p), Number(p[1])) } },
    { pattern: new RegExp(`^/api/v4/${KIND}/${ID}/unlink$`), methods: { POST: (r, p) => unlink(r, kindOf(p), Number(p[1])) } },
    {
      pattern: new RegExp(`^/api/v4/${KIND}/${ID}/links$`),
      methods: { GET: (r, p) => (store.has(kindOf(p), Number(p[1])) ? listLinks(r, kindOf(p), [Number(p[1])]) : unknownId(context)) },
    },
    { pattern: new RegExp(`^/api/v4/${KIND}/notes$`), methods: { GET: (r, p) => listNotes(r, kindOf(p), undefined), POST: (r, p) => addNotes(r, kindOf(p), undefined) } },
    { pattern: new RegExp(`^/api/v4/${KIND}/notes/${ID}$`), methods: { GET: (r, p) => getNote(r, kindOf(p), Number(p[1])) } },
    {
      pattern: new RegExp(`^/api/v4/${KIND}/${ID}/notes$`),
      methods: { GET: (r, p) => listNotes(r, kindOf(p), Number(p[1])), POST: (r, p) => addNotes(r, kindOf(p), Number(p[1])) },
    },
    { pattern: new RegExp(`^/api/v4/${KIND}/${ID}/notes/${ID}$`), methods: { GET: (r, p) => getNote(r, kindOf(p), Number(p[2]), Number(p[1])) } },
  ];
}
