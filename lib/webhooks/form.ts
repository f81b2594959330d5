/**
 * Decodes a Kommo webhook delivery body into one tree, whatever shape the platform's webhook
 * gateway handed it over in (docs/elasticio-triggers.md §2: not verified whether form bodies
 * arrive parsed qs-style, as flat keys, or raw):
 *
 * - a nested object, qs-style: `{leads: {add: [{id: "1"}]}}`, where arrays may also be objects
 *   keyed `"0"`, `"1"` (qs turns arrays with large indexes into objects) and keys below qs's depth
 *   limit stay unsplit (`{values: {"[0][value]": "x"}}`);
 * - flat PHP bracket keys: `{"leads[add][0][id]": "1"}`;
 * - the raw `application/x-www-form-urlencoded` text (docs/kommo-fidelity.md "Webhook
 *   deliveries"): `leads[add][0][id]=1&account[id]=2`.
 *
 * All three are reduced to (path, value) pairs and inserted into one tree of `Map`s, so the same
 * delivery gives the same tree in every shape. Maps cannot be prototype-polluted, and the key
 * segments `__proto__`, `constructor` and `prototype` are refused anyway, because later steps
 * turn the tree into plain objects. Input is bounded (characters, fields, depth, segment length);
 * a delivery over a bound is refused as a whole rather than cut, so no entity is half-read.
 *
 * Nothing here echoes input text: reasons name the kind of problem and a count, because a
 * delivery may carry personal data and anyone who learns the URL can choose what it contains.
 */

/** One node of a decoded delivery: a string leaf or a branch keyed by bracket segment. */
export type FormValue = string | FormTree;

/** A branch of a decoded delivery. Numeric array indexes are plain keys (`"0"`, `"1"`). */
export type FormTree = ReadonlyMap<string, FormValue>;

/** Bounds on one delivery. Every field counts against them, in every input shape. */
export interface FormLimits {
  /** Characters of the raw text, or of all keys and values of an object body. */
  readonly maxInputChars: number;
  /** Fields (leaf values) in one delivery. */
  readonly maxFields: number;
  /** Bracket segments in one field's path: `leads[add][0][id]` has 4. */
  readonly maxDepth: number;
  /** Characters in one path segment. */
  readonly maxSegmentChars: number;
}

/**
 * The platform refuses POST bodies over 10 MB (docs/elasticio-triggers.md §2), so the input bound
 * matches it. A lead with 50 custom fields is about 250 fields, so 200,000 fields leave room for
 * several hundred entities; Kommo's deepest path (`leads[add][0][custom_fields][0][values][0][value]`)
 * has 8 segments.
 */
export const DEFAULT_FORM_LIMITS: FormLimits = {
  maxInputChars: 10 * 1024 * 1024,
  maxFields: 200_000,
  maxDepth: 16,
  maxSegmentChars: 128,
};

/** The outcome of decoding a body. */
export type ParsedForm =
  | {
    readonly ok: true;
    readonly tree: FormTree;
    /** Fields stored in the tree. */
    readonly fieldCount: number;
    /** Why some fields were left out, one line per kind with a count; empty when none were. */
    readonly ignored: readonly string[];
  }
  | { readonly ok: false; readonly reason: string };

/** Segments that would reach `Object.prototype` (or a constructor) once the tree becomes objects. */
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Whether a key must never become an object property. The parser never stores one; code that
 * turns a tree into objects checks again, so a hand-built tree cannot pollute either.
 */
export function isForbiddenSegment(key: string): boolean {
  return FORBIDDEN_SEGMENTS.has(key);
}

/** One `[segment]` group of a PHP bracket key, matched where the previous one ended. */
const BRACKET_GROUP = /\[([^[\]]*)\]/y;

/** Why a field was left out. */
type IgnoreKind = 'forbidden' | 'malformedKey' | 'tooDeep' | 'longSegment' | 'conflict' | 'nonText';

