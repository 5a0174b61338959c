import { abaChecksumValid, checkRoutingNumber } from '../../../../src/core/domain/routingNumber';

describe('routing number (ABA)', () => {
  it.each(['110000000', '021000021', '011401533', '091000019', '122105155'])('accepts the real or test routing number %s', (n) => {
    expect(checkRoutingNumber(n)).toEqual({ ok: true });
  });

  it('finds every single mistyped digit of a valid number', () => {
    const valid = '021000021';
    for (let i = 0; i < valid.length; i += 1) {
      for (let d = 0; d <= 9; d += 1) {
        if (String(d) === valid[i]) continue;
        const typo = valid.slice(0, i) + String(d) + valid.slice(i + 1);
        expect({ typo, check: checkRoutingNumber(typo) }).toEqual({ typo, check: { ok: false, problem: 'checksum' } });
      }
    }
  });

  it('names the problem: format, length, checksum', () => {
    expect(checkRoutingNumber('11000000x')).toEqual({ ok: false, problem: 'format' });
    expect(checkRoutingNumber('')).toEqual({ ok: false, problem: 'format' });
    expect(checkRoutingNumber('11000000')).toEqual({ ok: false, problem: 'length' });
    expect(checkRoutingNumber('1100000000')).toEqual({ ok: false, problem: 'length' });
    expect(checkRoutingNumber('110000001')).toEqual({ ok: false, problem: 'checksum' });
  });

  it('computes the weighted sum 3-7-1', () => {
    // 0·3+2·7+1·1+0·3+0·7+0·1+0·3+2·7+1·1 = 30
    expect(abaChecksumValid('021000021')).toBe(true);
    expect(abaChecksumValid('123456789')).toBe(false);
    expect(abaChecksumValid('12345678')).toBe(false);
  });
});
