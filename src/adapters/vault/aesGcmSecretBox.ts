import { hkdfSync } from 'node:crypto';
import type { SecretBox } from '../../ports/secretBox';
import { KEY_BYTES, isEnvelope, open, seal } from './gcmEnvelope';

/** Kept apart from the card vault's use of the same master key by a key of its own. */
const KEY_INFO = 'card-capture-gateway secret box v1';

/** AES-256-GCM with a key derived (HKDF-SHA256) from the vault key. */
export class AesGcmSecretBox implements SecretBox {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== KEY_BYTES) throw new Error(`the secret box needs a ${KEY_BYTES}-byte key, got ${masterKey.length} bytes`);
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), KEY_INFO, KEY_BYTES));
  }

  seal(context: string, secret: string): string {
    return seal(this.key, context, secret);
  }

  open(context: string, sealed: string): string {
    const secret = open(this.key, context, sealed);
    // Never says more: the stored value and the key stay out of messages.
    if (secret === null) throw new Error(`a sealed secret for ${context} does not open with this key (was VAULT_KEY changed?)`);
    return secret;
  }

  isSealed(stored: string): boolean {
    return isEnvelope(stored);
  }
}
