/**
 * Leak scans for typed card data. A card number is long enough to look for anywhere. A security code or
 * an expiry is a few digits that timestamps (".447Z") and random ids or tokens (letters and digits
 * mixed) hold by chance, so the patterns for those are looked for once such text is taken out; a code
 * stored in clear stays visible, as a run of digits on its own.
 */
export function leaksIn(text: string, secrets: ReadonlyArray<string | RegExp>): string[] {
  const withoutChance = text
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g, '<time>')
    .replace(/[A-Za-z0-9_-]{12,}/g, (run) => (/[A-Za-z_-]/.test(run) && /\d/.test(run) ? '<id>' : run));
  return secrets.filter((secret) => (typeof secret === 'string' ? text.includes(secret) : secret.test(withoutChance))).map(String);
}
