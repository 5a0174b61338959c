import { randomBytes } from 'node:crypto';
import type { ChargeRequest } from '../../src/ports/processor';
import type { Vault } from '../../src/ports/vault';

/** Vaults a card for a payment and returns a charge request holding a fresh one-time token for it. */
export async function vaultedChargeRequest(
  vault: Vault,
  card: { number: string; expiry?: string; securityCode?: string; postalCode?: string },
  overrides: Partial<Omit<ChargeRequest, 'token'>> = {},
): Promise<ChargeRequest> {
  const paymentId = overrides.paymentId ?? `pay_${randomBytes(10).toString('hex')}`;
  const refs = {
    cardNumber: await vault.put(paymentId, 'cardNumber', card.number),
    expiry: await vault.put(paymentId, 'expiry', card.expiry ?? '1230'),
    securityCode: await vault.put(paymentId, 'securityCode', card.securityCode ?? (card.number.startsWith('37') ? '1234' : '123')),
    ...(card.postalCode ? { postalCode: await vault.put(paymentId, 'postalCode', card.postalCode) } : {}),
  };
  return {
    token: await vault.issueToken(paymentId, refs),
    paymentId,
    amount: '12.34',
    currency: 'USD',
    idempotencyKey: `${paymentId}-charge-0`,
    callSid: `CA${'ab'.repeat(16)}`,
    description: 'Invoice 1042',
    ...overrides,
  };
}
