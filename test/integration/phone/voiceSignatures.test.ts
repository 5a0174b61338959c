import twilio from 'twilio';
import { STORE_KINDS, startTestGateway, type TestCall, type TestGateway } from '../../support/harness';
import { enterPayCode, rawPost, sessionOf, sign, twilioParams } from '../../support/voiceCalls';

const FORBIDDEN = /Forbidden/;

describe.each(STORE_KINDS)('Twilio signatures on the voice webhooks (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  /** A call waiting at the card number, and a snapshot of everything a forged request could move. */
  async function callAtCardNumber(): Promise<{ call: TestCall; payment: any; before: () => Promise<unknown> }> {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    const before = async () => ({ session: await sessionOf(tg, call.callSid), payment: await tg.getPayment(payment.id) });
    return { call, payment, before };
  }

  const forgeries: Array<[string, (url: string, params: Record<string, string>) => string | null]> = [
    ['no signature', () => null],
    ['a signature made with another auth token', (url, params) => twilio.getExpectedTwilioSignature('another-account-token-0123456789', url, params)],
    ['garbage in the signature header', () => 'not-a-signature'],
    ['a valid signature over other parameters', (url, params) => sign(url, { ...params, Digits: '4000000000000002' })],
    ['a valid signature for another turn', (url, params) => sign(url.replace(/turn=\d+/, 'turn=99'), params)],
  ];

  it.each(forgeries)('a keypad webhook with %s is refused with 403 and the call does not move', async (_name, forge) => {
    const { call, before } = await callAtCardNumber();
    const snapshot = await before();
    const url = call.gatherAction();
    const params = twilioParams(call.callSid, { Digits: '4242424242424242', FinishedOnKey: '#' });
    const res = await call.signedPost(url, { Digits: '4242424242424242', FinishedOnKey: '#' }, { signature: forge(url, params) });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(FORBIDDEN);
    expect(await before()).toEqual(snapshot);

    // The genuine delivery of the same turn still works afterwards.
    await call.press('4242424242424242#');
    expect(call.saysText()).toContain('expiration date');
  });

  it.each(forgeries.slice(0, 4))('a hang-up status callback with %s is refused and the capture goes on', async (_name, forge) => {
    const { call, before } = await callAtCardNumber();
    const snapshot = await before();
    const url = `${tg.baseUrl}/voice/status`;
    const params = twilioParams(call.callSid, { CallStatus: 'completed', CallDuration: '42' });
    const res = await call.signedPost(url, { CallStatus: 'completed', CallDuration: '42' }, { signature: forge(url, params) });
    expect(res.status).toBe(403);
    expect(await before()).toEqual(snapshot);
    expect((await sessionOf(tg, call.callSid))!.session.state.value).toBe('collectingCardNumber');
  });

  it('an unsigned call to a payment voiceUrl neither starts a call nor claims the payment', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    const res = await call.signedPost(payment.voiceUrl, {}, { signature: null });
    expect(res.status).toBe(403);
    expect(await sessionOf(tg, call.callSid)).toBeNull();
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'pending', callSid: null });

    // The pay code still works for the real caller.
    await enterPayCode(tg.call(), payment.payCode);
  });

  it('an unsigned or forged call to the self-service number and the fallback gets 403 and no session', async () => {
    const call = tg.call();
    const incoming = `${tg.baseUrl}/voice/incoming`;
    expect((await call.signedPost(incoming, {}, { signature: null })).status).toBe(403);
    expect((await call.signedPost(incoming, {}, { signature: sign(incoming, twilioParams(call.callSid, { From: '+15005550009' })) })).status).toBe(403);
    expect((await call.signedPost(`${tg.baseUrl}/voice/fallback`, {}, { signature: 'forged' })).status).toBe(403);
    expect(await sessionOf(tg, call.callSid)).toBeNull();
  });

  it('a signed webhook with a parameter the gateway does not know is accepted', async () => {
    const { call } = await callAtCardNumber();
    await call.post(call.gatherAction(), {
      Digits: '4242424242424242',
      FinishedOnKey: '#',
      CallToken: '%7B%22parentCallInfoToken%22%3A%22x%22%7D',
      StirVerstat: 'TN-Validation-Passed-A',
      FutureParameterTwilioMightAdd: 'yes & more',
    });
    expect(call.saysText()).toContain('expiration date');
  });
});

describe.each(STORE_KINDS)('behind a TLS-terminating proxy with PUBLIC_BASE_URL (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind, { env: { PUBLIC_BASE_URL: 'https://pay.example.com' } });
  });
  afterAll(async () => {
    await tg.close();
  });

  it('accepts signatures Twilio made for the public https URL, and points every Gather at it', async () => {
    expect(tg.baseUrl).toBe('https://pay.example.com');
    const payment = await tg.createPayment();
    expect(payment.voiceUrl).toBe(`https://pay.example.com/voice/payments/${payment.id}`);
    const call = tg.call();
    await call.start();
    expect(call.gatherAction()).toMatch(/^https:\/\/pay\.example\.com\/voice\/capture\?turn=\d+$/);
    await call.press(`${payment.payCode}#`);
    await call.press('4242424242424242#');
    await call.press('1230');
    await call.press('123');
    await call.press('1');
    expect(call.saysText()).toContain('reference number');
    expect((await tg.getPayment(payment.id)).status).toBe('succeeded');
  });

  it('accepts a signature made over the public URL with an explicit :443', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    const publicUrl = call.gatherAction();
    const withPort = publicUrl.replace('https://pay.example.com/', 'https://pay.example.com:443/');
    const params = twilioParams(call.callSid, { Digits: '4242424242424242', FinishedOnKey: '#' });
    const res = await rawPost(tg, new URL(publicUrl).pathname + new URL(publicUrl).search, params, sign(withPort, params));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('expiration date');
  });

  it('refuses a signature made for the address the gateway listens on rather than the public one', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    const path = new URL(call.gatherAction()).pathname + new URL(call.gatherAction()).search;
    const params = twilioParams(call.callSid, { Digits: '4242424242424242', FinishedOnKey: '#' });
    for (const url of [tg.gateway.url + path, `http://pay.example.com${path}`]) {
      const res = await rawPost(tg, path, params, sign(url, params));
      expect(res.status).toBe(403);
    }
    expect((await sessionOf(tg, call.callSid))!.session.state.value).toBe('collectingCardNumber');
  });
});
