import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyValueStore } from '../../ports/keyValueStore';
import type { BankAccountData, BankTokenRefs, CardData, CardRefs, Sealer, SensitiveField, TokenRefs, Vault } from '../../ports/vault';
import { KEY_BYTES, open, seal } from './gcmEnvelope';

export type VaultErrorCode = 'token_invalid' | 'value_missing' | 'decrypt_failed';

/** A vault failure; messages name the field at most, never a value or a token. */
export class VaultError extends Error {
  override readonly name = 'VaultError';

  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface AesGcmVaultOptions {
  /** Lifetime of an encrypted value; default 1800 s, enough for one call. */
  ttlSeconds?: number;
  /** Lifetime of a one-time token; default 120 s, the span of one charge attempt. */
  tokenTtlSeconds?: number;
}

/** Stands where a payment id goes in the AAD of sealed values; payment ids start with "pay_". */
const SEALED = 'sealed';
/** The card's fields, which every token redeems. */
const FIELDS = ['cardNumber', 'expiry', 'securityCode'] as const;
/** Every field the vault keeps: the card's, and the billing postal code a token redeems when it names one. */
/** A bank account's fields, which every bank token redeems. */
const BANK_FIELDS = ['routingNumber', 'accountNumber'] as const;
const ALL_FIELDS: readonly SensitiveField[] = [...FIELDS, 'postalCode', ...BANK_FIELDS];
const REF_PATTERN = /^(cardNumber|expiry|securityCode|postalCode|routingNumber|accountNumber)\.[0-9a-f]{16}$/;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

interface TokenRecord {
  paymentId: string;
  refs: TokenRefs;
}

/** A bank token's record: `kind` keeps a card token from ever redeeming as a bank one, and back. */
interface BankTokenRecord {
  kind: 'bank';
  paymentId: string;
  refs: BankTokenRefs;
}

/** Decodes a base64 (or base64url) AES-256 key, refusing anything but exactly 32 bytes. */
export function parseVaultKey(base64: string): Buffer {
  const text = base64.trim();
  // Buffer.from silently skips invalid characters, which would turn a mangled key into a short one.
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new Error('Vault key is not valid base64; generate one with `openssl rand -base64 32`');
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new Error(
      `Vault key must decode to exactly ${KEY_BYTES} bytes, got ${key.length}; generate one with \`openssl rand -base64 32\``,
    );
  }
  return key;
}

/**
 * Vault on any KeyValueStore with AES-256-GCM, one random IV per value. The payment id and the
 * reference are authenticated with each ciphertext, so a value copied under another payment or
 * field no longer decrypts.
 */
export class AesGcmVault implements Vault, Sealer {
  private readonly key: Buffer;
  private readonly ttlSeconds: number;
  private readonly tokenTtlSeconds: number;

  constructor(
    private readonly store: KeyValueStore,
    key: Buffer,
    options: AesGcmVaultOptions = {},
  ) {
    if (key.length !== KEY_BYTES) {
      throw new Error(`AES-256-GCM needs a ${KEY_BYTES}-byte key, got ${key.length} bytes`);
    }
    // A private copy: the caller may zero or reuse its buffer.
    this.key = Buffer.from(key);
    this.ttlSeconds = options.ttlSeconds ?? 1800;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 120;
  }

  /** Encrypts and stores one field of one payment; returns its reference. */
  async put(paymentId: string, field: SensitiveField, plaintext: string): Promise<string> {
    const { ref, stored } = this.write(paymentId, field, plaintext);
    await stored;
    return ref;
  }

  /** Names the reference, encrypts, and starts the store's write (see the port). */
  write(paymentId: string, field: SensitiveField, plaintext: string): { ref: string; stored: Promise<void> } {
    assertPaymentId(paymentId);
    if (!ALL_FIELDS.includes(field)) throw new Error(`Unknown sensitive field ${String(field)}`);
    const ref = `${field}.${randomBytes(8).toString('hex')}`;
    const stored = this.store.set(valueKey(paymentId, ref), this.encrypt(paymentId, ref, plaintext), this.ttlSeconds).then(() => undefined);
    return { ref, stored };
  }

