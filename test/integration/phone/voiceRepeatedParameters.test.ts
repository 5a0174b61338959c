import twilio from 'twilio';
import { AUTH_TOKEN, STORE_KINDS, startTestGateway, type TestCall, type TestGateway } from '../../support/harness';
import { enterPayCode, sessionOf, twilioParams } from '../../support/voiceCalls';

/**
 * Twilio signs the distinct values of each parameter, so a body that repeats one verifies with the
 * signature of the body that had it once. Each request below carries such a signature.
 */
describe.each(STORE_KINDS)('a voice webhook with a repeated parameter (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  /** Posts `params` plus `repeat` appended again, signed over the deduplicated parameters. */
  async function postRepeated(url: string, params: Record<string, string>, repeat: Record<string, string>): Promise<Response> {
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
    const body = new URLSearchParams(params);
    for (const [name, value] of Object.entries(repeat)) body.append(name, value);
    // What a form parser makes of the body: the signature alone would let it through.
    const parsed: Record<string, string | string[]> = { ...params };
    for (const [name, value] of Object.entries(repeat)) parsed[name] = [params[name] ?? value, value];
    expect(twilio.validateRequest(AUTH_TOKEN, signature, url, parsed)).toBe(true);
    return fetch(url.replace(tg.baseUrl, tg.gateway.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: body.toString(),
    });
  }

  async function snapshotOf(call: TestCall, paymentId: string): Promise<unknown> {
    return { session: await sessionOf(tg, call.callSid), payment: await tg.getPayment(paymentId) };
  }

  it('a repeated Digits at the card number is refused with 400 and the call does not move', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    const before = await snapshotOf(call, payment.id);
    const url = call.gatherAction();
    const params = twilioParams(call.callSid, { Digits: '4242424242424242', FinishedOnKey: '#' });
    const res = await postRepeated(url, params, { Digits: '4242424242424242' });
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain('4242');
    expect(await snapshotOf(call, payment.id)).toEqual(before);

    await call.press('4242424242424242#');
    expect(call.saysText()).toContain('expiration date');
  });

  it('a repeated CallSid or Digits at the confirmation neither moves the call nor charges', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await call.press('4242424242424242#');
    await call.press('1230');
    await call.press('123');
    expect(call.saysText()).toContain('press 1');
    const before = await snapshotOf(call, payment.id);
    const url = call.gatherAction();
    const params = twilioParams(call.callSid, { Digits: '1', FinishedOnKey: '' });
    expect((await postRepeated(url, params, { CallSid: call.callSid })).status).toBe(400);
    expect((await postRepeated(url, params, { Digits: '1' })).status).toBe(400);
    expect(await snapshotOf(call, payment.id)).toEqual(before);
    expect((await tg.getPayment(payment.id)).status).toBe('capturing');
  });

  it('a repeated parameter is refused on the call start, the payment voice URL and the status callback', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    const incoming = await postRepeated(`${tg.baseUrl}/voice/incoming`, twilioParams(call.callSid), { CallSid: call.callSid });
    expect(incoming.status).toBe(400);
    const direct = await postRepeated(payment.voiceUrl, twilioParams(call.callSid), { From: '+15005550006' });
    expect(direct.status).toBe(400);
    expect(await sessionOf(tg, call.callSid)).toBeNull();
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'pending', callSid: null });

    await enterPayCode(call, payment.payCode);
    const before = await snapshotOf(call, payment.id);
    const status = await postRepeated(`${tg.baseUrl}/voice/status`, twilioParams(call.callSid, { CallStatus: 'completed' }), { CallStatus: 'completed' });
    expect(status.status).toBe(400);
    expect(await snapshotOf(call, payment.id)).toEqual(before);
  });

  it('a repeated parameter is refused on the bridge webhooks, and no bridge opens', async () => {
    const call = tg.call();
    const open = await postRepeated(`${tg.baseUrl}/voice/bridge`, twilioParams(call.callSid), { To: '+15005550001' });
    expect(open.status).toBe(400);
    expect(await tg.gateway.bridges.findByCall(call.callSid)).toBeNull();
    const status = await postRepeated(`${tg.baseUrl}/voice/bridge/status?leg=caller`, twilioParams(call.callSid, { CallStatus: 'completed' }), { CallSid: call.callSid });
    expect(status.status).toBe(400);
  });

  it('a parameter the gateway does not know, given once, is still accepted', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await call.post(call.gatherAction(), { Digits: '4242424242424242', FinishedOnKey: '#', SomethingNewFromTwilio: 'a', AndAnother: 'b' });
    expect(call.saysText()).toContain('expiration date');
  });
});
