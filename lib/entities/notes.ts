/**
 * Note types and the `params` each takes, as data (docs/kommo-api.md §6 "Notes"; the official
 * SDK's note classes): Add Note's input schema and its checks are built from this table.
 */
import { configError } from '../client/errors';
import type { EioProperty } from './schema';

/** The note types Add Note writes (docs/design.md "Actions (2.0)", addNote). */
export const NOTE_TYPE_NAMES = ['common', 'call_in', 'call_out', 'service_message', 'sms_in', 'sms_out'] as const;

/** One of the note types. */
export type NoteTypeName = typeof NOTE_TYPE_NAMES[number];

/** One parameter of a note type: a key of the note's `params` and of Add Note's input. */
export interface NoteParam {
  readonly name: string;
  readonly title: string;
  readonly type: 'string' | 'number';
  readonly required: boolean;
  readonly description?: string;
  /** Numbers: the whole numbers allowed, from–to. */
  readonly range?: { readonly min: number; readonly max: number };
}

/** A note type: its title and parameters. */
export interface NoteTypeDefinition {
  readonly name: NoteTypeName;
  readonly title: string;
  readonly params: readonly NoteParam[];
}

const TEXT: NoteParam = { name: 'text', title: 'Text', type: 'string', required: true };
const PHONE: NoteParam = { name: 'phone', title: 'Phone number', type: 'string', required: true };
const CALL_PARAMS: readonly NoteParam[] = [
  { name: 'uniq', title: 'Call id', type: 'string', required: true, description: 'The call\'s unique id in the telephony system.' },
  { name: 'duration', title: 'Duration (seconds)', type: 'number', required: true, range: { min: 0, max: Number.MAX_SAFE_INTEGER } },
  { name: 'source', title: 'Source', type: 'string', required: true, description: 'The telephony system\'s name, shown in Kommo.' },
  PHONE,
  { name: 'link', title: 'Recording URL', type: 'string', required: false },
  { name: 'call_result', title: 'Call result', type: 'string', required: false, description: 'Free text, e.g. what was agreed.' },
  {
    name: 'call_status', title: 'Call status', type: 'number', required: false, range: { min: 1, max: 7 },
    description: '1 left a voicemail, 2 call back later, 3 not available, 4 talked, 5 wrong number, 6 no answer, 7 busy.',
  },
];

/** The table. */
export const NOTE_TYPES: Readonly<Record<NoteTypeName, NoteTypeDefinition>> = {
  common: { name: 'common', title: 'Common note', params: [TEXT] },
  call_in: { name: 'call_in', title: 'Incoming call', params: CALL_PARAMS },
  call_out: { name: 'call_out', title: 'Outgoing call', params: CALL_PARAMS },
  service_message: {
    name: 'service_message', title: 'Service message',
    params: [{ name: 'service', title: 'Service', type: 'string', required: true, description: 'The name shown as the message\'s sender.' }, TEXT],
  },
  sms_in: { name: 'sms_in', title: 'Incoming SMS', params: [TEXT, PHONE] },
  sms_out: { name: 'sms_out', title: 'Outgoing SMS', params: [TEXT, PHONE] },
};

/** The note type named by a configuration value; anything else is a configuration error listing the types. */
export function noteType(value: unknown): NoteTypeDefinition {
  if (typeof value === 'string' && (NOTE_TYPE_NAMES as readonly string[]).includes(value.trim())) return NOTE_TYPES[value.trim() as NoteTypeName];
  const got = value === undefined || value === null || value === '' ? 'nothing' : JSON.stringify(value);
  throw configError(`Note type must be one of ${NOTE_TYPE_NAMES.join(', ')}; got ${got}. Choose it in the step's configuration.`);
}

/** The input properties of a note type's parameters. */
export function noteParamProperties(type: NoteTypeDefinition): Record<string, EioProperty> {
  return Object.fromEntries(type.params.map((param) => [param.name, {
    type: param.type, title: param.title, required: param.required,
    ...(param.description || param.range ? { description: [param.description, param.range && param.range.max < Number.MAX_SAFE_INTEGER ? `A whole number ${param.range.min}–${param.range.max}.` : undefined].filter(Boolean).join(' ') } : {}),
  }]));
}

/** The note's `params` from the input, checked: required ones given, texts as text, numbers whole and in range. */
export function noteParams(type: NoteTypeDefinition, input: Record<string, unknown>): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  for (const param of type.params) {
    const value = input[param.name];
    if (value === undefined || value === null || value === '') {
      if (param.required) throw configError(`${param.name} (${param.title}) is required for a ${type.title.toLowerCase()} note.`);
      continue;
    }
    if (param.type === 'string') {
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
        throw configError(`${param.name} (${param.title}) must be text; got ${typeof value}.`);
      }
      params[param.name] = String(value);
      continue;
    }
    const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    const range = param.range ?? { min: 0, max: Number.MAX_SAFE_INTEGER };
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < range.min || number > range.max) {
      const bounds = range.max < Number.MAX_SAFE_INTEGER ? ` from ${range.min} to ${range.max}` : ` (${range.min} or more)`;
      throw configError(`${param.name} (${param.title}) must be a whole number${bounds}; got ${JSON.stringify(value)}.`);
    }
    params[param.name] = number;
  }
  return params;
}