  /** Whether a reference still points at a stored value. */
  async has(paymentId: string, ref: string): Promise<boolean> {
    if (!paymentId || !REF_PATTERN.test(ref)) return false;
    return (await this.store.get(valueKey(paymentId, ref))) !== null;
  }

  /** Issues a single-use token for the card's three fields of one payment, and its postal code when given. */
  async issueToken(paymentId: string, refs: TokenRefs): Promise<string> {
    assertPaymentId(paymentId);
    for (const field of FIELDS) {
      if (!isRefFor(field, refs[field])) throw new Error(`Reference for ${field} is malformed`);
    }
    if (refs.postalCode !== undefined && !isRefFor('postalCode', refs.postalCode)) throw new Error('Reference for postalCode is malformed');
    const record: TokenRecord = {
      paymentId,
      refs: {
        cardNumber: refs.cardNumber,
        expiry: refs.expiry,
        securityCode: refs.securityCode,
        ...(refs.postalCode ? { postalCode: refs.postalCode } : {}),
      },
    };
    const token = randomBytes(32).toString('base64url');
    const version = await this.store.compareAndSet(tokenKey(token), 0, JSON.stringify(record), this.tokenTtlSeconds);
    // Only reachable on a 256-bit collision or a store bug; either way this token must not be handed out.
    if (version === null) throw new Error('Vault token could not be stored');
    return token;
  }

  /** Redeems a token once and decrypts its fields. */
  async redeem(token: string): Promise<CardData> {
    if (!TOKEN_PATTERN.test(token)) throw tokenInvalid();
    const raw = await this.store.take(tokenKey(token));
    if (raw === null) throw tokenInvalid();
    const record = parseTokenRecord(raw);
    if (!record) throw tokenInvalid();

    const [number, expiry, securityCode, postalCode] = await Promise.all([
      ...FIELDS.map((field) => this.reveal(record.paymentId, field, record.refs[field])),
      record.refs.postalCode ? this.reveal(record.paymentId, 'postalCode', record.refs.postalCode) : Promise.resolve(null),
    ]);
    return { number: number!, expiry: expiry!, securityCode: securityCode!, ...(postalCode ? { postalCode } : {}) };
  }

  /** Issues a single-use token for a bank account's routing and account numbers. */
  async issueBankToken(paymentId: string, refs: BankTokenRefs): Promise<string> {
    assertPaymentId(paymentId);
    for (const field of BANK_FIELDS) {
      if (!isRefFor(field, refs[field])) throw new Error(`Reference for ${field} is malformed`);
    }
    const record: BankTokenRecord = { kind: 'bank', paymentId, refs: { routingNumber: refs.routingNumber, accountNumber: refs.accountNumber } };
    const token = randomBytes(32).toString('base64url');
    const version = await this.store.compareAndSet(tokenKey(token), 0, JSON.stringify(record), this.tokenTtlSeconds);
    if (version === null) throw new Error('Vault token could not be stored');
    return token;
  }

  /** Redeems a bank token once and decrypts its two fields. */
  async redeemBankToken(token: string): Promise<BankAccountData> {
    if (!TOKEN_PATTERN.test(token)) throw tokenInvalid();
    const raw = await this.store.take(tokenKey(token));
    if (raw === null) throw tokenInvalid();
    const record = parseBankTokenRecord(raw);
    if (!record) throw tokenInvalid();
    const [routingNumber, accountNumber] = await Promise.all(BANK_FIELDS.map((field) => this.reveal(record.paymentId, field, record.refs[field])));
    return { routingNumber: routingNumber!, accountNumber: accountNumber! };
  }

