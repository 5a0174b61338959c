import { MemoryStore } from '../../../../src/adapters/store/memoryStore';
import { isoUnits } from '../../../../src/core/domain/units';
import { AuthorizationService } from '../../../../src/core/payments/authorizationService';
import type { Payment } from '../../../../src/core/payments/payment';
import { PaymentRepository } from '../../../../src/core/payments/paymentRepository';
import type { Processor } from '../../../../src/ports/processor';
import { aPayment } from '../../../support/paymentRecords';

const NOW = new Date('2030-06-15T12:00:00Z');

/** A manual-capture payment authorised at the processor, its authorisation valid for a day from NOW. */
function authorized(overrides: Partial<Payment> = {}): Payment {
  return aPayment({
    id: 'pay_auth',
    status: 'authorized',
    amount: '12.34',
    amountMinor: 1234,
    card: { brand: 'visa', last4: '4242' },
    expiryCaptured: true,
    securityCodeCaptured: true,
    reference: '40718263',
    processorReference: 'pi_held',
    capture: 'manual',
    authorizationExpiresAt: new Date(NOW.getTime() + 86_400_000).toISOString(),
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    expiresAt: NOW.toISOString(),
    projectedVersion: 1,
    ...overrides,
  });
}

const processor: Processor = {
  name: 'scripted',
  units: (amount, currency) => isoUnits(amount, currency, 'scripted'),
  charge: async () => ({ outcome: 'declined', code: 'processing_error', message: 'unused' }),
};

async function service(payment: Payment) {
  const store = new MemoryStore();
  const repository = new PaymentRepository(store, 86_400);
  await repository.create(payment);
  return { repository, authorizations: new AuthorizationService(repository, processor, { now: () => NOW }) };
}

describe('authorisations changed at the processor', () => {
  it('an authorisation the processor canceled makes the payment canceled, once', async () => {
    const { repository, authorizations } = await service(authorized());
    expect(await authorizations.canceledAtProcessor('pay_auth', 'pi_held')).toBe('changed');
    expect(await repository.get('pay_auth')).toMatchObject({ status: 'canceled' });
    expect(await authorizations.canceledAtProcessor('pay_auth', 'pi_held')).toBe('unchanged');
  });

  it('names the authorisation: another intent’s cancel changes nothing', async () => {
    const { repository, authorizations } = await service(authorized());
    expect(await authorizations.canceledAtProcessor('pay_auth', 'pi_other')).toBe('unchanged');
    expect((await repository.get('pay_auth'))?.status).toBe('authorized');
  });

  it('a capture made at the processor is recorded with the share it took', async () => {
    const part = await service(authorized());
    expect(await part.authorizations.capturedAtProcessor('pay_auth', 'pi_held', 1000)).toBe('changed');
    expect(await part.repository.get('pay_auth')).toMatchObject({ status: 'succeeded', amountCaptured: '10.00', amountCapturedMinor: 1000 });
    const whole = await service(authorized());
    await whole.authorizations.capturedAtProcessor('pay_auth', 'pi_held', 1234);
    expect(await whole.repository.get('pay_auth')).toMatchObject({ status: 'succeeded', amountCaptured: '12.34', amountCapturedMinor: 1234 });
  });

  it('waits for a capture or void of the gateway’s own in flight, but not for one whose process died long ago', async () => {
    const inFlight = await service(authorized({ settling: { kind: 'capture', amountMinor: 1234, startedAt: new Date(NOW.getTime() - 30_000).toISOString() } }));
    expect(await inFlight.authorizations.canceledAtProcessor('pay_auth', 'pi_held')).toBe('busy');
    expect((await inFlight.repository.get('pay_auth'))?.status).toBe('authorized');

    const stale = await service(authorized({ settling: { kind: 'capture', amountMinor: 1234, startedAt: new Date(NOW.getTime() - 3_600_000).toISOString() } }));
    expect(await stale.authorizations.canceledAtProcessor('pay_auth', 'pi_held')).toBe('changed');
    const after = await stale.repository.get('pay_auth');
    expect(after?.status).toBe('canceled');
    expect(after?.settling).toBeUndefined();
  });
});
