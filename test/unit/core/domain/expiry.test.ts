import { checkExpiry } from '../../../../src/core/domain/expiry';

const midJune2025 = new Date(Date.UTC(2025, 5, 15, 12, 0, 0));
const lastSecondOf2025 = new Date(Date.UTC(2025, 11, 31, 23, 59, 59));
const firstSecondOf2026 = new Date(Date.UTC(2026, 0, 1, 0, 0, 0));

describe('checkExpiry', () => {
  it('accepts the current month, since a card is valid through the end of it', () => {
    expect(checkExpiry('0625', midJune2025, 20)).toEqual({ ok: true, month: 6, year: 2025 });
  });

  it('rejects last month as expired', () => {
    expect(checkExpiry('0525', midJune2025, 20)).toEqual({ ok: false, problem: 'expired' });
  });

  it('accepts a later month of this year and returns a four-digit year', () => {
    expect(checkExpiry('1127', midJune2025, 20)).toEqual({ ok: true, month: 11, year: 2027 });
  });

  it.each(['0025', '1325', '9925'])('rejects month %s', (mmyy) => {
    expect(checkExpiry(mmyy, midJune2025, 20)).toEqual({ ok: false, problem: 'month' });
  });

  it.each([
    ['a slash', '12/3'],
    ['letters', 'abcd'],
    ['empty input', ''],
    ['three digits', '625'],
    ['five digits', '06250'],
    ['a four-digit year', '062025'],
    ['non-ASCII digits', '０６２５'],
  ])('rejects %s as unreadable', (_label, mmyy) => {
    expect(checkExpiry(mmyy, midJune2025, 20)).toEqual({ ok: false, problem: 'format' });
  });

  describe('years-ahead window', () => {
    it('accepts a card exactly maxYearsAhead years ahead', () => {
      expect(checkExpiry('0645', midJune2025, 20)).toEqual({ ok: true, month: 6, year: 2045 });
    });

    it('rejects a card one month beyond maxYearsAhead years', () => {
      expect(checkExpiry('0745', midJune2025, 20)).toEqual({ ok: false, problem: 'tooFarAhead' });
    });

    it('with no years ahead allowed, accepts only the rest of the current month', () => {
      expect(checkExpiry('0625', midJune2025, 0)).toEqual({ ok: true, month: 6, year: 2025 });
      expect(checkExpiry('0725', midJune2025, 0)).toEqual({ ok: false, problem: 'tooFarAhead' });
    });

    it('reads a year far beyond the window as too far ahead rather than a century ago', () => {
      expect(checkExpiry('0160', midJune2025, 20)).toEqual({ ok: false, problem: 'tooFarAhead' });
    });

    it('reads a year nearer the past century as expired', () => {
      expect(checkExpiry('0199', midJune2025, 20)).toEqual({ ok: false, problem: 'expired' });
    });

    it('maps two-digit years into the next century when that is nearer', () => {
      expect(checkExpiry('0101', new Date(Date.UTC(2098, 6, 1)), 20)).toEqual({ ok: true, month: 1, year: 2101 });
    });

    it('refuses a negative or fractional maxYearsAhead', () => {
      expect(() => checkExpiry('0625', midJune2025, -1)).toThrow(RangeError);
      expect(() => checkExpiry('0625', midJune2025, 1.5)).toThrow(RangeError);
    });
  });

  describe('December to January', () => {
    it('on the last second of December, accepts December and next January', () => {
      expect(checkExpiry('1225', lastSecondOf2025, 20)).toEqual({ ok: true, month: 12, year: 2025 });
      expect(checkExpiry('0126', lastSecondOf2025, 20)).toEqual({ ok: true, month: 1, year: 2026 });
      expect(checkExpiry('1125', lastSecondOf2025, 20)).toEqual({ ok: false, problem: 'expired' });
    });

    it('on the first second of January, rejects the December just gone', () => {
      expect(checkExpiry('1225', firstSecondOf2026, 20)).toEqual({ ok: false, problem: 'expired' });
      expect(checkExpiry('0126', firstSecondOf2026, 20)).toEqual({ ok: true, month: 1, year: 2026 });
    });

    it('in December, the window ends in December of the last allowed year', () => {
      expect(checkExpiry('1245', lastSecondOf2025, 20)).toEqual({ ok: true, month: 12, year: 2045 });
      expect(checkExpiry('0146', lastSecondOf2025, 20)).toEqual({ ok: false, problem: 'tooFarAhead' });
    });

    it('in January, the window ends in January of the last allowed year', () => {
      expect(checkExpiry('0146', firstSecondOf2026, 20)).toEqual({ ok: true, month: 1, year: 2046 });
      expect(checkExpiry('0246', firstSecondOf2026, 20)).toEqual({ ok: false, problem: 'tooFarAhead' });
    });

    it('goes by the UTC date even where local time is still December', () => {
      const justAfterUtcMidnight = new Date(Date.UTC(2026, 0, 1, 0, 30));
      // What the local-time getters return on a server west of Greenwich at that instant.
      Object.assign(justAfterUtcMidnight, { getFullYear: () => 2025, getMonth: () => 11, getDate: () => 31 });
      expect(checkExpiry('1225', justAfterUtcMidnight, 20)).toEqual({ ok: false, problem: 'expired' });
    });
  });
});
