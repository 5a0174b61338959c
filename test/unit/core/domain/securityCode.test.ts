import { checkSecurityCode } from '../../../../src/core/domain/securityCode';

describe('checkSecurityCode', () => {
  it('accepts four digits for American Express', () => {
    expect(checkSecurityCode('1234', 'american-express')).toEqual({ ok: true });
  });

  it('asks American Express callers for four digits when they enter three', () => {
    expect(checkSecurityCode('123', 'american-express')).toEqual({ ok: false, problem: 'length', expectedLength: 4 });
  });

  it('accepts three digits for Visa, including a leading zero', () => {
    expect(checkSecurityCode('123', 'visa')).toEqual({ ok: true });
    expect(checkSecurityCode('012', 'visa')).toEqual({ ok: true });
  });

  it.each(['12', '1234'])('asks Visa callers for three digits when they enter %s', (code) => {
    expect(checkSecurityCode(code, 'visa')).toEqual({ ok: false, problem: 'length', expectedLength: 3 });
  });

  it.each([
    ['empty input', ''],
    ['letters', 'abc'],
    ['a keypad star', '12*'],
    ['spaces', '1 2 3'],
  ])('rejects %s as unreadable and still says how many digits are expected', (_label, code) => {
    expect(checkSecurityCode(code, 'visa')).toEqual({ ok: false, problem: 'format', expectedLength: 3 });
  });
});
