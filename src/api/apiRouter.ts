import { createHash } from 'node:crypto';
import express, { Router, type Response } from 'express';
import type { FlowRegistry } from '../core/capture/flowRegistry';
import type { Clock } from '../ports/clock';
import type { PaymentService } from '../core/payments/paymentService';
import { createdPaymentView, paymentView } from '../core/payments/paymentView';
import { voiceUrls } from '../phone';
import { GatewayError } from '../core/http/errors';
import { openApiDocument } from './openApiDocument';
import { checkNewPayment, type CheckedPayment } from './paymentInput';
import type { Flow } from '../core/flows/schema';
import { idempotencyKeySchema, refundRouter } from './refundRouter';
import { generatePaymentId } from '../core/domain/codes';
import type { PaymentListing } from '../core/payments/paymentListing';
import { listPaymentsQuerySchema } from './listQuery';
import type { PaymentCancellation } from '../core/payments/paymentCancellation';
import type { IdempotencyKeys, StoredAnswer } from '../core/payments/idempotencyKeys';
import { requireApiKey } from '../core/http/requireApiKey';
import { requireJsonBody } from '../core/http/requireJsonBody';
import type { RefundService } from '../core/payments/refundService';
import { WEB_FLOW, type PayLinkService } from '../links';
import type { Processor } from '../ports/processor';
import type { Payment } from '../core/payments/payment';
import { bridgeOfCall, bridgeRefusal, moveCallToCapture, type LiveCallDeps } from './liveCalls';
import type { AuthorizationService } from '../core/payments/authorizationService';
import { authorizationRouter } from './authorizationRouter';
import type { PaymentMethodService } from '../core/payments/paymentMethodService';
import { paymentMethodRouter } from './paymentMethodRouter';

export interface ApiRouterDeps {
  payments: PaymentService;
  flows: FlowRegistry;
  clock: Clock;
  apiKey: string;
  publicBaseUrl: string;
  paymentTtlSeconds: number;
  /** The configured processor: an amount it cannot take exactly is refused at creation. */
  processor: Pick<Processor, 'units'>;
  /** Refunds through the processor; without it the refunds endpoint is not mounted. */
  refunds?: RefundService;
  /** Lists payments, newest first. */
  listing: PaymentListing;
  /** Cancels payments, live captures included. */
  cancellation: PaymentCancellation;
  /** Idempotency-Key records of `POST /api/payments`. */
  idempotency: IdempotencyKeys;
  /** Captures and voids `capture: "manual"` payments; without it those endpoints are not mounted. */
  authorizations?: AuthorizationService;
  /** Pay links; without them `channel: "link"` answers channel_unavailable. */
  links?: { service: PayLinkService; ttlSeconds: number };
  /** Payments on live calls (a `returnUrl`, or a call on the agent bridge); without them `returnUrl` is refused. */
  liveCalls?: LiveCallDeps;
  /** Saved cards; without them (or with a processor that cannot save) `save_card` and `paymentMethod` answer intent_unavailable. */
  paymentMethods?: PaymentMethodService;
}


const PAYMENT_ID = /^pay_[a-z0-9]{10,40}$/;

