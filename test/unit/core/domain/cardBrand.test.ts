import creditCardType from 'credit-card-type';
import { CARD_BRANDS, isCardBrand } from '../../../../src/core/domain/cardBrand';

describe('CardBrand', () => {
  it('covers every brand credit-card-type can report', () => {
    expect([...CARD_BRANDS].sort()).toEqual(Object.values(creditCardType.types).sort());
  });

  it('tells gateway brands from other strings', () => {
    expect(isCardBrand('american-express')).toBe(true);
    expect(isCardBrand('amex')).toBe(false);
    expect(isCardBrand('')).toBe(false);
  });
});
