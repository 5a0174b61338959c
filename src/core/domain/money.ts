export type AmountCheck = { ok: true; minor: number; normalized: string } | { ok: false; message: string };

const MAX_MINOR_UNITS = 1_000_000_000n;

let isoCurrencies: ReadonlySet<string> | undefined;
const numberFormats = new Map<string, Intl.NumberFormat>();
const minorDigitsByCurrency = new Map<string, number>();

/** Intl.NumberFormat is costly to build and every webhook speaks an amount: keep one per use. */
function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `${locale}|${options.style ?? ''}|${options.currency ?? ''}|${options.currencyDisplay ?? ''}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
}

/** Decimal places of an ISO 4217 currency (JPY 0, USD 2, KWD 3), or null when the code is not one. */
export function currencyMinorDigits(currency: string): number | null {
  // Codes are matched exactly as ISO 4217 writes them: Intl itself would also take "usd", and
  // quietly accepting a lowercase code here would let inconsistent codes reach the processor.
  isoCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  if (!isoCurrencies.has(currency)) {
    return null;
  }
  let digits = minorDigitsByCurrency.get(currency);
  if (digits === undefined) {
    digits = numberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    minorDigitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** Parses a decimal amount such as "12.34" into the currency's minor units and its canonical form. */
export function parseAmount(amount: string, currency: string): AmountCheck {
  const digits = currencyMinorDigits(currency);
  if (digits === null) {
    return { ok: false, message: `unknown currency ${JSON.stringify(currency)}; expected an ISO 4217 code such as USD` };
  }
  const match = /^([0-9]+)(?:\.([0-9]+))?$/.exec(amount);
  if (match === null) {
    return { ok: false, message: 'amount must be a plain decimal number such as 12.34 (no sign, exponent or spaces)' };
  }
  const whole = (match[1] ?? '').replace(/^0+(?=[0-9])/, '');
  const fraction = match[2] ?? '';
  if (fraction.length > digits) {
    return {
      ok: false,
      message:
        digits === 0
          ? `${currency} amounts have no decimal places`
          : `${currency} amounts have at most ${digits} decimal place${digits === 1 ? '' : 's'}`,
    };
  }
  const tooLarge = `amount must be at most ${formatMinor(MAX_MINOR_UNITS, digits)} ${currency}`;
  // Checked before BigInt sees the digits, so an absurdly long string is rejected without big-number parsing.
  if (whole.length > String(MAX_MINOR_UNITS).length) {
    return { ok: false, message: tooLarge };
  }
  // BigInt keeps the arithmetic exact: binary floating point cannot hold most decimal fractions.
  const minor = BigInt(whole + fraction.padEnd(digits, '0'));
  if (minor === 0n) {
    return { ok: false, message: 'amount must be greater than zero' };
  }
  if (minor > MAX_MINOR_UNITS) {
    return { ok: false, message: tooLarge };
  }
  return { ok: true, minor: Number(minor), normalized: formatMinor(minor, digits) };
}

function formatMinor(minor: bigint, digits: number): string {
  if (digits === 0) {
    return minor.toString();
  }
  const scale = 10n ** BigInt(digits);
  return `${minor / scale}.${(minor % scale).toString().padStart(digits, '0')}`;
}

type Wording = {
  major: [singular: string, plural: string];
  minor?: [singular: string, plural: string];
};

type Language = 'en' | 'es';

// Intl's currency names ("12.34 US dollars") make a speech engine say "point three four"; these read
// as people say amounts. USD is plain "dollars" because callers dial a US gateway; other dollars
// say whose they are.
const WORDINGS: Record<Language, Record<string, Wording>> = {
  en: {
    USD: { major: ['dollar', 'dollars'], minor: ['cent', 'cents'] },
    EUR: { major: ['euro', 'euros'], minor: ['cent', 'cents'] },
    GBP: { major: ['pound', 'pounds'], minor: ['penny', 'pence'] },
    CAD: { major: ['Canadian dollar', 'Canadian dollars'], minor: ['cent', 'cents'] },
    JPY: { major: ['yen', 'yen'] },
  },
  es: {
    USD: { major: ['dólar', 'dólares'], minor: ['centavo', 'centavos'] },
    EUR: { major: ['euro', 'euros'], minor: ['céntimo', 'céntimos'] },
    GBP: { major: ['libra esterlina', 'libras esterlinas'], minor: ['penique', 'peniques'] },
    CAD: { major: ['dólar canadiense', 'dólares canadienses'], minor: ['centavo', 'centavos'] },
    JPY: { major: ['yen', 'yenes'] },
  },
};

const JOINERS: Record<Language, string> = { en: 'and', es: 'con' };

function isLanguage(language: string): language is Language {
  return language === 'en' || language === 'es';
}

/** Spoken amounts already worked out, by amount, currency and locale: a call speaks its amount on many turns. */
const spokenAmounts = new Map<string, string>();
/** About as many as the payments in live calls; past it the oldest is dropped. */
const SPOKEN_AMOUNTS_KEPT = 1024;

/** Words for an amount that a text-to-speech engine reads naturally, e.g. "12 dollars and 34 cents". */
export function speakAmount(amount: string, currency: string, locale: string): string {
  // Parsing the amount and the locale (Intl.Locale) cost more than the rest of a prompt's rendering;
  // the words depend on the three strings alone.
  const key = `${amount}|${currency}|${locale}`;
  let spoken = spokenAmounts.get(key);
  if (spoken === undefined) {
    spoken = wordsForAmount(amount, currency, locale);
    if (spokenAmounts.size >= SPOKEN_AMOUNTS_KEPT) spokenAmounts.delete(spokenAmounts.keys().next().value as string);
    spokenAmounts.set(key, spoken);
  }
  return spoken;
}

function wordsForAmount(amount: string, currency: string, locale: string): string {
  const parsed = parseAmount(amount, currency);
  if (!parsed.ok) {
    throw new RangeError(`cannot speak amount ${JSON.stringify(amount)} ${currency}: ${parsed.message}`);
  }
  const language = new Intl.Locale(locale).language;
  const wording = isLanguage(language) ? WORDINGS[language][currency] : undefined;
  const digits = currencyMinorDigits(currency) ?? 0;
  const scale = 10 ** digits;
  const major = Math.floor(parsed.minor / scale);
  const minor = parsed.minor % scale;
  if (!isLanguage(language) || wording === undefined || (minor !== 0 && wording.minor === undefined)) {
    // Exact despite the Number: amounts are capped at 10^9 minor units, well inside a double's 15
    // significant digits.
    return numberFormat(locale, { style: 'currency', currency, currencyDisplay: 'name' }).format(
      Number(parsed.normalized),
    );
  }

  const count = (n: number, [singular, plural]: [string, string]): string => {
    // Spanish puts "de" between round millions and the noun: "1,000,000 de dólares".
    const de = language === 'es' && n >= 1_000_000 && n % 1_000_000 === 0 ? 'de ' : '';
    return `${numberFormat(locale).format(n)} ${de}${n === 1 ? singular : plural}`;
  };
  if (minor === 0 || wording.minor === undefined) {
    return count(major, wording.major);
  }
  if (major === 0) {
    return count(minor, wording.minor);
  }
  return `${count(major, wording.major)} ${JOINERS[language]} ${count(minor, wording.minor)}`;
}
