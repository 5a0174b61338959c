import { PendingCharges } from '../../../src/core/capture/pendingCharges';
import type { ChargeLookUp, ChargeResult, Processor } from '../../../src/ports/processor';
import { isoUnits } from '../../../src/core/domain/units';
import type { GatewayOptions } from '../../../src/app/server';
import { STORE_KINDS, startTestGateway, type StoreKind, type TestGateway } from '../../support/harness';
import { enterCard, enterPayCode, holdPastTheLimit, vaultKeys } from '../../support/voiceCalls';
import { eventually } from '../../support/eventually';
import { RunningClock } from '../../support/runningClock';

/** Longer than the longest pause between two look-ups of one charge. */
const PAST_ANY_BACKOFF_MS = 6 * 60_000;
const LATER = 'The result will be confirmed to you later';

/**
 * A processor whose answers the test gives: a charge redeems the card, then answers when `answer`
 * is called (or throws at once with `failCharges`); a look-up says what `lookUpAnswer` holds.
 */
function scriptedProcessor(options: { failCharges?: boolean } = {}) {
  let answer!: (result: ChargeResult) => void;
  const answered = new Promise<ChargeResult>((resolve) => (answer = resolve));
  const script = { lookUpAnswer: { outcome: 'unknown' } as ChargeLookUp, charges: 0, lookUps: 0 };
  const factory: NonNullable<GatewayOptions['processor']> = ({ vault }) => {
    const processor: Processor = {
      name: 'scripted',
      units: (amount, currency) => isoUnits(amount, currency, 'the test processor'),
      async charge(request) {
        script.charges += 1;
        await vault.redeem(request.token);
        if (options.failCharges) throw new Error('connection reset after the request was sent');
        return answered;
      },
      async lookUp() {
        script.lookUps += 1;
        return script.lookUpAnswer;
      },
    };
    return processor;
  };
  return { factory, script, answer };
}

const GATEWAY_ENV = { PROCESSOR_TIMEOUT_MS: '200', RECONCILE_INTERVAL_MS: '100' };

/** A call that reaches the charge and holds past the limit, until the gateway ends it. */
async function callUntilDeferred(tg: TestGateway, clock: RunningClock): Promise<{ paymentId: string; call: ReturnType<TestGateway['call']> }> {
  const payment = await tg.createPayment();
  const call = tg.call();
  await enterPayCode(call, payment.payCode);
  await enterCard(call, '4242424242424242', 'visa');
  await holdPastTheLimit(call, clock);
  return { paymentId: payment.id, call };
}

/** The pending charges the store holds, read as any process reads them. */
async function ledger(tg: TestGateway): Promise<Array<Record<string, unknown>>> {
  return (await new PendingCharges(tg.gateway.store).list()) as unknown as Array<Record<string, unknown>>;
}

