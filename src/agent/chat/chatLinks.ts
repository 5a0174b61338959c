import { maskedCard } from '../../core/domain/masking';
import { FINAL_STATUSES, effectiveStatus, type Payment, type PaymentStatus } from '../../core/payments/payment';
import type { PaymentEvent, PaymentEventSink } from '../../core/payments/paymentEvents';
import type { NewPayment } from '../../core/payments/paymentService';
import type { PayLinkService } from '../../links';
import type { Logger } from '../../observability/logger';
import type { Clock } from '../../ports/clock';
import type { EventBus, LinkEvent } from '../../ports/eventBus';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { reasonOf } from '../../core/payments/failureWords';

/** A new payment's fields as the payments API checks them: canonical when accepted, a field-level refusal when not. */
export type LinkPaymentCheck =
  | { ok: true; payment: Pick<NewPayment, 'amount' | 'amountMinor' | 'currency' | 'description'> & { email?: string; intent?: 'charge' | 'save_card' } }
  | { ok: false; code: string; field: string; message: string };

export interface ChatLinksDeps {
  links: PayLinkService;
  /** The payments API's own check of a new payment's fields (the same function the API calls). */
  checkPayment: (fields: Record<string, unknown>) => LinkPaymentCheck;
  store: KeyValueStore;
  events: EventBus;
  clock: Clock;
  logger: Logger;
  /** How long the gateway remembers which agent made a link: as long as its payment. */
  retentionSeconds: number;
}

/** The answer to the panel's "Create pay link": the link to paste into the chat, or what to correct. */
export type ChatLinkResult =
  | { ok: true; paymentId: string; payUrl: string; link: LinkEvent }
  | { ok: false; code: string; field?: string; message: string };

const ownerKey = (paymentId: string) => `chat-link:${paymentId}`;

/**
 * Pay links for chat customers, made by a signed-in agent on the panel. The fields are checked by the
 * payments API's rules and the link is made by the pay-link service, so a link from the panel is the same
 * as one from `POST /api/payments`. The agent who made it is remembered per payment, and each committed
 * change of that payment (the repository's event sink, shared with the webhooks) reaches that agent's
 * panels as a masked `link` event, from whichever gateway process committed it.
 */
export class ChatLinks implements PaymentEventSink {
  constructor(private readonly deps: ChatLinksDeps) {}

  async create(fields: { amount: unknown; currency: unknown; description: unknown; email: unknown; intent?: unknown }, agent: string): Promise<ChatLinkResult> {
    // Passed on as typed (an empty optional field is none): the API's check judges them, nothing is cut to fit.
    // A link that saves the card for later takes no amount (the API's rule), whatever the form still holds.
    const saves = fields.intent === 'save_card';
    const given: Record<string, unknown> = saves ? { channel: 'link', intent: 'save_card' } : { channel: 'link', amount: fields.amount, currency: fields.currency };
    if (fields.intent !== undefined && !saves) given.intent = fields.intent;
    if (fields.description !== undefined && fields.description !== '') given.description = fields.description;
    if (fields.email !== undefined && fields.email !== '') given.email = typeof fields.email === 'string' ? fields.email.trim() : fields.email;
    const checked = this.deps.checkPayment(given);
    if (!checked.ok) return { ok: false, code: checked.code, field: checked.field, message: checked.message };
    const { amount, amountMinor, currency, description, email, intent } = checked.payment;
    const made = await this.deps.links.createForChat({ amount, amountMinor, currency, description, email: email ?? null, ...(intent === 'save_card' ? { intent } : {}) });
    if (!made) return { ok: false, code: 'links_unavailable', message: 'Pay links cannot be made on this gateway: its web flow cannot serve a page.' };
    await this.deps.store.set(ownerKey(made.payment.id), agent, this.deps.retentionSeconds);
    const link = this.linkEvent(made.payment, agent, []);
    await this.publish(link);
    return { ok: true, paymentId: made.payment.id, payUrl: made.payUrl, link };
  }

  async committed(payment: Payment, events: PaymentEvent[]): Promise<void> {
    if (payment.channel !== 'link') return;
    try {
      const agent = (await this.deps.store.get(ownerKey(payment.id)))?.value;
      if (agent) await this.publish(this.linkEvent(payment, agent, events));
    } catch (error) {
      // The payment's change is stored either way; the panel misses one step of it.
      this.deps.logger.warn('chat link progress not published', { paymentId: payment.id, error });
    }
  }

  /** The payment as the agent's panel shows it: brand and last 4 at most. */
  private linkEvent(payment: Payment, agent: string, events: PaymentEvent[]): LinkEvent {
    const status: PaymentStatus = events.some((e) => e.type === 'payment.expired') ? 'expired' : effectiveStatus(payment, this.deps.clock.now());
    const lines: string[] = [];
    if (payment.card) lines.push(`${maskedCard(payment.card.brand, payment.card.last4)} valid`);
    if (status === 'processing') lines.push('Processing…');
    return {
      type: 'link',
      paymentId: payment.id,
      agent,
      status,
      amount: payment.amount,
      currency: payment.currency,
      ...(payment.intent === 'save_card' ? { intent: 'save_card' as const } : {}),
      description: payment.description,
      card: payment.card ? { brand: payment.card.brand, last4: payment.card.last4.slice(-4) } : null,
      reference: payment.reference,
      summary: summaryOf(status, payment),
      lines,
      final: FINAL_STATUSES.has(status),
      at: this.deps.clock.now().toISOString(),
    };
  }

  private async publish(event: LinkEvent): Promise<void> {
    await this.deps.events.publish(event).catch((error: unknown) => this.deps.logger.warn('chat link event not published', { paymentId: event.paymentId, error }));
  }
}

function summaryOf(status: PaymentStatus, payment: Payment): string {
  switch (status) {
    case 'pending':
      return 'Waiting for the customer';
    case 'capturing':
      return 'The customer is entering the card';
    case 'processing':
      return 'Processing…';
    case 'authorized':
      return payment.reference ? `Authorised, reference ${payment.reference}: to be captured` : 'Authorised: to be captured';
    case 'succeeded':
      if (payment.intent === 'save_card') return payment.reference ? `Card saved, reference ${payment.reference}` : 'Card saved';
      return payment.reference ? `Success, reference ${payment.reference}` : 'Success';
    case 'failed':
      return payment.failure ? `Failed — ${reasonOf(payment.failure.code)}` : 'Failed';
    case 'canceled':
      return 'Canceled';
    case 'expired':
      return 'Expired: the link no longer works';
  }
}
