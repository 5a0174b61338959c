/**
 * Keeps a secret the gateway must be able to read back (a webhook endpoint's signing secret, say)
 * encrypted at rest. `context` names where the secret belongs (an endpoint id): a sealed value
 * copied to another place does not open.
 */
export interface SecretBox {
  seal(context: string, secret: string): string;
  /** Throws when the value does not open under this key and context. */
  open(context: string, sealed: string): string;
  /** Whether a stored value is sealed (values written before sealing was introduced are not). */
  isSealed(stored: string): boolean;
}