describe.each(STORE_KINDS)('a processor that answers only after the call (%s store)', (kind: StoreKind) => {
  const started: TestGateway[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((tg) => tg.close()));
  });

  it('past the hold limit the caller hears that the result will follow and the call ends; the late approval then shows on the payment', async () => {
    const clock = new RunningClock();
    const processor = scriptedProcessor();
    const tg = await startTestGateway(kind, { env: GATEWAY_ENV, clock, processor: processor.factory });
    started.push(tg);
    const { paymentId, call } = await callUntilDeferred(tg, clock);

    expect(call.saysText()).toContain(LATER);
    expect(call.hasHangup()).toBe(true);
    expect(call.redirectUrl()).toBeNull();
    expect(await tg.getPayment(paymentId)).toMatchObject({ status: 'processing', reference: null, failure: null });
    // The processor has the charge: nothing of the card is kept for it.
    expect(await vaultKeys(tg, paymentId)).toEqual([]);
    expect(await call.hangUp()).toBe(204);
    expect((await tg.getPayment(paymentId)).status).toBe('processing');

    processor.answer({ outcome: 'approved', reference: '7700112233' });
    await eventually(async () => (await tg.getPayment(paymentId)).status !== 'processing', 10_000, 'the late answer to be recorded');
    expect(await tg.getPayment(paymentId)).toMatchObject({ status: 'succeeded', reference: expect.stringMatching(/^[0-9]{8}$/), processorReference: '7700112233', failure: null });
    expect(await ledger(tg)).toEqual([]);
    expect(processor.script.charges).toBe(1);
  });

  it('when the charge failed without an answer, the sweeper asks the processor until it knows, and a decline shows with its code', async () => {
    const clock = new RunningClock();
    const processor = scriptedProcessor({ failCharges: true });
    const tg = await startTestGateway(kind, { env: GATEWAY_ENV, clock, processor: processor.factory });
    started.push(tg);
    const { paymentId, call } = await callUntilDeferred(tg, clock);
    expect(call.saysText()).toContain(LATER);
    expect(call.hasHangup()).toBe(true);
    expect(await call.hangUp()).toBe(204);
    expect(await vaultKeys(tg, paymentId)).toEqual([]);

    // Asked while the processor itself does not know yet: the payment waits.
    await eventually(async () => processor.script.lookUps >= 3, 10_000, 'the processor to be asked');
    expect((await tg.getPayment(paymentId)).status).toBe('processing');
    expect(await ledger(tg)).toEqual([expect.objectContaining({ paymentId, attempt: 1, idempotencyKey: `${paymentId}-charge-1` })]);

    processor.script.lookUpAnswer = { outcome: 'declined', code: 'insufficient_funds', message: 'The card has insufficient funds.' };
    clock.advance(PAST_ANY_BACKOFF_MS);
    await eventually(async () => (await tg.getPayment(paymentId)).status !== 'processing', 10_000, 'the sweeper to record the decline');
    expect(await tg.getPayment(paymentId)).toMatchObject({ status: 'failed', reference: null, failure: { code: 'insufficient_funds' } });
    expect(await ledger(tg)).toEqual([]);
    // The card went to the processor once; every later question was a look-up.
    expect(processor.script.charges).toBe(1);
  });
});

