import { randomBytes } from 'node:crypto';
import { eventually } from '../../support/eventually';
import { STORE_KINDS } from '../../support/harness';
import { addAgent, auditEntries, openPanelStream, signInAgent, startBridgeRig, type BridgeRig, type PanelClient } from '../../support/bridgeCalls';
import { csrfOf, openPage, payWith } from '../../support/payLinks';

jest.setTimeout(30_000);

const VALID = { amount: '42.50', currency: 'usd', description: 'Order 7781', email: 'chat.customer@example.com' };

/** What the agent typed, why it is refused, and the field the answer names (the API's own rules). */
const REFUSED: Array<[label: string, code: string, field: string, form: Record<string, unknown>]> = [
  ['no amount', 'invalid_amount', 'amount', { currency: 'USD' }],
  ['12.345 USD', 'invalid_amount', 'amount', { amount: '12.345', currency: 'USD' }],
  ['0 USD', 'invalid_amount', 'amount', { amount: '0', currency: 'USD' }],
  ['XDR', 'invalid_currency', 'currency', { amount: '10.00', currency: 'XDR' }],
  ['a card number in the description', 'invalid_description', 'description', { amount: '10.00', currency: 'USD', description: 'Card 4242 4242 4242 4242 thanks' }],
  ['an email that is not one', 'invalid_email', 'email', { amount: '10.00', currency: 'USD', email: 'not an address' }],
];

