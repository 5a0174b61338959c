import { currencyMinorDigits, parseAmount, speakAmount } from '../../../../src/core/domain/money';

describe('currencyMinorDigits', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KWD', 3],
  ])('knows %s has %i decimal places', (currency, digits) => {
    expect(currencyMinorDigits(currency)).toBe(digits);
  });

  it.each(['XYZ', '', 'usd', 'DOLLARS', 'US'])('returns null for %j, which is not an ISO 4217 code', (currency) => {
    expect(currencyMinorDigits(currency)).toBeNull();
  });
});

describe('parseAmount', () => {
  it.each([
    ['12.34', 'USD', 1234, '12.34'],
    ['12.3', 'USD', 1230, '12.30'],
    ['12', 'USD', 1200, '12.00'],
    ['0.01', 'USD', 1, '0.01'],
    ['007.50', 'EUR', 750, '7.50'],
    ['500', 'JPY', 500, '500'],
    ['1.5', 'KWD', 1500, '1.500'],
    ['1.234', 'KWD', 1234, '1.234'],
  ])('reads %s %s as %i minor units, normalized to %s', (amount, currency, minor, normalized) => {
    expect(parseAmount(amount, currency)).toEqual({ ok: true, minor, normalized });
  });

  it('computes minor units exactly where floating point would not', () => {
    // 1.15 * 100 is 114.99999999999999 in binary floating point.
    expect(parseAmount('1.15', 'USD')).toEqual({ ok: true, minor: 115, normalized: '1.15' });
    expect(parseAmount('9999999.99', 'USD')).toEqual({ ok: true, minor: 999_999_999, normalized: '9999999.99' });
  });

  it('accepts exactly 1,000,000,000 minor units', () => {
    expect(parseAmount('10000000.00', 'USD')).toEqual({ ok: true, minor: 1_000_000_000, normalized: '10000000.00' });
    expect(parseAmount('1000000000', 'JPY')).toEqual({ ok: true, minor: 1_000_000_000, normalized: '1000000000' });
  });

  it.each([
    ['zero', '0', 'USD'],
    ['zero with decimals', '0.00', 'USD'],
    ['a negative amount', '-1', 'USD'],
    ['an explicit plus sign', '+1', 'USD'],
    ['an exponent', '1e3', 'USD'],
    ['three decimals for USD', '12.345', 'USD'],
    ['any decimals for JPY', '12.5', 'JPY'],
    ['four decimals for KWD', '1.2345', 'KWD'],
    ['a leading space', ' 12', 'USD'],
    ['a trailing space', '12 ', 'USD'],
    ['a trailing point', '12.', 'USD'],
    ['a leading point', '.5', 'USD'],
    ['a comma', '1,000', 'USD'],
    ['an empty string', '', 'USD'],
    ['hexadecimal', '0x10', 'USD'],
    ['Infinity', 'Infinity', 'USD'],
    ['one minor unit over the limit', '10000000.01', 'USD'],
    ['a huge amount', '99999999999999999999', 'USD'],
    ['a huge amount with leading zeros', `${'0'.repeat(50)}99999999999`, 'JPY'],
    ['an absurdly long number', '9'.repeat(100_000), 'USD'],
    ['an unknown currency', '12.34', 'XYZ'],
  ])('rejects %s', (_label, amount, currency) => {
    const result = parseAmount(amount, currency);
    expect(result.ok).toBe(false);
    expect(result).toEqual({ ok: false, message: expect.any(String) });
  });

  it('names the currency when the amount has too many decimal places', () => {
    expect(parseAmount('12.345', 'USD')).toEqual({ ok: false, message: expect.stringContaining('USD') });
  });

  it('names the unknown currency', () => {
    expect(parseAmount('12.34', 'XYZ')).toEqual({ ok: false, message: expect.stringContaining('XYZ') });
  });
});

describe('speakAmount', () => {
  it.each([
    ['12.34', 'USD', '12 dollars and 34 cents'],
    ['1', 'USD', '1 dollar'],
    ['1.01', 'USD', '1 dollar and 1 cent'],
    ['0.50', 'USD', '50 cents'],
    ['12.30', 'USD', '12 dollars and 30 cents'],
    ['20.00', 'USD', '20 dollars'],
    ['1250', 'USD', '1,250 dollars'],
    ['12.34', 'EUR', '12 euros and 34 cents'],
    ['1.01', 'GBP', '1 pound and 1 penny'],
    ['12.34', 'GBP', '12 pounds and 34 pence'],
    ['12.34', 'CAD', '12 Canadian dollars and 34 cents'],
    ['500', 'JPY', '500 yen'],
    ['1', 'JPY', '1 yen'],
  ])('says %s %s in en-US as "%s"', (amount, currency, phrase) => {
    expect(speakAmount(amount, currency, 'en-US')).toBe(phrase);
  });

  it.each([
    ['12.34', 'USD', '12 dólares con 34 centavos'],
    ['1', 'USD', '1 dólar'],
    ['1.01', 'USD', '1 dólar con 1 centavo'],
    ['0.50', 'USD', '50 centavos'],
    ['1000000', 'USD', '1,000,000 de dólares'],
    ['12.34', 'EUR', '12 euros con 34 céntimos'],
    ['12.34', 'GBP', '12 libras esterlinas con 34 peniques'],
    ['12.34', 'CAD', '12 dólares canadienses con 34 centavos'],
    ['500', 'JPY', '500 yenes'],
    ['1', 'JPY', '1 yen'],
  ])('says %s %s in es-US as "%s"', (amount, currency, phrase) => {
    expect(speakAmount(amount, currency, 'es-US')).toBe(phrase);
  });

  it('uses the locale language for regional variants too', () => {
    expect(speakAmount('2', 'USD', 'en-GB')).toBe('2 dollars');
    expect(speakAmount('2', 'USD', 'es-MX')).toBe('2 dólares');
  });

  it('falls back to the currency name Intl gives for currencies without a dedicated wording', () => {
    expect(speakAmount('12.34', 'MXN', 'en-US')).toBe('12.34 Mexican pesos');
    expect(speakAmount('12.34', 'MXN', 'es-US')).toBe('12.34 pesos mexicanos');
    expect(speakAmount('1.234', 'KWD', 'en-US')).toBe('1.234 Kuwaiti dinars');
  });

  it('falls back to Intl for languages without a dedicated wording', () => {
    expect(speakAmount('12.34', 'EUR', 'fr-FR')).toBe(
      new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR', currencyDisplay: 'name' }).format(12.34),
    );
  });

  it('refuses an amount that does not parse', () => {
    expect(() => speakAmount('12.345', 'USD', 'en-US')).toThrow(RangeError);
    expect(() => speakAmount('12', 'XYZ', 'en-US')).toThrow(RangeError);
  });
});
