/**
 * Shortens a JSON value for the terminal and counts exactly what it left out, so the runner can
 * say what was cut instead of chopping text mid-token.
 */

/** How much of a value is shown. */
export interface SummaryLimits {
  maxArrayItems: number;
  maxObjectKeys: number;
  maxStringChars: number;
  /** Containers nested deeper than this are replaced by a one-line description. */
  maxDepth: number;
}

/** What {@link summarize} left out. */
export interface Cuts {
  arrays: number;
  hiddenItems: number;
  objects: number;
  hiddenKeys: number;
  strings: number;
  hiddenChars: number;
  deepContainers: number;
}

export const DEFAULT_LIMITS: SummaryLimits = { maxArrayItems: 3, maxObjectKeys: 30, maxStringChars: 200, maxDepth: 12 };

/** `1 item`, `2 items`. */
const count = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Nothing cut (a full print, or a start for {@link addCuts}). */
export const noCuts = (): Cuts => ({ arrays: 0, hiddenItems: 0, objects: 0, hiddenKeys: 0, strings: 0, hiddenChars: 0, deepContainers: 0 });

/** A copy of `value` within `limits`; cut places carry a marker string ("… 45 more items"). */
export function summarize(value: unknown, limits: SummaryLimits = DEFAULT_LIMITS): { value: unknown; cuts: Cuts } {
  const cuts = noCuts();
  const walk = (node: unknown, depth: number): unknown => {
    if (typeof node === 'string') {
      if (node.length <= limits.maxStringChars) return node;
      cuts.strings += 1;
      cuts.hiddenChars += node.length - limits.maxStringChars;
      return `${node.slice(0, limits.maxStringChars)}… (${node.length - limits.maxStringChars} more characters)`;
    }
    if (typeof node !== 'object' || node === null) return node;
    if (depth >= limits.maxDepth) {
      cuts.deepContainers += 1;
      return Array.isArray(node) ? `[… ${count(node.length, 'item')}]` : `{… ${count(Object.keys(node).length, 'key')}}`;
    }
    if (Array.isArray(node)) {
      const shown = node.slice(0, limits.maxArrayItems).map((item) => walk(item, depth + 1));
      if (node.length > limits.maxArrayItems) {
        cuts.arrays += 1;
        cuts.hiddenItems += node.length - limits.maxArrayItems;
        shown.push(`… ${count(node.length - limits.maxArrayItems, 'more item')}`);
      }
      return shown;
    }
    const entries = Object.entries(node);
    const shown: Record<string, unknown> = {};
    for (const [key, item] of entries.slice(0, limits.maxObjectKeys)) shown[key] = walk(item, depth + 1);
    if (entries.length > limits.maxObjectKeys) {
      cuts.objects += 1;
      cuts.hiddenKeys += entries.length - limits.maxObjectKeys;
      shown['…'] = count(entries.length - limits.maxObjectKeys, 'more key');
    }
    return shown;
  };
  return { value: walk(value, 0), cuts };
}

/** Adds up the cuts of several summaries. */
export function addCuts(total: Cuts, more: Cuts): Cuts {
  const sum = noCuts();
  for (const key of Object.keys(sum) as Array<keyof Cuts>) sum[key] = total[key] + more[key];
  return sum;
}

/** One sentence on what was cut, or undefined when nothing was. */
export function describeCuts(cuts: Cuts): string | undefined {
  const parts: string[] = [];
  if (cuts.arrays > 0) parts.push(`${count(cuts.hiddenItems, 'array item')} (in ${count(cuts.arrays, 'array')})`);
  if (cuts.objects > 0) parts.push(`${count(cuts.hiddenKeys, 'object key')} (in ${count(cuts.objects, 'object')})`);
  if (cuts.strings > 0) parts.push(`${count(cuts.hiddenChars, 'character')} (of ${count(cuts.strings, 'long string')})`);
  if (cuts.deepContainers > 0) parts.push(`the contents of ${count(cuts.deepContainers, 'container')} nested too deep for the summary`);
  return parts.length > 0 ? `Summarised: not shown are ${parts.join(', ')}. --full prints everything.` : undefined;
}
