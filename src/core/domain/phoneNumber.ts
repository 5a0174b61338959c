/** What Twilio sends as `From` when the caller withheld or has no caller ID. */
const WITHHELD = new Set(['+266696687', '+7378742833', '+2562533', '+8656696', '+86282452253', 'anonymous', 'restricted', 'unavailable']);

/**
 * A caller's number as an agent reads it: North American numbers grouped (`+1 415 555 0100`),
 * other E.164 numbers as they are, and words for a withheld or missing one. Never anything else a
 * `From` field might carry (SIP addresses, client names), which could be arbitrary text.
 */
export function displayPhoneNumber(raw: string | null | undefined): string {
  const value = (raw ?? '').trim();
  if (WITHHELD.has(value.toLowerCase())) return 'Number withheld';
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(value);
  if (nanp) return `+1 ${nanp[1]} ${nanp[2]} ${nanp[3]}`;
  if (/^\+[1-9]\d{5,14}$/.test(value)) return value;
  return 'Unknown number';
}
