import express, { Router } from 'express';
import type { FlowRegistry } from '../core/capture/flowRegistry';
import type { Clock } from '../ports/clock';
import type { PaymentService } from '../core/payments/paymentService';
import { createdPaymentView, paymentView } from '../core/payments/paymentView';
import { voiceUrls } from '../phone';
import { GatewayError } from '../core/http/errors';
import { openApiDocument } from './openApiDocument';
import { checkNewPayment } from './paymentInput';
import { refundRouter } from './refundRouter';
import { requireApiKey } from '../core/http/requireApiKey';
import { requireJsonBody } from '../core/http/requireJsonBody';
import type { RefundService } from '../core/payments/refundService';
import type { PayLinkService } from '../links';
import type { Processor } from '../ports/processor';

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
  /** Pay links; without them `channel: "link"` answers channel_unavailable. */
  links?: { service: PayLinkService; ttlSeconds: number };
}

/** Link payments use the web flow when the gateway has one: its messages are written for a page. */
const WEB_FLOW = 'web';

const PAYMENT_ID = /^pay_[a-z0-9]{10,40}$/;

/** The payments API: create a payment, read its masked status. Every call needs the API key. */
export function apiRouter(deps: ApiRouterDeps): Router {
  const router = Router();
  const urls = voiceUrls(deps.publicBaseUrl);

  const document = openApiDocument(deps.publicBaseUrl);
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  router.use(requireApiKey(deps.apiKey));
  router.use(requireJsonBody());
  router.use(express.json({ limit: '16kb', strict: true }));
  if (deps.refunds) router.use(refundRouter(deps.refunds));

  router.post('/payments', async (req, res) => {
    const checked = checkNewPayment(req.body, deps.processor);
    if (!checked.ok) throw new GatewayError(checked.code, checked.message);
    const body = checked.payment;
    if (body.channel === 'link' && !deps.links) {
      throw new GatewayError('channel_unavailable', 'channel: "link" payments are not enabled on this gateway yet.');
    }
    if (body.channel !== 'link' && (body.email !== undefined || body.expiresInSeconds !== undefined)) {
      const field = body.email !== undefined ? 'email' : 'expiresInSeconds';
      throw new GatewayError(`invalid_${field}`, `${field}: only for channel "link".`);
    }
    const linkFlow = body.channel === 'link' && deps.flows.has(WEB_FLOW) ? WEB_FLOW : deps.flows.defaultFlowId;
    const flowId = body.flow ?? linkFlow;
    if (!deps.flows.has(flowId)) throw new GatewayError('invalid_flow', `flow: no flow "${flowId}" on this gateway.`);
    const { flow } = deps.flows.get(flowId);
    if (flow.guide === 'agent') throw new GatewayError('invalid_flow', `flow: "${flowId}" is agent-guided: an agent starts it on the panel of a relayed call.`);
    if (body.locale && !(body.locale in flow.locales)) {
      throw new GatewayError('invalid_locale', `locale: flow "${flowId}" speaks ${Object.keys(flow.locales).join(', ')}.`);
    }
    const linkProblem = body.channel === 'link' ? deps.links?.service.flowProblem(flow) : null;
    if (linkProblem) throw new GatewayError('invalid_flow', `flow: ${linkProblem}.`);
    const payment = await deps.payments.create({
      amount: body.amount,
      amountMinor: body.amountMinor,
      currency: body.currency,
      description: body.description,
      channel: body.channel,
      callSid: body.callSid ?? null,
      locale: body.locale ?? flow.defaultLocale,
      flowId,
      ttlSeconds: body.channel === 'link' && deps.links ? (body.expiresInSeconds ?? deps.links.ttlSeconds) : deps.paymentTtlSeconds,
    });
    const payUrl = body.channel === 'link' && deps.links ? await deps.links.service.issue(payment, { email: body.email ?? null }) : null;
    res
      .status(201)
      .location(`/api/payments/${payment.id}`)
      .json({ ...createdPaymentView(payment, deps.clock.now(), { voiceUrl: urls.payment(payment.id) }), ...(payUrl ? { payUrl } : {}) });
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
