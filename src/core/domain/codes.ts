import { randomBytes, randomInt } from 'node:crypto';

const PAY_CODE_DIGITS = 6;
// RFC 4648 base32 in lowercase: URL-safe, and still unambiguous if someone reads it back aloud or retypes it.
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
// 15 bytes are 120 bits, exactly 24 base32 characters, so no character carries padding bits.
const PAYMENT_ID_BYTES = 15;

/** A fresh six-digit code a caller keys in to find their payment; leading zeros are kept. */
export function generatePayCode(): string {
  return randomInt(0, 10 ** PAY_CODE_DIGITS)
    .toString()
    .padStart(PAY_CODE_DIGITS, '0');
}

/**
 * A fresh short payment reference: 8 digits, never starting with 0 (so it survives spreadsheets and
 * being written down as a number), from cryptographic randomness. Uniqueness is the store's job
 * (`PaymentRepository.reserveReference`).
 */
export function generateReference(): string {
  return String(randomInt(10_000_000, 100_000_000));
}

/** Whether a string is shaped like a short reference (8 digits). */
export function isReferenceShape(s: string): boolean {
  return /^[1-9][0-9]{7}$/.test(s);
}

/** A fresh payment identifier: "pay_" and 24 base32 characters of cryptographic randomness. */
export function generatePaymentId(): string {
  let id = 'pay_';
  let buffer = 0;
  let bits = 0;
  for (const byte of randomBytes(PAYMENT_ID_BYTES)) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      id += BASE32_ALPHABET.charAt((buffer >> bits) & 31);
    }
    // Only the bits not yet encoded are kept, so the buffer never outgrows a 32-bit integer.
    buffer &= (1 << bits) - 1;
  }
  return id;
}

/** Whether a string looks like a pay code (exactly six ASCII digits), before any lookup is made. */
export function isPayCodeShape(s: string): boolean {
  return /^[0-9]{6}$/.test(s);
}
