import { displayPhoneNumber } from '../../../../src/core/domain/phoneNumber';

describe('a caller number as the agent reads it', () => {
  it('groups North American numbers and keeps other E.164 numbers whole', () => {
    expect(displayPhoneNumber('+14155550100')).toBe('+1 415 555 0100');
    expect(displayPhoneNumber('+442071838750')).toBe('+442071838750');
  });

  it('says so when the number is withheld or is not a phone number at all', () => {
    expect(displayPhoneNumber('+266696687')).toBe('Number withheld');
    expect(displayPhoneNumber('anonymous')).toBe('Number withheld');
    expect(displayPhoneNumber('')).toBe('Unknown number');
    expect(displayPhoneNumber(undefined)).toBe('Unknown number');
    expect(displayPhoneNumber('sip:<script>@example.com')).toBe('Unknown number');
  });
});
