/**
 * Payments on any live call: `POST /api/payments` with the call's SID and a `returnUrl` of the merchant's
 * own Twilio application moves the call into the capture (a REST call update against the Twilio-shaped
 * server), the caller types the card on the keypad, and when the capture ends the call is sent back to
 * `returnUrl` with the payment's id and status, however it ended, except when the caller hung up.
 */
import { startTestGateway, cardKeys, STORE_KINDS, type StoreKind, type TestGateway } from '../../support/harness';
import { startStubGateway, type StubGateway } from '../../support/stubGateway';
import { startTwilioServer, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, type SimulatedCall, type TwilioServer } from '../../support/twilioServer';
import { eventually } from '../../support/eventually';
import { leaksIn } from '../../support/leakScan';

jest.setTimeout(60_000);

const DEADLINE_MS = 15_000;
const VISA = '4242424242424242';
const DECLINED = '4000000000000002';
const SECRETS: Array<string | RegExp> = [VISA, DECLINED, '424242424242', /(^|[^0-9])1230([^0-9]|$)/];
/** Where the merchant's number sends callers: a greeting, then a long wait until the gateway takes the call. */
const MERCHANT_HOLD = '<Response><Say>Connecting you to payments</Say><Pause length="600"/></Response>';
const MERCHANT_AFTER = '<Response><Say>Thank you, back with the shop</Say><Hangup/></Response>';

