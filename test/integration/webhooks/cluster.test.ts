import { startTestGateway, type TestGateway } from '../../support/harness';
import { startRedisCluster } from '../../support/privateRedis';
import { eventually } from '../../support/eventually';
import { enterPayCode } from '../../support/voiceCalls';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhookReceiver';

describe('webhook deliveries on a Redis Cluster (BullMQ keys in one hash slot)', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>> | undefined;
  let tg: TestGateway | undefined;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    receiver = await startWebhookReceiver();
    // 'memory' only means the harness sets no REDIS_URL: the store and the queue come from the cluster settings.
    tg = await startTestGateway('memory', {
      env: { REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(','), WEBHOOK_RETRY_DELAYS: '100ms' },
    });
  }, 120_000);
  afterAll(async () => {
    await tg?.close();
    await receiver?.close();
    await cluster?.stop();
  });

  it('queues and delivers a signed event, retrying it once after a 500', async () => {
    expect(tg!.logLines.some((l) => l.includes('queued in this process only'))).toBe(false);
    const registered = await tg!.api('POST', '/api/webhooks', { url: receiver.url });
    receiver.secret = registered.body.secret;
    receiver.plan(500);
    const payment = await tg!.createPayment();
    await enterPayCode(tg!.call(), payment.payCode);
    await eventually(async () => receiver.received.some((r) => r.answered === 200), 30_000, 'the delivery');
    expect(receiver.received.map((r) => [r.webhookId, r.verified, r.answered])).toEqual([
      [`msg_${payment.id}_1`, true, 500],
      [`msg_${payment.id}_1`, true, 200],
    ]);
  }, 60_000);
});
