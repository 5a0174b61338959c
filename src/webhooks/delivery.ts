import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../observability/logger';
import type { Clock } from '../ports/clock';
import type { QueuedJob } from '../ports/jobQueue';
import type { EndpointRepository } from './endpointRepository';
import { endpointUrlProblem, type ResolveHost } from './endpointUrl';
import type { DeliveryJob } from './eventPublisher';

export interface DeliveryOptions {
  attemptTimeoutMs: number;
  production: boolean;
  resolve: ResolveHost;
}

/** A failed try: the queue retries the job on its schedule. */
export class DeliveryFailed extends Error {
  constructor(readonly reason: string) {
    super(`delivery failed: ${reason}`);
    this.name = 'DeliveryFailed';
  }
}

/**
 * One try of one delivery: signed per Standard Webhooks (`webhook-id` stays the same on every try,
 * `webhook-timestamp` and the signature are the try's own), posted with a time-out, recorded. A 2xx
 * answer delivers it; anything else throws for a retry.
 */
export class Delivery {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: DeliveryOptions,
  ) {}

  async run(job: QueuedJob): Promise<void> {
    const data = job.data as DeliveryJob;
    const endpoint = await this.endpoints.get(data.endpointId);
    // A deleted endpoint wants nothing more.
    if (!endpoint) return;
    const at = this.clock.now();
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    // Checked again at each try in production: the name may resolve elsewhere than when registered.
    const problem = this.options.production ? await endpointUrlProblem(endpoint.url, this.options) : null;
    if (problem) {
      error = `url ${problem}`;
    } else {
      try {
        const response = await fetch(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'card-capture-gateway-webhooks',
            'webhook-id': data.messageId,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': new Webhook(endpoint.secret).sign(data.messageId, at, data.payload),
          },
          body: data.payload,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.attemptTimeoutMs),
        });
        statusCode = response.status;
        // The answer's body is neither needed nor kept.
        await response.body?.cancel();
        if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
      } catch (failure) {
        error = describeFailure(failure, this.options.attemptTimeoutMs);
      }
    }
    const delivered = error === null;
    await this.endpoints.recordAttempt(endpoint.id, {
      messageId: data.messageId,
      eventType: data.eventType,
      paymentId: data.paymentId,
      sequence: data.sequence,
      attempt: job.attempt,
      at: at.toISOString(),
      statusCode,
      durationMs: Math.round(performance.now() - started),
      delivered,
      error,
    });
    if (delivered) return;
    if (job.finalAttempt) {
      this.logger.warn('webhook delivery given up', { endpointId: endpoint.id, messageId: data.messageId, attempts: job.attempt, error });
    }
    throw new DeliveryFailed(error!);
  }
}

/** A failure in words fit for the deliveries list: the kind, never a body or a header. */
function describeFailure(failure: unknown, timeoutMs: number): string {
  const e = failure as { name?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  if (e?.cause?.code) return `connection failed (${e.cause.code})`;
  return 'request failed';
}
