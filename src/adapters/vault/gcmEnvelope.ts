import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM envelopes, one random IV per value: `v1.<iv>.<tag>.<ciphertext>` in base64. The
 * associated data is authenticated with the ciphertext, so a value copied to another place (another
 * payment, field or endpoint) no longer opens. Shared by the card vault and the secret box.
 */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';
const B64 = '[A-Za-z0-9+/]*={0,2}';
const ENVELOPE_PATTERN = new RegExp(`^${FORMAT}\\.(${B64})\\.(${B64})\\.(${B64})$`);

export function seal(key: Buffer, associatedData: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join('.');
}

/** Null on any malformed or unauthentic envelope; the reason is deliberately not distinguished. */
export function open(key: Buffer, associatedData: string, envelope: string): string | null {
  const match = ENVELOPE_PATTERN.exec(envelope);
  if (!match) return null;
  const iv = Buffer.from(match[1]!, 'base64');
  const tag = Buffer.from(match[2]!, 'base64');
  const ciphertext = Buffer.from(match[3]!, 'base64');
  // A short tag would weaken GCM's authentication, so it is rejected rather than accepted.
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** Whether a stored value has the envelope's shape (not whether it opens). */
export function isEnvelope(value: string): boolean {
  return ENVELOPE_PATTERN.test(value);
}
