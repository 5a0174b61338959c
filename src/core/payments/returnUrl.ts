import type { PaymentStatus } from './payment';

/**
 * Where a live call goes once its capture ends: the merchant's return URL with the payment's id and
 * final status as query parameters (`paymentId`, `paymentStatus`), its own query kept. Twilio fetches it
 * with POST and signs the whole URL, so the merchant can trust both values.
 */
export function returnUrlFor(returnUrl: string, paymentId: string, status: PaymentStatus): string {
  const url = new URL(returnUrl);
  url.searchParams.set('paymentId', paymentId);
  url.searchParams.set('paymentStatus', status);
  return url.toString();
}