describe.each(STORE_KINDS)('payments on a live call on the %s store', (kind: StoreKind) => {
  let twilio: TwilioServer;
  let merchant: StubGateway;
  let tg: TestGateway;

  beforeEach(async () => {
    twilio = await startTwilioServer();
    merchant = await startStubGateway(TEST_AUTH_TOKEN);
    merchant.twiml.set('/voice', MERCHANT_HOLD);
    merchant.twiml.set('/after', MERCHANT_AFTER);
    tg = await startTestGateway(kind, {
      env: { TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN, TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID, TWILIO_API_URL: twilio.url, CALL_CONTROL: 'twilio' },
    });
  });

  afterEach(async () => {
    await twilio.close();
    await merchant.close();
    await tg.close();
  });

  /** A caller rings the merchant's number and waits there; `statusCallback`: the number's, when it has one. */
  async function merchantCall(statusCallback?: string): Promise<SimulatedCall> {
    const call = twilio.incomingCall({ url: `${merchant.url}/voice`, from: '+15005550006', to: '+15005550002', ...(statusCallback ? { statusCallback } : {}) });
    await eventually(async () => call.heard.some((h) => h.verb === 'say' && h.text === 'Connecting you to payments'), DEADLINE_MS, 'the merchant’s greeting');
    return call;
  }

  function returns(): Array<{ query: Record<string, string>; signatureValid: boolean; params: Record<string, string> }> {
    return merchant.webhooks.filter((w) => w.path === '/after');
  }

  function said(call: SimulatedCall): string {
    return call.heard.map((h) => (h.verb === 'say' ? h.text : '')).join(' ');
  }

  async function noCardData(call: SimulatedCall): Promise<void> {
    // The call's own events hold the keys the caller pressed (Twilio hears them): not the gateway's to keep out.
    const seen = [tg.logLines.join('\n'), ...tg.responses, JSON.stringify(call.heard), JSON.stringify(merchant.webhooks), JSON.stringify(twilio.requests), ...(await tg.rawRedisValues())].join('\n');
    expect(leaksIn(seen, SECRETS)).toEqual([]);
  }

  it('moves the call into the capture, takes the card, and sends the call back to returnUrl with the id and status', async () => {
    const call = await merchantCall();
    // Every key the capture will ask for, queued: card, expiry, code, confirm, then "not again" at the reference.
    call.press(cardKeys(VISA, 'visa').join('') + '9');
    const created = await tg.api('POST', '/api/payments', { amount: '19.99', currency: 'USD', callSid: call.sid, returnUrl: `${merchant.url}/after?order=42` });
    expect(created.status).toBe(201);
    const paymentId = created.body.id as string;
    expect(created.body).toMatchObject({ callSid: call.sid, returnUrl: `${merchant.url}/after?order=42` });
    // The gateway moved the call itself: a REST update of that call to the payment's voice URL.
    const update = twilio.requests.find((r) => r.method === 'POST' && r.path.endsWith(`/Calls/${call.sid}.json`));
    expect(update?.params).toMatchObject({ Url: `${tg.baseUrl}/voice/payments/${paymentId}`, Method: 'POST' });

    await call.ended;
    expect((await tg.getPayment(paymentId)).status).toBe('succeeded');
    expect(returns()).toHaveLength(1);
    expect(returns()[0]).toMatchObject({ query: { order: '42', paymentId, paymentStatus: 'succeeded' }, signatureValid: true, params: { CallSid: call.sid } });
    expect(said(call)).toContain('card number');
    // The merchant's own TwiML speaks after the capture: no "returning you to your agent".
    expect(said(call)).not.toContain('agent');
    expect(said(call)).toMatch(/Thank you, back with the shop$/);
    await noCardData(call);
  });

  it('returns a declined payment as failed', async () => {
    const call = await merchantCall();
    // Declined: "to end the call, press 2".
    call.press(cardKeys(DECLINED, 'visa').join('') + '2');
    const created = await tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', callSid: call.sid, returnUrl: `${merchant.url}/after` });
    expect(created.status).toBe(201);
    await call.ended;
    expect(returns()[0]?.query).toEqual({ paymentId: created.body.id, paymentStatus: 'failed' });
    expect(await tg.getPayment(created.body.id)).toMatchObject({ status: 'failed', failure: { code: 'card_declined' } });
    await noCardData(call);
  });

  it('returns a payment the caller canceled on the keypad as canceled', async () => {
    const call = await merchantCall();
    call.press('*#');
    const created = await tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', callSid: call.sid, returnUrl: `${merchant.url}/after` });
    await call.ended;
    expect(returns()[0]?.query).toEqual({ paymentId: created.body.id, paymentStatus: 'canceled' });
    expect(said(call)).toContain('Your payment has been canceled.');
  });

  it('moves the call back at once when the payment is canceled through the API while the caller is at a prompt', async () => {
    const call = await merchantCall();
    const created = await tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', callSid: call.sid, returnUrl: `${merchant.url}/after` });
    await eventually(async () => said(call).includes('card number'), DEADLINE_MS, 'the card number prompt');
    const canceled = await tg.api('POST', `/api/payments/${created.body.id}/cancel`);
    expect(canceled).toMatchObject({ status: 200, body: { status: 'canceled' } });
    // Not after the 15 s card number timeout: the gateway moves the call itself.
    await eventually(async () => returns().length === 1, 5000, 'the call back at returnUrl');
    expect(returns()[0]?.query).toEqual({ paymentId: created.body.id, paymentStatus: 'canceled' });
    await call.ended;
  });

  it('sends nowhere a caller who hung up (the number’s status callback tells the gateway)', async () => {
    const call = await merchantCall(`${tg.baseUrl}/voice/status`);
    const created = await tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', callSid: call.sid, returnUrl: `${merchant.url}/after` });
    await eventually(async () => said(call).includes('card number'), DEADLINE_MS, 'the card number prompt');
    await call.hangUp();
    await eventually(async () => (await tg.getPayment(created.body.id)).status === 'failed', DEADLINE_MS, 'the capture to end');
    expect((await tg.getPayment(created.body.id)).failure).toMatchObject({ code: 'caller_hung_up' });
    expect(returns()).toEqual([]);
  });

  it('refuses a call Twilio will not move, and cancels the payment it made for it', async () => {
    const gone = `CA${'0'.repeat(32)}`;
    const refused = await tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', callSid: gone, returnUrl: `${merchant.url}/after` });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'call_not_live' } } });
    const listed = await tg.api('GET', '/api/payments');
    expect(listed.body.data.filter((p: { callSid: string }) => p.callSid === gone).map((p: { status: string }) => p.status)).toEqual(['canceled']);
  });

  it('checks returnUrl: a live phone call only, https (or http to this machine), no card data', async () => {
    const callSid = `CA${'1'.repeat(32)}`;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ returnUrl: `${merchant.url}/after` }, 'returnUrl: only for a phone payment with the callSid of a live call.'],
      [{ callSid, channel: 'link', returnUrl: `${merchant.url}/after` }, 'returnUrl: only for a phone payment with the callSid of a live call.'],
      [{ callSid, returnUrl: 'http://merchant.example/after' }, 'returnUrl: must be https (plain http only to localhost, outside production).'],
      [{ callSid, returnUrl: 'ftp://merchant.example/after' }, 'returnUrl: must be an absolute https:// URL.'],
      [{ callSid, returnUrl: 'not a url' }, 'returnUrl: must be an absolute https:// URL.'],
      [{ callSid, returnUrl: `https://merchant.example/after?card=${VISA}` }, 'returnUrl: must not contain card data (no run of 12 or more digits)'],
    ];
    for (const [fields, message] of cases) {
      const answer = await tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', ...fields });
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_returnUrl', message } } });
      expect(answer.text).not.toContain(VISA);
    }
    // Nothing was moved for a refused request.
    expect(twilio.requests).toEqual([]);
  });
});
