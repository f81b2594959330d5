/**
 * Tags: one list per entity kind (`GET/POST /{kind}/tags`, docs/kommo-api.md §6) and the tags each
 * entity carries. Entity writes name tags by `{id}` or `{name}`; an unknown name creates the tag,
 * as Kommo's UI and API do (docs/kommo-api.md §7).
 */
import { isRecord } from './httpIo';
import type { FieldError } from './customFields';
import type { CustomFieldKind } from './types';

/** A tag as the API shows it. */
export type Tag = {
  id: number;
  name: string;
  color: string | null;
};

/** A tag reference in a write: `{id}` or `{name}`. */
export type TagRef = { id: number } | { name: string };

/** Problems in a list of tag references (`_embedded.tags`, `tags_to_add`, `tags_to_delete`). */
export function validateTagRefs(input: unknown, path: string, known: (id: number) => boolean): FieldError[] {
  if (!Array.isArray(input)) return [{ code: 'InvalidType', path, detail: 'This value should be of type array.' }];
  const errors: FieldError[] = [];
  input.forEach((ref: unknown, index) => {
    const at = `${path}.${index}`;
    if (!isRecord(ref) || (ref.id === undefined && ref.name === undefined)) {
      errors.push({ code: 'NotBlank', path: `${at}.id`, detail: 'A tag needs an id or a name.' });
    } else if (ref.id !== undefined) {
      if (!Number.isInteger(ref.id)) errors.push({ code: 'InvalidType', path: `${at}.id`, detail: 'This value should be of type int.' });
      else if (!known(ref.id as number)) errors.push({ code: 'NotFound', path: `${at}.id`, detail: 'Tag not found.' });
    } else if (typeof ref.name !== 'string' || ref.name.trim() === '') {
      errors.push({ code: 'InvalidType', path: `${at}.name`, detail: 'This value should be a non-empty string.' });
    }
  });
  return errors;
}

export class TagBook {
  private readonly tags = new Map<CustomFieldKind, Tag[]>();
  private nextId: number;

  constructor(private readonly firstId: number) {
    this.nextId = firstId;
  }

  reset(seed: ReadonlyArray<Tag & { kind: CustomFieldKind }>): void {
    this.tags.clear();
    this.nextId = this.firstId;
    for (const { kind, ...tag } of seed) {
      this.list(kind).push({ ...tag });
      this.nextId = Math.max(this.nextId, tag.id + 1);
    }
  }

  /** The kind's tags in id order (the stored objects; callers copy before handing out). */
  list(kind: CustomFieldKind): Tag[] {
    let tags = this.tags.get(kind);
    if (!tags) {
      tags = [];
      this.tags.set(kind, tags);
    }
    return tags;
  }

  byId(kind: CustomFieldKind, id: number): Tag | undefined {
    return this.list(kind).find((tag) => tag.id === id);
  }

  /** Names are unique per kind, compared without case. */
  byName(kind: CustomFieldKind, name: string): Tag | undefined {
    const wanted = name.trim().toLowerCase();
    return this.list(kind).find((tag) => tag.name.toLowerCase() === wanted);
  }

  /** The tag with this name, created if the kind has none yet. */
  ensure(kind: CustomFieldKind, name: string, color: string | null = null): Tag {
    const existing = this.byName(kind, name);
    if (existing) return existing;
    const tag = { id: this.nextId++, name: name.trim(), color };
    this.list(kind).push(tag);
    return tag;
  }

  /** The tag a validated reference names (creating it for an unknown name). */
  resolve(kind: CustomFieldKind, ref: TagRef): Tag {
    if ('id' in ref) {
      const tag = this.byId(kind, ref.id);
      if (!tag) throw new Error(`tag ${ref.id} vanished between validation and write`);
      return tag;
    }
    return this.ensure(kind, ref.name);
  }

  /** The tag a reference names, without creating one. */
  find(kind: CustomFieldKind, ref: TagRef): Tag | undefined {
    return 'id' in ref ? this.byId(kind, ref.id) : this.byName(kind, ref.name);
  }
}
