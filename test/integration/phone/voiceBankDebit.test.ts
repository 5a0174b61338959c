import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { PendingCharges } from '../../../src/core/capture/pendingCharges';
import { STORE_KINDS, startTestGateway, type TestCall, type TestGateway } from '../../support/harness';
import { bankNumberSecrets, leaksIn } from '../../support/leakScan';
import { ManualClock } from '../../support/payLinks';
import { vaultKeys } from '../../support/voiceCalls';

const ROUTING = '110000000';
const ACCOUNT = { settles: '000123456789', closed: '000111111113', noAccount: '000111111116', typo: '000123456780' };
const TYPED = [ROUTING, '110000001', ...Object.values(ACCOUNT)];
const SETTLE_SECONDS = 3 * 86_400;
const ACH_FLOW = JSON.parse(readFileSync(join(__dirname, '../../../flows/ach.json'), 'utf8')) as {
  locales: Record<string, { prompts: Record<string, string> }>;
};
const AUTHORIZATION_SHA256 = createHash('sha256').update(ACH_FLOW.locales['en-US']!.prompts['authorization.ask']!, 'utf8').digest('hex');

describe.each(STORE_KINDS)('bank debits (ACH) over the phone, on the sandbox (%s store)', (kind) => {
  const clock = new ManualClock(new Date('2026-03-02T15:00:00.000Z'));
  let tg: TestGateway;
  beforeAll(async () => {
    // The sweeps are the test's own, on its clock: no timer settles anything behind its back.
    tg = await startTestGateway(kind, { clock, env: { SANDBOX_ACH_SETTLE_SECONDS: String(SETTLE_SECONDS), RECONCILE_INTERVAL_MS: '600000' } });
  });
  afterAll(async () => {
    await tg.close();
  });

  async function achPayment(body: Record<string, unknown> = {}) {
    return tg.createPayment({ amount: '42.00', flow: 'ach', accountHolderName: 'Jenny Rosen', ...body });
  }

  /** From the payment's voice URL to the authorisation: routing number, the account twice, its type. */
  async function upToAuthorization(account: string, type: '1' | '2' = '1'): Promise<{ payment: { id: string }; call: TestCall }> {
    const payment = await achPayment();
    const call = tg.call();
    await call.start(payment.voiceUrl);
    expect(call.saysText()).toContain('from your bank account');
    expect(call.saysText()).toContain('9 digit routing number');
    // Nine digits end the routing number without '#'.
    expect(call.gatherAttribute('numDigits')).toBe('9');
    await call.press(ROUTING);
    expect(call.saysText()).toContain('Please enter your bank account number');
    await call.press(`${account}#`);
    expect(call.saysText()).toContain('please enter the account number again');
    await call.press(`${account}#`);
    expect(call.saysText()).toContain('For a checking account, press 1.');
    expect(call.gatherAttribute('numDigits')).toBe('1');
    await call.press(type);
    return { payment, call };
  }

  it('routing number, account twice, type; the spoken authorisation accepted with 1 is kept; submitted, processing, then settled days later', async () => {
    const { payment, call } = await upToAuthorization(ACCOUNT.settles);
    expect(call.saysText()).toContain('you authorize us to make a one-time electronic debit of');
    expect(call.saysText()).toContain('checking account ending in 6, 7, 8, 9');
    expect(await tg.getPayment(payment.id)).toMatchObject({
      status: 'capturing',
      method: 'ach',
      accountHolderName: 'Jenny Rosen',
      card: null,
      bankAccount: { last4: '6789', accountType: 'checking', display: 'Bank •••• 6789' },
      debitAuthorization: null,
    });
    // Routing and account numbers wait in the vault, encrypted; the repeat was only compared.
    const held = await vaultKeys(tg, payment.id);
    expect(held.filter((k) => k.includes(':routingNumber.'))).toHaveLength(1);
    expect(held.filter((k) => k.includes(':accountNumber.'))).toHaveLength(1);

    const acceptedAt = clock.now().toISOString();
    await call.press('1');
    expect(call.saysText()).toContain('Your bank payment has been submitted');
    expect(call.hasHangup()).toBe(true);
    const submitted = await tg.getPayment(payment.id);
    expect(submitted).toMatchObject({
      status: 'processing',
      failure: null,
      debitAuthorization: {
        acceptedAt,
        method: 'phone_keypress',
        amount: '42.00',
        currency: 'USD',
        accountLast4: '6789',
        accountType: 'checking',
        flowId: 'ach',
        locale: 'en-US',
        textSha256: AUTHORIZATION_SHA256,
      },
    });
    expect(submitted.reference).toMatch(/^\d{8}$/);
    expect(call.saysText()).toContain(submitted.reference.slice(0, 4).split('').join(', '));
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
    // On the pending ledger, followed up by the reconciler.
    expect((await new PendingCharges(tg.gateway.store).list()).map((c) => c.paymentId)).toContain(payment.id);

    // Past the hold limit the processor is asked, and has no answer yet: the debit is still settling.
    clock.advance(60);
    expect(await tg.gateway.reconciler.sweep()).toBe(0);
    expect((await tg.getPayment(payment.id)).status).toBe('processing');

    clock.advance(SETTLE_SECONDS);
    await tg.gateway.reconciler.sweep();
    const settled = await tg.getPayment(payment.id);
    expect(settled).toMatchObject({ status: 'succeeded', reference: submitted.reference, failure: null, bankAccount: { last4: '6789' } });
    expect((await new PendingCharges(tg.gateway.store).list()).map((c) => c.paymentId)).not.toContain(payment.id);
  });

  it.each([
    [ACCOUNT.closed, 'account_closed'],
    [ACCOUNT.noAccount, 'no_account'],
  ])('a debit of %s is submitted, then fails with %s when the bank returns it', async (account, code) => {
    const { payment, call } = await upToAuthorization(account, '2');
    await call.press('1');
    expect(call.saysText()).toContain('Your bank payment has been submitted');
    expect((await tg.getPayment(payment.id)).status).toBe('processing');
    clock.advance(SETTLE_SECONDS + 60);
    await tg.gateway.reconciler.sweep();
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code }, bankAccount: { accountType: 'savings' } });
  });

  it('a routing number failing the ABA check, and account numbers that differ, are asked again with the reason', async () => {
    const payment = await achPayment();
    const call = tg.call();
    await call.start(payment.voiceUrl);
    await call.press('110000001');
    expect(call.saysText()).toContain('that routing number is not valid');
    await call.press(ROUTING);
    await call.press(`${ACCOUNT.settles}#`);
    await call.press(`${ACCOUNT.typo}#`);
    expect(call.saysText()).toContain('the two account numbers did not match');
    expect(call.saysText()).toContain('Please enter your bank account number');
    expect((await tg.getPayment(payment.id)).bankAccount).toBeNull();
    expect((await vaultKeys(tg, payment.id)).filter((k) => k.includes(':accountNumber.'))).toEqual([]);
    await call.press(`${ACCOUNT.settles}#`);
    await call.press(`${ACCOUNT.settles}#`);
    expect(call.saysText()).toContain('For a checking account, press 1.');
    await call.hangUp();
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'caller_hung_up' } });
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
  });

  it('the payments API refuses a bank debit without a holder name, in another currency, as a link, or a name on a card payment', async () => {
    const refused = async (body: Record<string, unknown>) => (await tg.api('POST', '/api/payments', { amount: '42.00', currency: 'USD', ...body })).body.error;
    expect(await refused({ flow: 'ach' })).toMatchObject({ code: 'invalid_accountHolderName', message: expect.stringContaining('accountHolderName: is required') });
    expect(await refused({ flow: 'ach', accountHolderName: 'Jenny Rosen', currency: 'EUR' })).toMatchObject({ code: 'invalid_currency' });
    expect(await refused({ flow: 'ach', accountHolderName: 'Jenny Rosen', channel: 'link' })).toMatchObject({ code: 'invalid_flow' });
    expect(await refused({ flow: 'ach', accountHolderName: 'Jenny Rosen', capture: 'manual' })).toMatchObject({ code: 'invalid_capture' });
    expect(await refused({ accountHolderName: 'Jenny Rosen' })).toMatchObject({ code: 'invalid_accountHolderName' });
    expect(await refused({ flow: 'ach', accountHolderName: 'Acct 000123456789' })).toMatchObject({ code: 'invalid_accountHolderName' });
  });

  it('no routing or account number typed above, nor its SHA-256, is in a log line, a response or the store', async () => {
    const stored = kind === 'memory' ? [...(tg.gateway.store as MemoryStore).snapshot()].map(([k, v]) => `${k} ${v}`) : await tg.rawRedisValues();
    expect(stored.length).toBeGreaterThan(0);
    const secrets = bankNumberSecrets(TYPED);
    for (const text of [...tg.logLines, ...tg.responses, ...stored]) expect(leaksIn(text, secrets)).toEqual([]);
    // The control: the scan finds a number, and its hash, where one is written.
    expect(leaksIn(JSON.stringify({ accountNumber: ACCOUNT.settles }), secrets)).not.toEqual([]);
    expect(leaksIn(createHash('sha256').update(ROUTING).digest('hex'), secrets)).not.toEqual([]);
  });
});
