import Redis from 'ioredis';
import { eventually } from '../../support/eventually';
import { startTestGateway, type TestGateway } from '../../support/harness';
import { type PrivateRedis, freePort, startRedisServer, startSentinel } from '../../support/privateRedis';
import { enterCard, enterPayCode } from '../../support/voiceCalls';

describe('a gateway on Redis behind Sentinel (REDIS_MODE=sentinel)', () => {
  let master: PrivateRedis | undefined;
  let sentinel: PrivateRedis | undefined;
  let tg: TestGateway | undefined;
  const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  let timersBefore = 0;

  beforeAll(async () => {
    timersBefore = timers();
    master = await startRedisServer();
    sentinel = await startSentinel('ccgtest', master.port);
    // 'memory' only means the harness sets no REDIS_URL: the store comes from the sentinel settings.
    tg = await startTestGateway('memory', {
      env: { REDIS_MODE: 'sentinel', REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`, REDIS_SENTINEL_NAME: 'ccgtest' },
    });
  }, 20_000);
  afterAll(async () => {
    await tg?.close();
    await sentinel?.stop();
    await master?.stop();
    // ioredis leaves each refused sentinel socket a destroy timer of up to 2 s after giving up;
    // waiting until they have fired keeps the test run from ending with timers still armed.
    await eventually(() => timers() <= timersBefore, 5000, 'the sentinel clients’ timers to fire');
  });

  it('finds the primary through the sentinel and takes a whole call there', async () => {
    const gateway = tg!;
    expect(gateway.logLines.some((l) => l.includes('gateway listening') && l.includes('redis (sentinel)'))).toBe(true);
    const payment = await gateway.createPayment();
    const call = gateway.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '5555555555554444', 'mastercard');
    await call.press('1');
    expect(call.saysText()).toContain('Your reference number is');
    expect(await gateway.getPayment(payment.id)).toMatchObject({ status: 'succeeded', card: { last4: '4444' } });
    expect((await fetch(`${gateway.gateway.url}/readyz`)).status).toBe(200);

    // The state really lives on the primary the sentinel named, under the gateway's prefix.
    const direct = new Redis({ port: master!.port, host: '127.0.0.1' });
    try {
      expect(await direct.exists(`${gateway.prefix}payment:${payment.id}`)).toBe(1);
      expect(await direct.exists(`${gateway.prefix}call:${call.callSid}`)).toBe(1);
    } finally {
      direct.disconnect();
    }
  });

  it('refuses to start, naming the sentinel set-up, when no sentinel answers', async () => {
    const nobody = await freePort();
    const started = Date.now();
    const attempt = startTestGateway('memory', {
      env: { REDIS_MODE: 'sentinel', REDIS_SENTINELS: `127.0.0.1:${nobody}`, REDIS_SENTINEL_NAME: 'nosuchmaster' },
    });
    await expect(attempt).rejects.toThrow(/Redis \(sentinel nosuchmaster via 127\.0\.0\.1:\d+\) was not ready within 5000 ms/);
    expect(Date.now() - started).toBeLessThan(7000);
  });
});