describe.each(STORE_KINDS)('the pending charges ledger (%s store)', (kind: StoreKind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  it('leases a due charge to one sweeper at a time, and to another once the lease has run out', async () => {
    // Two processes' ledgers over one store.
    const [one, two] = [new PendingCharges(tg.gateway.store), new PendingCharges(tg.gateway.store)];
    const now = new Date();
    await one.record({ paymentId: 'pay_lease', callSid: 'CAlease', attempt: 1, idempotencyKey: 'pay_lease-charge-1', since: now.toISOString(), dueAt: now.toISOString() });
    await one.record({ paymentId: 'pay_later', callSid: 'CAlater', attempt: 1, idempotencyKey: 'pay_later-charge-1', since: now.toISOString(), dueAt: new Date(now.getTime() + 60_000).toISOString() });

    const claims = await Promise.all([one.claimDue(now, 1000, 10), two.claimDue(now, 1000, 10), one.claimDue(now, 1000, 10), two.claimDue(now, 1000, 10)]);
    expect(claims.flat().map((c) => c.paymentId)).toEqual(['pay_lease']);
    expect(await two.claimDue(new Date(now.getTime() + 999), 1000, 10)).toEqual([]);
    expect((await two.claimDue(new Date(now.getTime() + 1000), 1000, 10)).map((c) => c.paymentId)).toEqual(['pay_lease']);

    await one.drop('pay_lease', 1);
    await one.drop('pay_later', 1);
    expect(await two.list()).toEqual([]);
  });

  it('keeps every charge that 100 parallel calls record and forgets every one they drop', async () => {
    const ledgers = Array.from({ length: 4 }, () => new PendingCharges(tg.gateway.store));
    const since = new Date().toISOString();
    const ids = Array.from({ length: 100 }, (_, i) => `pay_parallel${i}`);
    await Promise.all(ids.map((paymentId, i) => ledgers[i % 4]!.record({ paymentId, callSid: `CA${i}`, attempt: 1, idempotencyKey: `${paymentId}-charge-1`, since, dueAt: since })));
    expect((await ledgers[0]!.list()).map((c) => c.paymentId).sort()).toEqual([...ids].sort());
    // Half are answered while sweepers lease the rest: every lease goes to one sweeper only.
    const [claims] = await Promise.all([
      Promise.all(ledgers.map((l) => l.claimDue(new Date(), 60_000, 100))),
      Promise.all(ids.filter((_, i) => i % 2 === 0).map((paymentId, i) => ledgers[i % 4]!.drop(paymentId, 1))),
    ]);
    const leased = claims.flat().map((c) => c.paymentId);
    expect(new Set(leased).size).toBe(leased.length);
    expect((await ledgers[1]!.list()).map((c) => c.paymentId).sort()).toEqual(ids.filter((_, i) => i % 2 === 1).sort());
    await Promise.all(ids.map((paymentId) => ledgers[0]!.drop(paymentId, 1)));
    expect(await ledgers[2]!.list()).toEqual([]);
  });

  it('takes over the charges an earlier release left in its one-document ledger', async () => {
    const since = new Date().toISOString();
    const entry = { paymentId: 'pay_legacy', callSid: 'CAlegacy', attempt: 2, idempotencyKey: 'pay_legacy-charge-2', since, dueAt: since, asked: 1, leaseUntil: null };
    await tg.gateway.store.set('charges:pending', JSON.stringify({ entries: { 'pay_legacy:2': entry } }), 600);
    const ledger = new PendingCharges(tg.gateway.store);
    expect(await ledger.list()).toEqual([entry]);
    const claimed = await ledger.claimDue(new Date(), 1000, 10);
    expect(claimed).toEqual([expect.objectContaining({ paymentId: 'pay_legacy', attempt: 2, asked: 1 })]);
    expect(JSON.parse((await tg.gateway.store.get('charges:pending'))!.value)).toEqual({ entries: {} });
    await ledger.release(claimed[0]!, new Date(Date.now() + 60_000));
    expect(await ledger.list()).toEqual([expect.objectContaining({ paymentId: 'pay_legacy', asked: 2, leaseUntil: null })]);
    await ledger.drop('pay_legacy', 2);
    expect(await ledger.list()).toEqual([]);
  });
});

describe('a pending charge outlives the process that recorded it (redis store)', () => {
  it('a second gateway on the same Redis settles the charge the first one left pending', async () => {
    const clock = new RunningClock();
    const first = scriptedProcessor();
    const a = await startTestGateway('redis', { env: { ...GATEWAY_ENV, RECONCILE_INTERVAL_MS: '600000' }, clock, processor: first.factory });
    let b: TestGateway | undefined;
    try {
      const { paymentId, call } = await callUntilDeferred(a, clock);
      expect(call.saysText()).toContain(LATER);
      // The first process goes away with the charge still unanswered (its data stays in Redis).
      await a.gateway.close();

      const second = scriptedProcessor();
      second.script.lookUpAnswer = { outcome: 'approved', reference: 'pi_found_later' };
      b = await startTestGateway('redis', { env: GATEWAY_ENV, clock, processor: second.factory, prefix: a.prefix });
      await eventually(async () => (await b!.getPayment(paymentId)).status !== 'processing', 10_000, 'the second gateway to settle the charge');
      expect(await b.getPayment(paymentId)).toMatchObject({ status: 'succeeded', reference: expect.stringMatching(/^[0-9]{8}$/), processorReference: 'pi_found_later' });
      expect(second.script.charges).toBe(0);
      expect(await ledger(b)).toEqual([]);
    } finally {
      await b?.close();
    }
  });
});
