import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import Redis from 'ioredis';
import { REDIS_URL, startTestGateway, type TestGateway } from '../../support/harness';
import { freePort } from '../../support/privateRedis';
import { countingSandbox, enterCard, enterPayCode, vaultKeys, type ChargeLog, spokenReference } from '../../support/voiceCalls';
import { eventually } from '../../support/eventually';

/** A throwaway Redis without persistence, so a restart really loses everything. */
function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

async function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function waitForRedis(port: number): Promise<void> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await eventually(
      async () => {
        try {
          if (probe.status !== 'ready') await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          probe.disconnect();
          return false;
        }
      },
      5000,
      `redis-server on port ${port}`,
    );
  } finally {
    probe.disconnect();
  }
}

async function readyStatus(tg: TestGateway): Promise<number> {
  return (await fetch(`${tg.gateway.url}/readyz`)).status;
}

describe('the gateway when its Redis dies mid-call (redis store)', () => {
  let port: number;
  let redis: ChildProcess | undefined;
  let tg: TestGateway | undefined;
  let charges: ChargeLog;

  beforeAll(async () => {
    port = await freePort();
    redis = startRedis(port);
    await waitForRedis(port);
    const sandbox = countingSandbox();
    charges = sandbox.log;
    tg = await startTestGateway('redis', { env: { REDIS_URL: `redis://127.0.0.1:${port}` }, processor: sandbox.factory });
  });
  afterAll(async () => {
    // Closing while Redis still answers lets the client QUIT cleanly instead of waiting out a reconnect.
    await tg?.close();
    await stopRedis(redis);
  });

  it('apologises within 3 s instead of charging, then takes new calls once Redis is back', async () => {
    const gateway = tg!;
    const lost = await gateway.createPayment();
    const call = gateway.call();
    await enterPayCode(call, lost.payCode);
    await enterCard(call, '4242424242424242', 'visa');

    await stopRedis(redis);
    const started = Date.now();
    await call.press('1');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(3000);
    expect(call.saysText()).toContain('we are having a technical problem');
    expect(call.hasHangup()).toBe(true);
    expect(charges.charges).toHaveLength(0);
    expect(await readyStatus(gateway)).toBe(503);
    // Twilio's status callback for the abandoned call still gets its acknowledgement.
    expect(await call.hangUp()).toBe(204);

    redis = startRedis(port);
    await eventually(async () => (await readyStatus(gateway)) === 200, 10_000, '/readyz to recover');

    // Nothing survived the restart: the old payment is gone, not succeeded.
    const old = await gateway.api('GET', `/api/payments/${lost.id}`);
    expect(old.status).toBe(404);

    const payment = await gateway.createPayment();
    const next = gateway.call();
    await enterPayCode(next, payment.payCode);
    await enterCard(next, '5555555555554444', 'mastercard');
    await next.press('1');
    expect(next.saysText()).toContain('reference number');
    expect(await gateway.getPayment(payment.id)).toMatchObject({ status: 'succeeded', card: { last4: '4444' } });
    expect(charges.charges.map((c) => c.paymentId)).toEqual([payment.id]);
  });
});

describe('a slow processor (redis store)', () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway('redis', { env: { SANDBOX_LATENCY_MS: '1500', PROCESSOR_TIMEOUT_MS: '300' } });
  });
  afterAll(async () => {
    await tg.close();
  });

  /** The sandbox's idempotency records for one payment, read straight from Redis. */
  async function chargeRecords(paymentId: string): Promise<Array<{ key: string; record: any }>> {
    const client = new Redis(REDIS_URL);
    try {
      const keys = await client.keys(`${tg.prefix}sandbox:charge:${paymentId}-*`);
      return Promise.all(keys.map(async (key) => ({ key: key.slice(tg.prefix.length), record: JSON.parse((await client.hget(key, 'd')) ?? 'null') })));
    } finally {
      client.disconnect();
    }
  }

  it('puts the caller on hold with a Redirect, then gives the approval on a later poll, charging once even when a poll is duplicated', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');

    const started = Date.now();
    await call.press('1');
    expect(Date.now() - started).toBeLessThan(1200);
    expect(call.saysText()).toContain('Please hold while we process your payment');
    expect(call.twiml).toContain('<Pause length="2"/>');
    const pollUrl = call.redirectUrl();
    expect(pollUrl).toMatch(/\/voice\/capture\?turn=\d+&poll=1$/);
    expect((await tg.getPayment(payment.id)).status).toBe('processing');

    // Twilio may deliver the first poll twice; neither copy may start a second charge.
    const firstPolls = await Promise.all([call.post(pollUrl!, {}), call.post(pollUrl!, {})]);
    for (const answer of firstPolls) expect(answer).toContain('<Redirect');
    // A caller already holding hears that the payment is on its way, not the first hold message again.
    expect(firstPolls[0]).toContain('still being processed');
    let holds = 1;
    while (call.redirectUrl() && holds < 10) {
      holds += 1;
      await call.followRedirect();
    }
    expect(call.saysText()).toContain('reference number');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    const view = await tg.getPayment(payment.id);
    expect(view.status).toBe('succeeded');
    expect(call.saysText()).toContain(spokenReference(view.reference));

    const records = await chargeRecords(payment.id);
    expect(records).toEqual([{ key: `sandbox:charge:${payment.id}-charge-1`, record: { state: 'done', result: { outcome: 'approved', reference: view.processorReference } } }]);
    expect(tg.logLines.filter((line) => line.includes('processor answered') && line.includes(payment.id))).toHaveLength(1);
    expect((await vaultKeys(tg, payment.id)).filter((key) => key.includes('securityCode.') || key.startsWith('vault:token:'))).toEqual([]);
  });

  it('a caller who hangs up while the processor is still answering gets the payment recorded, and the vault emptied', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '3566002020360505', 'jcb');
    await call.press('1');
    expect(call.redirectUrl()).not.toBeNull();
    expect(await call.hangUp()).toBe(204);
    expect((await tg.getPayment(payment.id)).status).toBe('processing');

    await eventually(async () => (await tg.getPayment(payment.id)).status !== 'processing', 5000, 'the charge to finish');
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded', failure: null, reference: expect.stringMatching(/^\d{8}$/), processorReference: expect.stringMatching(/^\d{10}$/) });
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
    expect(await chargeRecords(payment.id)).toHaveLength(1);
  });
});
