import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CaptureService } from '../core/capture/captureService';
import { CallSessionRepository } from '../core/capture/callSession';
import { CallFlows } from '../core/capture/callFlows';
import { FlowRegistry } from '../core/capture/flowRegistry';
import { ChargeReconciler } from '../core/capture/chargeReconciler';
import { PendingCharges } from '../core/capture/pendingCharges';
import { loadConfig, type Config } from '../config/config';
import { listeningAt } from '../config/httpConfig';
import { loadFlows } from '../core/flows/loadFlows';
import { createApp } from './httpApp';
import { checkNewPayment } from '../api/paymentInput';
import { createLogger, type Logger } from '../observability/logger';
import { systemClock, systemTimers, type Clock } from '../ports/clock';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { Processor } from '../ports/processor';
import { PaymentRepository } from '../core/payments/paymentRepository';
import { PaymentService } from '../core/payments/paymentService';
import { RefundService } from '../core/payments/refundService';
import { AuthorizationService } from '../core/payments/authorizationService';
import { IdempotencyKeys } from '../core/payments/idempotencyKeys';
import { PaymentCancellation } from '../core/payments/paymentCancellation';
import { PaymentListing } from '../core/payments/paymentListing';
import { MemoryStore } from '../adapters/store/memoryStore';
import { RedisStore } from '../adapters/store/redisStore';
import { connectRedisTopology, type RedisClient } from '../adapters/store/redisClient';
import { createLimiterFactory } from '../adapters/store/rateLimiters';
import { trackRequests } from './drain';
import { createPrometheusMetrics, type PrometheusMetrics } from '../observability/metrics';
import { instrumentProcessor } from '../observability/instrumentProcessor';
import { instrumentStore } from '../observability/instrumentStore';
import { createTwimlRenderer } from '../phone/renderTwiml';
import { voiceUrls } from '../phone/voiceUrls';
import { AesGcmVault } from '../adapters/vault/aesGcmVault';
import { PaymentMethodService } from '../core/payments/paymentMethodService';
import { renderStartPage } from './startPage';
import { simulateCommand } from './startupBanner';
import { composePayLinks } from '../links/composePayLinks';
import { composeAgentAssist } from '../agent/composeAgentAssist';
import type { SharedServices } from '../core/sharedServices';
import type { BridgeService } from '../agent/bridge/bridgeService';
import type { AgentAccounts } from '../agent/accounts/agentAccounts';
import { ObserverRelay } from '../agent/bridge/observerRelay';
import { composeRelay } from '../relay/composeRelay';
import type { MediaRelay } from '../relay/mediaRelay';
import type { CallControl } from '../ports/callControl';
import type { EventBus } from '../ports/eventBus';
import { panelRouter } from '../agent/panel/panelRouter';
import { composeRecordings } from '../relay/recording';
import { connectEventBus, pickCallControl, pickMailer, pickProcessor, pickProcessorEvents, pickWebhookQueue } from './compositionRoot';
import { ProcessorEventHandler } from '../core/capture/processorEventHandler';
import { PaymentEventSinks } from '../core/payments/paymentEvents';
import { PaymentReceipts } from '../core/payments/paymentReceipts';
import { PaymentExpiry } from '../core/payments/paymentExpiry';
import { composeWebhooks } from '../webhooks/composeWebhooks';
import { composeEmbed } from '../embed/composeEmbed';
import { endpointUrlProblem, processorEventsRouter, resolveHost } from '../webhooks';

/**
 * Where the configuration comes from: one already loaded (the process loads it once, before anything
 * starts), or an environment (tests, the simulator) with PORT overridden by `port`; 0 picks a free
 * port, and the public URL follows it unless PUBLIC_BASE_URL is set.
 */
export type GatewayOptions = GatewayParts &
  ({ config: Config; env?: never; port?: never } | { config?: never; env?: NodeJS.ProcessEnv; port?: number });

export interface GatewayParts {
  host?: string;
  /** Where log lines go; stdout by default. */
  logStream?: NodeJS.WritableStream;
  clock?: Clock;
  /** Swaps the processor adapter (tests of slow or failing processors). */
  processor?: (parts: { vault: AesGcmVault; store: KeyValueStore; vaultKey: Buffer }) => Processor;
  /** Swaps the call control of the agent bridge (tests, the simulator). */
  callControl?: CallControl;
  /**
   * A store to use instead of the configured one, e.g. one memory store shared by two in-process
   * gateways; the gateway leaves closing it to the caller.
   */
  store?: KeyValueStore;
}

