import type { CallFlows } from '../core/capture/callFlows';
import type { CallSessionRepository } from '../core/capture/callSession';
import { meaningOf } from '../core/capture/meaning';
import type { PaymentService } from '../core/payments/paymentService';
import type { Logger } from '../observability/logger';
import type { Clock } from '../ports/clock';
import { embedStatusOf, type EmbedStatus, type LiveCapture } from './statusView';

export interface StatusReaderDeps {
  payments: Pick<PaymentService, 'get'>;
  sessions: Pick<CallSessionRepository, 'get'>;
  callFlows: Pick<CallFlows, 'of'>;
  clock: Clock;
  logger: Logger;
}

/**
 * Reads a payment's masked status from the store, the source of truth every process shares: the payment
 * record, and the session of the call capturing it for the field being typed.
 */
export class StatusReader {
  constructor(private readonly deps: StatusReaderDeps) {}

  async read(paymentId: string): Promise<EmbedStatus | null> {
    const payment = await this.deps.payments.get(paymentId);
    if (!payment) return null;
    return embedStatusOf(payment, this.deps.clock.now(), payment.callSid ? await this.live(payment.callSid, paymentId) : null);
  }

  /** The capture of the payment's call, when there is one; without it the view shows the payment's own facts. */
  private async live(callSid: string, paymentId: string): Promise<LiveCapture | null> {
    try {
      const session = (await this.deps.sessions.get(callSid))?.value;
      if (!session || session.paymentId !== paymentId) return null;
      const { machine } = await this.deps.callFlows.of(session);
      return { meaning: meaningOf(machine, session.state), context: session.state.context };
    } catch (error) {
      // The field being typed is a nicety: the payment's status is still worth showing.
      this.deps.logger.warn('embed: the capture of a payment could not be read', { paymentId, error });
      return null;
    }
  }
}
