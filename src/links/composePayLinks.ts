import type { CallSessionRepository } from '../capture/callSession';
import type { CallFlows } from '../capture/callFlows';
import type { CaptureService } from '../capture/captureService';
import type { FlowRegistry } from '../capture/flowRegistry';
import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import type { Clock } from '../ports/clock';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { PaymentService } from '../payments/paymentService';
import type { LimiterFactory } from '../store/rateLimiters';
import { LinkSecrets } from './linkSecrets';
import { PayLinkRepository } from './payLinkRepository';
import { PayLinkService, type PayLinkServiceDeps } from './payLinkService';

export interface PayLinkParts {
  store: KeyValueStore;
  payments: PaymentService;
  capture: CaptureService;
  /** The gateway's one repository of call sessions, shared with capture and the bridge. */
  sessions: CallSessionRepository;
  flows: FlowRegistry;
  callFlows: CallFlows;
  clock: Clock;
  logger: Logger;
  /** Builds the pay pages' request counters on the gateway's store. */
  limiters: LimiterFactory;
  /** The configured receipt sender. */
  receipts: PayLinkServiceDeps['receipts'];
  /** How long link records are kept: as long as their payments. */
  retentionSeconds: number;
}

/** Wires pay links from the gateway's parts: the service the API issues links with, and what the page's router needs. */
export function composePayLinks(config: Config, parts: PayLinkParts) {
  const secrets = new LinkSecrets(config.vaultKey);
  const service = new PayLinkService({
    store: parts.store,
    secrets,
    links: new PayLinkRepository(parts.store, parts.retentionSeconds),
    payments: parts.payments,
    capture: parts.capture,
    sessions: parts.sessions,
    flows: parts.flows,
    callFlows: parts.callFlows,
    receipts: parts.receipts,
    clock: parts.clock,
    logger: parts.logger,
    publicBaseUrl: config.http.publicBaseUrl,
    // A submission waits for the processor at most twice (the confirmation, then one poll).
    lockSeconds: Math.ceil((config.processor.timeoutMs * 2) / 1000) + 5,
  });
  return {
    service,
    page: {
      links: service,
      secrets,
      limits: {
        perClient: parts.limiters('pay-client', { points: config.links.rateLimitPerClient, windowSeconds: 60 }),
        perLink: parts.limiters('pay-link', { points: config.links.rateLimitPerLink, windowSeconds: 60 }),
      },
      logger: parts.logger,
      merchantName: config.links.merchantName,
    },
  };
}