const IGNORE_TEXT: Record<IgnoreKind, string> = {
  forbidden: 'with a forbidden key segment (__proto__, constructor, prototype)',
  malformedKey: 'with a malformed bracket key',
  tooDeep: 'nested too deeply',
  longSegment: 'with an over-long key segment',
  conflict: 'that are both a value and a group of values',
  nonText: 'that are not text, numbers or booleans',
};

/** Thrown inside the builder when the delivery as a whole is over a bound; caught in `parseFormBody`. */
class OverLimit extends Error {}

/** Accumulates (path, value) pairs into the tree and counts what it leaves out. */
class TreeBuilder {
  readonly root = new Map<string, FormValue>();
  fieldCount = 0;
  private chars = 0;
  private readonly ignoredCounts = new Map<IgnoreKind, number>();
  /** Next index for `[]` (append) segments, per branch, so appends stay O(1). */
  private readonly nextIndex = new WeakMap<Map<string, FormValue>, number>();

  constructor(private readonly limits: FormLimits) {}

  ignore(kind: IgnoreKind, count = 1): void {
    this.ignoredCounts.set(kind, (this.ignoredCounts.get(kind) ?? 0) + count);
  }

  /** Counts characters of object bodies (raw text is measured before it is split). */
  spend(chars: number): void {
    this.chars += chars;
    if (this.chars > this.limits.maxInputChars) throw new OverLimit(`the delivery is larger than ${this.limits.maxInputChars} characters`);
  }

  add(path: readonly string[], value: string): void {
    if (this.fieldCount >= this.limits.maxFields) throw new OverLimit(`the delivery has more than ${this.limits.maxFields} fields`);
    if (path.length === 0) return this.ignore('malformedKey');
    if (path.length > this.limits.maxDepth) return this.ignore('tooDeep');
    for (const segment of path) {
      if (FORBIDDEN_SEGMENTS.has(segment)) return this.ignore('forbidden');
      if (segment.length > this.limits.maxSegmentChars) return this.ignore('longSegment');
    }
    let branch = this.root;
    for (let index = 0; index < path.length - 1; index += 1) {
      const segment = this.resolve(branch, path[index]);
      const existing = branch.get(segment);
      if (typeof existing === 'string') return this.ignore('conflict');
      if (existing === undefined) {
        const created = new Map<string, FormValue>();
        branch.set(segment, created);
        this.noteIndex(branch, segment);
        branch = created;
      } else {
        branch = existing as Map<string, FormValue>;
      }
    }
    const last = this.resolve(branch, path[path.length - 1]);
    if (branch.get(last) instanceof Map) return this.ignore('conflict');
    // A repeated path keeps the last value, as PHP (Kommo's side) reads a form.
    branch.set(last, value);
    this.noteIndex(branch, last);
    this.fieldCount += 1;
  }

  ignoredLines(): string[] {
    return [...this.ignoredCounts].map(([kind, count]) => `${count} field${count === 1 ? '' : 's'} ${IGNORE_TEXT[kind]} ignored`);
  }

  /** `[]` appends: the next integer after the largest index seen in this branch. */
  private resolve(branch: Map<string, FormValue>, segment: string): string {
    return segment === '' ? String(this.nextIndex.get(branch) ?? 0) : segment;
  }

  private noteIndex(branch: Map<string, FormValue>, segment: string): void {
    if (!/^(?:0|[1-9]\d{0,8})$/.test(segment)) return;
    const next = Number(segment) + 1;
    if (next > (this.nextIndex.get(branch) ?? 0)) this.nextIndex.set(branch, next);
  }
}

/**
 * Splits a PHP bracket key into segments: `leads[add][0][id]` → `leads`, `add`, `0`, `id`;
 * `tags[]` → `tags`, `` (append). Inside a nested object a key may be only groups (`[0][value]`,
 * what qs leaves below its depth limit). Returns `undefined` for anything else (an unclosed or
 * stray bracket, text after the last group, an empty top-level name).
 */
