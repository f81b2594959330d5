import { DEFAULT_FORM_LIMITS, FormTree, FormValue, orderedChildren, parseFormBody, ParsedForm, splitBracketKey } from '../../lib/webhooks/form';
import { bodyShapes, flatForm, MIXED_DELIVERY, nestedForm, rawForm } from './fixtures';

/** A tree as nested plain objects, so expectations read like the delivery. */
function plain(value: FormValue): unknown {
  return typeof value === 'string' ? value : Object.fromEntries([...value].map(([key, child]) => [key, plain(child)]));
}

function parsed(body: unknown, limits = DEFAULT_FORM_LIMITS): Extract<ParsedForm, { ok: true }> {
  const result = parseFormBody(body, limits);
  if (!result.ok) throw new Error(`expected the body to parse, got: ${result.reason}`);
  return result;
}

function refused(body: unknown, limits = DEFAULT_FORM_LIMITS): string {
  const result = parseFormBody(body, limits);
  if (result.ok) throw new Error('expected the body to be refused');
  return result.reason;
}

describe('splitBracketKey', () => {
  it.each<[string, boolean, string[] | undefined]>([
    ['leads[add][0][id]', false, ['leads', 'add', '0', 'id']],
    ['account', false, ['account']],
    ['tags[]', false, ['tags', '']],
    ['a[]', true, ['a', '']],
    ['[0][value]', true, ['0', 'value']],
    ['', true, ['']],
    ['[0][value]', false, undefined],
    ['', false, undefined],
    ['a[b', false, undefined],
    ['a]', false, undefined],
    ['a]b[c]', false, undefined],
    ['a[b]c', false, undefined],
    ['a[b[c]]', false, undefined],
    ['a[b]]', false, undefined],
    ['a[b] [c]', false, undefined],
    ['name with spaces[x]', false, ['name with spaces', 'x']],
  ])('%j (nested: %s) → %j', (key, nested, segments) => {
    expect(splitBracketKey(key, nested)).toEqual(segments);
  });
});

describe('parseFormBody: the three body shapes', () => {
  const expected = parsed(rawForm(MIXED_DELIVERY));

  it('reads every field of the raw text', () => {
    expect(expected.fieldCount).toBe(MIXED_DELIVERY.length);
    expect(expected.ignored).toEqual([]);
    expect(plain(expected.tree)).toMatchObject({
      leads: { add: { 0: { id: '30267969', custom_fields: { 0: { values: { 0: '1615845600' } }, 1: { values: { 0: { value: 'Website', enum: '552490' } } } } } } },
      account: { id: '32720107', subdomain: 'acme', _links: { self: 'https://acme.kommo.com' } },
    });
  });

  it.each(bodyShapes(MIXED_DELIVERY).filter(([name]) => !name.includes('rawData')))('%s gives the same tree as the raw text', (_name, body) => {
    const result = parsed(body);
    expect(result.tree).toEqual(expected.tree);
    expect(result.fieldCount).toBe(MIXED_DELIVERY.length);
    expect(result.ignored).toEqual([]);
  });

  it('splits keys that qs left unsplit below its depth limit', () => {
    const body = { leads: { add: [{ custom_fields: [{ values: { '[0][value]': 'x', '[0][enum]': '7' } }] }] } };
    expect(plain(parsed(body).tree)).toEqual({ leads: { add: { 0: { custom_fields: { 0: { values: { 0: { value: 'x', enum: '7' } } } } } } } });
  });

  it('reads a mix of nested groups and flat bracket keys', () => {
    const body = { leads: { 'add[0][id]': '1', add: [{ name: 'n' }] }, 'account[id]': '2' };
    expect(plain(parsed(body).tree)).toEqual({ leads: { add: { 0: { id: '1', name: 'n' } } }, account: { id: '2' } });
  });

  it('decodes percent escapes, + as space and UTF-8 in raw text', () => {
    const body = 'leads%5Badd%5D%5B0%5D%5Bname%5D=%D0%9D%D0%BE%D0%B2%D1%8B%D0%B9+%D0%BB%D0%B8%D0%B4&leads[add][0][note]=a%26b%3Dc';
    expect(plain(parsed(body).tree)).toEqual({ leads: { add: { 0: { name: 'Новый лид', note: 'a&b=c' } } } });
  });

  it('appends [] segments in order', () => {
    expect(plain(parsed('tags[]=a&tags[]=b&tags[5]=c&tags[]=d').tree)).toEqual({ tags: { 0: 'a', 1: 'b', 5: 'c', 6: 'd' } });
  });

  it('keeps the last of repeated keys, as PHP does', () => {
    expect(plain(parsed('a[b]=1&a[b]=2').tree)).toEqual({ a: { b: '2' } });
  });

  it('orders children by index, then by arrival', () => {
    const tree = parsed('x[10]=c&x[2]=b&x[name]=n&x[0]=a').tree.get('x') as FormTree;
    expect(orderedChildren(tree).map(([key]) => key)).toEqual(['0', '2', '10', 'name']);
  });
});

