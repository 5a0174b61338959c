/** An amount as people read it in their locale, e.g. "$12.34"; the currency code when Intl does not know it. */
export function formatMoney(amount: string, currency: string, locale: string): string {
  try {
    const digits = amount.includes('.') ? amount.split('.')[1]!.length : 0;
    return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}
