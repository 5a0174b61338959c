import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Shape of a pay link token: base64url of 32 bytes (256 bits). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The secrets of pay links. A token is an HMAC of the payment id and a random nonce under a key
 * derived from the vault key: the store keeps only the nonce and the token's hash, so a dump of the
 * store can neither be replayed nor turned back into a working link, while the gateway can still
 * show the link again to the agent who created it.
 */
export class LinkSecrets {
  private readonly key: Buffer;

  constructor(vaultKey: Buffer) {
    // A separate key per purpose: a link token never doubles as anything the vault accepts.
    this.key = Buffer.from(hkdfSync('sha256', vaultKey, Buffer.alloc(0), 'ccg pay-link v1', 32));
  }

  /** A fresh random nonce for a new link. */
  newNonce(): string {
    return randomBytes(16).toString('base64url');
  }

  /** The link token of a payment and nonce: 32 bytes, base64url. */
  token(paymentId: string, nonce: string): string {
    return createHmac('sha256', this.key).update(`token\0${paymentId}\0${nonce}`).digest('base64url');
  }

  /** Whether a string from a URL can be a token at all; anything else is refused before any lookup. */
  isTokenShape(candidate: string): boolean {
    return TOKEN_SHAPE.test(candidate);
  }

  /** What the store keys a link by. */
  hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  /** The capture session of a link: never a Twilio CallSid, and not the token either. */
  sessionId(tokenHash: string): string {
    return `LK${createHash('sha256').update(`session\0${tokenHash}`).digest('hex').slice(0, 32)}`;
  }

  /** The CSRF token of a link's form, bound to that link. */
  csrfToken(tokenHash: string): string {
    return createHmac('sha256', this.key).update(`csrf\0${tokenHash}`).digest('base64url');
  }

  /** Checks a submitted CSRF token in constant time. */
  csrfMatches(tokenHash: string, submitted: unknown): boolean {
    if (typeof submitted !== 'string') return false;
    const expected = Buffer.from(this.csrfToken(tokenHash));
    const given = Buffer.from(submitted);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
