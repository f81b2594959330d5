/**
 * Link Objects (docs/design.md "Actions (2.0)", linkObjects): links `from_id` of the From type to
 * `to_id` of the To type, with `metadata` (`is_main`, `quantity`, `catalog_id`), and returns
 * `{from_type, from_id, to_type, to_id, metadata}`. The logic is shared with Unlink Objects.
 */
import { linkStep } from '../entities/links';

/** Sailor's `process` for the action. */
export const processAction = linkStep('link');

export { processAction as process };
