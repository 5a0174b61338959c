import type { Config } from '../config/config';
import type { SharedServices } from '../core/sharedServices';
import type { RelayRefusal } from '../observability/metrics';
import { systemTimers } from '../ports/clock';
import type { EventBus } from '../ports/eventBus';
import { MediaRelay } from './mediaRelay';
import type { CallRecorder } from './recording';
import { createStreamEndpoint } from './streamEndpoint';
import { StreamTokens } from './streamTokens';
import type { StreamLeg } from './streamTokens';

export interface RelayParts extends SharedServices {
  events: EventBus;
  metrics: { relayFrameDropped(to: StreamLeg): void; relayStreamRefused(reason: RelayRefusal): void };
  /** A leg's socket dropped mid-call: the bridge tells the agent. */
  streamLost(bridgeId: string, leg: StreamLeg): void;
  /** Records each relayed call; null: no recording. */
  recorder: CallRecorder | null;
}

/** A stream token opens its leg's stream for this long: the agent's phone may ring a while before it answers. */
const TOKEN_TTL_SECONDS = 120;
/** Twilio sends `start` right after the handshake. */
const START_DEADLINE_MS = 5000;

/** The media relay, wired from the shared services: the relay itself and its WebSocket endpoint. */
export function composeRelay(config: Config, parts: RelayParts) {
  const guidedFlowId = parts.flows.ids().find((id) => parts.flows.get(id).flow.guide === 'agent');
  const tokens = new StreamTokens(parts.store, parts.clock, TOKEN_TTL_SECONDS);
  const relay = new MediaRelay({
    instanceId: config.bridge.relayInstanceId,
    publicBaseUrl: config.http.publicBaseUrl,
    tokens,
    capture: parts.capture,
    guidedFlow: guidedFlowId ? parts.flows.get(guidedFlowId).flow : null,
    events: parts.events,
    timers: systemTimers,
    logger: parts.logger,
    metrics: parts.metrics,
    streamLost: parts.streamLost,
    recorder: parts.recorder,
  });
  const endpoint = createStreamEndpoint({
    instanceId: config.bridge.relayInstanceId,
    publicBaseUrl: config.http.publicBaseUrl,
    authToken: config.twilio.authToken,
    tokens,
    logger: parts.logger,
    metrics: parts.metrics,
    startDeadlineMs: START_DEADLINE_MS,
    admit: (stream) => relay.admit(stream),
  });
  return {
    relay,
    handleUpgrade: endpoint.handleUpgrade,
    close(): void {
      relay.close();
      endpoint.close();
    },
  };
}
