/**
 * Unlink Objects (docs/design.md "Actions (2.0)", unlinkObjects): removes the link between
 * `from_id` of the From type and `to_id` of the To type (Kommo answers 204; unlinking a link that
 * does not exist changes nothing) and returns `{from_type, from_id, to_type, to_id, metadata}`.
 */
import { linkStep } from '../entities/links';

/** Sailor's `process` for the action. */
export const processAction = linkStep('unlink');

export { processAction as process };
