import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { countingSandbox, enterCard, enterPayCode, sessionOf, turnOf, vaultKeys, type ChargeLog, spokenReference } from '../../support/voiceCalls';

describe.each(STORE_KINDS)('Twilio delivering the same webhook more than once (%s store)', (kind) => {
  let tg: TestGateway;
  let charges: ChargeLog;
  beforeAll(async () => {
    const sandbox = countingSandbox();
    charges = sandbox.log;
    tg = await startTestGateway(kind, { processor: sandbox.factory });
  });
  afterAll(async () => {
    await tg.close();
  });

  async function callAtCardNumber() {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    return { payment, call };
  }

  async function turnState(callSid: string) {
    const found = (await sessionOf(tg, callSid))!;
    return { turn: found.session.turn, version: found.version, state: found.session.state.value, attempts: found.session.state.context.attempts };
  }

  it('a start webhook delivered twice, then five times at once, opens one call and always answers the same', async () => {
    const call = tg.call();
    const url = `${tg.baseUrl}/voice/incoming`;
    const first = await call.post(url, {});
    expect(await call.post(url, {})).toBe(first);
    const parallel = await Promise.all(Array.from({ length: 5 }, () => call.signedPost(url, {}).then((r) => r.text())));
    expect(parallel).toEqual(Array(5).fill(first));
    expect(await turnState(call.callSid)).toMatchObject({ turn: 1, version: 1, state: 'collectingPayCode' });
  });

  it('the pay code delivered twice in a row advances the call once and both answers are identical', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await call.start();
    const url = call.gatherAction();
    const first = await call.press(`${payment.payCode}#`);
    const second = await call.post(url, { Digits: payment.payCode, FinishedOnKey: '#' });
    expect(second).toBe(first);
    expect(call.saysText()).toContain('card number');
    expect(turnOf(call.gatherAction())).toBe(turnOf(url) + 1);
    expect(await turnState(call.callSid)).toMatchObject({ turn: turnOf(url) + 1, state: 'collectingCardNumber' });
    expect((await tg.getPayment(payment.id)).status).toBe('capturing');
  });

  it('the pay code delivered five times at once claims the payment once and every copy hears the card-number prompt', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await call.start();
    const url = call.gatherAction();
    const answers = await Promise.all(Array.from({ length: 5 }, () => call.post(url, { Digits: payment.payCode, FinishedOnKey: '#' })));
    for (const answer of answers) expect(answer).toBe(answers[0]);
    expect(answers[0]).toContain('card number');
    expect(await turnState(call.callSid)).toMatchObject({ turn: turnOf(url) + 1, state: 'collectingCardNumber' });
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'capturing', callSid: call.callSid });
    // Once the call has committed, the pay code no longer starts anything.
    const other = tg.call();
    await other.start();
    await other.press(`${payment.payCode}#`);
    expect(other.saysText()).toContain('could not find');
  });

  it('a card number delivered twice in a row is entered once: same answer, one turn, one vaulted value', async () => {
    const { payment, call } = await callAtCardNumber();
    const url = call.gatherAction();
    const before = await turnState(call.callSid);
    const first = await call.press('4242424242424242#');
    const second = await call.post(url, { Digits: '4242424242424242', FinishedOnKey: '#' });
    expect(second).toBe(first);
    expect(turnOf(call.gatherAction())).toBe(turnOf(url) + 1);
    expect(await turnState(call.callSid)).toEqual({ turn: before.turn + 1, version: before.version + 1, state: 'collectingExpiry', attempts: 0 });
    expect(await vaultKeys(tg, payment.id)).toEqual([expect.stringMatching(/:cardNumber\.[0-9a-f]{16}$/)]);
  });

  it('a card number delivered five times at once is entered once: five identical answers, one turn, one vaulted value', async () => {
    const { payment, call } = await callAtCardNumber();
    const url = call.gatherAction();
    const before = await turnState(call.callSid);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => call.signedPost(url, { Digits: '5555555555554444', FinishedOnKey: '#' }).then(async (r) => [r.status, await r.text()] as const)),
    );
    expect(answers.map(([status]) => status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map(([, text]) => text)).size).toBe(1);
    call.twiml = answers[0]![1];
    expect(call.saysText()).toContain('expiration date');
    expect(turnOf(call.gatherAction())).toBe(turnOf(url) + 1);
    expect(await turnState(call.callSid)).toEqual({ turn: before.turn + 1, version: before.version + 1, state: 'collectingExpiry', attempts: 0 });
    // The deliveries that lost the race must not leave their own encrypted copies behind.
    expect(await vaultKeys(tg, payment.id)).toHaveLength(1);
    expect((await tg.getPayment(payment.id)).card).toEqual({ brand: 'mastercard', last4: '4444' });
  });

  it('a wrong expiry delivered five times at once counts as one mistake', async () => {
    const { call } = await callAtCardNumber();
    await call.press('4242424242424242#');
    const url = call.gatherAction();
    const answers = await Promise.all(Array.from({ length: 5 }, () => call.signedPost(url, { Digits: '1330', FinishedOnKey: '' }).then((r) => r.text())));
    expect(new Set(answers).size).toBe(1);
    call.twiml = answers[0]!;
    expect(call.saysText()).toContain('not a valid month');
    expect(turnOf(call.gatherAction())).toBe(turnOf(url) + 1);
    expect(await turnState(call.callSid)).toMatchObject({ state: 'collectingExpiry', attempts: 1, turn: turnOf(url) + 1 });
  });

  it('the confirmation "1" delivered five times at once charges the card once', async () => {
    const { payment, call } = await callAtCardNumber();
    await enterCard(call, '4242424242424242', 'visa');
    const url = call.gatherAction();
    const chargesBefore = charges.charges.length;
    const redemptionsBefore = charges.redemptions;

    const answers = await Promise.all(Array.from({ length: 5 }, () => call.signedPost(url, { Digits: '1', FinishedOnKey: '' }).then(async (r) => [r.status, await r.text()] as const)));
    expect(answers.map(([status]) => status)).toEqual([200, 200, 200, 200, 200]);

    const view = await tg.getPayment(payment.id);
    expect(view.status).toBe('succeeded');
    const forThisPayment = charges.charges.slice(chargesBefore).filter((c) => c.paymentId === payment.id);
    expect(forThisPayment).toHaveLength(1);
    expect(forThisPayment[0]!.idempotencyKey).toBe(`${payment.id}-charge-1`);
    expect(charges.redemptions - redemptionsBefore).toBe(1);

    // Every duplicate hears the approval, or holds and is sent back to hear it; none hears an error.
    for (const [, text] of answers) {
      call.twiml = text;
      if (call.redirectUrl()) await call.followRedirect();
      expect(call.saysText()).toContain(`Your reference number is ${spokenReference(view.reference)}`);
    }
    expect(charges.charges.filter((c) => c.paymentId === payment.id)).toHaveLength(1);
  });

  it('a late duplicate of an old turn changes nothing and the caller hears where the call really is', async () => {
    const { payment, call } = await callAtCardNumber();
    const cardNumberUrl = call.gatherAction();
    await call.press('4242424242424242#');
    const expiryUrl = call.gatherAction();
    await call.press('1230');
    await call.press('123');
    const atConfirm = call.twiml;
    const before = { session: await sessionOf(tg, call.callSid), payment: await tg.getPayment(payment.id), vault: (await vaultKeys(tg, payment.id)).sort() };

    // A different number and expiry, as if the caller's old keypresses were retried much later.
    await call.post(cardNumberUrl, { Digits: '5555555555554444', FinishedOnKey: '#' });
    expect(call.saysText()).toContain('ending in 4, 2, 4, 2');
    expect(call.gatherAction()).toBe(new RegExp('action="([^"]+)"').exec(atConfirm)![1]!.replace(/&amp;/g, '&'));
    await call.post(expiryUrl, { Digits: '0199', FinishedOnKey: '' });
    expect(call.saysText()).toContain('To pay now, press 1');

    const after = { session: await sessionOf(tg, call.callSid), payment: await tg.getPayment(payment.id), vault: (await vaultKeys(tg, payment.id)).sort() };
    expect(after).toEqual(before);

    await call.press('1');
    expect((await tg.getPayment(payment.id)).card).toEqual({ brand: 'visa', last4: '4242' });
  });

  it('a late duplicate of the confirmation after the approval replays the approval without charging again', async () => {
    const { payment, call } = await callAtCardNumber();
    await enterCard(call, '6011111111111117', 'discover');
    const confirmUrl = call.gatherAction();
    const approval = await call.press('1');
    const version = (await sessionOf(tg, call.callSid))!.version;
    expect(await call.post(confirmUrl, { Digits: '1', FinishedOnKey: '' })).toBe(approval);
    expect((await sessionOf(tg, call.callSid))!.version).toBe(version);
    expect(charges.charges.filter((c) => c.paymentId === payment.id)).toHaveLength(1);
  });

  it('the same wrong card number typed again after the re-prompt is a new attempt that counts toward the tries', async () => {
    const { payment, call } = await callAtCardNumber();
    await call.press('4242424242424241#');
    expect(call.saysText()).toContain('not valid');
    expect(await turnState(call.callSid)).toMatchObject({ attempts: 1 });
    const firstRetryTurn = turnOf(call.gatherAction());

    await call.press('4242424242424241#');
    expect(call.saysText()).toContain('not valid');
    expect(turnOf(call.gatherAction())).toBe(firstRetryTurn + 1);
    expect(await turnState(call.callSid)).toMatchObject({ attempts: 2, state: 'collectingCardNumber' });

    await call.press('4242424242424241#');
    expect(call.hasHangup()).toBe(true);
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'too_many_attempts' } });
  });

  it('status callbacks out of order (completed twice, then ringing and in-progress) leave the hung-up call as it was', async () => {
    const { payment, call } = await callAtCardNumber();
    await call.press('4242424242424242#');
    expect(await call.hangUp()).toBe(204);
    const ended = { session: await sessionOf(tg, call.callSid), payment: await tg.getPayment(payment.id) };
    expect(ended.payment).toMatchObject({ status: 'failed', failure: { code: 'caller_hung_up' } });

    expect(await call.hangUp()).toBe(204);
    for (const status of ['ringing', 'in-progress', 'initiated', 'answered']) {
      const res = await call.signedPost(`${tg.baseUrl}/voice/status`, { CallStatus: status });
      expect(res.status).toBe(204);
    }
    expect({ session: await sessionOf(tg, call.callSid), payment: await tg.getPayment(payment.id) }).toEqual(ended);
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
  });

  it('a ringing callback arriving mid-capture and a completed callback after the approval do not undo the payment', async () => {
    const { payment, call } = await callAtCardNumber();
    expect((await call.signedPost(`${tg.baseUrl}/voice/status`, { CallStatus: 'ringing' })).status).toBe(204);
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('1');
    const reference = (await tg.getPayment(payment.id)).reference;
    expect(await call.hangUp()).toBe(204);
    expect(await call.hangUp()).toBe(204);
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded', reference, failure: null });
    expect((await sessionOf(tg, call.callSid))!.session.state.value).toBe('completed');
  });

  it('a status callback for a call the gateway never saw is acknowledged and creates nothing', async () => {
    const call = tg.call();
    expect(await call.hangUp()).toBe(204);
    expect(await sessionOf(tg, call.callSid)).toBeNull();
  });
});
