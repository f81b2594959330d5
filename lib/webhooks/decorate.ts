/**
 * The last step before emitting: every entity gets the shape docs/design.md "How an object looks
 * in a message" promises — its `custom_fields_values` typed with the account's field definitions
 * (deliveredFields.ts) and `custom_fields_by_id` decoded by the entity layer's codec (dates in the
 * account's time zone). Notes are emitted as they are: they have no custom fields.
 *
 * Definitions are read only for a type whose objects carry custom-field values; with the account
 * model's process cache that is no request at all in steady state. A delivered field the
 * definitions do not know (added since they were read) refreshes them once.
 */
import type { AccountModel } from '../entities/accountModel';
import { OBJECT_TYPES } from '../entities/registry';
import type { JsonValue, WebhookEvent } from './convert';
import { typeDeliveredFields } from './deliveredFields';

/** What decorating needs of the account model. */
export type DecorateModel = Pick<AccountModel, 'customFields' | 'codec' | 'refresh'>;

/** Returns the events with their objects decorated (new objects; the input is not changed). */
export async function decorateEvents(events: readonly WebhookEvent[], model: DecorateModel): Promise<WebhookEvent[]> {
  const decorated: WebhookEvent[] = [];
  for (const event of events) {
    if (event.action === 'note') {
      decorated.push(event);
      continue;
    }
    const type = OBJECT_TYPES[event.entity_type];
    const values = event.object.custom_fields_values;
    if (!Array.isArray(values) || values.length === 0) {
      decorated.push({ ...event, object: { ...event.object, custom_fields_by_id: {} } });
      continue;
    }
    let typed = typeDeliveredFields(values, await model.customFields(type));
    if (typed.unknownFieldIds.length > 0 && await model.refresh(`custom_fields:${type.name}`)) {
      typed = typeDeliveredFields(values, await model.customFields(type));
    }
    const codec = await model.codec(type);
    const object = codec.decorate({ ...event.object, custom_fields_values: typed.values });
    decorated.push({ ...event, object: object as typeof object & { [key: string]: JsonValue } });
  }
  return decorated;
}
