import { maskedCard } from '../domain/masking';
import { formatMoney } from '../domain/formatMoney';
import type { Logger } from '../../observability/logger';
import type { KeyValueStore } from '../../ports/keyValueStore';
import type { Mailer } from '../../ports/mailer';
import type { Payment } from './payment';
import type { PaymentEvent, PaymentEventSink } from './paymentEvents';

export interface PaymentReceiptsOptions {
  /** The configured mail server; null sends nothing (and says so in the log once per payment). */
  mailer: Mailer | null;
  merchantName: string;
  /** How long the "receipt sent" mark is kept: as long as the payment itself. */
  markSeconds: number;
}

/**
 * Emails the receipt of every payment that carries a customer email, whatever its channel (keypad call,
 * relayed call, pay link), when its `succeeded` transition is committed. It hears of that transition from
 * the payment repository's event sink, the same source the merchants' webhooks use: only the process whose
 * compare-and-set stored the transition is told, so a replayed or parallel webhook announces nothing new.
 * A set-if-absent mark per payment makes sure of it even so: a lost email is better than a customer
 * getting two. The receipt carries the amount, what for, the brand, the last 4, the reference and the
 * time: nothing else of the card.
 */
export class PaymentReceipts implements PaymentEventSink {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly logger: Logger,
    private readonly options: PaymentReceiptsOptions,
  ) {}

  /** Whether receipts go out at all: without a mail server none is sent, so no page may promise one. */
  get sends(): boolean {
    return this.options.mailer !== null;
  }

  async committed(payment: Payment, events: PaymentEvent[]): Promise<void> {
    if (!payment.receiptEmail || !events.some((e) => e.type === 'payment.succeeded')) return;
    // Sent beside the webhook, not in it: the caller or page that made the payment does not wait for SMTP.
    const sending = this.sendOnce(payment, payment.receiptEmail).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** Resolves once every receipt already started has been sent or given up (at shutdown, in tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async sendOnce(payment: Payment, to: string): Promise<void> {
    const log = this.logger.child({ paymentId: payment.id });
    try {
      if (payment.status !== 'succeeded' || !payment.card || !payment.reference) return;
      if (!this.options.mailer) {
        log.warn('receipt not sent: SMTP_URL is not set');
        return;
      }
      // Claimed before sending, by whichever process gets there first.
      if ((await this.store.compareAndSet(`receipt:${payment.id}`, 0, 'sent', this.options.markSeconds)) === null) return;
      const { subject, text } = receiptOf(payment, this.options.merchantName);
      await this.options.mailer.send({ to, subject, text });
      log.info('receipt sent', { channel: payment.channel });
    } catch (error) {
      log.error('receipt could not be sent', { error: (error as Error).message });
    }
  }
}

/** The receipt's subject and text: masked facts only. */
export function receiptOf(payment: Payment, merchantName: string): { subject: string; text: string } {
  if (payment.intent === 'save_card') return savedCardNoticeOf(payment, merchantName);
  const amount = formatMoney(payment.amount, payment.currency, payment.locale);
  const lines = [
    merchantName,
    '',
    `Payment received: ${amount}`,
    ...(payment.description ? [`For: ${payment.description}`] : []),
    ...(payment.card ? [`Card: ${maskedCard(payment.card.brand, payment.card.last4)}`] : []),
    `Reference: ${payment.reference ?? ''}`,
    `Time: ${payment.updatedAt}`,
  ];
  return { subject: `Receipt ${payment.reference ?? ''} – ${amount}`, text: `${lines.join('\n')}\n` };
}

/** A saved card's confirmation: nothing was charged, so it names no amount and says no payment was received. */
function savedCardNoticeOf(payment: Payment, merchantName: string): { subject: string; text: string } {
  const lines = [
    merchantName,
    '',
    'Card saved for later payments. Nothing was charged.',
    ...(payment.description ? [`For: ${payment.description}`] : []),
    ...(payment.card ? [`Card: ${maskedCard(payment.card.brand, payment.card.last4)}`] : []),
    `Reference: ${payment.reference ?? ''}`,
    `Time: ${payment.updatedAt}`,
  ];
  return { subject: `Card saved ${payment.reference ?? ''}`, text: `${lines.join('\n')}\n` };
}
