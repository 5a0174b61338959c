import type { ConnectorReceiver } from '../../support/connectorReceiver';
import type { TestGateway } from '../../support/harness';
import { bankNumberSecrets, leaksIn } from '../../support/leakScan';
import { ManualClock } from '../../support/payLinks';
import { TEST_ROUTING, bankDebitByPhone, bankDebitUpToAuthorization } from '../../support/bankDebitCalls';
import { useConnectorGateway } from '../../support/processorGateway';

const ACCOUNT = '000123456789';
const NO_ACCOUNT = '000111111116';

/** One path through the HTTPS connector (the full matrix runs on the sandbox). */
describe('bank debits through the HTTPS connector', () => {
  const clock = new ManualClock(new Date('2026-03-02T15:00:00.000Z'));
  let receiver: ConnectorReceiver;
  let tg: TestGateway;
  useConnectorGateway('memory', { clock, env: { RECONCILE_INTERVAL_MS: '600000' } }, (opened) => ({ receiver, tg } = opened));

  it('sends a signed type "ach" request with the account, the holder and the acceptance; processing until the bank settles', async () => {
    const payment = await bankDebitByPhone(tg, ACCOUNT, 'savings');
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'processing', bankAccount: { display: 'Bank •••• 6789', accountType: 'savings' } });
    const sent = receiver.received.find((r) => r.body.type === 'ach' && r.body.payment.id === payment.id)!;
    expect(sent.signature.ok).toBe(true);
    expect(sent.body).toMatchObject({
      bankAccount: { routingNumber: TEST_ROUTING, accountNumber: ACCOUNT, accountType: 'savings', holderName: 'Jenny Rosen' },
      authorization: { acceptedAt: view.debitAuthorization.acceptedAt, accountLast4: '6789', textSha256: view.debitAuthorization.textSha256 },
      payment: { amountMinor: 4200, currency: 'USD' },
      idempotencyKey: `${payment.id}-charge-1`,
    });
    expect(sent.body.card).toBeUndefined();

    clock.advance(120);
    expect(await tg.gateway.reconciler.sweep()).toBe(0);
    expect((await tg.getPayment(payment.id)).status).toBe('processing');
    receiver.settleBankDebits();
    clock.advance(3600);
    await tg.gateway.reconciler.sweep();
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded' });
  });

  it('a debit the bank returns fails with its code', async () => {
    const payment = await bankDebitByPhone(tg, NO_ACCOUNT, 'savings');
    receiver.settleBankDebits();
    clock.advance(3600);
    await tg.gateway.reconciler.sweep();
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'no_account' } });
  });

  it('a debit whose answers were all lost stays processing and is looked up, never called failed', async () => {
    const { payment, call } = await bankDebitUpToAuthorization(tg, ACCOUNT);
    receiver.loseAnswers(3);
    await call.press('1');
    // The endpoint took the debit each time (one debit under one key) but no answer came back.
    expect(receiver.received.filter((r) => r.body.type === 'ach' && r.body.payment.id === payment.id).length).toBeGreaterThan(1);
    expect((await tg.getPayment(payment.id)).status).toBe('processing');
    receiver.settleBankDebits();
    clock.advance(3600);
    await tg.gateway.reconciler.sweep();
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded' });
  });

  it('no routing or account number, nor its SHA-256, is in a log line or a response', () => {
    const secrets = bankNumberSecrets([TEST_ROUTING, ACCOUNT, NO_ACCOUNT]);
    for (const text of [...tg.logLines, ...tg.responses]) expect(leaksIn(text, secrets)).toEqual([]);
  });
});
