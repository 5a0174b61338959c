import { randomBytes } from 'node:crypto';
import { startFakeStripe, type FakeStripe } from '../../support/fakeStripe';
import { stripeEnv } from '../../support/processorGateway';
import { STORE_KINDS } from '../../support/harness';
import { addAgent, openBridge, startBridgeRig, type BridgeRig } from '../../support/bridgeCalls';

jest.setTimeout(30_000);

/** Signs in as an agent over plain HTTP: the session cookie and the page's CSRF token. */
async function signIn(rig: BridgeRig): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${rig.tg.gateway.url}/panel/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: rig.tg.baseUrl },
    body: new URLSearchParams({ key: await addAgent(rig, `alice-${randomBytes(3).toString('hex')}`) }).toString(),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const page = await (await fetch(`${rig.tg.gateway.url}/panel`, { headers: { cookie } })).text();
  return { cookie, csrf: /name="csrf-token" content="([^"]+)"/.exec(page)![1]! };
}

/** A connected bridge and a signed-in agent who can press "Start card capture" on it. */
async function agentOnBridge(rig: BridgeRig) {
  const caller = rig.tg.call();
  const bridgeId = await openBridge(rig, caller);
  const { cookie, csrf } = await signIn(rig);
  const start = async (form: Record<string, unknown>) => {
    const res = await fetch(`${rig.tg.gateway.url}/panel/bridges/${bridgeId}/capture`, {
      method: 'POST',
      headers: { cookie, origin: rig.tg.baseUrl, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify(form),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { bridgeId, caller, start };
}

/** What the agent typed, why it is refused, and the field the answer names. */
const REFUSED: Array<[label: string, code: string, field: string, form: Record<string, unknown>]> = [
  ['a spaced card number in the description', 'invalid_description', 'description', { amount: '12.34', currency: 'USD', description: 'Card 4242 4242 4242 4242 thanks' }],
  ['a mistyped card number in the description', 'invalid_description', 'description', { amount: '12.34', currency: 'USD', description: 'typed 4242424242424241 by mistake' }],
  ['a description over 200 characters', 'invalid_description', 'description', { amount: '12.34', currency: 'USD', description: 'x'.repeat(201) }],
  ['12.345 USD', 'invalid_amount', 'amount', { amount: '12.345', currency: 'USD' }],
  ['12.5 JPY', 'invalid_amount', 'amount', { amount: '12.5', currency: 'JPY' }],
  ['0 USD', 'invalid_amount', 'amount', { amount: '0', currency: 'USD' }],
  ['a number instead of a decimal string', 'invalid_amount', 'amount', { amount: 12.34, currency: 'USD' }],
  ['XDR', 'invalid_currency', 'currency', { amount: '10.00', currency: 'XDR' }],
  ['HRK', 'invalid_currency', 'currency', { amount: '10.00', currency: 'HRK' }],
];

describe.each(STORE_KINDS)('the panel start form is checked as POST /api/payments is (%s store)', (kind) => {
  let rig: BridgeRig;
  beforeAll(async () => {
    rig = await startBridgeRig(kind);
  });
  afterAll(async () => {
    await rig.close();
  });

  it.each(REFUSED)('refuses %s with 400 %s naming %s, and starts nothing', async (_label, code, field, form) => {
    const { bridgeId, start } = await agentOnBridge(rig);
    const before = rig.control.operations.length;
    const res = await start(form);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ ok: false, code, field, message: expect.stringMatching(new RegExp(`^${field}: `)) });
    // Nothing was created, paused, held or moved, and the refused text went nowhere.
    expect(rig.control.operations.length).toBe(before);
    expect(await rig.tg.gateway.bridges.get(bridgeId)).toMatchObject({ state: 'connected', paymentId: null });
    for (const text of [JSON.stringify(res.body), JSON.stringify(rig.events), ...rig.tg.logLines]) expect(text).not.toMatch(/4242 ?4242/);
  });

  it('answers the API the same way for the same fields', async () => {
    const res = await rig.tg.api('POST', '/api/payments', { amount: '12.34', currency: 'USD', description: 'typed 4242424242424241 by mistake' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'invalid_description', message: expect.stringMatching(/^description: /) });
  });

  it('starts the capture for a valid form, and an empty description is none', async () => {
    const { bridgeId, start } = await agentOnBridge(rig);
    const res = await start({ amount: '12.3', currency: 'usd', description: '' });
    expect(res).toEqual({ status: 200, body: { ok: true, paymentId: expect.stringMatching(/^pay_/) } });
    const payment = await rig.tg.getPayment(res.body.paymentId as string);
    expect(payment).toMatchObject({ amount: '12.30', currency: 'USD' });
    expect((await rig.tg.gateway.bridges.get(bridgeId))!.state).toBe('capturing');
  });
});

describe('the panel refuses what the configured processor cannot charge exactly (PROCESSOR=stripe)', () => {
  let fake: FakeStripe;
  let rig: BridgeRig;
  beforeAll(async () => {
    fake = await startFakeStripe();
    rig = await startBridgeRig('memory', stripeEnv(fake));
  });
  afterAll(async () => {
    await rig.close();
    await fake.close();
  });

  it('answers 400 for 5.124 KWD, as the API does', async () => {
    const { start } = await agentOnBridge(rig);
    const res = await start({ amount: '5.124', currency: 'KWD' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false, code: 'invalid_amount', field: 'amount', message: expect.stringContaining('third decimal is 0') });
    const api = await rig.tg.api('POST', '/api/payments', { amount: '5.124', currency: 'KWD' });
    expect(api.body.error.message).toBe(res.body.message);
  });
});
