export type ExpiryProblem = 'format' | 'month' | 'expired' | 'tooFarAhead';

export type ExpiryCheck = { ok: true; month: number; year: number } | { ok: false; problem: ExpiryProblem };

/** Checks a keyed-in MMYY expiry against `now` (UTC): valid through the end of its month, at most `maxYearsAhead` years away. */
export function checkExpiry(mmyy: string, now: Date, maxYearsAhead: number): ExpiryCheck {
  if (!Number.isInteger(maxYearsAhead) || maxYearsAhead < 0) {
    throw new RangeError(`maxYearsAhead must be a non-negative integer, got ${maxYearsAhead}`);
  }
  if (!/^[0-9]{4}$/.test(mmyy)) {
    return { ok: false, problem: 'format' };
  }
  const month = Number(mmyy.slice(0, 2));
  const twoDigitYear = Number(mmyy.slice(2));
  if (month < 1 || month > 12) {
    return { ok: false, problem: 'month' };
  }

  // Dates are compared as month counts: a card is good through the last day of its month, so the
  // day of the month never matters.
  const nowIndex = now.getUTCFullYear() * 12 + now.getUTCMonth();
  const lastIndex = nowIndex + maxYearsAhead * 12;
  const indexOf = (year: number): number => year * 12 + (month - 1);

  const century = Math.floor(now.getUTCFullYear() / 100) * 100;
  const candidates = [century - 100, century, century + 100].map((base) => base + twoDigitYear);
  const inWindow = candidates.find((year) => indexOf(year) >= nowIndex && indexOf(year) <= lastIndex);
  // Outside the window the nearest reading decides whether the caller hears "expired" or "too far
  // ahead"; on a tie the later one wins, as cards are issued for the future.
  const year =
    inWindow ??
    candidates.reduce((best, candidate) =>
      Math.abs(indexOf(candidate) - nowIndex) <= Math.abs(indexOf(best) - nowIndex) ? candidate : best,
    );

  if (indexOf(year) < nowIndex) {
    return { ok: false, problem: 'expired' };
  }
  if (indexOf(year) > lastIndex) {
    return { ok: false, problem: 'tooFarAhead' };
  }
  return { ok: true, month, year };
}
