import type { CustomFieldDefinition } from '../../lib/entities/customFields';
import type { JsonValue } from '../../lib/webhooks/convert';
import { typeDeliveredFields } from '../../lib/webhooks/deliveredFields';

function field(id: number, type: string, enums: Array<[number, string]> | null = null): CustomFieldDefinition {
  return {
    id, name: `Field ${id}`, code: null, type, enums: enums && enums.map(([enumId, value]) => ({ id: enumId, value })),
    isRequired: false, requiredStatuses: [], isApiOnly: false, sort: 0,
  };
}

const DEFINITIONS = [
  field(1, 'date'), field(2, 'date_time'), field(3, 'birthday'), field(4, 'checkbox'), field(5, 'numeric'),
  field(6, 'multitext', [[11, 'WORK'], [12, 'MOB']]), field(7, 'select', [[21, 'Website']]), field(8, 'text'),
];

const delivered = (fieldId: number, values: JsonValue[]): JsonValue => ({ field_id: fieldId, field_name: `Field ${fieldId}`, field_code: null, values });

describe('typeDeliveredFields', () => {
  it.each<[string, JsonValue, JsonValue]>([
    ['a date: Unix seconds as a number', delivered(1, [{ value: 1615845600 }]), { field_id: 1, field_name: 'Field 1', field_code: null, field_type: 'date', values: [{ value: 1615845600 }] }],
    ['a date-time given as text', delivered(2, [{ value: '1726578449' }]), { field_id: 2, field_name: 'Field 2', field_code: null, field_type: 'date_time', values: [{ value: 1726578449 }] }],
    ['a birthday that is not seconds stays text', delivered(3, [{ value: '17.09.2024' }]), { field_id: 3, field_name: 'Field 3', field_code: null, field_type: 'birthday', values: [{ value: '17.09.2024' }] }],
    ['a checkbox "1"', delivered(4, [{ value: '1' }]), { field_id: 4, field_name: 'Field 4', field_code: null, field_type: 'checkbox', values: [{ value: true }] }],
    ['a checkbox "0"', delivered(4, [{ value: '0' }]), { field_id: 4, field_name: 'Field 4', field_code: null, field_type: 'checkbox', values: [{ value: false }] }],
    ['a number stays text, as v4 reads it', delivered(5, [{ value: '1500.50' }]), { field_id: 5, field_name: 'Field 5', field_code: null, field_type: 'numeric', values: [{ value: '1500.50' }] }],
    ['a phone by enum code gains its enum id', delivered(6, [{ value: '+1 555', enum_code: 'MOB' }]), { field_id: 6, field_name: 'Field 6', field_code: null, field_type: 'multitext', values: [{ value: '+1 555', enum_code: 'MOB', enum_id: 12 }] }],
    ['a phone by enum id gains its enum code', delivered(6, [{ value: '+1 555', enum_id: 11 }]), { field_id: 6, field_name: 'Field 6', field_code: null, field_type: 'multitext', values: [{ value: '+1 555', enum_id: 11, enum_code: 'WORK' }] }],
    ['a select keeps its enum id', delivered(7, [{ value: 'Website', enum_id: 21 }]), { field_id: 7, field_name: 'Field 7', field_code: null, field_type: 'select', values: [{ value: 'Website', enum_id: 21 }] }],
    ['a text as is', delivered(8, [{ value: '0' }]), { field_id: 8, field_name: 'Field 8', field_code: null, field_type: 'text', values: [{ value: '0' }] }],
  ])('types %s', (_name, entry, typed) => {
    const result = typeDeliveredFields([entry], DEFINITIONS);
    expect(result.values).toEqual([typed]);
    expect(result.unknownFieldIds).toEqual([]);
  });

  it('leaves a field the definitions do not have as delivered and reports its id', () => {
    const entry = delivered(99, [{ value: 'x' }]);
    expect(typeDeliveredFields([entry], DEFINITIONS)).toEqual({ values: [entry], unknownFieldIds: [99] });
  });

  it('is idempotent on objects Kommo returned (already typed)', () => {
    const v4: JsonValue = { field_id: 4, field_name: 'Field 4', field_code: null, field_type: 'checkbox', values: [{ value: true }] };
    expect(typeDeliveredFields([v4], DEFINITIONS).values).toEqual([v4]);
  });

  it('does not change its input', () => {
    const entry = delivered(4, [{ value: '1' }]);
    const copy = structuredClone(entry);
    typeDeliveredFields([entry], DEFINITIONS);
    expect(entry).toEqual(copy);
  });
});
