/** Settings of the gateway's operation: shutdown and the metrics endpoint. */
export interface OperationsSettings {
  /** How long readiness answers 503 before the server stops accepting connections. */
  readonly shutdownDrainDelayMs: number;
  /** Bearer key for GET /metrics; null means API_KEY is the key. */
  readonly metricsToken: string | null;
}

const DEFAULT_DRAIN_DELAY_MS = 2000;

/** Every problem with the operations variables, one line each. */
export function operationsProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const delay = env.SHUTDOWN_DRAIN_DELAY_MS?.trim();
  if (delay && (!/^\d+$/.test(delay) || Number(delay) > 30_000)) {
    problems.push('SHUTDOWN_DRAIN_DELAY_MS: must be a whole number from 0 to 30000');
  }
  const token = env.METRICS_TOKEN?.trim();
  if (token && token.length < 24) problems.push('METRICS_TOKEN: must be at least 24 characters');
  return problems;
}

/** The operations settings; call after operationsProblems found nothing. */
export function operationsSettings(env: NodeJS.ProcessEnv): OperationsSettings {
  const delay = env.SHUTDOWN_DRAIN_DELAY_MS?.trim();
  return Object.freeze({
    shutdownDrainDelayMs: delay ? Number(delay) : DEFAULT_DRAIN_DELAY_MS,
    metricsToken: env.METRICS_TOKEN?.trim() || null,
  });
}