describe.each(STORE_KINDS)('the panel makes pay links for chat customers (%s store)', (kind) => {
  let rig: BridgeRig;
  beforeAll(async () => {
    rig = await startBridgeRig(kind, { PAY_RATE_LIMIT_PER_CLIENT: '10000' });
  });
  afterAll(async () => {
    await rig.close();
  });

  const linkPayments = async () => (await rig.tg.api('GET', '/api/payments?channel=link&limit=100')).body.data as Array<{ id: string }>;
  const newAgent = async (role: 'agent' | 'supervisor' = 'agent') => {
    const name = `${role}-${randomBytes(3).toString('hex')}`;
    return { name, panel: await signInAgent(rig, await addAgent(rig, name, role)) };
  };
  const create = (panel: PanelClient, form: Record<string, unknown>) => panel.post('/links', form);

  it('answers 401 without a session, and 403 without the CSRF token, with a wrong one, or from another origin; nothing is made', async () => {
    const { panel } = await newAgent();
    const before = (await linkPayments()).length;
    const attempt = (headers: Record<string, string>) =>
      fetch(`${rig.tg.gateway.url}/panel/links`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(VALID) });
    expect((await attempt({ origin: rig.tg.baseUrl, 'x-csrf-token': panel.csrf })).status).toBe(401);
    expect((await attempt({ cookie: panel.cookie, origin: rig.tg.baseUrl })).status).toBe(403);
    expect((await attempt({ cookie: panel.cookie, origin: rig.tg.baseUrl, 'x-csrf-token': 'wrong' })).status).toBe(403);
    expect((await attempt({ cookie: panel.cookie, origin: 'https://evil.example', 'x-csrf-token': panel.csrf })).status).toBe(403);
    expect((await linkPayments()).length).toBe(before);
  });

  it.each(REFUSED)('refuses %s with 400 %s naming %s, as the API would, and makes nothing', async (_label, code, field, form) => {
    const { panel } = await newAgent();
    const before = (await linkPayments()).length;
    const res = await create(panel, form);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ ok: false, code, field, message: expect.stringMatching(new RegExp(`^${field}: `)) });
    expect((await linkPayments()).length).toBe(before);
    const api = await rig.tg.api('POST', '/api/payments', { channel: 'link', ...form });
    expect(api.status).toBe(400);
    expect(api.body.error.code).toBe(code);
    for (const text of [JSON.stringify(res.body), JSON.stringify(rig.events), ...rig.tg.logLines]) expect(text).not.toMatch(/4242 ?4242/);
  });

  it('makes a link payment with a payUrl, audited as the agent with the payment id and never the link', async () => {
    const { name, panel } = await newAgent();
    const res = await create(panel, VALID);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ok: true, paymentId: expect.stringMatching(/^pay_/), payUrl: expect.stringMatching(new RegExp(`^${rig.tg.baseUrl}/pay/[A-Za-z0-9_-]{43}$`)) });
    expect(res.body.link).toMatchObject({ type: 'link', agent: name, status: 'pending', amount: '42.50', currency: 'USD', summary: 'Waiting for the customer', final: false });
    const payment = await rig.tg.getPayment(res.body.paymentId);
    expect(payment).toMatchObject({ channel: 'link', status: 'pending', amount: '42.50', currency: 'USD', description: 'Order 7781', flow: 'web', payUrl: res.body.payUrl });
    const token = res.body.payUrl.split('/pay/')[1];
    const entry = (await auditEntries(rig)).find((e) => e.action === 'create-link' && e.resource === res.body.paymentId);
    expect(entry).toMatchObject({ actor: name, result: 'ok' });
    const trail = JSON.stringify(await auditEntries(rig));
    expect(trail).not.toContain(token);
    expect(trail).not.toContain('chat.customer@example.com');
    expect(JSON.stringify(rig.events)).not.toContain(token);
    const refused = (await auditEntries(rig)).filter((e) => e.action === 'create-link' && e.result !== 'ok');
    expect(refused.every((e) => e.resource === null)).toBe(true);
  });

  it('makes a link that saves the card for later: no amount, and "Card saved" with the reference on the panel', async () => {
    const { name, panel } = await newAgent();
    const stream = await openPanelStream(rig, panel.cookie);
    try {
      await eventually(() => stream.events.some((e) => e.name === 'snapshot'), 5000, 'the snapshot');
      // An amount still in the form is set aside: a save takes none.
      const res = await create(panel, { intent: 'save_card', amount: '5.00', currency: 'USD', description: 'Card on file' });
      expect(res.status).toBe(201);
      expect(res.body.link).toMatchObject({ agent: name, intent: 'save_card', amount: '0.00', summary: 'Waiting for the customer' });
      const id = res.body.paymentId as string;
      expect(await rig.tg.getPayment(id)).toMatchObject({ channel: 'link', intent: 'save_card', amount: '0.00', status: 'pending' });
      const page = await openPage(rig.tg, res.body.payUrl);
      expect(page.html).toContain('>Save Card</button>');
      await payWith(rig.tg, res.body.payUrl, { cardNumber: '4242424242424242', expiry: '1230', securityCode: '123' }, csrfOf(page.html));
      const payment = await rig.tg.getPayment(id);
      expect(payment).toMatchObject({ status: 'succeeded', paymentMethod: `pm_gw_${payment.reference}` });
      const last = await eventually(() => stream.events.find((e) => e.name === 'link' && e.data.paymentId === id && e.data.final)?.data, 5000, 'the final link event');
      expect(last).toMatchObject({ status: 'succeeded', intent: 'save_card', summary: `Card saved, reference ${payment.reference}`, card: { brand: 'visa', last4: '4242' } });
      expect(stream.raw.join('\n')).not.toMatch(/4242424242424242|\b1230\b/);
    } finally {
      stream.close();
    }
  });

  it("shows the payment's masked progress live to its agent (and supervisors), until Success with the reference", async () => {
    const { name, panel } = await newAgent();
    const other = await newAgent();
    const supervisor = await newAgent('supervisor');
    const streams = await Promise.all([panel, other.panel, supervisor.panel].map((p) => openPanelStream(rig, p.cookie)));
    try {
      await Promise.all(streams.map((s) => eventually(() => s.events.some((e) => e.name === 'snapshot'), 5000, 'the snapshot')));
      const res = await create(panel, VALID);
      const id = res.body.paymentId as string;
      const ofLink = (s: (typeof streams)[number]) => s.events.filter((e) => e.name === 'link' && e.data.paymentId === id).map((e) => e.data);
      await eventually(() => ofLink(streams[0]!).some((e) => e.summary === 'Waiting for the customer'), 5000, 'the new link on the panel');
      const csrf = csrfOf((await openPage(rig.tg, res.body.payUrl)).html);
      await payWith(rig.tg, res.body.payUrl, { cardNumber: '4242424242424242', expiry: '1230', securityCode: '123' }, csrf);
      const reference = (await rig.tg.getPayment(id)).reference as string;
      const last = await eventually(() => ofLink(streams[0]!).find((e) => e.final), 5000, 'the final link event');
      expect(last).toMatchObject({ agent: name, status: 'succeeded', summary: `Success, reference ${reference}`, card: { brand: 'visa', last4: '4242' }, reference });
      expect(last.lines).toContain('Visa •••• 4242 valid');
      expect(ofLink(streams[0]!).map((e) => e.status)).toEqual(expect.arrayContaining(['pending', 'processing', 'succeeded']));
      await eventually(() => ofLink(streams[2]!).some((e) => e.final), 5000, "the supervisor's view");
      expect(ofLink(streams[1]!)).toEqual([]);
      for (const s of streams) expect(s.raw.join('\n')).not.toMatch(/4242424242424242|\b1230\b|pay\/[A-Za-z0-9_-]{43}/);
    } finally {
      for (const s of streams) s.close();
    }
  });
});
