import { eventually } from '../../support/eventually';
import { startGatewayPair, type GatewayPair } from '../../support/gatewayPair';
import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { csrfOf, openPage, payWith } from '../../support/payLinks';
import { decodeQuotedPrintable, startSmtp, type SmtpReceiver } from '../../support/smtpReceiver';
import { enterCard, enterPayCode } from '../../support/voiceCalls';

jest.setTimeout(30_000);

const VISA = '4242424242424242';

describe.each(STORE_KINDS)('receipts of every channel (%s store)', (kind) => {
  let smtp: SmtpReceiver;
  let tg: TestGateway;

  beforeAll(async () => {
    smtp = await startSmtp();
    tg = await startTestGateway(kind, { env: { SMTP_URL: smtp.url, MERCHANT_NAME: 'Acme Plumbing', PAY_RATE_LIMIT_PER_CLIENT: '10000' } });
  });
  afterAll(async () => {
    await tg.close();
    await smtp.close();
  });

  const receiptsOf = (reference: string) => smtp.messages.filter((m) => m.includes(`Reference: ${reference}`));

  /** A phone payment with an email, paid by a keypad call up to the confirmation; answers the confirmation's URL. */
  async function phonePaymentAtConfirmation(email: string | null) {
    const payment = await tg.createPayment({ description: 'Boiler repair', ...(email ? { email } : {}) });
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, VISA, 'visa');
    return { payment, call, confirmUrl: call.gatherAction() };
  }

  it('accepts an email on a phone payment, and answers no email back', async () => {
    const res = await tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', email: 'caller@example.com' });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain('caller@example.com');
    expect(JSON.stringify(await tg.getPayment(res.body.id))).not.toContain('caller@example.com');
  });

  it('a phone payment with an email, paid on a keypad call, sends exactly one receipt with the reference and masked card', async () => {
    const { payment, call } = await phonePaymentAtConfirmation('caller@example.com');
    await call.press('1');
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'succeeded', channel: 'phone' });
    const mail = decodeQuotedPrintable(await eventually(() => receiptsOf(view.reference)[0], 10_000, 'the receipt'));
    expect(mail).toContain('To: caller@example.com');
    expect(mail).toContain('Acme Plumbing');
    expect(mail).toContain('Visa •••• 4242');
    expect(mail).toContain('Boiler repair');
    expect(mail).toMatch(/\$12\.34/);
    expect(mail).not.toMatch(/4242424242424242|1230|\b123\b/);
    await tg.gateway.receipts.settled();
    expect(receiptsOf(view.reference)).toHaveLength(1);
  });

  it('a replayed final webhook, and the same confirmation delivered five times at once, send no second receipt', async () => {
    const { payment, call, confirmUrl } = await phonePaymentAtConfirmation('replay@example.com');
    const approval = await call.press('1');
    const reference = (await tg.getPayment(payment.id)).reference;
    await eventually(() => receiptsOf(reference).length === 1, 10_000, 'the first receipt');
    // Twilio delivering the final webhook again, alone and in parallel: each is answered from the stored reply.
    expect(await call.post(confirmUrl, { Digits: '1', FinishedOnKey: '' })).toBe(approval);
    await Promise.all(Array.from({ length: 5 }, () => call.signedPost(confirmUrl, { Digits: '1', FinishedOnKey: '' })));
    // Any receipt these started would be in flight by now: once settled, the count is final.
    await tg.gateway.receipts.settled();
    expect(receiptsOf(reference)).toHaveLength(1);
  });

  it('sends none for a phone payment without an email', async () => {
    const { payment, call } = await phonePaymentAtConfirmation(null);
    await call.press('1');
    const reference = (await tg.getPayment(payment.id)).reference;
    expect(reference).toEqual(expect.any(String));
    await tg.gateway.receipts.settled();
    expect(receiptsOf(reference)).toHaveLength(0);
  });

  it('a link payment still sends one', async () => {
    const created = await tg.createPayment({ channel: 'link', description: 'Invoice 1042', email: 'chat@example.com' });
    const csrf = csrfOf((await openPage(tg, created.payUrl)).html);
    await payWith(tg, created.payUrl, { cardNumber: VISA, expiry: '1230', securityCode: '123' }, csrf);
    const reference = (await tg.getPayment(created.id)).reference;
    const mail = decodeQuotedPrintable(await eventually(() => receiptsOf(reference)[0], 10_000, 'the link receipt'));
    expect(mail).toContain('To: chat@example.com');
    // The finished form posted again shows the result and sends nothing more.
    await payWith(tg, created.payUrl, { cardNumber: VISA }, csrf);
    await tg.gateway.receipts.settled();
    expect(receiptsOf(reference)).toHaveLength(1);
  });
});

describe.each(STORE_KINDS)('receipts with two gateway processes on one store (%s)', (kind) => {
  let smtp: SmtpReceiver;
  let pair: GatewayPair;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    smtp = await startSmtp();
    pair = await startGatewayPair(kind, { env: { SMTP_URL: smtp.url } });
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair.close();
    await smtp.close();
  });

  it('the final webhook delivered to both processes at once sends one receipt', async () => {
    const payment = await a.createPayment({ email: 'fleet@example.com' });
    const onA = a.call();
    const onB = b.call(onA.callSid);
    await enterPayCode(onA, payment.payCode);
    await enterCard(onA, VISA, 'visa');
    const confirmUrl = onA.gatherAction();
    const deliveries = Array.from({ length: 3 }, () => [
      onA.signedPost(confirmUrl, { Digits: '1', FinishedOnKey: '' }),
      onB.signedPost(confirmUrl, { Digits: '1', FinishedOnKey: '' }),
    ]).flat();
    expect((await Promise.all(deliveries)).map((r) => r.status)).toEqual(Array(6).fill(200));
    const reference = (await a.getPayment(payment.id)).reference;
    expect(reference).toEqual(expect.any(String));
    await eventually(() => smtp.messages.some((m) => m.includes(`Reference: ${reference}`)), 10_000, 'the receipt');
    await Promise.all([a.gateway.receipts.settled(), b.gateway.receipts.settled()]);
    expect(smtp.messages.filter((m) => m.includes(`Reference: ${reference}`))).toHaveLength(1);
  });
});
