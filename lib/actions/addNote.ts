/**
 * Add Note (docs/design.md "Actions (2.0)", addNote): adds one note of the configured type to an
 * object of the configured type and returns the note as Kommo has it (`POST /{type}/notes`, then
 * `GET /{type}/notes/{id}`: Kommo's create answer holds only the id).
 *
 * Input: `entity_id` and the parameters of the note type (text; the call's id, duration, source,
 * phone…; the SMS's text and phone), shown per type by `getMetaModel`. A note is not found again
 * by anything but its id, so a create Kommo does not confirm is an error that says so: running the
 * message again could add the note twice.
 */
import type { CredentialConfig } from '../client/auth';
import { configError, isAmbiguousWriteFailure, KommoError } from '../client/errors';
import type { KommoApi } from '../client/KommoClient';
import { accountModelFor } from '../entities/accountModel';
import { NOTE_TYPE_NAMES, noteParamProperties, noteParams, noteType, type NoteTypeDefinition } from '../entities/notes';
import { parseObjectId } from '../entities/objectWrite';
import { isRecord } from '../entities/reader';
import { objectType, type ObjectTypeDefinition } from '../entities/registry';
import type { EioSchema, MetaModel } from '../entities/schema';
import { chosenObjectType } from '../entities/selectModels';
import { readInput, service, step } from '../step';

/** The step's configuration: credential fields plus this action's fields. */
export interface AddNoteConfig extends CredentialConfig {
  entityType?: unknown;
  noteType?: unknown;
}

/** The object type named by `entityType`, which must take notes. */
function notedType(value: unknown): ObjectTypeDefinition {
  const type = objectType(value, 'Entity type');
  if (!type.hasNotes) throw configError(`Kommo keeps no notes on ${type.name}; choose leads, contacts, companies or customers.`);
  return type;
}

function inSchema(type: NoteTypeDefinition): EioSchema {
  return {
    type: 'object',
    properties: {
      entity_id: { type: 'number', title: 'ID of the object the note is added to', required: true },
      ...noteParamProperties(type),
    },
  };
}

const OUT_SCHEMA: EioSchema = {
  type: 'object',
  properties: {
    id: { type: 'number', title: 'Note ID', required: true },
    entity_id: { type: 'number', title: 'Object ID', required: true },
    note_type: { type: 'string', title: 'Note type', required: true, enum: [...NOTE_TYPE_NAMES] },
    params: { type: 'object', title: 'Parameters', required: false },
    created_by: { type: 'number', title: 'Created by (user ID)', required: false },
    updated_by: { type: 'number', title: 'Updated by (user ID)', required: false },
    created_at: { type: 'number', title: 'Created at (Unix seconds)', required: false },
    updated_at: { type: 'number', title: 'Updated at (Unix seconds)', required: false },
    responsible_user_id: { type: 'number', title: 'Responsible user ID', required: false },
    account_id: { type: 'number', title: 'Account ID', required: false },
  },
};

async function createNote(api: KommoApi, type: ObjectTypeDefinition, note: Record<string, unknown>): Promise<number> {
  const path = `${type.path}/notes`;
  let body: unknown;
  try {
    body = (await api.post(path, [note])).body;
  } catch (error) {
    if (!isAmbiguousWriteFailure(error)) throw error;
    throw new KommoError(`Kommo did not confirm the note; it may have been added (${(error as Error).message}). `
      + `Check the ${type.singularTitle.toLowerCase()}'s notes before running the message again: another run could add it twice.`, { cause: error });
  }
  const notes = isRecord(body) && isRecord(body._embedded) ? body._embedded.notes : undefined;
  const id = Array.isArray(notes) && isRecord(notes[0]) ? Number(notes[0].id) : Number.NaN;
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new KommoError(`Kommo accepted POST /api/v4/${path} but its answer has no note id; check the notes before running the message again.`);
  }
  return id;
}

/** Sailor's `process` for the action. */
export const processAction = step<AddNoteConfig, Record<string, unknown>>({
  async run(body, { cfg, client }) {
    const type = notedType(cfg.entityType);
    const kind = noteType(cfg.noteType);
    const input = readInput(body, inSchema(kind));
    const note = {
      entity_id: parseObjectId(input.entity_id, 'entity_id', `the ${type.singularTitle.toLowerCase()} to add the note to`),
      note_type: kind.name,
      params: noteParams(kind, input),
    };
    const api = await client();
    await chosenObjectType(type.name, accountModelFor(api), 'Entity type');
    const id = await createNote(api, type, note);
    try {
      const response = await api.get(`${type.path}/notes/${id}`);
      if (!isRecord(response.body)) throw new KommoError(`Kommo answered ${response.status} without the note.`);
      return response.body;
    } catch (error) {
      throw new KommoError(`Kommo added note ${id}, but reading it back failed: ${(error as Error).message} Do not run the message again: the note exists.`, { cause: error });
    }
  },
});

/** `getMetaModel`: `entity_id` and the note type's parameters in; the note out. No request. */
export const getMetaModel = service<AddNoteConfig, [], MetaModel>({
  async run({ cfg }) {
    notedType(cfg.entityType);
    return { in: inSchema(noteType(cfg.noteType)), out: OUT_SCHEMA };
  },
});

export { processAction as process };
