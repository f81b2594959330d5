/**
 * Kommo webhook deliveries in the real format (PHP bracket keys, every value a string; see
 * docs/kommo-fidelity.md "Webhook deliveries"), and the three shapes the platform's gateway may
 * hand them to `process` in: raw form text, flat bracket keys, and a qs-style nested object.
 */

/** A delivery as Kommo encodes it: ordered (key, value) pairs. */
export type Pairs = ReadonlyArray<readonly [string, string]>;

/** Builds pairs from a compact list: `fields('leads[add][0]', {id: '1', name: 'x'})` → `leads[add][0][id]=1`, … */
export function fields(prefix: string, values: Readonly<Record<string, string>>): Array<[string, string]> {
  return Object.entries(values).map(([key, value]) => [`${prefix}[${key}]`, value]);
}

/** The account part every delivery ends with. */
export const ACCOUNT_PAIRS: Pairs = [
  ['account[subdomain]', 'acme'],
  ['account[id]', '32720107'],
  ['account[_links][self]', 'https://acme.kommo.com'],
];

/** The raw body, encoded like PHP's `http_build_query` (brackets percent-encoded, spaces as `+`). */
export function rawForm(pairs: Pairs): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');
  return pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&');
}

/** The body as a gateway that does not split bracket keys would pass it: one property per field. */
export function flatForm(pairs: Pairs): Record<string, string> {
  return Object.fromEntries(pairs);
}

/** How a qs-style parser nests a form; the defaults are qs's own. */
export interface NestingOptions {
  /** Bracket groups split per key; the rest stays one key such as `[0][value]`. */
  depth?: number;
  /** Largest index that still makes an array; above it (or with `arrays: false`) objects keyed "0", "1". */
  arrayLimit?: number;
  arrays?: boolean;
}

type Nested = { [key: string]: Nested | string };

/** The body as a qs-style parser (express's `urlencoded({extended: true})`) would pass it. */
export function nestedForm(pairs: Pairs, options: NestingOptions = {}): Record<string, unknown> {
  const depth = options.depth ?? 5;
  const root: Nested = {};
  for (const [key, value] of pairs) {
    const open = key.indexOf('[');
    const base = open === -1 ? key : key.slice(0, open);
    const groups = open === -1 ? [] : [...key.slice(open).matchAll(/\[([^\]]*)\]/g)].map((match) => match[1]);
    const path = [base, ...groups.slice(0, depth)];
    if (groups.length > depth) path.push(groups.slice(depth).map((group) => `[${group}]`).join(''));
    let node = root;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next === 'object') node = next;
      else node = node[segment] = {};
    }
    node[path[path.length - 1]] = value;
  }
  return arrayify(root, options) as Record<string, unknown>;
}

function arrayify(node: Nested | string, options: NestingOptions): unknown {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  const asArray = (options.arrays ?? true)
    && keys.length > 0
    && keys.every((key) => /^(?:0|[1-9]\d*)$/.test(key) && Number(key) <= (options.arrayLimit ?? 20));
  if (asArray) return keys.sort((a, b) => Number(a) - Number(b)).map((key) => arrayify(node[key], options));
  return Object.fromEntries(keys.map((key) => [key, arrayify(node[key], options)]));
}

/** The three body shapes of one delivery, named for test titles. */
export function bodyShapes(pairs: Pairs): Array<[string, unknown]> {
  return [
    ['raw form text', rawForm(pairs)],
    ['raw form text in rawData', { rawData: rawForm(pairs) }],
    ['flat bracket keys', flatForm(pairs)],
    ['qs-style nested object', nestedForm(pairs)],
    ['nested object with arrays as objects keyed "0", "1"', nestedForm(pairs, { arrays: false })],
    ['nested object cut at depth 2', nestedForm(pairs, { depth: 2 })],
  ];
}

/** A lead added with legacy names, legacy custom fields (one a bare date) and a tag. */
export const LEAD_ADDED: Pairs = [
  ...fields('leads[add][0]', {
    id: '30267969',
    name: 'Website order #1042',
    status_id: '67548607',
    price: '1500.50',
    responsible_user_id: '11087123',
    last_modified: '1726566391',
    modified_user_id: '11087124',
    created_user_id: '11087123',
    date_create: '1726566390',
    pipeline_id: '8572511',
    account_id: '32720107',
  }),
  ...fields('leads[add][0][custom_fields][0]', { id: '771910', name: 'Delivery date' }),
  ['leads[add][0][custom_fields][0][values][0]', '1615845600'],
  ...fields('leads[add][0][custom_fields][1]', { id: '771912', name: 'Channel' }),
  ...fields('leads[add][0][custom_fields][1][values][0]', { value: 'Website', enum: '552490' }),
  ...fields('leads[add][0][custom_fields][2]', { id: '771914', name: 'Order ref', code: 'ORDER_REF' }),
  ...fields('leads[add][0][custom_fields][2][values][0]', { value: 'A-1042' }),
  ...fields('leads[add][0][tags][0]', { id: '4411', name: 'web' }),
  ...fields('leads[add][0][tags][1]', { id: '4412', name: 'vip client' }),
];

/** The v4 object the lead above becomes. */
export const LEAD_ADDED_V4 = {
  id: 30267969,
  name: 'Website order #1042',
  status_id: 67548607,
  price: 1500.5,
  responsible_user_id: 11087123,
  updated_at: 1726566391,
  updated_by: 11087124,
  created_by: 11087123,
  created_at: 1726566390,
  pipeline_id: 8572511,
  account_id: 32720107,
  custom_fields_values: [
    { field_id: 771910, field_name: 'Delivery date', field_code: null, values: [{ value: 1615845600 }] },
    { field_id: 771912, field_name: 'Channel', field_code: null, values: [{ value: 'Website', enum_id: 552490 }] },
    { field_id: 771914, field_name: 'Order ref', field_code: 'ORDER_REF', values: [{ value: 'A-1042' }] },
  ],
  _embedded: { tags: [{ id: 4411, name: 'web' }, { id: 4412, name: 'vip client' }] },
};

