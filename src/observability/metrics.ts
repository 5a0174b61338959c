import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StateMeaning } from '../core/capture/meaning';
import type { CaptureContext } from '../core/capture/types';
import { captureOutcome, type CaptureOutcome } from './captureOutcome';

/**
 * What the gateway reports about itself. Every label value comes from a small closed set (route
 * patterns, state names, outcome and decline codes): never a call, a payment or card data, so a
 * label can neither leak nor blow up the number of series.
 */
export interface GatewayMetrics {
  /** A voice webhook was answered; `route` is the route pattern, never the concrete path. */
  webhookAnswered(route: string, seconds: number, apologised: boolean): void;
  /** A capture moved from a state meaning `before` to one meaning `after`; counts it once when that ends the capture. */
  captureTransition(before: StateMeaning, after: StateMeaning, context: CaptureContext): void;
  /** The processor answered (or failed) after `seconds`. */
  processorAnswered(outcome: 'approved' | 'declined' | 'error', seconds: number, declineCode?: string): void;
  /** A store operation was rejected (Redis down, timeout, …). */
  storeError(operation: string): void;
  /** The media relay dropped a frame for a leg whose socket could not keep up (it never waits for one). */
  relayFrameDropped(to: 'caller' | 'agent'): void;
  /** The media relay refused or closed a stream before relaying it, by reason. */
  relayStreamRefused(reason: RelayRefusal): void;
}

/** Why a media stream was refused: a closed set, so it can be a label. */
export type RelayRefusal = 'wrong_instance' | 'bad_signature' | 'no_start' | 'bad_token' | 'leg_taken' | 'bad_message';

/** A GatewayMetrics that also renders the Prometheus exposition of its own registry. */
export interface PrometheusMetrics extends GatewayMetrics {
  readonly registry: Registry;
  /** The text exposition format, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Known label values; anything else is folded into "other" so no free text reaches a label. */
const FAILURE_CODES = new Set([
  'card_declined',
  'insufficient_funds',
  'incorrect_cvc',
  'expired_card',
  'processing_error',
  'too_many_attempts',
  'caller_hung_up',
  'caller_line_dropped',
]);
const STORE_OPERATIONS = new Set(['get', 'compareAndSet', 'compareAndSetPair', 'set', 'take', 'delete', 'ping']);

const bounded = (value: string | undefined, known: Set<string>): string => (value && known.has(value) ? value : 'other');

/** Webhooks answer in milliseconds; the slow tail is the processor, bounded by the 10 s deadline. */
const WEBHOOK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 8, 10, 15];
const PROCESSOR_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 12, 20, 30];

/** Builds the metrics on a registry of their own, with Node's default process metrics. */
export function createPrometheusMetrics(options: { prefix?: string } = {}): PrometheusMetrics {
  const prefix = options.prefix ?? 'ccg_';
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });

  const webhookSeconds = new Histogram({
    name: `${prefix}webhook_duration_seconds`,
    help: 'Time to answer a Twilio voice webhook, by route pattern.',
    labelNames: ['route'] as const,
    buckets: WEBHOOK_BUCKETS,
    registers: [registry],
  });
  const apologies = new Counter({
    name: `${prefix}webhook_apologies_total`,
    help: 'Voice webhooks answered with the apology instead of the next step, by route pattern.',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  const captures = new Counter({
    name: `${prefix}captures_total`,
    help: 'Captures that ended, by outcome (succeeded, failed, canceled, hung_up) and failure code.',
    labelNames: ['outcome', 'code'] as const,
    registers: [registry],
  });
  const declines = new Counter({
    name: `${prefix}processor_declines_total`,
    help: 'Charges the processor declined, by decline code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const processorSeconds = new Histogram({
    name: `${prefix}processor_duration_seconds`,
    help: 'Time the processor took to answer a charge, by outcome (approved, declined, error).',
    labelNames: ['outcome'] as const,
    buckets: PROCESSOR_BUCKETS,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: `${prefix}store_errors_total`,
    help: 'Store operations that failed, by operation.',
    labelNames: ['operation'] as const,
    registers: [registry],
  });

  const relayDrops = new Counter({
    name: `${prefix}relay_frames_dropped_total`,
    help: 'Audio frames the media relay dropped because the receiving socket was backed up, by receiving leg.',
    labelNames: ['to'] as const,
    registers: [registry],
  });
  const relayRefusals = new Counter({
    name: `${prefix}relay_streams_refused_total`,
    help: 'Media streams refused or closed before relaying, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });

  // Zero-valued series from the start, so dashboards and alerts see the series before the first event.
  for (const outcome of ['succeeded', 'canceled'] as const) captures.inc({ outcome, code: '' }, 0);
  for (const to of ['caller', 'agent'] as const) relayDrops.inc({ to }, 0);

  return {
    registry,
    webhookAnswered(route, seconds, apologised) {
      webhookSeconds.observe({ route }, seconds);
      if (apologised) apologies.inc({ route });
    },
    captureTransition(before, after, context) {
      const ended: CaptureOutcome | null = captureOutcome(before, after, context);
      if (!ended) return;
      captures.inc({ outcome: ended.outcome, code: ended.code ? bounded(ended.code, FAILURE_CODES) : '' });
    },
    processorAnswered(outcome, seconds, declineCode) {
      processorSeconds.observe({ outcome }, seconds);
      if (outcome === 'declined') declines.inc({ code: bounded(declineCode, FAILURE_CODES) });
    },
    storeError(operation) {
      storeErrors.inc({ operation: bounded(operation, STORE_OPERATIONS) });
    },
    relayFrameDropped(to) {
      relayDrops.inc({ to });
    },
    relayStreamRefused(reason) {
      relayRefusals.inc({ reason });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
