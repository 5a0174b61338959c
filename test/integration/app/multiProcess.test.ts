import { spokenReference } from '../../support/voiceCalls';
import Redis from 'ioredis';
import cards from '../../fixtures/test-cards.json';
import { CHILD_TEST_TIMEOUT_MS, type ChildGateway, FleetCall, fleetApi, fleetEnv, startChildGateway, storedCallState } from '../../support/childGateway';
import { eventually } from '../../support/eventually';
import { REDIS_URL } from '../../support/harness';

interface Card {
  number: string;
  brand: string;
  outcome: string;
}

const PUBLIC_URL = 'https://pay.fleet.example';
const ALL = cards.cards as Card[];
/** A few approved and a few declined cards of different brands: enough to cross processes often. */
const SAMPLE = [
  ALL.find((c) => c.brand === 'visa' && c.outcome === 'succeeded')!,
  ALL.find((c) => c.brand === 'american-express')!,
  ALL.find((c) => c.brand === 'mastercard')!,
  ALL.find((c) => c.outcome === 'insufficient_funds')!,
  ALL.find((c) => c.outcome === 'card_declined')!,
];

const securityCode = (brand: string) => (brand === 'american-express' ? '1234' : '123');

/** Deletes every key a fleet wrote under its private prefix. */
async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** The sandbox's idempotency records of one payment, by attempt: what the processor really did. */
async function chargeRecords(prefix: string, paymentId: string): Promise<Array<{ state: string; result?: { outcome: string; reference?: string } }>> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = (await redis.keys(`${prefix}sandbox:charge:${paymentId}-*`)).sort();
    return await Promise.all(keys.map(async (key) => JSON.parse((await redis.hget(key, 'd')) ?? 'null')));
  } finally {
    redis.disconnect();
  }
}

/** Types a whole card and confirms; follows the holding loop until the processor's answer is heard. */
async function payWith(call: FleetCall, payCode: string, card: Card): Promise<void> {
  await call.post('/voice/incoming');
  await call.press(`${payCode}#`);
  expect(call.says()).toContain('card number');
  await call.press(`${card.number}#`);
  await call.press('1230');
  await call.press(securityCode(card.brand));
  expect(call.says()).toContain(`ending in ${card.number.slice(-4).split('').join(', ')}`);
  await call.press('1');
  await call.followRedirects();
}

/** Ends the call the way the outcome expects and checks the payment through `api`. */
async function finishAndCheck(call: FleetCall, apiUrl: string, paymentId: string, card: Card): Promise<void> {
  if (card.outcome === 'succeeded') {
    expect(call.says()).toContain('Your reference number is');
    expect(await call.hangUp()).toBe(204);
    const view = (await fleetApi(apiUrl, 'GET', `/api/payments/${paymentId}`)).body;
    expect(view).toMatchObject({ status: 'succeeded', failure: null, card: { brand: card.brand, last4: card.number.slice(-4) } });
    expect(call.says()).toContain(spokenReference(view.reference));
  } else {
    expect(call.says()).toContain('To try another card, press 1. To end the call, press 2.');
    await call.press('2');
    expect(await call.hangUp()).toBe(204);
    expect((await fleetApi(apiUrl, 'GET', `/api/payments/${paymentId}`)).body).toMatchObject({ status: 'failed', failure: { code: card.outcome } });
  }
}

