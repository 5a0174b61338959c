import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';

describe.each(STORE_KINDS)('a caller pays by keypad (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  it('when the caller types the pay code and a good card, the payment succeeds and the caller hears the reference', async () => {
    const payment = await tg.createPayment({ description: 'Invoice 1042' });
    const call = tg.call();
    await call.start();
    expect(call.saysText()).toContain('pay code');
    await call.press(`${payment.payCode}#`);
    expect(call.saysText()).toContain('card number');
    await call.press('4242424242424242#');
    expect(call.saysText()).toContain('expiration date');
    await call.press('1230');
    expect(call.saysText()).toContain('security code');
    await call.press('123');
    expect(call.saysText()).toMatch(/ending in 4, 2, 4, 2.*press 1/);
    await call.press('1');
    expect(call.saysText()).toContain('reference number');
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'succeeded', card: { brand: 'visa', last4: '4242' }, expiryCaptured: true, securityCodeCaptured: true });
    // The gateway's own 8 digits, in two groups of four; the processor's id stays on the payment.
    expect(view.reference).toMatch(/^[1-9][0-9]{7}$/);
    expect(call.saysText()).toContain(`${view.reference.slice(0, 4).split('').join(', ')}. ${view.reference.slice(4).split('').join(', ')}`);
    expect(view.processorReference).toEqual(expect.any(String));
  });
});
