/** A bank debit taken over the phone, key by key as a caller presses them (flows/ach.json), for the processor suites. */
import type { TestCall, TestGateway } from './harness';

/** Stripe's test routing number; the sandbox and the connector's receiver take it too. */
export const TEST_ROUTING = '110000000';

/** The key that picks each account type in flows/ach.json. */
const ACCOUNT_TYPE_KEYS = { checking: '1', savings: '2' } as const;

/**
 * Creates a 42.00 USD debit for Jenny Rosen and calls it up to the spoken authorisation: the routing
 * number, the account number twice and its type. The call waits for the caller to accept with 1.
 */
export async function bankDebitUpToAuthorization(
  tg: TestGateway,
  account: string,
  accountType: keyof typeof ACCOUNT_TYPE_KEYS = 'checking',
): Promise<{ payment: { id: string }; call: TestCall }> {
  const payment = await tg.createPayment({ amount: '42.00', flow: 'ach', accountHolderName: 'Jenny Rosen' });
  const call = tg.call();
  await call.start(payment.voiceUrl);
  await call.press(TEST_ROUTING);
  await call.press(`${account}#`);
  await call.press(`${account}#`);
  await call.press(ACCOUNT_TYPE_KEYS[accountType]);
  return { payment, call };
}

/** The whole call: as bankDebitUpToAuthorization, then the authorisation accepted; the call ends with the debit submitted. */
export async function bankDebitByPhone(tg: TestGateway, account: string, accountType: keyof typeof ACCOUNT_TYPE_KEYS = 'checking'): Promise<{ id: string }> {
  const { payment, call } = await bankDebitUpToAuthorization(tg, account, accountType);
  await call.press('1');
  expect(call.saysText()).toContain('Your bank payment has been submitted');
  return payment;
}
