/** The PHP bracket encoder of webhook bodies, checked against Node's URLSearchParams (docs/kommo-fidelity.md, "Webhook deliveries"). */
import { encodeForm, formPairs } from '../formEncoding';

describe('encodeForm', () => {
  it('flattens nesting into bracket keys with arrays indexed from 0, every value a string', () => {
    const body = encodeForm({
      leads: { status: [{ id: 30267969, status_id: 142, custom_fields: [{ id: 7, values: [{ value: 'a b', enum: 3 }, 1615845600] }] }] },
      account: { id: 31000001, _links: { self: 'https://sandbox.kommo.com' } },
    });
    expect([...new URLSearchParams(body)]).toEqual([
      ['leads[status][0][id]', '30267969'],
      ['leads[status][0][status_id]', '142'],
      ['leads[status][0][custom_fields][0][id]', '7'],
      ['leads[status][0][custom_fields][0][values][0][value]', 'a b'],
      ['leads[status][0][custom_fields][0][values][0][enum]', '3'],
      ['leads[status][0][custom_fields][0][values][1]', '1615845600'],
      ['account[id]', '31000001'],
      ['account[_links][self]', 'https://sandbox.kommo.com'],
    ]);
  });

  it('percent-encodes brackets and sends spaces as +, like PHP', () => {
    expect(encodeForm({ a: { 'b c': 'd e&f' } })).toBe('a%5Bb+c%5D=d+e%26f');
  });

  it.each<[string, unknown, Array<[string, string]>]>([
    ['drops null', { a: null, b: 1 }, [['b', '1']]],
    ['drops undefined', { a: undefined }, []],
    ['casts true/false to 1/0', { yes: true, no: false }, [['yes', '1'], ['no', '0']]],
    ['keeps empty strings', { a: '' }, [['a', '']]],
    ['keeps fractional numbers', { price: 1999.99 }, [['price', '1999.99']]],
  ])('%s', (_case, value, pairs) => {
    expect(formPairs(value as Parameters<typeof formPairs>[0], '')).toEqual(pairs);
  });
});
