import Redis from 'ioredis';
import { CHILD_TEST_TIMEOUT_MS, type ChildGateway, FleetCall, fleetApi, fleetEnv, startChildGateway } from '../../support/childGateway';
import { REDIS_URL } from '../../support/harness';
import { eventually } from '../../support/eventually';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhookReceiver';

const PUBLIC_URL = 'https://pay.webhooks.example';
/** BullMQ takes up a dead worker's job once its lock (WEBHOOK_STALLED_MS) has lapsed; a child restarts in tens of seconds. */
const REDELIVERY_DEADLINE_MS = 60_000;

describe('webhook delivery across a killed gateway (Redis)', () => {
  const env = fleetEnv({ REDIS_URL, PUBLIC_BASE_URL: PUBLIC_URL, WEBHOOK_STALLED_MS: '2000', WEBHOOK_RETRY_DELAYS: '100ms', WEBHOOK_TIMEOUT_MS: '60000' });
  const gateways: ChildGateway[] = [];
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.kill()));
    await receiver?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it(
    'delivers the same webhook-id again after the gateway is SIGKILLed while the receiver holds the delivery open',
    async () => {
      const first = await startChildGateway(env);
      gateways.push(first);
      const registered = await fleetApi(first.localUrl, 'POST', '/api/webhooks', { url: receiver.url, events: ['payment.capturing'] });
      expect(registered.status).toBe(201);
      receiver.secret = registered.body.secret;
      receiver.plan('hold');

      const payment = await fleetApi(first.localUrl, 'POST', '/api/payments', { amount: '5.00', currency: 'USD' });
      const call = new FleetCall(PUBLIC_URL, () => first.localUrl);
      await call.post('/voice/incoming');
      await call.press(`${payment.body.payCode}#`);
      await eventually(async () => receiver.received.length === 1, REDELIVERY_DEADLINE_MS, 'the first delivery');

      await first.kill();
      expect(receiver.received[0]!.answered).toBeNull();
      const second = await startChildGateway(env);
      gateways.push(second);
      await eventually(async () => receiver.received.length >= 2, REDELIVERY_DEADLINE_MS, 'the delivery again');

      const [held, again] = receiver.received;
      expect(again!.webhookId).toBe(held!.webhookId);
      expect(again!.raw).toBe(held!.raw);
      expect(again!.verified).toBe(true);
      expect(again!.body).toMatchObject({ type: 'payment.capturing', data: { sequence: 1, payment: { id: payment.body.id } } });
      await eventually(
        async () => (await fleetApi(second.localUrl, 'GET', `/api/webhooks/${registered.body.id}/deliveries`)).body.data.some((a: any) => a.delivered),
        REDELIVERY_DEADLINE_MS,
        'the delivery in the list',
      );
      expect(second.lines.join('\n')).not.toContain('queued in this process only');
    },
    2 * CHILD_TEST_TIMEOUT_MS,
  );
});
