import type { CustomFieldDefinition } from '../../lib/entities/customFields';
import { createCustomFieldCodec } from '../../lib/entities/customFieldCodec';
import type { ObjectTypeDefinition } from '../../lib/entities/registry';
import type { WebhookEvent } from '../../lib/webhooks/convert';
import { decorateEvents, type DecorateModel } from '../../lib/webhooks/decorate';

const ACCOUNT = { id: 1, subdomain: 'acme' };
const SOURCE: CustomFieldDefinition = {
  id: 710001, name: 'Deal source', code: null, type: 'select', enums: [{ id: 5, value: 'Website' }],
  isRequired: false, requiredStatuses: [], isApiOnly: false, sort: 0,
};
const STARTED: CustomFieldDefinition = { ...SOURCE, id: 710009, name: 'Started', type: 'checkbox', enums: null };

/** An account model over a list of definitions that a refresh replaces with `afterRefresh`. */
function model(fields: CustomFieldDefinition[], afterRefresh?: CustomFieldDefinition[]) {
  let current = fields;
  const reads: string[] = [];
  const fake: DecorateModel = {
    async customFields(type: ObjectTypeDefinition) {
      reads.push(`custom_fields:${type.name}`);
      return current;
    },
    async codec(type: ObjectTypeDefinition) {
      return createCustomFieldCodec({ type, fields: current, timeZone: 'UTC' });
    },
    async refresh() {
      reads.push('refresh');
      if (afterRefresh === undefined) return false;
      current = afterRefresh;
      return true;
    },
  };
  return { fake, reads };
}

const lead = (object: Record<string, unknown>, code = 'add_lead'): WebhookEvent =>
  ({ event: code, entity_type: 'leads', action: code.split('_')[0] as WebhookEvent['action'], account: ACCOUNT, object: { id: 1, ...object } as WebhookEvent['object'] });

describe('decorateEvents', () => {
  it('types delivered custom fields and adds custom_fields_by_id', async () => {
    const { fake } = model([SOURCE]);
    const [decorated] = await decorateEvents([lead({ custom_fields_values: [{ field_id: 710001, field_name: 'Deal source', field_code: null, values: [{ value: 'Website', enum_id: 5 }] }] })], fake);
    expect(decorated.object).toEqual({
      id: 1,
      custom_fields_values: [{ field_id: 710001, field_name: 'Deal source', field_code: null, field_type: 'select', values: [{ value: 'Website', enum_id: 5 }] }],
      custom_fields_by_id: { 710001: 'Website' },
    });
  });

  it('reads no definitions for objects without custom-field values, and leaves notes as they are', async () => {
    const { fake, reads } = model([SOURCE]);
    const note: WebhookEvent = { event: 'note_lead', entity_type: 'leads', action: 'note', account: ACCOUNT, object: { id: 9, entity_id: 1 } };
    const decorated = await decorateEvents([lead({ name: 'x' }), lead({ custom_fields_values: null }, 'delete_lead'), note], fake);
    expect(decorated.map((item) => item.object)).toEqual([
      { id: 1, name: 'x', custom_fields_by_id: {} },
      { id: 1, custom_fields_values: null, custom_fields_by_id: {} },
      { id: 9, entity_id: 1 },
    ]);
    expect(reads).toEqual([]);
  });

  it('refreshes the definitions once when a delivered field is unknown (added since they were read)', async () => {
    const { fake, reads } = model([SOURCE], [SOURCE, STARTED]);
    const [decorated] = await decorateEvents([lead({ custom_fields_values: [{ field_id: 710009, field_name: 'Started', field_code: null, values: [{ value: '1' }] }] })], fake);
    expect(decorated.object.custom_fields_by_id).toEqual({ 710009: true });
    expect(reads).toEqual(['custom_fields:leads', 'refresh', 'custom_fields:leads']);
  });
});
