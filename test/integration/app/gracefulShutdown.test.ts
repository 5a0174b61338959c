import Redis from 'ioredis';
import { CHILD_TEST_TIMEOUT_MS, type ChildGateway, FleetCall, fleetApi, fleetEnv, startChildGateway, storedCallState } from '../../support/childGateway';
import { eventually } from '../../support/eventually';
import { REDIS_URL } from '../../support/harness';

const PUBLIC_URL = 'https://pay.shutdown.example';

describe('a gateway process receiving SIGTERM', () => {
  let env: Record<string, string>;
  let gateway: ChildGateway | undefined;

  beforeAll(async () => {
    // The confirmation webhook waits ~1.5 s for the processor, well inside its 4 s timeout: that is
    // real time in the child process, the window in which the test sends SIGTERM and reads readiness.
    // The drain delay is the window in which readiness answers 503: room for the probe on a busy machine.
    env = fleetEnv({
      REDIS_URL,
      PUBLIC_BASE_URL: PUBLIC_URL,
      SANDBOX_LATENCY_MS: '1500',
      PROCESSOR_TIMEOUT_MS: '4000',
      SHUTDOWN_DRAIN_DELAY_MS: '1000',
    });
    gateway = await startChildGateway(env);
  }, CHILD_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await gateway?.kill();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('turns unready, still answers the webhook in flight with the approval, and exits 0', async () => {
    const child = gateway!;
    const payment = (await fleetApi(child.localUrl, 'POST', '/api/payments', { amount: '9.99', currency: 'USD' })).body;
    const call = new FleetCall(PUBLIC_URL, () => child.localUrl);
    await call.post('/voice/incoming');
    await call.press(`${payment.payCode}#`);
    await call.press('4242424242424242#');
    await call.press('1230');
    await call.press('123');

    let answered = false;
    const confirmed = call.press('1').finally(() => (answered = true));
    // The charge has begun once the call is stored as processing: the webhook is in flight.
    await eventually(async () => (await storedCallState(env.REDIS_KEY_PREFIX!, call.callSid)) === 'processing', 5000, 'the charge to begin');
    expect(answered).toBe(false);
    const signalled = Date.now();
    child.child.kill('SIGTERM');
    await eventually(() => child.lines.some((line) => line.includes('"message":"shutting down"')), 5000, 'the gateway to take the signal');
    // Still unanswered: the answer will come from a process already shutting down, not after a restart.
    expect(answered).toBe(false);

    // Load balancers polling readiness during the drain delay see 503 and move new calls elsewhere.
    const ready = await fetch(`${child.localUrl}/readyz`, { headers: { connection: 'close' } });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });

    await confirmed;
    expect(call.says()).toContain('Your reference number is');
    const { code, signal } = await child.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(8000);
    expect(child.lines.some((line) => line.includes('were cut'))).toBe(false);

    // The payment it recorded is in Redis for the rest of the fleet.
    const redis = new Redis(REDIS_URL);
    try {
      const stored = JSON.parse((await redis.hget(`${env.REDIS_KEY_PREFIX}payment:${payment.id}`, 'd')) ?? 'null');
      expect(stored).toMatchObject({ status: 'succeeded' });
    } finally {
      redis.disconnect();
    }
    await expect(fetch(`${child.localUrl}/healthz`)).rejects.toThrow();
  }, CHILD_TEST_TIMEOUT_MS);
});
