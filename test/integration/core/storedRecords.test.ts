import { BridgeRepository } from '../../../src/agent/bridge/bridge';
import { CallSessionRepository } from '../../../src/core/capture/callSession';
import { PaymentRepository } from '../../../src/core/payments/paymentRepository';
import { paymentView } from '../../../src/core/payments/paymentView';
import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import { CorruptRecordError } from '../../../src/core/records/recordStore';
import { STORE_KINDS } from '../../support/harness';
import { useScratchStore } from '../../support/scratchStore';

/**
 * A payment as the release before refunds stored it, written out field by field rather than built with
 * aPayment (test/support/paymentRecords.ts): it must stay that release's record when Payment grows.
 */
const olderPayment = {
  id: 'pay_old',
  status: 'succeeded',
  amount: '12.34',
  amountMinor: 1234,
  currency: 'USD',
  channel: 'phone',
  description: null,
  locale: 'en-US',
  flowId: 'default',
  payCode: '123456',
  callSid: 'CA00000000000000000000000000000001',
  card: { brand: 'visa', last4: '4242' },
  expiryCaptured: true,
  securityCodeCaptured: true,
  reference: '0000000001',
  failure: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:15:00.000Z',
  projectedVersion: 7,
};

describe.each(STORE_KINDS)('stored records (%s store)', (kind) => {
  let store: KeyValueStore;
  useScratchStore(kind, 'all', (opened) => (store = opened));

  it('reads a payment written before refunds existed', async () => {
    await store.set('payment:pay_old', JSON.stringify(olderPayment), 60);
    // Its reference was the processor's id: it is read as the processor's reference too.
    expect(await new PaymentRepository(store, 60).get('pay_old')).toEqual({ ...olderPayment, processorReference: '0000000001' });
  });

  it('shows a payment of the previous release as it was: its reference unchanged, the same id as the processor reference, automatic capture', async () => {
    await store.set('payment:pay_old', JSON.stringify(olderPayment), 60);
    const payment = await new PaymentRepository(store, 60).get('pay_old');
    const view = paymentView(payment!, new Date('2026-01-02T00:00:00Z'), { voiceUrl: 'https://gateway.example/voice/payments/pay_old' });
    expect(view).toMatchObject({ status: 'succeeded', reference: '0000000001', processorReference: '0000000001', capture: 'automatic' });
    expect(view.amountCaptured).toBeUndefined();
  });

  it('keeps a new payment\'s processor reference apart from its short reference, and a null one null', async () => {
    const repository = new PaymentRepository(store, 60);
    await store.set('payment:pay_new', JSON.stringify({ ...olderPayment, id: 'pay_new', reference: '40718263', processorReference: 'pi_123', shortReference: '40718263' }), 60);
    expect(await repository.get('pay_new')).toMatchObject({ reference: '40718263', processorReference: 'pi_123' });
    await store.set('payment:pay_none', JSON.stringify({ ...olderPayment, id: 'pay_none', status: 'failed', reference: null, processorReference: null }), 60);
    expect((await repository.get('pay_none'))?.processorReference).toBeNull();
  });

  it('reads a payment with a live call’s return URL, and one written before return URLs as having none', async () => {
    const withReturn = { ...olderPayment, id: 'pay_return', returnUrl: 'https://ivr.example.com/after' };
    await store.set('payment:pay_return', JSON.stringify(withReturn), 60);
    const repository = new PaymentRepository(store, 60);
    // An earlier release's record: its reference is the processor's, read as both.
    expect(await repository.get('pay_return')).toEqual({ ...withReturn, processorReference: withReturn.reference });
    expect((await repository.get('pay_old'))?.returnUrl ?? null).toBeNull();
  });

  it('answers a corrupt payment with an error naming its key prefix and field, not its contents', async () => {
    await store.set('payment:pay_bad', JSON.stringify({ ...olderPayment, id: 'pay_bad', card: { brand: 'visa', last4: 4242 } }), 60);
    const error = await new PaymentRepository(store, 60).get('pay_bad').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect((error as Error).message).toBe('corrupt payment: record at card.last4');
    expect((error as Error).message).not.toContain('4242');
  });

  it('reads a call session an earlier release wrote, with the context it did not have yet at its defaults', async () => {
    const session = {
      callSid: 'CA00000000000000000000000000000002',
      flowId: 'default',
      flowVersion: 1,
      paymentId: null,
      turn: 3,
      state: {
        value: 'collectingNumber',
        context: {
          locale: 'en-US',
          payment: null,
          attempts: 1,
          card: null,
          captured: { cardNumber: false, expiry: false, securityCode: false },
          chargeAttempts: 0,
          lastDecline: null,
          reference: null,
          failure: null,
          notices: [],
        },
      },
      vaultRefs: {},
      lastReply: null,
      startedAt: '2026-01-01T00:00:00.000Z',
    };
    await store.set(`call:${session.callSid}`, JSON.stringify(session), 60);
    const found = await new CallSessionRepository(store, 60).get(session.callSid);
    expect(found?.value.flowHash).toBeUndefined();
    expect(found?.value.state.context).toEqual({
      ...session.state.context,
      // Sessions from before postal codes were asked: none was typed.
      captured: { ...session.state.context.captured, postalCode: false },
      securityCodeLength: 0,
      referenceRepeats: 0,
      waitingSince: null,
      callEnded: false,
      processorReference: null,
      authorized: false,
    });
  });

  it('reads a bridge written before callers and agents were kept', async () => {
    const bridge = {
      id: 'br_00000000000000000000000000000003',
      callerCallSid: 'CA00000000000000000000000000000003',
      number: '+15550000000',
      conference: 'ccg-br_00000000000000000000000000000003',
      conferenceSid: null,
      agentCallSid: null,
      record: false,
      recordingSid: null,
      recordingPaused: false,
      agentOnHold: false,
      state: 'dialing',
      paymentId: null,
      lastError: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    await store.set(`bridge:${bridge.id}`, JSON.stringify(bridge), 60);
    expect(await new BridgeRepository(store, 60).get(bridge.id)).toEqual(bridge);
  });
});
