import { generatePayCode, generatePaymentId, isPayCodeShape } from '../../../../src/core/domain/codes';

const DRAWS = 1000;

describe('generatePayCode', () => {
  it(`always has the pay-code shape over ${DRAWS} draws`, () => {
    for (let i = 0; i < DRAWS; i++) {
      const code = generatePayCode();
      expect(code).toMatch(/^[0-9]{6}$/);
      expect(isPayCodeShape(code)).toBe(true);
    }
  });

  it('keeps leading zeros instead of producing shorter codes', () => {
    const codes = Array.from({ length: DRAWS }, generatePayCode);
    expect(codes.every((code) => code.length === 6)).toBe(true);
    // Of 1000 uniform draws, about 100 start with 0; none doing so would mean zeros are lost.
    expect(codes.some((code) => code.startsWith('0'))).toBe(true);
  });

  it('varies from draw to draw', () => {
    const distinct = new Set(Array.from({ length: DRAWS }, generatePayCode));
    expect(distinct.size).toBeGreaterThan(DRAWS * 0.9);
  });
});

describe('isPayCodeShape', () => {
  it.each(['000000', '123456', '999999'])('accepts %s', (s) => {
    expect(isPayCodeShape(s)).toBe(true);
  });

  it.each(['', '12345', '1234567', '12345a', ' 123456', '123456\n', '１２３４５６', '12 456'])(
    'rejects %j',
    (s) => {
      expect(isPayCodeShape(s)).toBe(false);
    },
  );
});

describe('generatePaymentId', () => {
  it('is "pay_" and 24 URL-safe base32 characters', () => {
    for (let i = 0; i < 100; i++) {
      const id = generatePaymentId();
      expect(id).toMatch(/^pay_[a-z2-7]{24}$/);
      expect(encodeURIComponent(id)).toBe(id);
    }
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: DRAWS }, generatePaymentId));
    expect(ids.size).toBe(DRAWS);
  });

  it('uses the whole alphabet, so every character carries random bits', () => {
    const seen = new Set(Array.from({ length: 200 }, generatePaymentId).flatMap((id) => Array.from(id.slice(4))));
    expect(seen.size).toBe(32);
  });
});
