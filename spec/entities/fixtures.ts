/**
 * Custom-field definitions in Kommo's list shape (docs/kommo-fidelity.md #8), one field per Kommo
 * field type, and an in-memory `KommoReader` that pages like real Kommo: at most 50 custom fields
 * per page whatever `limit` says, 204 past the end.
 */
import { parseFieldDefinition, type CustomFieldDefinition } from '../../lib/entities/customFields';
import type { KommoQuery, KommoReader, PaginateOptions, ReaderResponse } from '../../lib/entities/reader';

function kommoField(id: number, name: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, name, type, code: null, sort: id, is_api_only: false, is_predefined: false, is_deletable: true, is_required: false,
    required_statuses: [], remind: null, account_id: 31000001, group_id: null, enums: null, entity_type: 'leads',
    _links: { self: { href: `https://acme.kommo.com/api/v4/leads/custom_fields/${id}` } },
    ...extra,
  };
}

function enums(...pairs: Array<[number, string]>): Array<{ id: number; value: string; sort: number }> {
  return pairs.map(([id, value], index) => ({ id, value, sort: (index + 1) * 10 }));
}

/** Kommo's definitions: one field of every type docs/design.md names, plus two `other` types. */
export const KOMMO_FIELDS: Array<Record<string, unknown>> = [
  kommoField(100, 'External ID', 'text'),
  kommoField(101, 'Notes', 'textarea'),
  kommoField(102, 'Website', 'url'),
  kommoField(103, 'Address', 'streetaddress'),
  kommoField(104, 'Budget', 'numeric', { is_required: true }),
  kommoField(105, 'Unit price', 'price'),
  kommoField(106, 'Amount', 'monetary'),
  kommoField(107, 'VIP', 'checkbox'),
  kommoField(108, 'Contract date', 'date'),
  kommoField(109, 'Birthday', 'birthday'),
  kommoField(110, 'Meeting at', 'date_time'),
  kommoField(111, 'Source', 'select', {
    enums: enums([201, 'Website'], [202, 'Referral'], [203, 'Trade show']),
    required_statuses: [{ pipeline_id: 7001, status_id: 9001 }],
  }),
  kommoField(112, 'Size', 'radiobutton', { enums: enums([211, 'S'], [212, 'M']) }),
  kommoField(113, 'Interests', 'multiselect', { enums: enums([221, 'Cars'], [222, 'Boats'], [223, 'Planes']) }),
  kommoField(114, 'Phone', 'multitext', {
    code: 'PHONE', is_predefined: true,
    enums: enums([231, 'WORK'], [232, 'WORKDD'], [233, 'MOB'], [234, 'FAX'], [235, 'HOME'], [236, 'OTHER']),
  }),
  kommoField(115, 'Email', 'multitext', { code: 'EMAIL', is_predefined: true, enums: enums([241, 'WORK'], [242, 'PRIV'], [243, 'OTHER']) }),
  kommoField(116, 'Smart address', 'smart_address'),
  kommoField(117, 'Legal entity', 'legal_entity'),
];

/** The same definitions, normalised. */
export const FIELDS: CustomFieldDefinition[] = KOMMO_FIELDS.map((item) => parseFieldDefinition(item)!);

/** `count` text fields with ids from `firstId`, in Kommo's list shape. */
export function manyKommoFields(count: number, firstId = 500000): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, index) => kommoField(firstId + index, `Field ${index + 1}`, index % 3 === 0 ? 'numeric' : 'text'));
}

/** A request the fake reader answered. */
export interface RecordedRequest {
  path: string;
  query?: KommoQuery;
}

/** What the fake serves: plain resources by path, and lists (paged like Kommo) by path. */
export interface FakeKommo {
  resources?: Record<string, unknown>;
  lists?: Record<string, { embeddedKey: string; items: unknown[]; maxPageSize: number }>;
}

/**
 * A `KommoReader` over in-memory data that records every HTTP request it would make. `paginate`
 * behaves like the core client: an explicit limit, stop on 204, an empty page or a short page.
 */
export function fakeReader(kommo: FakeKommo): KommoReader & { requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const page = (path: string, query: KommoQuery): ReaderResponse => {
    requests.push({ path, query });
    const list = kommo.lists?.[path];
    if (!list) return { status: 404, body: { title: 'Not Found', status: 404 } };
    // Real Kommo caps some lists below the requested limit (custom fields: 50).
    const size = Math.min(query.limit ?? 50, list.maxPageSize);
    const start = ((query.page ?? 1) - 1) * size;
    const items = list.items.slice(start, start + size);
    if (items.length === 0) return { status: 204, body: undefined };
    return { status: 200, body: { _page: query.page ?? 1, _embedded: { [list.embeddedKey]: items } } };
  };
  return {
    requests,
    async get(path: string, query?: KommoQuery): Promise<ReaderResponse> {
      if (kommo.lists?.[path]) return page(path, query ?? {});
      requests.push({ path, query });
      const body = kommo.resources?.[path];
      return body === undefined ? { status: 404, body: { title: 'Not Found', status: 404 } } : { status: 200, body };
    },
    async *paginate<T>(path: string, options: PaginateOptions): AsyncIterable<T[]> {
      const limit = options.pageSize ?? 250;
      for (let number = 1; number <= (options.maxPages ?? 1000); number += 1) {
        const answer = page(path, { ...options.query, page: number, limit });
        if (answer.status === 204) return;
        if (answer.status !== 200) throw new Error(`fake Kommo answered ${answer.status} to ${path}`);
        const items = ((answer.body as { _embedded: Record<string, T[]> })._embedded[options.embeddedKey]) ?? [];
        if (items.length === 0) return;
        yield items;
        if (items.length < limit) return;
      }
    },
  };
}
