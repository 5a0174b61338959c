import { SandboxProcessor } from '../../../src/adapters/processors/sandboxProcessor';
import type { ChargeRequest, ChargeAnswer, ChargeResult } from '../../../src/ports/processor';
import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { csrfOf, openPage, payWith, textOf } from '../../support/payLinks';
import { eventually } from '../../support/eventually';
import { enterCard, enterPayCode, vaultKeys } from '../../support/voiceCalls';

/** A sandbox whose charges wait until the test lets them through: a charge held in flight. */
class GatedSandbox extends SandboxProcessor {
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open();
  }
  override async charge(request: ChargeRequest): Promise<ChargeAnswer> {
    await this.gate;
    return super.charge(request);
  }
}

describe.each(STORE_KINDS)('POST /api/payments/{id}/cancel (%s store)', (kind) => {
  let tg: TestGateway;
  let sandbox: GatedSandbox;
  beforeAll(async () => {
    tg = await startTestGateway(kind, { processor: ({ vault, store }) => (sandbox = new GatedSandbox(vault, store)) });
  });
  afterAll(async () => {
    sandbox.release();
    await tg.close();
  });

  const cancel = (id: string) => tg.api('POST', `/api/payments/${id}/cancel`);

  it('cancels a pending payment at once; its pay code stops working; a repeat answers the same', async () => {
    const payment = await tg.createPayment();
    const res = await cancel(payment.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: payment.id, status: 'canceled' });
    expect(res.text).not.toContain(payment.payCode);
    const again = await cancel(payment.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    const call = tg.call();
    await call.start();
    await call.press(`${payment.payCode}#`);
    expect(call.saysText()).not.toContain('card number');
    expect((await tg.getPayment(payment.id)).status).toBe('canceled');
  });

  it('ends a keypad capture after the card number: card fields wiped, the caller hears the closing prompt next turn', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await call.press('4242424242424242#');
    expect(call.saysText()).toContain('expiration date');
    expect(await vaultKeys(tg, payment.id)).not.toEqual([]);

    const res = await cancel(payment.id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('canceled');
    expect(await vaultKeys(tg, payment.id)).toEqual([]);

    // The caller was typing the expiry when the cancel came: that turn hears the close and the call ends.
    await call.press('1230');
    expect(call.saysText()).toContain('Your payment has been canceled.');
    expect(call.hasHangup()).toBe(true);
    expect((await tg.getPayment(payment.id)).status).toBe('canceled');
    expect((await cancel(payment.id)).status).toBe(200);
  });

  it('ends a keypad capture waiting at the confirmation, with every field entered', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    expect((await cancel(payment.id)).body.status).toBe('canceled');
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
    await call.press('1');
    expect(call.saysText()).toContain('Your payment has been canceled.');
    expect(call.hasHangup()).toBe(true);
    expect((await tg.getPayment(payment.id)).status).toBe('canceled');
  });

  it('refuses with 409 while the charge is with the processor, and after it succeeded: refund instead', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    sandbox.hold();
    const confirming = call.press('1');
    try {
      await eventually(async () => (await tg.getPayment(payment.id)).status === 'processing', 10_000, 'the charge to start');
      const inFlight = await cancel(payment.id);
      expect(inFlight.status).toBe(409);
      expect(inFlight.body.error.code).toBe('charge_in_flight');
      expect(inFlight.body.error.message).toMatch(/refund/);
    } finally {
      sandbox.release();
    }
    await confirming;
    await eventually(async () => (await tg.getPayment(payment.id)).status === 'succeeded', 10_000, 'the charge to succeed');
    const after = await cancel(payment.id);
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe('payment_succeeded');
    expect(after.body.error.message).toMatch(/refund/);
    expect((await tg.getPayment(payment.id)).status).toBe('succeeded');
  });

  it('ends a pay link capture half-way: the page says it is canceled', async () => {
    const created = await tg.createPayment({ channel: 'link' });
    // A mistyped card number keeps the capture open on the page.
    const open = await payWith(tg, created.payUrl, { cardNumber: '4242424242424241' });
    expect((await tg.getPayment(created.id)).status).toBe('capturing');
    const res = await cancel(created.id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('canceled');
    expect(await vaultKeys(tg, created.id)).toEqual([]);
    // The customer's next submission of the open page is answered with the close, and takes no card.
    const next = await payWith(tg, created.payUrl, { cardNumber: '4242424242424242' }, csrfOf(open.html));
    expect(textOf(next.html)).toContain('This payment has been canceled.');
    expect(next.html).not.toContain('name="cardNumber"');
    expect((await tg.getPayment(created.id)).status).toBe('canceled');
    expect(await vaultKeys(tg, created.id)).toEqual([]);
    // Opened afresh, the link is spent like any finished one.
    expect((await openPage(tg, created.payUrl)).html).not.toContain('name="cardNumber"');
  });

  it('cancels a pending pay link: the page says it is canceled and takes no card', async () => {
    const created = await tg.createPayment({ channel: 'link' });
    expect((await cancel(created.id)).body.status).toBe('canceled');
    const page = await openPage(tg, created.payUrl);
    expect(page.html).not.toContain('name="cardNumber"');
  });

  it('answers 404 for an unknown or malformed id', async () => {
    expect((await cancel('pay_aaaaaaaaaaaaaaaaaaaaaaaa')).status).toBe(404);
    expect((await cancel('nope')).status).toBe(404);
  });
});
