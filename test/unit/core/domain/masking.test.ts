import { CARD_BRANDS } from '../../../../src/core/domain/cardBrand';
import { brandDisplayName, maskedCard, speakDigits, speakReference } from '../../../../src/core/domain/masking';

describe('brandDisplayName', () => {
  it.each([
    ['visa', 'Visa'],
    ['mastercard', 'Mastercard'],
    ['american-express', 'American Express'],
    ['discover', 'Discover'],
    ['diners-club', 'Diners Club'],
    ['jcb', 'JCB'],
    ['unionpay', 'UnionPay'],
  ] as const)('names %s as "%s"', (brand, name) => {
    expect(brandDisplayName(brand)).toBe(name);
  });

  it('has a human name, not an identifier, for every brand', () => {
    for (const brand of CARD_BRANDS) {
      expect(brandDisplayName(brand)).toMatch(/^[A-Z]/);
    }
  });
});

describe('maskedCard', () => {
  it('shows the brand and only the last four digits', () => {
    expect(maskedCard('visa', '4242')).toBe('Visa •••• 4242');
    expect(maskedCard('american-express', '0005')).toBe('American Express •••• 0005');
  });

  it('never shows more than four digits, even when handed a whole number', () => {
    const masked = maskedCard('visa', '4242424242424242');
    expect(masked).toBe('Visa •••• 4242');
    expect(masked).not.toMatch(/[0-9]{5}/);
  });
});

describe('speakDigits', () => {
  it('separates digits so speech reads them one by one', () => {
    expect(speakDigits('1234')).toBe('1, 2, 3, 4');
  });

  it('keeps leading zeros', () => {
    expect(speakDigits('007')).toBe('0, 0, 7');
  });

  it('leaves a single digit alone and an empty string empty', () => {
    expect(speakDigits('5')).toBe('5');
    expect(speakDigits('')).toBe('');
  });
});

describe('speakReference', () => {
  it('reads the gateway\'s 8-digit reference as two groups of four', () => {
    expect(speakReference('12345678')).toBe('1, 2, 3, 4. 5, 6, 7, 8');
  });

  it('reads a reference of another shape (an earlier release\'s processor id) one character at a time', () => {
    expect(speakReference('0123456789')).toBe('0, 1, 2, 3, 4, 5, 6, 7, 8, 9');
  });
});
