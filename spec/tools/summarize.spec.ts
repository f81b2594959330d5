/** The runner's summary: what it keeps, and that its note counts exactly what it cut. */
import { describeCuts, summarize, SummaryLimits } from '../../tools/summarize';

const limits: SummaryLimits = { maxArrayItems: 2, maxObjectKeys: 2, maxStringChars: 5, maxDepth: 2 };

describe('summarize', () => {
  it.each([
    ['a short value unchanged', { a: [1, 2], b: 'abc' }, { a: [1, 2], b: 'abc' }, undefined],
    ['a long array: first items and a count', [1, 2, 3, 4], [1, 2, '… 2 more items'], 'not shown are 2 array items (in 1 array)'],
    ['an object with many keys: first keys and a count', { a: 1, b: 2, c: 3 }, { a: 1, b: 2, '…': '1 more key' }, 'not shown are 1 object key (in 1 object)'],
    ['a long string: its start and a count', 'abcdefgh', 'abcde… (3 more characters)', 'not shown are 3 characters (of 1 long string)'],
    ['containers too deep: described, not shown', { a: { b: { c: 1 }, d: [1, 2] } }, { a: { b: '{… 1 key}', d: '[… 2 items]' } }, 'the contents of 2 containers nested too deep'],
  ])('%s', (_label, input, expected, note) => {
    const { value, cuts } = summarize(input, limits);
    expect(value).toEqual(expected);
    if (note === undefined) expect(describeCuts(cuts)).toBeUndefined();
    else expect(describeCuts(cuts)).toContain(note);
  });

  it('adds up the cuts of every place in one value', () => {
    const { cuts } = summarize({ a: [1, 2, 3], b: [4, 5, 6, 7], c: 'abcdefgh' }, { ...limits, maxObjectKeys: 5 });
    expect(describeCuts(cuts)).toBe('Summarised: not shown are 3 array items (in 2 arrays), 3 characters (of 1 long string). --full prints everything.');
  });
});