  /** Compares digests of equal length, so the time taken says nothing of where two values differ. */
  async matches(paymentId: string, ref: string, candidate: string): Promise<boolean> {
    if (!paymentId || !REF_PATTERN.test(ref)) return false;
    const stored = await this.store.get(valueKey(paymentId, ref));
    const plaintext = stored ? this.decrypt(paymentId, ref, stored.value) : null;
    if (plaintext === null) return false;
    return timingSafeEqual(digest(plaintext), digest(candidate));
  }

  /** Deletes the given references; missing or malformed ones are ignored. */
  async discard(paymentId: string, refs: string[]): Promise<void> {
    if (!paymentId) return;
    const keys = refs.filter((ref) => REF_PATTERN.test(ref)).map((ref) => valueKey(paymentId, ref));
    if (keys.length > 0) await this.store.delete(...keys);
  }

  /** Seals a long-lived value; its AAD ("sealed:<context>") can never be a vaulted field's ("<paymentId>:<ref>"). */
  seal(context: string, plaintext: string): string {
    assertPaymentId(context);
    return this.encrypt(SEALED, context, plaintext);
  }

  open(context: string, envelope: string): string | null {
    if (!context) return null;
    return this.decrypt(SEALED, context, envelope);
  }

  private async reveal(paymentId: string, field: SensitiveField, ref: string): Promise<string> {
    const stored = await this.store.get(valueKey(paymentId, ref));
    if (!stored) throw new VaultError('value_missing', `Vaulted ${field} is missing or expired`);
    const plaintext = this.decrypt(paymentId, ref, stored.value);
    if (plaintext === null) throw new VaultError('decrypt_failed', `Vaulted ${field} failed authentication`);
    return plaintext;
  }

  private encrypt(paymentId: string, ref: string, plaintext: string): string {
    return seal(this.key, aad(paymentId, ref), plaintext);
  }

  /** Null on any malformed or unauthentic envelope; the reason is deliberately not distinguished. */
  private decrypt(paymentId: string, ref: string, envelope: string): string | null {
    return open(this.key, aad(paymentId, ref), envelope);
  }
}

function valueKey(paymentId: string, ref: string): string {
  return `vault:${paymentId}:${ref}`;
}

function tokenKey(token: string): string {
  return `vault:token:${token}`;
}

function aad(paymentId: string, ref: string): string {
  return `${paymentId}:${ref}`;
}

function isRefFor(field: SensitiveField, ref: unknown): ref is string {
  return typeof ref === 'string' && REF_PATTERN.test(ref) && ref.startsWith(`${field}.`);
}

function assertPaymentId(paymentId: string): void {
  if (typeof paymentId !== 'string' || paymentId.length === 0) throw new Error('paymentId must be a non-empty string');
}

function tokenInvalid(): VaultError {
  return new VaultError('token_invalid', 'Vault token is invalid, expired or already used');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function parseBankTokenRecord(raw: string): BankTokenRecord | null {
  try {
    const parsed = JSON.parse(raw) as Partial<BankTokenRecord> | null;
    if (!parsed || parsed.kind !== 'bank' || typeof parsed.paymentId !== 'string' || !parsed.paymentId || !parsed.refs) return null;
    const refs = parsed.refs;
    if (!BANK_FIELDS.every((field) => isRefFor(field, refs[field]))) return null;
    return { kind: 'bank', paymentId: parsed.paymentId, refs: { routingNumber: refs.routingNumber, accountNumber: refs.accountNumber } };
  } catch {
    return null;
  }
}

function parseTokenRecord(raw: string): TokenRecord | null {
  try {
    const parsed = JSON.parse(raw) as (Partial<TokenRecord> & { kind?: string }) | null;
    if (!parsed || parsed.kind !== undefined || typeof parsed.paymentId !== 'string' || !parsed.paymentId || !parsed.refs) return null;
    const refs = parsed.refs;
    if (!FIELDS.every((field) => isRefFor(field, refs[field]))) return null;
    if (refs.postalCode !== undefined && !isRefFor('postalCode', refs.postalCode)) return null;
    return { paymentId: parsed.paymentId, refs: refs as TokenRefs };
  } catch {
    return null;
  }
}
