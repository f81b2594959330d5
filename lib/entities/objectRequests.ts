/**
 * Reading, creating and updating one object of a type: the requests and how their answers are
 * read (docs/kommo-api.md §6). A create answers only `{id, request_id, _links}` and a single
 * PATCH a flat `{id, updated_at}` or the batch envelope (docs/kommo-fidelity.md #14), so the
 * object after a write is read back with {@link readObject}.
 */
import { KommoError, KommoNotFoundError, notFoundError } from '../client/errors';
import type { KommoApi } from '../client/KommoClient';
import type { KommoObject } from './criterionSearch';
import { isRecord } from './reader';
import type { ObjectTypeDefinition } from './registry';

/** Kommo answered a write without what the component needs from it (an id): a broken answer, not a refusal. */
function unexpectedAnswer(what: string, status: number): KommoError {
  return new KommoError(`Kommo answered ${what} with ${status} but without the object's id; the write may have been applied. `
    + 'Check Kommo before running the message again.');
}

/** `GET /{type}/{id}`: the object as Kommo has it; none (404 or 204, docs/kommo-fidelity.md #13) is a KommoNotFoundError. */
export async function readObject(api: Pick<KommoApi, 'get'>, type: ObjectTypeDefinition, id: number): Promise<KommoObject> {
  const path = `${type.path}/${id}`;
  const response = await api.get(path);
  if (response.status === 204 || !isRecord(response.body)) throw notFoundError({ method: 'GET', path: `/api/v4/${path}`, attempts: 1 });
  return response.body;
}

/** `POST /{type}` with one item; resolves to the new object's id. */
export async function createObject(api: Pick<KommoApi, 'post'>, type: ObjectTypeDefinition, body: Record<string, unknown>): Promise<number> {
  const response = await api.post(type.path, [body]);
  const created = isRecord(response.body) && isRecord(response.body._embedded) ? response.body._embedded[type.embeddedKey] : undefined;
  const id = Array.isArray(created) && isRecord(created[0]) ? Number(created[0].id) : Number.NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw unexpectedAnswer(`POST /api/v4/${type.path}`, response.status);
  return id;
}

/** `PATCH /{type}/{id}`; an unknown id is a KommoNotFoundError saying that Kommo cannot create with a given id. */
export async function updateObject(api: Pick<KommoApi, 'patch'>, type: ObjectTypeDefinition, id: number, body: Record<string, unknown>): Promise<void> {
  try {
    await api.patch(`${type.path}/${id}`, body);
  } catch (error) {
    if (!(error instanceof KommoNotFoundError)) throw error;
    throw new KommoNotFoundError(`There is no ${type.singularTitle.toLowerCase()} with id ${id} in this Kommo account (Kommo answered 404 to PATCH). `
      + 'Kommo cannot create an object with a given id: leave the id empty to create one.', error, { cause: error });
  }
}
