import type { CaptureService } from '../capture/captureService';
import type { CallFlows } from '../capture/callFlows';
import type { FlowRegistry } from '../capture/flowRegistry';
import type { Config } from '../config/config';
import type { BridgeRouterDeps } from '../http/bridgeRouter';
import type { Logger } from '../logging/logger';
import type { PaymentService } from '../payments/paymentService';
import type { CallControl } from '../ports/callControl';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/eventBus';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { LimiterFactory } from '../store/rateLimiters';
import { AgentAccounts } from '../agent/agentAccounts';
import { AuditTrail } from '../agent/auditTrail';
import { PanelSessions } from '../agent/panelSessions';
import { SignInThrottle } from '../agent/signInThrottle';
import { CallSessionRepository } from '../capture/callSession';
import { panelRouter } from '../http/panelRouter';
import { connectRedisTopology } from '../store/redisClient';
import { TwilioCallControl } from '../telephony/twilioCallControl';
import { voiceUrls } from '../telephony/voiceUrls';
import { BridgeRepository } from './bridge';
import { BridgeService, type BridgeServiceDeps } from './bridgeService';
import { bridgeUrls } from './bridgeUrls';
import { FakeCallControl } from './fakeCallControl';
import { MemoryEventBus } from './memoryEventBus';
import { RedisEventBus } from './redisEventBus';

export interface BridgeParts {
  store: KeyValueStore;
  payments: PaymentService;
  capture: CaptureService;
  flows: FlowRegistry;
  callFlows: CallFlows;
  clock: Clock;
  logger: Logger;
  /** Builds the sign-in throttle's counter on the gateway's store. */
  limiters: LimiterFactory;
  /** The check of a new payment's fields that the payments API applies too. */
  checkPayment: BridgeServiceDeps['checkPayment'];
  /** Overrides the configured call control (tests, the simulator). */
  callControl?: CallControl;
}

/** The agent-assisted payments feature, assembled: bridge service, call control, events, webhook router deps. */
export async function composeBridge(config: Config, parts: BridgeParts) {
  const callControl =
    parts.callControl ??
    (config.bridge.callControl === 'twilio'
      ? new TwilioCallControl({ accountSid: config.twilio.accountSid!, authToken: config.twilio.authToken! })
      : new FakeCallControl());
  if (!parts.callControl && config.bridge.callControl === 'fake') {
    parts.logger.warn('call control is the in-memory fake: the agent bridge acts on no real call (development only)');
  }
  const topology = config.redis.topology;
  const events: EventBus = topology
    ? await RedisEventBus.connect(() => connectRedisTopology(topology), config.redis.keyPrefix)
    : new MemoryEventBus();
  const urls = bridgeUrls(config.http.publicBaseUrl);
  const voice = voiceUrls(config.http.publicBaseUrl);
  const service = new BridgeService({
    bridges: new BridgeRepository(parts.store, config.ttl.sessionSeconds),
    sessions: new CallSessionRepository(parts.store, config.ttl.sessionSeconds),
    callControl,
    capture: parts.capture,
    payments: parts.payments,
    checkPayment: parts.checkPayment,
    flows: parts.flows,
    callFlows: parts.callFlows,
    events,
    clock: parts.clock,
    logger: parts.logger,
    urls,
    paymentVoiceUrl: (id) => voice.payment(id),
    capturePollUrl: (turn) => voice.capture(turn, { poll: true }),
    agentDial: config.bridge.agentDial,
    record: config.bridge.record,
    agentFlowId: parts.flows.has(config.bridge.agentFlow) ? config.bridge.agentFlow : parts.flows.defaultFlowId,
    paymentTtlSeconds: config.ttl.paymentSeconds,
  });
  const routerDeps: Omit<BridgeRouterDeps, 'apology'> = {
    bridges: service,
    logger: parts.logger,
    twilioAuthToken: config.twilio.authToken,
    publicBaseUrl: config.http.publicBaseUrl,
    holdMusicUrl: config.bridge.holdMusicUrl,
    holdUrl: urls.hold(),
  };
  const agents = new AgentAccounts(parts.store, config.vaultKey);
  const audit = new AuditTrail(parts.store, parts.logger, config.audit.retentionDays * 86_400);
  const panel = panelRouter({
    bridges: service,
    sessions: new PanelSessions(parts.store),
    audit,
    throttle: new SignInThrottle(parts.limiters),
    events,
    clock: parts.clock,
    logger: parts.logger,
    agents,
    publicBaseUrl: config.http.publicBaseUrl,
  });
  return {
    service,
    callControl,
    events,
    routerDeps,
    panel,
    audit,
    agents,
    async close() {
      panel.closeStreams();
      await service.settled();
      await events.close();
    },
  };
}
