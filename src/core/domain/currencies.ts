/**
 * The currencies a payment may be taken in: ISO 4217's current codes for money in circulation,
 * with the number of decimals ISO 4217 gives each (its "minor unit"). Left out on purpose: fund
 * codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW), precious metals (XAU, XAG, XPD, XPT),
 * supranational units of account (XDR, XSU, XUA, XBA…XBD), the test codes (XTS, XXX) and
 * withdrawn currencies (HRK, CUC, SLL, ZWL, ANG, VEF, BYR, MRO, STD, LTL…): none of them is
 * something a caller pays a merchant in, and a processor would refuse them or, worse, take them.
 */
const ZERO_DECIMALS = ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'];
const THREE_DECIMALS = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
const TWO_DECIMALS = [
  'AED', 'AFN', 'ALL', 'AMD', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN', 'BAM', 'BBD', 'BDT', 'BGN', 'BMD', 'BND', 'BOB',
  'BRL', 'BSD', 'BTN', 'BWP', 'BYN', 'BZD', 'CAD', 'CDF', 'CHF', 'CNY', 'COP', 'CRC', 'CUP', 'CVE', 'CZK', 'DKK',
  'DOP', 'DZD', 'EGP', 'ERN', 'ETB', 'EUR', 'FJD', 'FKP', 'GBP', 'GEL', 'GHS', 'GIP', 'GMD', 'GTQ', 'GYD', 'HKD',
  'HNL', 'HTG', 'HUF', 'IDR', 'ILS', 'INR', 'IRR', 'JMD', 'KES', 'KGS', 'KHR', 'KPW', 'KYD', 'KZT', 'LAK', 'LBP',
  'LKR', 'LRD', 'LSL', 'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU', 'MUR', 'MVR', 'MWK', 'MXN', 'MYR',
  'MZN', 'NAD', 'NGN', 'NIO', 'NOK', 'NPR', 'NZD', 'PAB', 'PEN', 'PGK', 'PHP', 'PKR', 'PLN', 'QAR', 'RON', 'RSD',
  'RUB', 'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD', 'SHP', 'SLE', 'SOS', 'SRD', 'SSP', 'STN', 'SVC', 'SYP', 'SZL',
  'THB', 'TJS', 'TMT', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS', 'UAH', 'USD', 'UYU', 'UZS', 'VED', 'VES', 'WST', 'XCD',
  'XCG', 'YER', 'ZAR', 'ZMW', 'ZWG',
];

const ISO_DECIMALS: ReadonlyMap<string, number> = new Map([
  ...ZERO_DECIMALS.map((c) => [c, 0] as const),
  ...TWO_DECIMALS.map((c) => [c, 2] as const),
  ...THREE_DECIMALS.map((c) => [c, 3] as const),
]);

/** Whether payments may be taken in this code (exactly as ISO 4217 writes it, upper case). */
export function isPaymentCurrency(currency: string): boolean {
  return ISO_DECIMALS.has(currency);
}

/** ISO 4217's decimals for a payment currency (HUF 2, ISK 0, KWD 3), or null for any other code. */
export function isoDecimals(currency: string): number | null {
  return ISO_DECIMALS.get(currency) ?? null;
}

/** Why a code is not taken, in words for an API error or an agent. */
export function currencyRefusal(currency: string): string {
  return `${currency} is not a currency payments are taken in (fund codes, precious metals, units of account, test codes and withdrawn currencies are refused)`;
}
