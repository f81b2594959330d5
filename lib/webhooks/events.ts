/**
 * The `events` field of "Receive Webhook Events": which of Kommo's subscription codes the trigger
 * subscribes. The codes come from the registry (each object type's `webhook.events`), which
 * follows the codes Kommo's pages say exist (docs/kommo-api.md §9, "Which of them exist").
 */
import { configError } from '../client/errors';
import { OBJECT_TYPE_NAMES, OBJECT_TYPES } from '../entities/registry';

/** Every code the trigger offers, in registry order (leads, contacts, companies, tasks, customers). */
export const WEBHOOK_EVENT_CODES: readonly string[] = OBJECT_TYPE_NAMES.flatMap((name) => OBJECT_TYPES[name].webhook.events);

/** A value is named in an error only when it looks like a code, so an error never echoes arbitrary text. */
function shownCode(value: unknown): string {
  return typeof value === 'string' && /^[a-z_]{1,40}$/.test(value) ? `"${value}"` : 'a value that is not an event code';
}

/**
 * Reads the `events` field: a list of codes (what the multi-select stores), or one text with
 * codes separated by commas. Duplicates are dropped and the order is the registry's, so the same
 * choice always subscribes the same settings. Throws a `KommoConfigError` for an empty choice or
 * an unknown code, naming it and listing the codes that exist.
 */
export function readWebhookEvents(value: unknown): string[] {
  const given = typeof value === 'string' ? value.split(',').map((code) => code.trim()).filter((code) => code !== '')
    : Array.isArray(value) ? value.map((code: unknown) => (typeof code === 'string' ? code.trim() : code)) : [];
  if (given.length === 0) {
    throw configError('Events is required: choose at least one Kommo event to subscribe to, e.g. add_lead or status_lead.');
  }
  const unknown = given.filter((code) => typeof code !== 'string' || !WEBHOOK_EVENT_CODES.includes(code));
  if (unknown.length > 0) {
    throw configError(`Events has ${unknown.length === 1 ? 'an event Kommo does not send' : 'events Kommo does not send'}: ${unknown.map(shownCode).join(', ')}. `
      + `Choose from ${WEBHOOK_EVENT_CODES.join(', ')}.`);
  }
  const chosen = new Set(given as string[]);
  return WEBHOOK_EVENT_CODES.filter((code) => chosen.has(code));
}
