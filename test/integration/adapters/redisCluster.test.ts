import { Cluster } from 'ioredis';
import { addTestAgent, startTestGateway, type TestGateway } from '../../support/harness';
import { startRedisCluster } from '../../support/privateRedis';
import { enterCard, enterPayCode } from '../../support/voiceCalls';

describe('a gateway on a Redis Cluster (REDIS_MODE=cluster)', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>> | undefined;
  let tg: TestGateway | undefined;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    // 'memory' only means the harness sets no REDIS_URL: the store comes from the cluster settings.
    tg = await startTestGateway('memory', {
      env: { REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(',') },
    });
  }, 25_000);
  afterAll(async () => {
    await tg?.close();
    await cluster?.stop();
  });

  it('runs whole calls, approved and declined, with keys spread over every node', async () => {
    const gateway = tg!;
    for (const [number, outcome] of [
      ['4242424242424242', 'succeeded'],
      ['4000000000000002', 'failed'],
      ['5555555555554444', 'succeeded'],
    ] as const) {
      const payment = await gateway.createPayment();
      const call = gateway.call();
      await enterPayCode(call, payment.payCode);
      await enterCard(call, number, number.startsWith('5') ? 'mastercard' : 'visa');
      await call.press('1');
      if (outcome === 'failed') await call.press('2');
      expect(await call.hangUp()).toBe(204);
      expect((await gateway.getPayment(payment.id)).status).toBe(outcome);
    }
    // Every script touches one key and deletes go one key at a time, so no CROSSSLOT error reached
    // a caller; and the keys really landed on more than one node.
    expect(gateway.logLines.filter((l) => /CROSSSLOT|webhook failed/.test(l))).toEqual([]);
    const client = new Cluster([{ host: '127.0.0.1', port: cluster!.nodes[0]!.port }]);
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const perNode = await Promise.all(client.nodes('master').map(async (node) => (await node.keys(`${gateway.prefix}*`)).length));
      expect(perNode.filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      client.disconnect();
    }
  });

  it('counts sign-in tries atomically and appends every audit entry on the cluster', async () => {
    const gateway = tg!;
    const signIn = (key: string) =>
      fetch(`${gateway.gateway.url}/panel/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gateway.baseUrl },
        body: new URLSearchParams({ key }).toString(),
      });
    const statuses = (await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(`wrong-key-${i}-0123456789abcdef`)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    expect((await signIn(await addTestAgent(gateway))).status).toBe(429);
    const audit = await gateway.gateway.store.readLog('audit:panel');
    expect(audit).toHaveLength(31);
    expect(gateway.logLines.filter((l) => /CROSSSLOT|audit entry failed/.test(l))).toEqual([]);
  });
});
