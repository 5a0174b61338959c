import type { CallFlows } from './capture/callFlows';
import type { CallSessionRepository } from './capture/callSession';
import type { CaptureService } from './capture/captureService';
import type { FlowRegistry } from './capture/flowRegistry';
import type { PaymentService } from './payments/paymentService';
import type { Logger } from '../observability/logger';
import type { Clock } from '../ports/clock';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { LimiterFactory } from '../ports/limiter';

/**
 * What the composition root hands every capability: the shared services and ports, each built once, so
 * that a capability's wiring adds only what is its own.
 */
export interface SharedServices {
  store: KeyValueStore;
  payments: PaymentService;
  capture: CaptureService;
  /** The gateway's one repository of call sessions, shared by every capability that takes a call. */
  sessions: CallSessionRepository;
  flows: FlowRegistry;
  callFlows: CallFlows;
  clock: Clock;
  logger: Logger;
  /** Builds request counters on the gateway's store (sign-in throttle, pay page limits). */
  limiters: LimiterFactory;
}
