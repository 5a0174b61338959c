import { z } from 'zod';
import { optional } from './fields';

/** Settings of the gateway's operation: shutdown and the metrics endpoint. */
export interface OperationsSettings {
  /** How long readiness answers 503 before the server stops accepting connections. */
  readonly shutdownDrainDelayMs: number;
  /** Bearer key for GET /metrics; null means API_KEY is the key. */
  readonly metricsToken: string | null;
}

const DEFAULT_DRAIN_DELAY_MS = 2000;

/** SHUTDOWN_DRAIN_DELAY_MS and METRICS_TOKEN. */
export const operationsSchema = z
  .object({
    SHUTDOWN_DRAIN_DELAY_MS: optional(
      z.string().refine((s) => /^\d+$/.test(s) && Number(s) <= 30_000, 'must be a whole number from 0 to 30000'),
    ),
    METRICS_TOKEN: optional(z.string().min(24, 'must be at least 24 characters')),
  })
  .transform(
    (v): OperationsSettings =>
      Object.freeze({
        shutdownDrainDelayMs: v.SHUTDOWN_DRAIN_DELAY_MS === undefined ? DEFAULT_DRAIN_DELAY_MS : Number(v.SHUTDOWN_DRAIN_DELAY_MS),
        metricsToken: v.METRICS_TOKEN ?? null,
      }),
  );
