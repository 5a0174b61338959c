import { isoUnits } from '../../../src/core/domain/units';
import type { GatewayOptions } from '../../../src/app/server';
import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { enterPayCode, sessionOf, vaultKeys } from '../../support/voiceCalls';

type Factory = NonNullable<GatewayOptions['processor']>;

/**
 * The real vault, except that storing the expiry fails: its reference is named (so the turn's commit
 * records it) but the store never takes the value, as when the write fails beside a commit that wins.
 */
const expiryWriteFails: Factory = ({ vault }) => {
  const write = vault.write.bind(vault);
  vault.write = (paymentId, field, plaintext) => {
    if (field !== 'expiry') return write(paymentId, field, plaintext);
    const stored = Promise.reject(new Error('vault store unavailable'));
    stored.catch(() => undefined);
    return { ref: 'expiry.00000000000000ff', stored };
  };
  return {
    name: 'never-reached',
    units: (amount, currency) => isoUnits(amount, currency, 'the test processor'),
    charge: async () => ({ outcome: 'approved', reference: '0000000000' }),
  };
};

describe.each(STORE_KINDS)('a card field whose vault write fails while its turn commits (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind, { processor: expiryWriteFails });
  });
  afterAll(async () => {
    await tg.close();
  });

  it('ends the call with the apology, wipes what was stored, and a duplicate delivery goes no further', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await call.press('4242424242424242#');
    expect((await vaultKeys(tg, payment.id)).filter((key) => key.includes(':cardNumber.'))).toHaveLength(1);

    const url = call.gatherAction();
    const answer = await call.press('1230');
    // The apology: a closing prompt and the end of the call, never the security-code prompt.
    expect(answer).toContain('<Hangup/>');
    expect(answer).not.toMatch(/security code/i);
    const found = await sessionOf(tg, call.callSid);
    expect(found?.session.vaultRefs).toEqual({});
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
    expect((await tg.getPayment(payment.id)).status).toBe('failed');
    // Twilio delivering the failed webhook again is answered from the ended capture.
    const again = await call.post(url, { Digits: '1230', FinishedOnKey: '' });
    expect(again).not.toMatch(/security code/i);
    expect(tg.logLines.filter((l) => l.includes('1230'))).toEqual([]);
  });
});