describe('two gateway processes sharing one Redis', () => {
  let env: Record<string, string>;
  const fleet: ChildGateway[] = [];

  beforeAll(async () => {
    // A slow processor puts callers on hold, so polls cross processes too, and keeps a charge in
    // flight long enough for the kill below to land in the middle of it.
    // At debug, every process logs each turn it serves: how the test sees that both served calls.
    env = fleetEnv({ REDIS_URL, PUBLIC_BASE_URL: PUBLIC_URL, SANDBOX_LATENCY_MS: '600', PROCESSOR_TIMEOUT_MS: '200', LOG_LEVEL: 'debug' });
    fleet.push(...(await Promise.all([startChildGateway(env), startChildGateway(env)])));
  }, CHILD_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(fleet.map((g) => g.kill()));
    await dropKeys(env.REDIS_KEY_PREFIX!);
  });

  it('several calls whose every webhook alternates between the processes all end as their cards say', async () => {
    let next = 0;
    const alternate = () => fleet[next++ % 2]!.localUrl;
    const results = await Promise.all(
      SAMPLE.map(async (card, i) => {
        // Payments are created on either process too: the API is as stateless as the webhooks.
        const payment = (await fleetApi(fleet[i % 2]!.localUrl, 'POST', '/api/payments', { amount: '12.34', currency: 'USD' })).body;
        const call = new FleetCall(PUBLIC_URL, alternate);
        await payWith(call, payment.payCode, card);
        await finishAndCheck(call, fleet[(i + 1) % 2]!.localUrl, payment.id, card);
        return chargeRecords(env.REDIS_KEY_PREFIX!, payment.id);
      }),
    );
    for (const records of results) expect(records).toEqual([{ state: 'done', result: expect.anything() }]);
    // Both processes really served these calls, not just one of them.
    for (const gateway of fleet) expect(gateway.lines.filter((l) => l.includes('"message":"turn"')).length).toBeGreaterThan(5);
    // A cap for a loaded machine; on an idle one this takes about a second.
  }, 40_000);

  it('with one process killed in the middle of calls, they carry on through the survivor, finish as their cards say, and no card is charged twice', async () => {
    const [doomed, survivor] = fleet as [ChildGateway, ChildGateway];
    const prefix = env.REDIS_KEY_PREFIX!;
    let dead = false;
    let next = 0;
    // Until the kill webhooks alternate; afterwards the load balancer only knows the survivor.
    const route = () => (dead ? survivor.localUrl : fleet[next++ % 2]!.localUrl);
    const calls = await Promise.all(
      SAMPLE.slice(0, 4).map(async (card) => {
        const payment = (await fleetApi(survivor.localUrl, 'POST', '/api/payments', { amount: '5.00', currency: 'USD' })).body;
        const call = new FleetCall(PUBLIC_URL, route);
        await call.post('/voice/incoming');
        await call.press(`${payment.payCode}#`);
        await call.press(`${card.number}#`);
        return { call, payment, card };
      }),
    );
    // Two approved cards confirm on the doomed process: their charges are in flight there when it dies.
    const confirming = calls.slice(0, 2);
    const lost = await Promise.all(
      confirming.map(async ({ call, card }) => {
        await call.press('1230');
        await call.press(securityCode(card.brand));
        const pinned = new FleetCall(PUBLIC_URL, () => doomed.localUrl);
        Object.assign(pinned, { callSid: call.callSid, twiml: call.twiml });
        // Its answer dies with the process, as Twilio's request would.
        return pinned.press('1').catch(() => null);
      }),
    );
    for (const { call } of confirming) {
      await eventually(async () => (await storedCallState(prefix, call.callSid)) === 'processing', 5000, `call ${call.callSid} to be processing`);
    }
    await doomed.kill();
    dead = true;
    await Promise.all(lost);

    const finish = async ({ call, payment, card }: (typeof calls)[number]) => {
      if (confirming.some((c) => c.call === call)) {
        // Twilio had no answer and delivers the "1" again, now to the survivor, which holds the caller
        // until the dead process's claim on the charge can be ruled out: then a processing error.
        await call.post(call.gatherAction(), { Digits: '1', FinishedOnKey: '' });
        await call.followRedirects(60);
        expect(call.says()).toContain('because of a processing error');
        // The caller tries again: a new attempt with a new idempotency key.
        await call.press('1');
        await call.press(`${card.number}#`);
        await call.press('1230');
        await call.press(securityCode(card.brand));
        await call.press('1');
        await call.followRedirects();
      } else {
        await call.press('1230');
        await call.press(securityCode(card.brand));
        await call.press('1');
        await call.followRedirects();
      }
      await finishAndCheck(call, survivor.localUrl, payment.id, card);
      const records = await chargeRecords(prefix, payment.id);
      const approvals = records.filter((r) => r.state === 'done' && r.result?.outcome === 'approved');
      if (card.outcome === 'succeeded') {
        // The processor's record holds its own id; the caller heard the gateway's short reference.
        const { processorReference } = (await fleetApi(survivor.localUrl, 'GET', `/api/payments/${payment.id}`)).body;
        expect(approvals).toEqual([{ state: 'done', result: { outcome: 'approved', reference: processorReference } }]);
      } else {
        expect(approvals).toEqual([]);
      }
    };
    await Promise.all(calls.map(finish));
    expect(survivor.child.exitCode).toBeNull();
  }, CHILD_TEST_TIMEOUT_MS);
});
