import Stripe from 'stripe';
import type { ProcessorEventRead, ProcessorEvents } from '../../ports/processorEvents';
import type { StripeProcessor } from './stripeProcessor';

/** How old a delivery's signed timestamp may be, as Stripe's own libraries default to: replays of older ones are refused. */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

/** The PaymentIntent events the gateway acts on; `processing` is acknowledged and changes nothing. */
export const STRIPE_EVENT_TYPES = ['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled', 'payment_intent.processing'] as const;
const HANDLED: ReadonlySet<string> = new Set(STRIPE_EVENT_TYPES);

/**
 * Reads Stripe's webhook deliveries. The `Stripe-Signature` header is checked with the endpoint's
 * signing secret over the raw body (HMAC-SHA256 of `<t>.<body>`, timestamp within 5 minutes of the
 * gateway's clock) before anything in the body is believed. The event only says which intent
 * changed: its state is then read from Stripe itself, by id, and judged as a look-up judges it (the
 * address check included), so an event that arrives late or out of order never wins over the
 * intent as it stands, and an approval whose postal code failed is reversed, never recorded.
 */
export class StripeEvents implements ProcessorEvents {
  readonly processor = 'stripe';

  constructor(
    private readonly signingSecret: string,
    private readonly intents: Pick<StripeProcessor, 'lookUpIntent'>,
  ) {}

  async read(rawBody: Buffer, signature: string | undefined, receivedAt: Date): Promise<ProcessorEventRead> {
    if (!signature) return { ok: false, problem: 'signature' };
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(rawBody, signature, this.signingSecret, STRIPE_SIGNATURE_TOLERANCE_SECONDS, undefined, receivedAt.getTime());
    } catch {
      return { ok: false, problem: 'signature' };
    }
    const base = { id: event.id, type: event.type };
    if (!HANDLED.has(event.type)) return { ok: true, event: { ...base, charge: null } };
    const sent = event.data.object as Partial<Stripe.PaymentIntent>;
    const paymentId = sent.metadata?.payment_id;
    const idempotencyKey = sent.metadata?.charge_key;
    // Intents the gateway did not create (or saved-card setups) carry neither: nothing of ours.
    if (typeof sent.id !== 'string' || !paymentId || !idempotencyKey) return { ok: true, event: { ...base, charge: null } };
    const found = await this.intents.lookUpIntent(sent.id, { paymentId, idempotencyKey });
    if (found === null) return { ok: false, problem: 'unavailable' };
    if (found === 'missing') return { ok: true, event: { ...base, charge: null } };
    const { intent, outcome } = found;
    // The intent as Stripe holds it must still name the same attempt.
    if (intent.metadata?.payment_id !== paymentId || intent.metadata?.charge_key !== idempotencyKey) return { ok: true, event: { ...base, charge: null } };
    const state = intent.status === 'canceled' ? 'canceled' : intent.status === 'succeeded' ? 'captured' : 'other';
    return {
      ok: true,
      event: {
        ...base,
        charge: { paymentId, idempotencyKey, reference: intent.id, outcome, state, ...(state === 'captured' ? { capturedUnits: intent.amount_received } : {}) },
      },
    };
  }
}
