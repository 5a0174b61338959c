/**
 * Thrown by a charge whose answer never came (time-out, lost connection, 5xx after the retries):
 * the processor may hold the charge, so it is neither approved nor declined. The capture core keeps
 * the attempt on the pending-charge ledger and looks it up by its idempotency key; answering a
 * decline here instead would fail a payment that may have been taken, and invite a second charge.
 * The message names only the kind of failure, never anything of the request.
 */
export class ChargeAnswerLostError extends Error {
  override readonly name = 'ChargeAnswerLostError';

  constructor(processor: string, cause: string) {
    super(`${processor}: the charge's answer was lost (${cause}); its outcome must be looked up`);
  }
}