export interface RunningGateway {
  url: string;
  config: Config;
  logger: Logger;
  store: KeyValueStore;
  capture: CaptureService;
  /** Follows up charges whose answer came after the call (or never reached it). */
  reconciler: ChargeReconciler;
  /** The media relay of relayed bridges (BRIDGE_MEDIA=relay). */
  relay: MediaRelay;
  /** Agent-assisted payments: the call bridge and its masked events. */
  bridges: BridgeService;
  /** The agents who may sign in to the panel. */
  agents: AgentAccounts;
  events: EventBus;
  callControl: CallControl;
  server: Server;
  /** The gateway's Prometheus metrics (also served at GET /metrics). */
  metrics: PrometheusMetrics;
  /** Receipts of succeeded payments: `settled()` waits for those already started. */
  receipts: Pick<PaymentReceipts, 'settled' | 'sends'>;
  /**
   * Drains and stops: readiness answers 503 at once, requests keep being served for `drainDelayMs`
   * (default 0), then no new connection is taken, requests in flight are answered, and the store closes.
   */
  close(options?: { drainDelayMs?: number }): Promise<void>;
}

/** Payment records outlive their pay code by this much, so a business can still read the result. */
const PAYMENT_RETENTION_SECONDS = 30 * 86_400;
/** Saved cards are kept this long after they were saved (a processor's token outlives most cards' expiry anyway). */
const SAVED_CARD_RETENTION_SECONDS = 5 * 365 * 86_400;
/** Twilio waits 15 s for a webhook; answering by 10 s leaves room for the network. */
const WEBHOOK_DEADLINE_MS = 10_000;

/**
 * The composition root: configuration → adapters → app → listening server. The only place that
 * picks concrete classes; everything below it receives its collaborators.
 */
