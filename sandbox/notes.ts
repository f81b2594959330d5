/**
 * Notes (docs/kommo-api.md §6 "Notes"): the note types and their `params` as the official SDK writes
 * them (PHP `NoteFactory`, `CallNote`, `SmsNote`, `ServiceMessageNote`), on leads, contacts,
 * companies and customers.
 */
import { isRecord } from './httpIo';
import type { FieldError } from './customFields';

/** A stored note (the API shape without `_links`). */
export type NoteRecord = Record<string, unknown> & { id: number; entity_id: number; note_type: string; created_at: number; updated_at: number };

type ParamRule = { type: 'string' | 'int'; required: boolean };

const TEXT: ParamRule = { type: 'string', required: true };
const CALL_PARAMS: Readonly<Record<string, ParamRule>> = {
  uniq: TEXT,
  duration: { type: 'int', required: true },
  source: TEXT,
  link: { type: 'string', required: false },
  phone: TEXT,
  call_result: { type: 'string', required: false },
  call_status: { type: 'int', required: false },
};
const SMS_PARAMS: Readonly<Record<string, ParamRule>> = { text: TEXT, phone: TEXT };

/** The note types the sandbox accepts, with the `params` each needs; other types are refused. */
export const NOTE_PARAMS: Readonly<Record<string, Readonly<Record<string, ParamRule>>>> = {
  common: { text: TEXT },
  call_in: CALL_PARAMS,
  call_out: CALL_PARAMS,
  service_message: { service: TEXT, text: TEXT },
  sms_in: SMS_PARAMS,
  sms_out: SMS_PARAMS,
};

/** Problems in one note of a `POST /{kind}/notes` body; `entityExists` checks `entity_id`. */
export function validateNote(item: unknown, entityExists: (id: number) => boolean, userIds: readonly number[]): FieldError[] {
  if (!isRecord(item)) return [{ code: 'InvalidType', path: '', detail: 'This value should be of type array.' }];
  const errors: FieldError[] = [];
  if (!Number.isInteger(item.entity_id)) errors.push({ code: 'InvalidType', path: 'entity_id', detail: 'This value should be of type int.' });
  else if (!entityExists(item.entity_id as number)) errors.push({ code: 'NotFound', path: 'entity_id', detail: 'Entity not found.' });
  for (const field of ['created_by', 'responsible_user_id']) {
    if (item[field] === undefined) continue;
    if (!Number.isInteger(item[field])) errors.push({ code: 'InvalidType', path: field, detail: 'This value should be of type int.' });
    else if (!userIds.includes(item[field] as number)) errors.push({ code: 'NotSupportedChoice', path: field, detail: 'The value you selected is not a valid choice.' });
  }
  if (typeof item.note_type !== 'string') {
    errors.push({ code: item.note_type === undefined ? 'NotBlank' : 'InvalidType', path: 'note_type', detail: 'This value should be of type string.' });
    return errors;
  }
  const rules = NOTE_PARAMS[item.note_type];
  if (!rules) {
    errors.push({ code: 'NotSupportedChoice', path: 'note_type', detail: 'The value you selected is not a valid choice.' });
    return errors;
  }
  if (!isRecord(item.params)) {
    errors.push({ code: item.params === undefined ? 'NotBlank' : 'InvalidType', path: 'params', detail: 'This value should be of type array.' });
    return errors;
  }
  for (const [name, rule] of Object.entries(rules)) {
    const value = item.params[name];
    if (value === undefined || value === null || value === '') {
      if (rule.required) errors.push({ code: 'NotBlank', path: `params.${name}`, detail: 'This value should not be blank.' });
      continue;
    }
    const ok = rule.type === 'int' ? Number.isInteger(value) && (value as number) >= 0 : typeof value === 'string';
    if (!ok) errors.push({ code: 'InvalidType', path: `params.${name}`, detail: `This value should be of type ${rule.type}.` });
  }
  return errors;
}

/** The `params` kept for a validated note: the type's known keys only. */
export function noteParams(noteType: string, params: Record<string, unknown>): Record<string, unknown> {
  const rules = NOTE_PARAMS[noteType] ?? {};
  return Object.fromEntries(Object.keys(rules).filter((name) => params[name] !== undefined).map((name) => [name, params[name]]));
}