/** The payments API: create a payment, read its masked status. Every call needs the API key. */
export function apiRouter(deps: ApiRouterDeps): Router {
  const router = Router();
  const urls = voiceUrls(deps.publicBaseUrl);
  // Idempotency keys belong to whoever holds the API key: a new key starts a new set of them.
  const callerScope = createHash('sha256').update(deps.apiKey).digest('hex').slice(0, 16);

  const document = openApiDocument(deps.publicBaseUrl);
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  router.use(requireApiKey(deps.apiKey));
  router.use(requireJsonBody());
  router.use(express.json({ limit: '16kb', strict: true }));
  if (deps.refunds) router.use(refundRouter(deps.refunds));
  if (deps.paymentMethods) router.use(paymentMethodRouter({ paymentMethods: deps.paymentMethods }));
  if (deps.authorizations) {
    router.use(authorizationRouter({ authorizations: deps.authorizations, idempotency: deps.idempotency, callerScope, clock: deps.clock, voiceUrl: (id) => urls.payment(id) }));
  }

  router.post('/payments', async (req, res) => {
    const checked = checkNewPayment(req.body, deps.processor);
    if (!checked.ok) throw new GatewayError(checked.code, checked.message);
    const body = checked.payment;
    if (body.channel === 'link' && !deps.links) {
      throw new GatewayError('channel_unavailable', 'channel: "link" payments are not enabled on this gateway yet.');
    }
    if (body.channel !== 'link' && body.expiresInSeconds !== undefined) {
      throw new GatewayError('invalid_expiresInSeconds', 'expiresInSeconds: only for channel "link".');
    }
    if (body.returnUrl !== undefined) {
      if (body.channel !== 'phone' || body.callSid === undefined) {
        throw new GatewayError('invalid_returnUrl', 'returnUrl: only for a phone payment with the callSid of a live call.');
      }
      const problem = deps.liveCalls ? await deps.liveCalls.returnUrlProblem(body.returnUrl) : null;
      if (problem) throw new GatewayError('invalid_returnUrl', `returnUrl: ${problem}.`);
    }
    // A call on the agent bridge is taken into the capture as the panel does it, whoever asks.
    const bridge = body.channel === 'phone' ? await bridgeOfCall(deps.liveCalls, body.callSid) : null;
    const callControl = deps.liveCalls?.callControl ?? null;
    if (body.returnUrl !== undefined && !bridge && !callControl) {
      // Fail closed: a payment promised to come back must not be taken on a gateway that cannot move the call.
      throw new GatewayError(
        'call_control_unavailable',
        'returnUrl: this gateway cannot move live calls (its call control is the development fake); set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (CALL_CONTROL=twilio).',
        { status: 503 },
      );
    }
    const savedCards = deps.paymentMethods?.supported ? deps.paymentMethods : null;
    if ((body.intent === 'save_card' || body.paymentMethod !== undefined) && !savedCards) {
      throw new GatewayError('intent_unavailable', `${body.paymentMethod !== undefined ? 'paymentMethod' : 'intent'}: the configured processor cannot save cards.`);
    }
    if (body.paymentMethod !== undefined) {
      await chargeSavedCard(body.paymentMethod);
      return;
    }
    const linkFlow = body.channel === 'link' && deps.flows.has(WEB_FLOW) ? WEB_FLOW : deps.flows.defaultFlowId;
    const flowId = body.flow ?? (bridge ? deps.liveCalls?.bridges?.defaultFlowOf(bridge) : null) ?? linkFlow;
    if (!deps.flows.has(flowId)) throw new GatewayError('invalid_flow', 'flow: no such flow on this gateway.');
    const { flow } = deps.flows.get(flowId);
    const relayed = bridge?.media === 'relay';
    if (flow.guide === 'agent' && !relayed) throw new GatewayError('invalid_flow', `flow: "${flowId}" is agent-guided: an agent starts it on the panel of a relayed call.`);
    if (flow.guide !== 'agent' && relayed) throw new GatewayError('invalid_flow', `flow: the call is on a relayed bridge, whose captures run agent-guided flows; "${flowId}" is not one.`);
    if (body.locale && !(body.locale in flow.locales)) {
      throw new GatewayError('invalid_locale', `locale: flow "${flowId}" speaks ${Object.keys(flow.locales).join(', ')}.`);
    }
    const linkProblem = body.channel === 'link' ? deps.links?.service.flowProblem(flow) : null;
    if (linkProblem) throw new GatewayError('invalid_flow', `flow: ${linkProblem}.`);
    const bankDebit = bankDebitOf(flowId, flow, body);
    const create = async (at: { resourceId: string; resumed: boolean } | null): Promise<StoredAnswer> => {
      // A claim taken over from a process that stopped half-way may find the payment already made.
      const existing = at?.resumed ? await deps.payments.get(at.resourceId) : null;
      const made: { payment: Payment | null } = { payment: null };
      const make = async (returnUrl: string | null): Promise<Payment> =>
        (made.payment = await deps.payments.create({
          ...(at ? { id: at.resourceId } : {}),
          amount: body.amount,
          amountMinor: body.amountMinor,
          currency: body.currency,
          description: body.description,
          channel: body.channel,
          callSid: body.callSid ?? null,
          locale: body.locale ?? flow.defaultLocale,
          flowId,
          capture: body.capture,
          intent: body.intent,
          ttlSeconds: body.channel === 'link' && deps.links ? (body.expiresInSeconds ?? deps.links.ttlSeconds) : deps.paymentTtlSeconds,
          returnUrl,
          // Any channel: the receipt goes out once the payment succeeds, however it was paid.
          receiptEmail: body.email ?? null,
          ...(bankDebit ? { bankDebit } : {}),
        }));
      let payment: Payment;
      if (existing) payment = existing;
      else if (bridge && deps.liveCalls?.bridges) {
        // The bridge's caller goes back to the agent, so a returnUrl is not used there.
        const started = await deps.liveCalls.bridges.startCapture(bridge.id, flowId, () => make(null));
        const startedPayment = made.payment;
        if (!started.ok) {
          if (startedPayment) await deps.payments.cancelPending(startedPayment.id);
          throw bridgeRefusal(started);
        }
        payment = (await deps.payments.get(started.paymentId ?? '')) ?? startedPayment!;
      } else payment = await make(body.returnUrl ?? null);
      if (!bridge && payment.returnUrl && payment.status === 'pending' && callControl && payment.callSid) {
        const failure = await moveCallToCapture(callControl, payment.callSid, urls.payment(payment.id));
        if (failure) {
          // Nobody can reach a payment whose call never came: it must not wait there to be claimed.
          await deps.payments.cancelPending(payment.id);
          throw failure;
        }
        payment = (await deps.payments.get(payment.id)) ?? payment;
      }
      const payUrl = body.channel === 'link' && deps.links
        ? ((existing ? await deps.links.service.payUrlOf(payment.id) : null) ?? (await deps.links.service.issue(payment, { email: body.email ?? null })))
        : null;
      return { status: 201, body: { ...createdPaymentView(payment, deps.clock.now(), { voiceUrl: urls.payment(payment.id) }), ...(payUrl ? { payUrl } : {}) } };
    };
    await answerOnce(create);

    /**
     * Charges a saved card at once, off-session: the payment is made, moved to processing by one
     * compare-and-set (so a parallel or replayed request cannot charge twice), charged with the
     * processor under the payment's own idempotency key, and answered with its outcome.
     */
    async function chargeSavedCard(methodId: string): Promise<void> {
      const method = await savedCards!.get(methodId);
      if (!method) throw new GatewayError('invalid_paymentMethod', 'paymentMethod: no such payment method on this gateway.');
      if (method.deletedAt) throw new GatewayError('payment_method_deleted', 'paymentMethod: this saved card was deleted and cannot be charged; save the card again.', { status: 409 });
      const flowId = deps.flows.defaultFlowId;
      await answerOnce(async (at) => {
        const existing = at?.resumed ? await deps.payments.get(at.resourceId) : null;
        const created =
          existing ??
          (await deps.payments.create({
            ...(at ? { id: at.resourceId } : {}),
            amount: body.amount,
            amountMinor: body.amountMinor,
            currency: body.currency,
            description: body.description,
            channel: 'phone',
            callSid: null,
            locale: body.locale ?? deps.flows.get(flowId).flow.defaultLocale,
            flowId,
            ttlSeconds: deps.paymentTtlSeconds,
            paymentMethodId: method.id,
          }));
        const payment = await settleOffSession(created);
        return { status: 201, body: createdPaymentView(payment, deps.clock.now(), { voiceUrl: urls.payment(payment.id) }) };
      });
    }

    async function settleOffSession(created: Payment): Promise<Payment> {
      const start = await deps.payments.startOffSession(created.id);
      if (!start || start.payment.status !== 'processing') return start?.payment ?? created;
      const charged = await savedCards!.charge(created.paymentMethodId!, {
        paymentId: created.id,
        attempt: 0,
        amount: created.amount,
        currency: created.currency,
        description: created.description,
        // One charge per payment: a resumed request repeats the key, and the processor replays its answer.
        idempotencyKey: `${created.id}-charge-0`,
      });
      const result = charged.ok ? charged.result : { outcome: 'declined' as const, code: 'processing_error' as const, message: 'The saved card cannot be charged by this processor.' };
      // A lost answer leaves the payment processing: the processor may hold the charge, and the reconciler looks it up.
      if (result === null) return (await deps.payments.get(created.id)) ?? start.payment;
      await deps.payments.settle(created.id, result);
      if (charged.ok) await savedCards!.chargeRecorded(created.id, 0);
      return (await deps.payments.get(created.id)) ?? start.payment;
    }

    async function answerOnce(create: (at: { resourceId: string; resumed: boolean } | null) => Promise<StoredAnswer>): Promise<void> {
    const key = req.get('idempotency-key');
    if (key === undefined) {
      send(res, await create(null), false);
      return;
    }
    if (!idempotencyKeySchema.safeParse(key).success) {
      throw new GatewayError('invalid_idempotency_key', 'Idempotency-Key: must be 1 to 255 printable ASCII characters without spaces.');
    }
    const outcome = await deps.idempotency.run(callerScope, key, req.body, generatePaymentId, create);
    if (outcome.kind === 'mismatch') {
      throw new GatewayError('idempotency_key_reused', 'Idempotency-Key: already used for a different request body; use a new key for a new payment.', { status: 422 });
    }
    if (outcome.kind === 'inProgress') {
      throw new GatewayError('idempotency_key_in_progress', 'Idempotency-Key: the first request with this key is still being answered; retry shortly.', { status: 409 });
    }
    send(res, outcome.answer, outcome.replayed);
    }
  });

  router.get('/payments', async (req, res) => {
    const parsed = listPaymentsQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      if (issue.code === 'unrecognized_keys') {
        throw new GatewayError('unknown_parameter', `${issue.keys[0]}: unknown query parameter (allowed: ${Object.keys(listPaymentsQuerySchema.shape).join(', ')})`);
      }
      const field = issue.path.map(String).join('.') || 'query';
      throw new GatewayError(`invalid_${field}`, `${field}: ${issue.message}`);
    }
    const q = parsed.data;
    const outcome = await deps.listing.list({
      ...(q.status ? { status: q.status } : {}),
      ...(q.channel ? { channel: q.channel } : {}),
      ...(q.createdFrom ? { createdFromMs: Date.parse(q.createdFrom) } : {}),
      ...(q.createdTo ? { createdToMs: Date.parse(q.createdTo) } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      limit: q.limit ? Number(q.limit) : 20,
    });
    if (!outcome.ok) throw new GatewayError('invalid_cursor', outcome.message);
    const now = deps.clock.now();
    res.json({ data: outcome.payments.map((p) => paymentView(p, now, { voiceUrl: urls.payment(p.id) })), nextCursor: outcome.nextCursor });
  });

  router.post('/payments/:id/cancel', async (req, res) => {
    const id = String(req.params.id);
    if (!PAYMENT_ID.test(id)) throw new GatewayError('not_found', `No payment with id "${id.slice(0, 60)}".`, { status: 404 });
    const outcome = await deps.cancellation.cancel(id);
    if (!outcome.ok) throw new GatewayError(outcome.code, outcome.message, { status: outcome.status });
    res.json(paymentView(outcome.payment, deps.clock.now(), { voiceUrl: urls.payment(outcome.payment.id) }));
  });

  router.get('/payments/:id', async (req, res) => {
    const id = String(req.params.id);
    const payment = PAYMENT_ID.test(id) ? await deps.payments.get(id) : null;
    if (!payment) throw new GatewayError('not_found', `No payment with id "${id.slice(0, 60)}".`, { status: 404 });
    const payUrl = payment.channel === 'link' && deps.links ? await deps.links.service.payUrlOf(payment.id) : null;
    res.json({ ...paymentView(payment, deps.clock.now(), { voiceUrl: urls.payment(payment.id) }), ...(payUrl ? { payUrl } : {}) });
  });

  return router;
}

