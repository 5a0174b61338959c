/** The sensitive fields a capture collects; each is encrypted on its own. */
export type SensitiveField = 'cardNumber' | 'expiry' | 'securityCode' | 'postalCode' | 'routingNumber' | 'accountNumber';

/** Opaque references to vaulted values, as the capture session records them. */
export type CardRefs = Partial<Record<SensitiveField, string>>;

/** What a token redeems: the card's three fields, and the billing postal code when the flow asked for it. */
export type TokenRefs = Required<Pick<CardRefs, 'cardNumber' | 'expiry' | 'securityCode'>> & Pick<CardRefs, 'postalCode'>;

/** What the processor adapter, and only it, gets back for a one-time token. */
export interface CardData {
  number: string;
  /** MMYY as typed on the keypad. */
  expiry: string;
  securityCode: string;
  /** The billing postal code, for the processor's address check; absent when the flow does not ask it. */
  postalCode?: string;
}

/** What a bank token redeems: the routing and account numbers of one payment. */
export type BankTokenRefs = Required<Pick<CardRefs, 'routingNumber' | 'accountNumber'>>;

/** What the processor adapter, and only it, gets back for a one-time bank token. */
export interface BankAccountData {
  routingNumber: string;
  accountNumber: string;
}

/**
 * Holds card data encrypted at rest. Nothing outside the vault and the processor adapter ever
 * sees plaintext: the rest of the gateway handles references and one-time tokens.
 */
export interface Vault {
  /** Encrypts and stores one field of one payment; returns its reference. */
  put(paymentId: string, field: SensitiveField, plaintext: string): Promise<string>;
  /**
   * `put`, with the reference named at once and the write under way: it can leave in the same round
   * trip as the commit that records the reference. `stored` settles when the store has the value
   * (it rejects when the write failed; the caller must await it).
   */
  write(paymentId: string, field: SensitiveField, plaintext: string): { ref: string; stored: Promise<void> };
  /** Whether a reference still points at a stored value. */
  has(paymentId: string, ref: string): Promise<boolean>;
  /** Issues a single-use token that redeems the fields together; it expires within minutes. */
  issueToken(paymentId: string, refs: TokenRefs): Promise<string>;
  /** Redeems a token once; a second redemption, or an expired token, throws (a bank token too). */
  redeem(token: string): Promise<CardData>;
  /** Issues a single-use token that redeems a bank account's routing and account numbers together. */
  issueBankToken(paymentId: string, refs: BankTokenRefs): Promise<string>;
  /** Redeems a bank token once; a card token, a second redemption or an expired token throws. */
  redeemBankToken(token: string): Promise<BankAccountData>;
  /**
   * Whether a vaulted value equals `candidate` (compared in constant time), without handing it out:
   * the account number typed a second time is checked against the first this way. False when missing.
   */
  matches(paymentId: string, ref: string, candidate: string): Promise<boolean>;
  /** Deletes the given references (missing ones are ignored). */
  discard(paymentId: string, refs: string[]): Promise<void>;
}

/**
 * Seals values kept for longer than a call (a saved card's processor token) with the vault's key:
 * `context` (the record's id) is authenticated with the ciphertext, so a sealed value copied onto
 * another record no longer opens.
 */
export interface Sealer {
  seal(context: string, plaintext: string): string;
  /** Null when the envelope is malformed, tampered with, or sealed for another context. */
  open(context: string, envelope: string): string | null;
}