export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const initial = options.config ?? configFromEnv(options);
  const logger = createLogger({ level: initial.logLevel, ...(options.logStream ? { stream: options.logStream } : {}) });
  const flows = new FlowRegistry(loadFlows(initial.flows.dir), initial.flows.defaultFlow);

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(initial.http.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const http = listeningAt(initial.http, port);
  const config: Config = http === initial.http ? initial : Object.freeze({ ...initial, http });

  let rawStore: KeyValueStore;
  let redis: RedisClient | null = null;
  try {
    redis = config.redis.topology && !options.store ? await connectRedisTopology(config.redis.topology) : null;
    rawStore = options.store ?? (redis ? new RedisStore(redis, config.redis.keyPrefix) : new MemoryStore());
  } catch (error) {
    server.close();
    throw error;
  }
  const metrics = createPrometheusMetrics();
  // Everything inside the gateway uses the counted store; RunningGateway.store stays the adapter itself.
  const store = instrumentStore(rawStore, metrics);
  const ownsStore = !options.store;
  const clock = options.clock ?? systemClock;
  // Rate limits count with the store's own atomic commands, on the same connection as the store.
  const limiters = createLimiterFactory(redis, config.redis.keyPrefix);
  const vault = new AesGcmVault(store, config.vaultKey, { ttlSeconds: config.ttl.vaultSeconds });
  const processor = options.processor
    ? options.processor({ vault, store, vaultKey: config.vaultKey })
    : pickProcessor(config.processor, { vault, store, vaultKey: config.vaultKey, clock });
  // Every committed payment change passes its events to the merchants' webhooks, to receipts (any channel),
  // and (added below, once built) to the agent panel's chat links.
  const webhooks = composeWebhooks(config, { store, clock, logger, secrets: vault, queue: pickWebhookQueue(config, logger, options.store ?? null) });
  const mailer = pickMailer(config);
  const receipts = new PaymentReceipts(store, logger, { mailer, merchantName: config.links.merchantName, markSeconds: PAYMENT_RETENTION_SECONDS });
  const paymentEvents = new PaymentEventSinks([webhooks.events, receipts]);
  const paymentRepository = new PaymentRepository(store, PAYMENT_RETENTION_SECONDS, paymentEvents);
  const authorizations = new AuthorizationService(paymentRepository, processor, clock, logger);
  const expiry = new PaymentExpiry(store, paymentRepository, clock, logger, {
    intervalMs: config.webhooks.expiryCheckIntervalMs,
    expireAuthorization: (id) => authorizations.expire(id),
  });
  const payments = new PaymentService(paymentRepository, clock, expiry, { authorizationTtlSeconds: config.processor.authorizationTtlSeconds });
  const paymentMethods = new PaymentMethodService(store, vault, instrumentProcessor(processor, metrics), clock, SAVED_CARD_RETENTION_SECONDS);
  const render = createTwimlRenderer(voiceUrls(config.http.publicBaseUrl), { holdMusicUrl: config.bridge.holdMusicUrl });
  // The bridge follows captures but needs the turn runner itself: it is attached once built.
  const captureObserver = new ObserverRelay();
  // One repository of call sessions: capture, the bridge and pay links read and write the same records.
  const sessions = new CallSessionRepository(store, config.ttl.sessionSeconds);
  const pendingCharges = new PendingCharges(store);
  const callFlows = new CallFlows({ registry: flows, store, clock, logger, sessionTtlSeconds: config.ttl.sessionSeconds });
  const capture = new CaptureService({
    flows,
    callFlows,
    sessions,
    payments,
    vault,
    processor: instrumentProcessor(processor, metrics),
    clock,
    logger,
    render,
    processorTimeoutMs: config.processor.timeoutMs,
    holdLimitMs: config.processor.holdLimitSeconds * 1000,
    pendingCharges,
    metrics,
    observer: captureObserver,
    paymentMethods,
  });
  // The panel's links are checked as the API checks them, a save_card link on a processor that cannot save included.
  const checkPayment = (fields: Record<string, unknown>) =>
    fields.intent === 'save_card' && !paymentMethods.supported
      ? { ok: false as const, code: 'intent_unavailable', field: 'intent', message: 'intent: the configured processor cannot save cards.' }
      : checkNewPayment(fields, processor);
  const reconciler = new ChargeReconciler({
    pendingCharges,
    processor,
    settle: (charge, result) => capture.settleCharge(charge, result),
    lookUpSave: (charge) => capture.lookUpSave(charge),
    clock,
    logger,
    intervalMs: config.processor.reconcileIntervalMs,
  });
  // Stripe's own events settle pending charges sooner than the reconciler's look-ups, by the same path.
  const processorEvents = pickProcessorEvents(config.processor, processor, vault);
  const processorEventHandler = new ProcessorEventHandler({
    store,
    pendingCharges,
    getPayment: (id) => paymentRepository.get(id),
    settle: (charge, result) => capture.settleCharge(charge, result),
    canceledAtProcessor: (id, reference) => authorizations.canceledAtProcessor(id, reference),
    capturedAtProcessor: (id, reference, units) => authorizations.capturedAtProcessor(id, reference, units),
    clock,
    logger,
  });
  const callControl = options.callControl ?? pickCallControl(config, logger);
  const events = await connectEventBus(config);
  const shared: SharedServices = { store, payments, capture, sessions, flows, callFlows, clock, logger, limiters };
  // The relay tells the bridge about dropped streams; the bridge asks the relay for stream TwiML. It is
  // built in either mode (a bridge opened as relayed needs it), but only issues tokens for relayed bridges.
  const recordings = composeRecordings(config.recordings, { clock, timers: systemTimers, logger });
  const relay = composeRelay(config, {
    ...shared,
    // Relayed calls are never recorded by Twilio (its recording would hold the tones): the relay writes its own.
    recorder: config.bridge.record ? (recordings?.recorder ?? null) : null,
    events,
    metrics,
    streamLost: (bridgeId, leg) => void bridge.service.streamLost(bridgeId, leg).catch((error: unknown) => logger.warn('could not tell the agent about a dropped stream', { error })),
  });
  const payLinks = composePayLinks(config, { ...shared, receipts, retentionSeconds: PAYMENT_RETENTION_SECONDS });
  const bridge = composeAgentAssist(config, {
    ...shared,
    checkPayment,
    callControl,
    events,
    relay: relay.relay,
    links: payLinks.service,
    retentionSeconds: PAYMENT_RETENTION_SECONDS,
  });
  captureObserver.attach(bridge.service);
  paymentEvents.add(bridge.chatLinks);
  const panel = panelRouter({ ...bridge.panel, recordings: recordings?.library ?? null });
  const embed = composeEmbed(shared, { apiKey: config.apiKey });

  const app = createApp({
    store,
    processor: config.processor.kind,
    logger,
    trustProxy: config.http.trustProxy,
    api: {
      payments,
      flows,
      clock,
      apiKey: config.apiKey,
      publicBaseUrl: config.http.publicBaseUrl,
      paymentTtlSeconds: config.ttl.paymentSeconds,
      processor,
      links: { service: payLinks.service, ttlSeconds: config.ttl.linkSeconds },
      paymentMethods,
      refunds: new RefundService(paymentRepository, store, processor, clock),
      authorizations,
      listing: new PaymentListing(paymentRepository, clock),
      cancellation: new PaymentCancellation({
        payments,
        clock,
        endCapture: async (callSid) => {
          if ((await capture.agentAction(callSid, 'cancel')) === null) return false;
          // The caller waits at a prompt that may run long: a call with somewhere to go is moved there now
          // (its next turn would send it there too, so a failed move only makes it wait).
          const returnTo = await capture.endedCallReturn(callSid);
          if (returnTo) await callControl.redirect(callSid, returnTo).catch((error: unknown) => logger.warn('could not move a canceled capture’s call on', { callSid, error }));
          return true;
        },
      }),
      liveCalls: {
        bridges: bridge.service,
        // Fail closed: the development fake moves no real call, so production takes no returnUrl with it.
        callControl: config.env === 'production' && config.bridge.callControl === 'fake' && !options.callControl ? null : callControl,
        returnUrlProblem: (url) => endpointUrlProblem(url, { production: config.env === 'production', resolve: resolveHost }),
      },
      idempotency: new IdempotencyKeys(store, 'payment-key:', { ttlSeconds: config.ttl.idempotencySeconds }),
    },
    voice: {
      capture,
      flows,
      logger,
      twilioAuthToken: config.twilio.authToken,
      publicBaseUrl: config.http.publicBaseUrl,
      apology: () => capture.apology(),
      deadlineMs: WEBHOOK_DEADLINE_MS,
      metrics,
    },
    metrics: { registry: metrics, bearerKey: config.operations.metricsToken ?? config.apiKey },
    isDraining: () => drainer.draining,
    pay: payLinks.page,
    bridge: { ...bridge.webhooks, apology: () => capture.apology() },
    panel: panel.router,
    webhooks: webhooks.router,
    processorEvents: processorEventsRouter({ events: processorEvents, handle: (event) => processorEventHandler.handle(event), clock, logger }),
    embed,
    https: config.http.publicBaseUrl.startsWith('https://'),
    // Production shows nothing at `/`: the address faces Twilio and the internet.
    ...(config.env === 'production'
      ? {}
      : { startPage: renderStartPage({ publicBaseUrl: config.http.publicBaseUrl, simulateCommand: simulateCommand(config.http.publicBaseUrl, config.twilio.authToken !== null) }) }),
  });
  // Tracking is attached first so it sees every request the app answers.
  const drainer = trackRequests(server);
  server.on('request', app);
  server.on('upgrade', relay.handleUpgrade);
  reconciler.start();
  webhooks.start();
  expiry.start();

  if (!config.twilio.authToken) {
    logger.warn('TWILIO_AUTH_TOKEN is not set: Twilio signatures are NOT checked (development only)');
  }
  if (config.processor.kind === 'stripe' && !processorEvents) {
    logger.warn('STRIPE_WEBHOOK_SECRET is not set: /webhooks/stripe answers 503, and charges are followed up only by asking Stripe');
  }
  logger.info('gateway listening', {
    port,
    publicBaseUrl: config.http.publicBaseUrl,
    store: config.redis.topology ? `redis (${config.redis.topology.mode})` : 'memory',
    processor: processor.name,
    flows: flows.ids(),
  });

  return {
    url: `http://127.0.0.1:${port}`,
    config,
    logger,
    store: rawStore,
    capture,
    reconciler,
    bridges: bridge.service,
    relay: relay.relay,
    agents: bridge.agents,
    events,
    callControl,
    server,
    metrics,
    receipts,
    async close(options = {}) {
      // Webhooks answer within WEBHOOK_DEADLINE_MS, so waiting a little longer than that cuts nothing.
      // Open panel event streams never finish by themselves: end them so the drain can.
      panel.closeStreams();
      embed.closeStreams();
      // Relayed calls end with the process: their legs' calls hang up when the sockets close.
      relay.close();
      const clean = await drainer.drain({ delayMs: options.drainDelayMs ?? 0, timeoutMs: WEBHOOK_DEADLINE_MS + 1000 });
      if (!clean) logger.warn('shutdown: requests still in flight were cut', { inFlight: drainer.inFlight() });
      await reconciler.stop();
      await recordings?.sweeper.stop();
      await expiry.stop();
      await webhooks.close();
      // A panel stream opened during the drain delay is ended too.
      panel.closeStreams();
      embed.closeStreams();
      await bridge.service.settled();
      // Receipts already claimed are sent before the mail connection closes.
      await receipts.settled();
      mailer?.close();
      await events.close();
      if (ownsStore) await rawStore.close();
    },
  };
}

/** The configuration from `options.env` (or the process's), PORT overridden by `options.port`. */
function configFromEnv(options: { env?: NodeJS.ProcessEnv; port?: number }): Config {
  const env = { ...(options.env ?? process.env) };
  if (options.port !== undefined) env.PORT = String(options.port);
  return loadConfig(env);
}

export { loadConfig };