export function splitBracketKey(key: string, nested: boolean): string[] | undefined {
  const open = key.indexOf('[');
  if (open === -1) {
    if (key.includes(']')) return undefined;
    return key === '' && !nested ? undefined : [key];
  }
  const base = key.slice(0, open);
  if (base.includes(']') || (base === '' && !nested)) return undefined;
  const segments = base === '' ? [] : [base];
  BRACKET_GROUP.lastIndex = open;
  while (BRACKET_GROUP.lastIndex < key.length) {
    const match = BRACKET_GROUP.exec(key);
    if (match === null) return undefined;
    segments.push(match[1]);
  }
  return segments;
}

/** Leaves of an object body: text as is, finite numbers and booleans as their text. */
function leafText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Walks an object body; every key may itself hold bracket groups (flat or partly nested forms). */
function walk(builder: TreeBuilder, value: unknown, path: readonly string[], limits: FormLimits): void {
  const text = leafText(value);
  if (text !== undefined) {
    builder.spend(text.length);
    builder.add(path, text);
    return;
  }
  // Every level adds at least one segment, so this bound also bounds the recursion.
  if (path.length >= limits.maxDepth && (Array.isArray(value) || isPlainObject(value))) return builder.ignore('tooDeep');
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => walk(builder, item, [...path, String(index)], limits));
    return;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      builder.spend(key.length);
      const segments = splitBracketKey(key, path.length > 0);
      if (segments === undefined) {
        builder.ignore('malformedKey');
        continue;
      }
      walk(builder, value[key], [...path, ...segments], limits);
    }
    return;
  }
  builder.ignore('nonText');
}

/**
 * Decodes a delivery body: a raw form string, or an object (nested, flat bracket keys, or a mix).
 * Anything else, or a body over a bound, is refused with a reason; fields that cannot be stored
 * safely are left out and counted in `ignored`.
 */
export function parseFormBody(body: unknown, limits: FormLimits = DEFAULT_FORM_LIMITS): ParsedForm {
  const builder = new TreeBuilder(limits);
  try {
    if (typeof body === 'string') {
      if (body.length > limits.maxInputChars) return { ok: false, reason: `the delivery is larger than ${limits.maxInputChars} characters` };
      for (const [key, value] of new URLSearchParams(body)) {
        const segments = splitBracketKey(key, false);
        if (segments === undefined) builder.ignore('malformedKey');
        else builder.add(segments, value);
      }
    } else if (isPlainObject(body)) {
      walk(builder, body, [], limits);
    } else if (body === undefined) {
      return { ok: false, reason: 'the delivery has no body' };
    } else {
      const kind = body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body === 'object' ? 'an object that is not plain data' : `of type ${typeof body}`;
      return { ok: false, reason: `the delivery body is ${kind}, not a form` };
    }
  } catch (error) {
    if (error instanceof OverLimit) return { ok: false, reason: error.message };
    throw error;
  }
  return { ok: true, tree: builder.root, fieldCount: builder.fieldCount, ignored: builder.ignoredLines() };
}

/** A branch's children in index order: numeric keys ascending, then other keys as they came. */
export function orderedChildren(branch: FormTree): Array<[string, FormValue]> {
  const numeric: Array<[number, string, FormValue]> = [];
  const named: Array<[string, FormValue]> = [];
  for (const [key, value] of branch) {
    if (/^(?:0|[1-9]\d{0,15})$/.test(key)) numeric.push([Number(key), key, value]);
    else named.push([key, value]);
  }
  numeric.sort((a, b) => a[0] - b[0]);
  return [...numeric.map(([, key, value]): [string, FormValue] => [key, value]), ...named];
}

/** A string child of a branch, or `undefined` when absent or a group. */
export function textAt(branch: FormTree, key: string): string | undefined {
  const value = branch.get(key);
  return typeof value === 'string' ? value : undefined;
}

/** A group child of a branch, or `undefined` when absent or a string. */
export function branchAt(branch: FormTree, key: string): FormTree | undefined {
  const value = branch.get(key);
  return value instanceof Map ? value : undefined;
}
