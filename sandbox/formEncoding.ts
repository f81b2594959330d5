/**
 * PHP-style form encoding, the way Kommo sends webhook deliveries (docs/kommo-fidelity.md,
 * "Webhook deliveries as Kommo sends them"; docs/kommo-api.md §9): nested keys in brackets
 * (`leads[add][0][custom_fields][0][values][0][value]`), arrays indexed from 0, and every value a
 * string. This is the sandbox's encoder only; specs decode with `URLSearchParams`, never with a
 * second bracket parser that could share its mistakes.
 */

/** A value the encoder accepts: scalars, arrays and plain objects, nested freely. */
export type FormValue = string | number | boolean | null | undefined | readonly FormValue[] | { readonly [key: string]: FormValue };

/**
 * The flat `[key, value]` pairs of `value`, in insertion order. `null` and `undefined` leave the
 * key out (PHP's `http_build_query` drops nulls); `true`/`false` become `"1"`/`"0"` as PHP casts
 * them; numbers become their decimal string.
 */
export function formPairs(value: FormValue, prefix: string): Array<[string, string]> {
  if (value === null || value === undefined) return [];
  if (typeof value === 'boolean') return [[prefix, value ? '1' : '0']];
  if (typeof value === 'number' || typeof value === 'string') return [[prefix, String(value)]];
  const entries: Array<[string, FormValue]> = Array.isArray(value)
    ? value.map((item: FormValue, index: number): [string, FormValue] => [String(index), item])
    : Object.entries(value as { readonly [key: string]: FormValue });
  return entries.flatMap(([key, item]) => formPairs(item, prefix === '' ? key : `${prefix}[${key}]`));
}

/**
 * The `application/x-www-form-urlencoded` body of a record whose top-level keys are the
 * outermost names (`leads`, `account`). Brackets are percent-encoded and spaces become `+`, as
 * PHP's default RFC 1738 encoding does.
 */
export function encodeForm(record: { readonly [key: string]: FormValue }): string {
  return new URLSearchParams(formPairs(record, '')).toString();
}
