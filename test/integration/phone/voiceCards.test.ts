import cards from '../../fixtures/test-cards.json';
import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { DECLINE_PROMPTS, enterCard, enterPayCode, securityCodeFor, vaultKeys, type Card, spokenReference } from '../../support/voiceCalls';

const APPROVED = (cards.cards as Card[]).filter((c) => c.outcome === 'succeeded');
const DECLINED = (cards.cards as Card[]).filter((c) => c.outcome !== 'succeeded');


describe.each(STORE_KINDS)('every sandbox test card over the phone (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  it('every decline code has a fixture card, so each decline prompt below is heard', () => {
    expect(new Set(DECLINED.map((c) => c.outcome))).toEqual(new Set(Object.keys(DECLINE_PROMPTS)));
  });

  it.each(APPROVED.map((c) => [c.brand, c.number, c] as const))(
    'the sandbox approves the %s card %s and the caller hears the reference digit by digit',
    async (_brand, _number, card) => {
      const payment = await tg.createPayment();
      const call = tg.call();
      await enterPayCode(call, payment.payCode);
      await call.press(`${card.number}#`);
      await call.press('1230');
      expect(call.saysText()).toContain(`${securityCodeFor(card.brand).length} digit security code`);
      expect(call.gatherAttribute('numDigits')).toBe(String(securityCodeFor(card.brand).length));
      await call.press(securityCodeFor(card.brand));
      expect(call.saysText()).toContain(`ending in ${card.number.slice(-4).split('').join(', ')}`);
      await call.press('1');

      const view = await tg.getPayment(payment.id);
      expect(view).toMatchObject({ status: 'succeeded', failure: null, card: { brand: card.brand, last4: card.number.slice(-4) } });
      expect(view.reference).toMatch(/^\d{8}$/);
      expect(view.processorReference).toMatch(/^\d{10}$/);
      expect(call.saysText()).toContain(`Your reference number is ${spokenReference(view.reference)}.`);
      // The caller is still on the line at the reference menu, yet nothing of the card is kept.
      expect(call.gatherAction()).toContain('/voice/capture?turn=');
      expect(await vaultKeys(tg, payment.id)).toEqual([]);
    },
  );

  // Each decline code is ended one of the two ways a caller can end it, alternating, so both are covered.
  const declineCases = DECLINED.map((c, i) => [c.outcome, i % 2 === 0 ? 'presses 2' : 'hangs up', c] as const);

  it.each(declineCases)(
    'a card declined with %s: the caller hears why, %s, and the payment fails with that code',
    async (code, ending, card) => {
      const payment = await tg.createPayment();
      const call = tg.call();
      await enterPayCode(call, payment.payCode);
      await enterCard(call, card.number, card.brand);
      await call.press('1');
      expect(call.saysText()).toContain(DECLINE_PROMPTS[code]);
      expect(call.saysText()).toContain('To try another card, press 1. To end the call, press 2.');
      expect((await tg.getPayment(payment.id)).status).toBe('capturing');

      if (ending === 'presses 2') {
        await call.press('2');
        expect(call.saysText()).toContain('We were not able to take your payment');
        expect(call.hasHangup()).toBe(true);
      }
      expect(await call.hangUp()).toBe(204);
      expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', reference: null, failure: { code } });
      expect(await vaultKeys(tg, payment.id)).toEqual([]);
    },
  );

  it("a call to the payment's voiceUrl goes straight to the card number, with no pay code, and is approved", async () => {
    const payment = await tg.createPayment({ description: 'Invoice 77' });
    expect(payment.voiceUrl).toBe(`${tg.baseUrl}/voice/payments/${payment.id}`);
    const call = tg.call();
    await call.start(payment.voiceUrl);
    expect(call.saysText()).not.toContain('pay code');
    expect(call.saysText()).toContain('You are paying');
    expect(call.saysText()).toContain('Invoice 77');
    expect(call.saysText()).toContain('Please enter your card number');
    expect((await tg.getPayment(payment.id)).status).toBe('capturing');

    await enterCard(call, '378282246310005', 'american-express');
    await call.press('1');
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'succeeded', callSid: call.callSid, card: { brand: 'american-express', last4: '0005' } });
    expect(call.saysText()).toContain(spokenReference(view.reference));
  });
});
