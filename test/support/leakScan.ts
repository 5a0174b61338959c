import { createHash } from 'node:crypto';

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

/**
 * What to look for so a test proves that no billing postal code it typed was kept or echoed: the code
 * as a value (a JSON string or number, util.inspect, a form field or query string; a bare run of five
 * digits also sits inside ids and amounts by chance), and its SHA-256 in hex and base64, the shapes
 * a "hashed, so harmless" log line or key would hold. A postal code is a short guessable number: its
 * hash hides nothing.
 */
export function postalCodeSecrets(codes: readonly string[]): Array<string | RegExp> {
  return codes.flatMap((code) => {
    const digest = createHash('sha256').update(code, 'utf8');
    const hex = digest.copy().digest('hex');
    const base64 = digest.digest('base64');
    return [
      new RegExp([`"${code}"`, `'${code}'`, `(?:Digits|postalCode|postal_code\\]?)=${code}(?![0-9])`, `"[A-Za-z_]+"\\s*:\\s*${code}(?![0-9.])`].join('|')),
      hex,
      base64,
    ];
  });
}

/**
 * What to look for so a test proves that no routing or account number it typed was kept or echoed:
 * the number as a run of digits of its own (not inside a longer one), and its SHA-256 in hex and
 * base64, which a "hashed, so harmless" key or log line would hold. Account numbers have no check
 * digit and routing numbers are published: their hashes are reversed by trying them all.
 */
export function bankNumberSecrets(numbers: readonly string[]): Array<string | RegExp> {
  return numbers.flatMap((number) => {
    const digest = createHash('sha256').update(number, 'utf8');
    const hex = digest.copy().digest('hex');
    const base64 = digest.digest('base64');
    return [new RegExp(`(?<![0-9])${number}(?![0-9])`), hex, base64];
  });
}
