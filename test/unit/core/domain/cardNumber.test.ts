import fixtures from '../../../fixtures/test-cards.json';
import { CARD_BRANDS, type CardBrand, isCardBrand } from '../../../../src/core/domain/cardBrand';
import { type CardNumberProblem, checkCardNumber, securityCodeLength } from '../../../../src/core/domain/cardNumber';

function fixtureBrand(brand: string): CardBrand {
  if (!isCardBrand(brand)) {
    throw new Error(`fixture lists an unknown brand: ${brand}`);
  }
  return brand;
}

// Keyed by the fixture's own explanation, so a new invalid entry without an expectation fails loudly.
const problemFor: Record<string, CardNumberProblem> = {
  'fails the Luhn check': 'luhn',
  'too short for a Visa card': 'length',
  'no known brand': 'unknownBrand',
};

describe('checkCardNumber', () => {
  describe.each(fixtures.cards)('fixture card $number', ({ number, brand }) => {
    const expected = fixtureBrand(brand);

    it(`is accepted as ${brand} with its last four digits and length`, () => {
      expect(checkCardNumber(number, CARD_BRANDS)).toEqual({
        ok: true,
        brand: expected,
        last4: number.slice(-4),
        length: number.length,
      });
    });

    it('asks for the security-code length of its brand', () => {
      expect(securityCodeLength(expected)).toBe(expected === 'american-express' ? 4 : 3);
    });
  });

  it.each(fixtures.invalid)('rejects fixture invalid number $number ($why)', ({ number, why }) => {
    const problem = problemFor[why];
    expect(problem).toBeDefined();
    expect(checkCardNumber(number, CARD_BRANDS)).toMatchObject({ ok: false, problem });
  });

  it('names the brand when a card is refused because its brand is not accepted', () => {
    expect(checkCardNumber('378282246310005', ['visa', 'mastercard'])).toEqual({
      ok: false,
      problem: 'brandNotAccepted',
      brand: 'american-express',
    });
  });

  it('recognises brands outside the usual list rather than calling them unknown', () => {
    expect(checkCardNumber('9792000000000003', ['visa'])).toEqual({
      ok: false,
      problem: 'brandNotAccepted',
      brand: 'troy',
    });
  });

  it('reports a mistyped digit before a refused brand', () => {
    expect(checkCardNumber('378282246310006', ['visa'])).toEqual({
      ok: false,
      problem: 'luhn',
      brand: 'american-express',
    });
  });

  it('reports a missing digit before a failed check digit', () => {
    expect(checkCardNumber('424242424242424', CARD_BRANDS)).toEqual({ ok: false, problem: 'length', brand: 'visa' });
  });

  it('reports a few digits of a known brand as too short, not as unreadable', () => {
    expect(checkCardNumber('4242', CARD_BRANDS)).toEqual({ ok: false, problem: 'length', brand: 'visa' });
  });

  it('applies the Luhn check to UnionPay cards too', () => {
    expect(checkCardNumber('6200000000000006', CARD_BRANDS)).toEqual({ ok: false, problem: 'luhn', brand: 'unionpay' });
  });

  it('accepts a 19-digit Visa number', () => {
    expect(checkCardNumber('4242424242424242428', ['visa'])).toMatchObject({ ok: true, brand: 'visa', length: 19 });
  });

  it.each([
    ['empty input', ''],
    ['letters', 'abc'],
    ['40 digits', '4'.repeat(40)],
    ['20 digits', '42424242424242424242'],
    ['a keypad star', '4242*'],
    ['a keypad hash', '4242424242424242#'],
    ['spaces between groups', '4242 4242 4242 4242'],
    ['non-ASCII digits', '４２４２４２４２４２４２４２４２'],
  ])('rejects %s as unreadable', (_label, input) => {
    expect(checkCardNumber(input, CARD_BRANDS)).toEqual({ ok: false, problem: 'format' });
  });
});

describe('securityCodeLength', () => {
  it('is 4 for American Express and 3 for the other brands', () => {
    for (const brand of CARD_BRANDS) {
      expect(securityCodeLength(brand)).toBe(brand === 'american-express' ? 4 : 3);
    }
  });
});
