import type { SharedServices } from '../core/sharedServices';
import type { Config } from '../config/config';
import { LinkSecrets } from './linkSecrets';
import { PayLinkRepository } from './payLinkRepository';
import { PayLinkService, type PayLinkServiceDeps } from './payLinkService';

export interface PayLinkParts extends SharedServices {
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
    linkTtlSeconds: config.ttl.linkSeconds,
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
