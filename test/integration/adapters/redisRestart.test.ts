import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startTestGateway, type TestGateway } from '../../support/harness';
import { type PrivateRedis, startRedisServer } from '../../support/privateRedis';
import { countingSandbox, enterCard, enterPayCode, type ChargeLog } from '../../support/voiceCalls';
import { eventually } from '../../support/eventually';

/**
 * voiceFaults covers a Redis that dies and comes back empty. Here it comes back with its data, as a
 * restarted server with an append-only file (or a failed-over replica) does: calls must resume, and
 * a charge cut off by the outage must be neither made twice nor reported without being made.
 */
/** How long the sandbox takes per charge: a restart must fit inside it even on a loaded machine. */
const PROCESSOR_MS = 2000;

describe('the gateway when its Redis restarts with its data (redis store)', () => {
  let dir: string;
  let redis: PrivateRedis | undefined;
  let tg: TestGateway | undefined;
  let charges: ChargeLog;
  let persistent: string[];

  async function restart(downMs: number): Promise<void> {
    const port = redis!.port;
    await redis!.stop();
    // Real time in another process: an outage of this length is what the test is about.
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    redis = await startRedisServer(persistent, port);
    await eventually(async () => (await fetch(`${tg!.gateway.url}/readyz`)).status === 200, 5000, 'the gateway to reconnect');
  }

  /** The sandbox's idempotency records of a payment, straight from Redis. */
  async function approvals(paymentId: string): Promise<Array<{ outcome: string; reference?: string }>> {
    const client = new Redis({ port: redis!.port, host: '127.0.0.1' });
    try {
      const keys = await client.keys(`${tg!.prefix}sandbox:charge:${paymentId}-*`);
      const records = await Promise.all(keys.map(async (key) => JSON.parse((await client.hget(key, 'd')) ?? 'null')));
      return records.filter((r) => r?.state === 'done' && r.result.outcome === 'approved').map((r) => r.result);
    } finally {
      client.disconnect();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ccg-aof-'));
    // Every write is on disk before it is acknowledged, so a SIGKILL loses nothing acknowledged.
    persistent = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    redis = await startRedisServer(persistent);
    const sandbox = countingSandbox({ latencyMs: PROCESSOR_MS });
    charges = sandbox.log;
    tg = await startTestGateway('redis', {
      env: { REDIS_URL: `redis://127.0.0.1:${redis.port}`, PROCESSOR_TIMEOUT_MS: '250' },
      processor: sandbox.factory,
    });
  }, 20_000);
  afterAll(async () => {
    await tg?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a caller between two keypresses when Redis restarts carries on and pays', async () => {
    const payment = await tg!.createPayment();
    const call = tg!.call();
    await enterPayCode(call, payment.payCode);
    await call.press('4242424242424242#');
    // Nothing runs while the caller is between keys, so how long Redis is away does not matter.
    await restart(0);
    await call.press('1230');
    await call.press('123');
    expect(call.saysText()).toContain('ending in 4, 2, 4, 2');
    await call.press('1');
    for (let i = 0; i < 20 && call.redirectUrl(); i += 1) await call.followRedirect();
    const view = await tg!.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'succeeded', card: { last4: '4242' } });
    expect(await approvals(payment.id)).toEqual([{ outcome: 'approved', reference: view.processorReference }]);
  });

  // Down briefly, the processor's answer is recorded once Redis is back; down longer than the processor
  // takes, the answer cannot be recorded and the payment must not pretend either way.
  it.each([
    ['shorter than the processor', 0],
    ['longer than the processor', PROCESSOR_MS + 500],
  ])('an outage %s during a charge neither charges twice nor reports a charge that was not made', async (_name, downMs) => {
    const payment = await tg!.createPayment();
    const call = tg!.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '5555555555554444', 'mastercard');
    await call.press('1');
    expect(call.saysText()).toContain('Please hold');
    // Redis goes while the processor is still deciding; the poll that comes meanwhile gets an apology.
    await redis!.stop();
    const started = Date.now();
    await call.followRedirect();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(call.saysText()).toContain('we are having a technical problem');
    expect(call.hasHangup()).toBe(true);

    await restart(downMs);
    // Twilio's status callback for the ended call arrives once Redis is back (or is retried until then).
    expect(await call.hangUp()).toBe(204);
    // The charge in flight has come back; after a short outage its approval is recorded.
    await eventually(() => charges.settled.some((c) => c.paymentId === payment.id), PROCESSOR_MS + 5000, 'the charge to come back');
    if (downMs === 0) await eventually(async () => (await tg!.getPayment(payment.id)).status === 'succeeded', 5000, 'the approval to be recorded');
    const view = await tg!.getPayment(payment.id);
    const approved = await approvals(payment.id);
    expect(approved.length).toBeLessThanOrEqual(1);
    if (view.status === 'succeeded') expect(approved).toEqual([{ outcome: 'approved', reference: view.processorReference }]);
    else expect(approved.map((a) => a.reference)).not.toContain(view.processorReference ?? 'none');
    // "processing" is the honest answer when the processor's reply was lost: it is left to reconcile.
    expect(['succeeded', 'failed', 'processing']).toContain(view.status);
    if (downMs === 0) expect(view.status).toBe('succeeded');
    // Every charge request of this payment used the first attempt's idempotency key.
    expect(new Set(charges.charges.filter((c) => c.paymentId === payment.id).map((c) => c.idempotencyKey))).toEqual(new Set([`${payment.id}-charge-1`]));
  }, 25_000);
});
