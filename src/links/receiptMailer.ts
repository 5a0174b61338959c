import nodemailer from 'nodemailer';
import type { Logger } from '../observability/logger';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { Payment } from '../core/payments/payment';
import { maskedCard } from '../core/domain/masking';
import { formatMoney } from './page/formatMoney';

export interface ReceiptMailerOptions {
  /** smtp:// or smtps:// URL; null sends nothing (and says so once per receipt in the log). */
  smtpUrl: string | null;
  from: string;
  merchantName: string;
}

/**
 * Emails the receipt of a paid link once. It carries the amount, what for, the brand, the last 4
 * digits, the reference and the time: nothing else of the card.
 */
export class ReceiptMailer {
  private readonly transport: ReturnType<typeof nodemailer.createTransport> | null;

  constructor(
    private readonly store: KeyValueStore,
    private readonly logger: Logger,
    private readonly options: ReceiptMailerOptions,
  ) {
    this.transport = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : null;
  }

  /** Whether receipts go out at all: without a mail server none is sent, so no page may promise one. */
  get sends(): boolean {
    return this.transport !== null;
  }

  /** Sends the receipt unless it was sent already (by this process or another). */
  async sendOnce(payment: Payment, to: string): Promise<void> {
    if (payment.status !== 'succeeded' || !payment.card || !payment.reference) return;
    const log = this.logger.child({ paymentId: payment.id });
    if (!this.transport) {
      log.warn('receipt not sent: SMTP_URL is not set');
      return;
    }
    // Claimed before sending: a lost email is better than a customer getting two.
    if ((await this.store.compareAndSet(`receipt:${payment.id}`, 0, 'sent', 30 * 86_400)) === null) return;
    const amount = formatMoney(payment.amount, payment.currency, payment.locale);
    const lines = [
      `${this.options.merchantName}`,
      '',
      `Payment received: ${amount}`,
      ...(payment.description ? [`For: ${payment.description}`] : []),
      `Card: ${maskedCard(payment.card.brand, payment.card.last4)}`,
      `Reference: ${payment.reference}`,
      `Time: ${payment.updatedAt}`,
    ];
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to,
        subject: `Receipt ${payment.reference} – ${amount}`,
        text: `${lines.join('\n')}\n`,
      });
      log.info('receipt sent');
    } catch (error) {
      log.error('receipt could not be sent', { error: (error as Error).message });
    }
  }

  close(): void {
    this.transport?.close();
  }
}
