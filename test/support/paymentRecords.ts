import type { Payment } from '../../src/core/payments/payment';

/**
 * A payment record as the repository holds it, for unit tests of what reads one: by default a pending
 * phone payment with nothing captured yet; `overrides` state only what the test is about.
 */
export function aPayment(overrides: Partial<Payment> = {}): Payment {
  return {
    id: 'pay_0123456789',
    status: 'pending',
    amount: '10.00',
    amountMinor: 1000,
    currency: 'USD',
    channel: 'phone',
    description: null,
    locale: 'en-US',
    flowId: 'default',
    payCode: '123456',
    callSid: null,
    card: null,
    expiryCaptured: false,
    securityCodeCaptured: false,
    reference: null,
    failure: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-02T00:00:00.000Z',
    projectedVersion: 0,
    ...overrides,
  };
}