/** A digital-pipeline stage change: ids only. */
export const LEAD_STATUS_SHORT: Pairs = fields('leads[status][0]', {
  id: '15318175',
  status_id: '67548619',
  old_status_id: '67548607',
  pipeline_id: '8572511',
  old_pipeline_id: '8572500',
});

export const LEAD_STATUS_SHORT_V4 = {
  id: 15318175,
  status_id: 67548619,
  old_status_id: 67548607,
  pipeline_id: 8572511,
  old_pipeline_id: 8572500,
};

/** A contact and a company added in one group: Kommo puts both under `contacts`. */
export const CONTACT_AND_COMPANY_ADDED: Pairs = [
  ...fields('contacts[add][0]', {
    id: '17611273',
    name: 'Ann Lee',
    responsible_user_id: '11087123',
    date_create: '1726573127',
    last_modified: '1726573127',
    created_user_id: '11087123',
    modified_user_id: '11087123',
    account_id: '32720107',
    linked_company_id: '17612521',
  }),
  ...fields('contacts[add][0][custom_fields][0]', { id: '771906', name: 'Phone', code: 'PHONE' }),
  ...fields('contacts[add][0][custom_fields][0][values][0]', { value: '+1 555 0100', enum: '552476' }),
  ...fields('contacts[add][0][custom_fields][0][values][1]', { value: '+1 555 0101', enum: 'MOB' }),
  ['contacts[add][0][type]', 'contact'],
  ...fields('contacts[add][1]', {
    id: '17612521',
    name: 'Acme Ltd',
    responsible_user_id: '11087123',
    account_id: '32720107',
    created_at: '1726576533',
    updated_at: '1726576534',
    type: 'company',
  }),
  ['contacts[add][1][linked_leads_id][15319601][ID]', '15319601'],
];

export const CONTACT_ADDED_V4 = {
  id: 17611273,
  name: 'Ann Lee',
  responsible_user_id: 11087123,
  created_at: 1726573127,
  updated_at: 1726573127,
  created_by: 11087123,
  updated_by: 11087123,
  account_id: 32720107,
  custom_fields_values: [
    {
      field_id: 771906,
      field_name: 'Phone',
      field_code: 'PHONE',
      values: [{ value: '+1 555 0100', enum_id: 552476 }, { value: '+1 555 0101', enum_code: 'MOB' }],
    },
  ],
  _embedded: { companies: [{ id: 17612521 }] },
};

export const COMPANY_ADDED_V4 = {
  id: 17612521,
  name: 'Acme Ltd',
  responsible_user_id: 11087123,
  account_id: 32720107,
  created_at: 1726576533,
  updated_at: 1726576534,
  _embedded: { leads: [{ id: 15319601 }] },
};

/** A task added, under the singular `task` key, with wall-clock dates next to Unix seconds. */
export const TASK_ADDED: Pairs = fields('task[add][0]', {
  id: '1564671',
  element_id: '15320411',
  element_type: '2',
  task_type: '1',
  date_create: '2024-09-17 13:07:29',
  text: 'Call back',
  status: '0',
  account_id: '32720107',
  responsible_user_id: '11087123',
  complete_till: '2025-10-02 20:59:00',
  created_at: '1726578449',
  updated_at: '1726578449',
  complete_before: '1759438740',
});

export const TASK_ADDED_V4 = {
  id: 1564671,
  entity_id: 15320411,
  entity_type: 'leads',
  task_type_id: 1,
  text: 'Call back',
  is_completed: false,
  account_id: 32720107,
  responsible_user_id: 11087123,
  complete_till: 1759438740,
  created_at: 1726578449,
  updated_at: 1726578449,
};

/** A text note added to a lead: the note's fields are wrapped in a `note` group. */
export const LEAD_NOTE: Pairs = [
  ...fields('leads[note][0][note]', {
    text: 'Prefers mornings',
    attachement: '',
    note_type: '4',
    element_type: '2',
    element_id: '15320411',
    account_id: '32720107',
    created_user_id: '11087123',
    id: '4600471',
    created_at: '1726580291',
    updated_at: '1726580329',
  }),
];

export const LEAD_NOTE_V4 = {
  id: 4600471,
  attachement: '',
  note_type: 'common',
  entity_id: 15320411,
  account_id: 32720107,
  created_by: 11087123,
  created_at: 1726580291,
  updated_at: 1726580329,
  params: { text: 'Prefers mornings' },
};

/** Things Kommo sends that this trigger does not report. */
export const UNSORTED_ACCEPTED: Pairs = [
  ...fields('unsorted[delete][0]', { action: 'accept', uid: 'f575b754b0d1eb1c', category: 'mail', created_at: '1726392264' }),
  ['unsorted[delete][0][accept_result][leads][0]', '15258873'],
];

/** Several entities and actions in one delivery. */
export const MIXED_DELIVERY: Pairs = [
  ...LEAD_ADDED,
  ...fields('leads[add][1]', { id: '30267970', name: 'Second order', price: '0', status_id: '67548607', pipeline_id: '8572511' }),
  ...LEAD_STATUS_SHORT,
  ...CONTACT_AND_COMPANY_ADDED,
  ...TASK_ADDED,
  ...UNSORTED_ACCEPTED,
  ...ACCOUNT_PAIRS,
];
