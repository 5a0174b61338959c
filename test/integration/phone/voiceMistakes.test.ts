import { STORE_KINDS, startTestGateway, type TestCall, type TestGateway } from '../../support/harness';
import { countingSandbox, enterCard, enterPayCode, rawPost, sessionOf, sign, turnOf, twilioParams, vaultKeys, type ChargeLog } from '../../support/voiceCalls';

const APOLOGY = 'we are having a technical problem';

/** Expiry dates relative to today, so the suite keeps meaning the same thing as years pass. */
const thisYear = new Date().getUTCFullYear();
const yy = (year: number) => String(year % 100).padStart(2, '0');
const PAST_EXPIRY = `01${yy(thisYear - 1)}`;
const TOO_FAR_EXPIRY = `01${yy(thisYear + 25)}`;

describe.each(STORE_KINDS)('a caller who makes mistakes (%s store)', (kind) => {
  let tg: TestGateway;
  let charges: ChargeLog;
  /** Shifts the gateway's clock; only the expiry test moves it, and puts it back. */
  let clockOffsetMs = 0;
  beforeAll(async () => {
    const sandbox = countingSandbox();
    charges = sandbox.log;
    tg = await startTestGateway(kind, { processor: sandbox.factory, clock: { now: () => new Date(Date.now() + clockOffsetMs) } });
  });
  afterAll(async () => {
    await tg.close();
  });

  /** Most tests start at the payment's own number: one webhook fewer than the pay code, same capture. */
  async function callAtCardNumber(): Promise<{ payment: any; call: TestCall }> {
    const payment = await tg.createPayment();
    const call = tg.call();
    await call.start(payment.voiceUrl);
    expect(call.saysText()).toContain('card number');
    return { payment, call };
  }

  /** A pay code no payment of this gateway holds. */
  async function unknownPayCode(): Promise<string> {
    for (;;) {
      const code = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
      if (!(await tg.gateway.store.get(`paycode:${code}`))) return code;
    }
  }

  describe('the pay code', () => {
    it('an unknown pay code is re-prompted twice, then the caller hears a polite goodbye and the call hangs up', async () => {
      const call = tg.call();
      await call.start();
      const code = await unknownPayCode();
      for (let i = 0; i < 2; i += 1) {
        await call.press(`${code}#`);
        expect(call.says()).toEqual([
          'Sorry, we could not find a payment for that pay code.',
          'Welcome to secure payments. Please enter your 6 digit pay code, then press pound.',
        ]);
        expect(call.hasHangup()).toBe(false);
      }
      await call.press(`${code}#`);
      expect(call.saysText()).toContain('We could not find your payment');
      expect(call.saysText()).toMatch(/Goodbye\.$/);
      expect(call.hasHangup()).toBe(true);
      expect(call.twiml).not.toContain('<Gather');
      expect((await sessionOf(tg, call.callSid))!.session.state.value).toBe('abandoned');
    });

    it.each([
      ['letters', 'abc', ''],
      ['forty digits', '1'.repeat(40), ''],
      ['far too many digits', '9'.repeat(500), ''],
      ['nothing but the pound key', '', '#'],
      ['five digits', '12345', '#'],
      ['a star', '*', ''],
    ])('%s typed for the pay code get the same re-prompt as an unknown code', async (_name, digits, finishedOnKey) => {
      const call = tg.call();
      await call.start();
      const turn = turnOf(call.gatherAction());
      await call.post(call.gatherAction(), { Digits: digits, FinishedOnKey: finishedOnKey });
      expect(call.says()[0]).toBe('Sorry, we could not find a payment for that pay code.');
      expect(call.says()[1]).toContain('enter your 6 digit pay code');
      expect(turnOf(call.gatherAction())).toBe(turn + 1);
    });

    it('the pay code of a payment another call is already paying is treated as unknown', async () => {
      const payment = await tg.createPayment();
      await enterPayCode(tg.call(), payment.payCode);
      const second = tg.call();
      await second.start();
      await second.press(`${payment.payCode}#`);
      expect(second.says()[0]).toBe('Sorry, we could not find a payment for that pay code.');
      const other = tg.call();
      await other.start(payment.voiceUrl);
      expect(other.says()).toEqual(['Sorry, this payment can no longer be taken. Please contact us for help.', 'Goodbye.']);
      expect(other.hasHangup()).toBe(true);
      expect(await sessionOf(tg, other.callSid)).toBeNull();
    });

    it('the pay code of an expired payment is treated as unknown, and its voiceUrl says it can no longer be taken', async () => {
      const payment = await tg.createPayment();
      clockOffsetMs = 25 * 3600 * 1000;
      try {
        expect((await tg.getPayment(payment.id)).status).toBe('expired');
        const call = tg.call();
        await call.start();
        await call.press(`${payment.payCode}#`);
        expect(call.says()[0]).toBe('Sorry, we could not find a payment for that pay code.');
        const direct = tg.call();
        await direct.start(payment.voiceUrl);
        expect(direct.saysText()).toContain('can no longer be taken');
        expect(direct.hasHangup()).toBe(true);
        expect((await tg.getPayment(payment.id)).status).toBe('expired');
      } finally {
        clockOffsetMs = 0;
      }
    });

    it('silence at the pay code is re-prompted with "did not receive"', async () => {
      const call = tg.call();
      await call.start();
      await call.silence();
      expect(call.says()).toEqual(['We did not receive a pay code.', expect.stringContaining('enter your 6 digit pay code')]);
    });
  });

  describe('each field re-prompts with the reason', () => {
    const cases: Array<[string, string[], string, string]> = [
      ['a card number failing the check digit', [], '4242424242424241#', 'Sorry, that card number is not valid. Please check the digits.'],
      ['a card number too short for a Visa', [], '424242424242#', 'Sorry, that card number has the wrong number of digits for a Visa card.'],
      ['a card number of no known brand', [], '9999999999999995#', 'Sorry, we do not recognise that type of card.'],
      ['letters for the card number', [], 'abc#', 'Sorry, that did not sound like a card number.'],
      ['forty digits for the card number', [], `${'4'.repeat(40)}#`, 'Sorry, that did not sound like a card number.'],
      ['only the pound key for the card number', [], '#', 'Sorry, that did not sound like a card number.'],
      ['month 13', ['4242424242424242#'], '1330', 'Sorry, that is not a valid month.'],
      ['month 00', ['4242424242424242#'], '0030', 'Sorry, that is not a valid month.'],
      ['a past expiry', ['4242424242424242#'], PAST_EXPIRY, 'Sorry, that expiration date has passed.'],
      ['an expiry too far ahead', ['4242424242424242#'], TOO_FAR_EXPIRY, 'Sorry, that expiration date is too far in the future.'],
      ['a three-digit expiry', ['4242424242424242#'], '123#', 'Sorry, the expiration date must be exactly 4 digits.'],
      ['a two-digit security code on a Visa', ['4242424242424242#', '1230'], '12#', 'Sorry, the security code for this card has 3 digits.'],
      ['a three-digit security code on an American Express', ['378282246310005#', '1230'], '123#', 'Sorry, the security code for this card has 4 digits.'],
      ['a confirmation key that is not 1 or 2', ['4242424242424242#', '1230', '123'], '7', 'Sorry, that is not one of the choices.'],
    ];

    it.each(cases)('%s: the caller hears why, then the same question again', async (_name, before, keys, reason) => {
      const { payment, call } = await callAtCardNumber();
      for (const k of before) await call.press(k);
      const asked = call.says().at(-1);
      const turn = turnOf(call.gatherAction());
      await call.press(keys);
      expect(call.says()).toEqual([reason, asked]);
      expect(turnOf(call.gatherAction())).toBe(turn + 1);
      expect((await sessionOf(tg, call.callSid))!.session.state.context.attempts).toBe(1);
      expect((await tg.getPayment(payment.id)).status).toBe('capturing');
    });
  });

  describe('timeouts', () => {
    it.each([
      ['card number', [], 'We did not receive a card number.'],
      ['expiry', ['4242424242424242#'], 'We did not receive an expiration date.'],
      ['security code', ['4242424242424242#', '1230'], 'We did not receive a security code.'],
      ['confirmation', ['4242424242424242#', '1230', '123'], 'We did not receive your choice.'],
    ])('silence at the %s is re-prompted with "did not receive"', async (_field, before, notice) => {
      const { call } = await callAtCardNumber();
      for (const k of before) await call.press(k);
      const asked = call.says().at(-1);
      await call.silence();
      expect(call.says()).toEqual([notice, asked]);
    });

    it('three silences at the expiry fail the payment with too_many_attempts and leave nothing in the vault', async () => {
      const { payment, call } = await callAtCardNumber();
      await call.press('4242424242424242#');
      await call.silence();
      await call.silence();
      expect(call.hasHangup()).toBe(false);
      await call.silence();
      expect(call.says()).toEqual(['Sorry, we were not able to take your payment. Please contact us for help.', 'Goodbye.']);
      expect(call.hasHangup()).toBe(true);
      expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'too_many_attempts' } });
      expect(await vaultKeys(tg, payment.id)).toEqual([]);
    });
  });

  it('three bad security codes fail the payment with too_many_attempts', async () => {
    const { payment, call } = await callAtCardNumber();
    await call.press('4242424242424242#');
    await call.press('1230');
    await call.press('1#');
    await call.press('12#');
    await call.press('9#');
    expect(call.hasHangup()).toBe(true);
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'too_many_attempts' } });
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
  });

  it('a mistake does not carry over: two mistakes on the card number, then two on the expiry, still succeed', async () => {
    const { payment, call } = await callAtCardNumber();
    await call.press('4242424242424241#');
    await call.silence();
    await call.press('4242424242424242#');
    await call.press('1330');
    await call.silence();
    await call.press('1230');
    await call.press('123');
    await call.press('1');
    expect((await tg.getPayment(payment.id)).status).toBe('succeeded');
  });

  it('star on the card number cancels the payment and hangs up', async () => {
    const { payment, call } = await callAtCardNumber();
    await call.press('*');
    expect(call.says()).toEqual(['Your payment has been canceled.', 'Goodbye.']);
    expect(call.hasHangup()).toBe(true);
    expect((await tg.getPayment(payment.id)).status).toBe('canceled');
  });

  it('star on the expiry goes back to the card number and forgets it', async () => {
    const { payment, call } = await callAtCardNumber();
    await call.press('4242424242424242#');
    expect(await vaultKeys(tg, payment.id)).toHaveLength(1);
    await call.press('*');
    expect(call.says()).toEqual(['Going back.', 'Please enter your card number, then press pound. To cancel, press star.']);
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
    expect((await tg.getPayment(payment.id)).card).toBeNull();

    await enterCard(call, '5555555555554444', 'mastercard');
    await call.press('1');
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded', card: { brand: 'mastercard', last4: '4444' } });
  });

  it('star on the security code goes back to the expiry and keeps the card number', async () => {
    const { payment, call } = await callAtCardNumber();
    await call.press('4242424242424242#');
    await call.press('1230');
    await call.press('*');
    expect(call.says()[0]).toBe('Going back.');
    expect(call.says()[1]).toContain('expiration date');
    expect(await vaultKeys(tg, payment.id)).toEqual([expect.stringContaining(':cardNumber.')]);
    await call.press('1130');
    await call.press('123');
    await call.press('1');
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded', card: { last4: '4242' } });
  });

  it('pressing 2 at the confirmation starts the card again and forgets the first one', async () => {
    const { payment, call } = await callAtCardNumber();
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('2');
    expect(call.says()).toEqual(["Let's enter the card again.", 'Please enter your card number, then press pound. To cancel, press star.']);
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
    await enterCard(call, '6011111111111117', 'discover');
    expect(call.saysText()).toContain('Discover card ending in 1, 1, 1, 7');
    await call.press('1');
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded', card: { brand: 'discover', last4: '1117' } });
  });

  it('after a decline, pressing 1 lets the caller try another card and pay', async () => {
    const { payment, call } = await callAtCardNumber();
    await enterCard(call, '4000000000000002', 'visa');
    await call.press('1');
    expect(call.saysText()).toContain('your card was declined');
    await call.press('1');
    expect(call.says()).toEqual(['Please enter your card number, then press pound. To cancel, press star.']);
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('1');
    expect(call.saysText()).toContain('reference number');
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'succeeded', failure: null, card: { last4: '4242' } });
    expect(charges.charges.filter((c) => c.paymentId === payment.id).map((c) => c.idempotencyKey)).toEqual([
      `${payment.id}-charge-1`,
      `${payment.id}-charge-2`,
    ]);
  });

  it('three declined cards end the call with the last decline as the failure', async () => {
    const { payment, call } = await callAtCardNumber();
    for (const number of ['4000000000000002', '4000000000009995']) {
      await enterCard(call, number, 'visa');
      await call.press('1');
      await call.press('1');
    }
    await enterCard(call, '4000000000000127', 'visa');
    await call.press('1');
    expect(call.saysText()).toContain('the security code was not accepted');
    expect(call.saysText()).toContain('We were not able to take your payment');
    expect(call.hasHangup()).toBe(true);
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'incorrect_cvc' } });
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
  });

  it('a hang-up mid-capture fails the payment with caller_hung_up and leaves no vault entry or token behind', async () => {
    const { payment, call } = await callAtCardNumber();
    await call.press('4242424242424242#');
    await call.press('1230');
    expect(await vaultKeys(tg, payment.id)).toHaveLength(2);
    expect(await call.hangUp()).toBe(204);
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'caller_hung_up' }, card: { last4: '4242' } });
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
    expect((await vaultKeys(tg)).filter((key) => key.startsWith(`vault:${payment.id}:`) || key.startsWith('vault:token:'))).toEqual([]);
  });

  it('after a decline the security code is gone from the vault while the caller is still at the decline menu', async () => {
    const { payment, call } = await callAtCardNumber();
    await enterCard(call, '4000000000009995', 'visa');
    const before = await vaultKeys(tg, payment.id);
    expect(before.filter((key) => key.includes(':securityCode.'))).toHaveLength(1);
    await call.press('1');
    expect(call.saysText()).toContain('insufficient funds');
    expect((await sessionOf(tg, call.callSid))!.session.state.value).toBe('declined');
    expect((await sessionOf(tg, call.callSid))!.session.vaultRefs.securityCode).toBeUndefined();
    const after = await vaultKeys(tg, payment.id);
    expect(after.filter((key) => key.includes('securityCode.'))).toEqual([]);
    expect(after.filter((key) => key.startsWith('vault:token:'))).toEqual([]);
    // The number and expiry stay only until the caller chooses.
    await call.press('2');
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
  });

  it('a keypad webhook for a call the gateway never saw gets a spoken apology, not an error', async () => {
    const call = tg.call();
    const res = await call.signedPost(`${tg.baseUrl}/voice/capture?turn=3`, { Digits: '4242424242424242', FinishedOnKey: '#' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    call.twiml = await res.text();
    // A webhook's answer is never revalidated: no ETag is computed for it, and its length is stated.
    expect(res.headers.get('etag')).toBeNull();
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(call.twiml));
    expect(call.saysText()).toContain(APOLOGY);
    expect(call.hasHangup()).toBe(true);
    expect(await sessionOf(tg, call.callSid)).toBeNull();
  });

  it.each([
    ['/voice/capture?turn=1', { Digits: '1' }],
    ['/voice/incoming', {}],
  ])('a signed request to %s without a CallSid gets the apology with 200', async (path, extra) => {
    const params: Record<string, string> = { ...twilioParams('x', extra) };
    delete params.CallSid;
    const res = await rawPost(tg, path, params, sign(tg.baseUrl + path, params));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(APOLOGY);
    expect(text).toContain('<Hangup/>');
  });

  it.each(['', '?turn=abc', '?turn=-1', '?turn=1.5'])('a keypad webhook with a bad turn (%s) gets the apology, and the call is untouched', async (query) => {
    const { call } = await callAtCardNumber();
    const before = await sessionOf(tg, call.callSid);
    const res = await call.signedPost(`${tg.baseUrl}/voice/capture${query}`, { Digits: '4242424242424242', FinishedOnKey: '#' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(APOLOGY);
    expect(await sessionOf(tg, call.callSid)).toEqual(before);
  });
});

describe.each(STORE_KINDS)('a live call redirected to a payment (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  it('a call that first reached the pay-code prompt and is then sent to a payment voiceUrl captures that payment', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await call.start();
    const staleAction = call.gatherAction();
    await call.start(payment.voiceUrl);
    expect(call.saysText()).toContain('card number');
    expect(turnOf(call.gatherAction())).toBeGreaterThan(turnOf(staleAction));
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('1');
    expect((await tg.getPayment(payment.id)).status).toBe('succeeded');
  });
});