/** A created payment's answer, first or replayed: the Location header follows the body's id. */
function send(res: Response, answer: StoredAnswer, replayed: boolean): void {
  if (replayed) res.set('Idempotent-Replayed', 'true');
  res.status(answer.status).location(`/api/payments/${String(answer.body.id)}`).json(answer.body);
}

/**
 * A bank-debit flow's own needs: the account holder's name (the mandate names the holder), an
 * automatic charge (a debit is not authorised now and captured later), and no card to save; a card
 * flow refuses the name rather than ignore it.
 */
function bankDebitOf(flowId: string, flow: Flow, body: CheckedPayment): { accountHolderName: string } | null {
  if (flow.method !== 'ach') {
    if (body.accountHolderName !== undefined) throw new GatewayError('invalid_accountHolderName', `accountHolderName: only bank-debit flows take it; "${flowId}" takes cards.`);
    return null;
  }
  if (body.intent === 'save_card') throw new GatewayError('invalid_intent', `intent: "${flowId}" is a bank-debit flow, which saves no card.`);
  if (body.capture === 'manual') throw new GatewayError('invalid_capture', `capture: "${flowId}" is a bank-debit flow: a debit cannot be authorised now and captured later.`);
  if (body.currency !== 'USD') throw new GatewayError('invalid_currency', `currency: "${flowId}" is a bank-debit flow (ACH), which moves USD only.`);
  if (!body.accountHolderName) throw new GatewayError('invalid_accountHolderName', `accountHolderName: is required for the bank-debit flow "${flowId}".`);
  return { accountHolderName: body.accountHolderName };
}
