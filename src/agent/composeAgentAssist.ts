import type { SharedServices } from '../core/sharedServices';
import type { Config } from '../config/config';
import type { CallControl } from '../ports/callControl';
import type { EventBus } from '../ports/eventBus';
import { AgentAccounts } from './accounts/agentAccounts';
import { AuditTrail } from './auditTrail';
import { PanelSessions } from './accounts/panelSessions';
import { SignInThrottle } from './accounts/signInThrottle';
import { voiceUrls } from '../phone';
import { BridgeRepository } from './bridge/bridge';
import { BridgeService, type BridgeServiceDeps, type RelayStreams } from './bridge/bridgeService';
import { bridgeUrls } from './bridge/bridgeUrls';
import { ChatLinks, type ChatLinksDeps } from './chat/chatLinks';
import type { PayLinkService } from '../links';

export interface BridgeParts extends SharedServices {
  /** The check of a new payment's fields that the payments API applies too. */
  checkPayment: ChatLinksDeps['checkPayment'];
  /** The configured call control (or the one a test or the simulator put in its place). */
  callControl: CallControl;
  /** Where masked bridge events are published; closing it is left to whoever built it. */
  events: EventBus;
  /** The media relay, for relayed bridges (BRIDGE_MEDIA=relay). */
  relay?: RelayStreams;
  /** The pay-link service: agents make links for chat customers on the panel. */
  links: PayLinkService;
  /** How long payment records are kept, and with them which agent made a link. */
  retentionSeconds: number;
}

/**
 * The agent-assisted payments feature, wired from the adapters it is given: the bridge service, what its
 * webhook router needs, and what the agent panel needs.
 */
export function composeAgentAssist(config: Config, parts: BridgeParts) {
  const { callControl, events } = parts;
  const urls = bridgeUrls(config.http.publicBaseUrl);
  const voice = voiceUrls(config.http.publicBaseUrl);
  const service = new BridgeService({
    bridges: new BridgeRepository(parts.store, config.ttl.sessionSeconds),
    sessions: parts.sessions,
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
    relayFlowId: parts.flows.ids().find((id) => parts.flows.get(id).flow.guide === 'agent') ?? null,
    paymentTtlSeconds: config.ttl.paymentSeconds,
    relay: parts.relay ?? null,
  });
  const webhooks = {
    bridges: service,
    logger: parts.logger,
    twilioAuthToken: config.twilio.authToken,
    publicBaseUrl: config.http.publicBaseUrl,
    holdMusicUrl: config.bridge.holdMusicUrl,
    holdUrl: urls.hold(),
    media: config.bridge.media,
  };
  const agents = new AgentAccounts(parts.store, config.vaultKey);
  const audit = new AuditTrail(parts.store, parts.logger, config.audit.retentionDays * 86_400);
  const chatLinks = new ChatLinks({
    links: parts.links,
    checkPayment: parts.checkPayment,
    store: parts.store,
    events,
    clock: parts.clock,
    logger: parts.logger,
    retentionSeconds: parts.retentionSeconds,
  });
  const panel = {
    bridges: service,
    chatLinks,
    sessions: new PanelSessions(parts.store),
    audit,
    throttle: new SignInThrottle(parts.limiters),
    events,
    clock: parts.clock,
    logger: parts.logger,
    agents,
    publicBaseUrl: config.http.publicBaseUrl,
  };
  return { service, callControl, events, webhooks, panel, audit, agents, chatLinks };
}