describe('parseFormBody: hostile and malformed input', () => {
  afterEach(() => {
    // A polluted prototype would show up on every object of the process.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it.each<[string, unknown]>([
    ['raw text', '__proto__[polluted]=1&leads[add][0][__proto__][polluted]=1&constructor[prototype][polluted]=1&x[prototype]=1&leads[add][0][id]=5'],
    ['flat keys', flatForm([['__proto__[polluted]', '1'], ['leads[add][0][constructor][prototype][polluted]', '1'], ['x[prototype]', '1'], ['leads[add][0][id]', '5']])],
    ['nested JSON with own __proto__ keys', JSON.parse('{"__proto__": {"polluted": "1"}, "leads": {"add": [{"__proto__": {"polluted": "1"}, "id": "5", "constructor": {"prototype": {"polluted": "1"}}}]}, "x": {"prototype": "1"}}')],
    ['unsplit qs remainder keys', { leads: { add: [{ id: '5', x: { '[__proto__][polluted]': '1', '[constructor][prototype]': '1' } }] }, 'x[prototype]': '1' }],
  ])('never stores __proto__, constructor or prototype (%s)', (_name, body) => {
    const result = parsed(body);
    expect(plain(result.tree)).toEqual({ leads: { add: { 0: { id: '5' } } } });
    expect(result.ignored).toHaveLength(1);
    expect(result.ignored[0]).toMatch(/^\d+ fields? with a forbidden key segment \(__proto__, constructor, prototype\) ignored$/);
  });

  it('turns numbers and booleans into text and leaves out what is not text', () => {
    const body = { a: 5, b: true, c: 1.5, d: null, e: undefined, f: () => 1, g: new Date(0), h: Number.NaN, i: Symbol('s'), j: 10n, k: ['x', null] };
    const result = parsed(body);
    expect(plain(result.tree)).toEqual({ a: '5', b: 'true', c: '1.5', k: { 0: 'x' } });
    expect(result.ignored).toEqual(['8 fields that are not text, numbers or booleans ignored']);
  });

  it('leaves out malformed keys and counts them', () => {
    const result = parsed('a[b=1&c]=2&[x]=3&d[e]f=4&=5&ok=6');
    expect(plain(result.tree)).toEqual({ ok: '6' });
    expect(result.ignored).toEqual(['5 fields with a malformed bracket key ignored']);
  });

  it('keeps the first of a value and a group on the same path', () => {
    const result = parsed('a=1&a[b]=2&c[d]=3&c=4');
    expect(plain(result.tree)).toEqual({ a: '1', c: { d: '3' } });
    expect(result.ignored).toEqual(['2 fields that are both a value and a group of values ignored']);
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'the delivery body is null, not a form'],
    ['undefined', undefined, 'the delivery has no body'],
    ['an array', [['a', '1']], 'the delivery body is an array, not a form'],
    ['a number', 42, 'the delivery body is of type number, not a form'],
    ['a Buffer', Buffer.from('a=1'), 'the delivery body is an object that is not plain data, not a form'],
    ['a Map', new Map([['a', '1']]), 'the delivery body is an object that is not plain data, not a form'],
  ])('refuses a body that is %s', (_name, body, reason) => {
    expect(refused(body)).toBe(reason);
  });

  it('refuses raw text over the size bound as a whole', () => {
    const limits = { ...DEFAULT_FORM_LIMITS, maxInputChars: 100 };
    expect(parsed('a=' + 'x'.repeat(98), limits).fieldCount).toBe(1);
    expect(refused('a=' + 'x'.repeat(99), limits)).toBe('the delivery is larger than 100 characters');
  });

  it('refuses an object body over the size bound as a whole, counting keys and values', () => {
    const limits = { ...DEFAULT_FORM_LIMITS, maxInputChars: 10 };
    expect(parsed({ abcd: 'efghij' }, limits).fieldCount).toBe(1);
    expect(refused({ abcd: 'efghijk' }, limits)).toBe('the delivery is larger than 10 characters');
  });

  it.each<[string, (count: number) => unknown]>([
    ['raw text', (count) => Array.from({ length: count }, (_, index) => `f[${index}]=1`).join('&')],
    ['an object', (count) => ({ f: Array.from({ length: count }, () => '1') })],
  ])('refuses more fields than the bound as a whole (%s)', (_name, body) => {
    const limits = { ...DEFAULT_FORM_LIMITS, maxFields: 50 };
    expect(parsed(body(50), limits).fieldCount).toBe(50);
    expect(refused(body(51), limits)).toBe('the delivery has more than 50 fields');
  });

  it('leaves out fields nested deeper than the bound, in raw text and in objects', () => {
    const limits = { ...DEFAULT_FORM_LIMITS, maxDepth: 4 };
    expect(plain(parsed('a[b][c][d]=1&a[b][c][d][e]=2', limits).tree)).toEqual({ a: { b: { c: { d: '1' } } } });
    const deep = { a: { b: { c: { d: '1', x: { e: '2' } } } } };
    const result = parsed(deep, limits);
    expect(plain(result.tree)).toEqual({ a: { b: { c: { d: '1' } } } });
    expect(result.ignored).toEqual(['1 field nested too deeply ignored']);
  });

  it('walks an absurdly deep object without exhausting the stack', () => {
    let body: Record<string, unknown> = { id: '1' };
    for (let level = 0; level < 100_000; level += 1) body = { a: body };
    const result = parsed(body);
    expect(result.fieldCount).toBe(0);
    expect(result.ignored).toEqual(['1 field nested too deeply ignored']);
  });

  it('leaves out over-long key segments', () => {
    const result = parsed(`a[${'k'.repeat(129)}]=1&a[${'k'.repeat(128)}]=2`);
    expect(result.fieldCount).toBe(1);
    expect(result.ignored).toEqual(['1 field with an over-long key segment ignored']);
  });

  it('never repeats input text in its reasons', () => {
    const secretish = 'person@example.com';
    const result = parsed(`${secretish}[=1&x[__proto__]=${secretish}&y=1&y[${secretish}]=1`);
    expect(JSON.stringify(result.ignored)).not.toContain('example');
    expect(refused(`a=${secretish}`, { ...DEFAULT_FORM_LIMITS, maxInputChars: 5 })).not.toContain('example');
  });

  it('parses a 100,000-field delivery in every shape (a quadratic path would time out)', () => {
    const pairs: Array<[string, string]> = [];
    for (let index = 0; pairs.length < 100_000; index += 1) {
      pairs.push([`leads[update][${index}][id]`, String(index + 1)], [`leads[update][${index}][custom_fields][0][values][0][value]`, 'v']);
    }
    for (const body of [rawForm(pairs), flatForm(pairs), nestedForm(pairs)]) expect(parsed(body).fieldCount).toBe(100_000);
  });
});
