/**
 * Production's rules for a live call's returnUrl: the webhook endpoints' address rules (https, never a
 * private address), and a gateway whose call control is the development fake refuses it (fail closed)
 * rather than promise a call it cannot move.
 */
import { startTestGateway, type TestGateway } from '../../support/harness';

// Production needs Redis, so this runs on the Redis store only.
describe('live-call payments in production', () => {
  let tg: TestGateway;
  beforeAll(async () => {
    // No TWILIO_ACCOUNT_SID and no agent bridge: the call control is the in-memory fake.
    tg = await startTestGateway('redis', { env: { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://pay.example.com', PROCESSOR: 'sandbox' } });
  });
  afterAll(async () => {
    await tg.close();
  });

  const create = (returnUrl: string) => tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', callSid: `CA${'4'.repeat(32)}`, returnUrl });

  it('refuses http and private addresses as the webhook endpoint rules do', async () => {
    expect(await create('http://localhost:8080/after')).toMatchObject({ status: 400, body: { error: { code: 'invalid_returnUrl', message: 'returnUrl: must be https in production.' } } });
    expect(await create('https://10.0.0.5/after')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_returnUrl', message: 'returnUrl: must not resolve to a private, loopback or link-local address in production.' } },
    });
    expect(await create('https://169.254.169.254/latest')).toMatchObject({ status: 400, body: { error: { code: 'invalid_returnUrl' } } });
  });

  it('refuses a returnUrl while the call control is the development fake, and makes no payment', async () => {
    expect(tg.gateway.config.bridge.callControl).toBe('fake');
    expect(await create('https://203.0.113.10/after')).toMatchObject({ status: 503, body: { error: { code: 'call_control_unavailable' } } });
    expect((await tg.api('GET', '/api/payments')).body.data).toEqual([]);
    // Without a returnUrl nothing is moved: the payment is made as before.
    expect((await tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', callSid: `CA${'4'.repeat(32)}` })).status).toBe(201);
  });
});
