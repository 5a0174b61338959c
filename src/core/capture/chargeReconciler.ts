import type { Logger } from '../../observability/logger';
import type { Clock } from '../../ports/clock';
import type { Processor } from '../../ports/processor';
import type { ChargeLookUp, ChargeResult } from '../../ports/processor';
import type { PendingCharge, PendingCharges } from './pendingCharges';

export interface ChargeReconcilerDeps {
  pendingCharges: PendingCharges;
  processor: Processor;
  /** Records a definite answer on the capture or the payment (CaptureService.settleCharge). */
  settle(charge: PendingCharge, result: ChargeResult): Promise<void>;
  /** Looks up a save (`kind: 'save'`) and keeps the card it finds saved (CaptureService.lookUpSave); without it saves stay unknown. */
  lookUpSave?(charge: PendingCharge): Promise<ChargeLookUp>;
  clock: Clock;
  logger: Logger;
  /** How often this process looks for due entries. */
  intervalMs: number;
}

/** First pause after an unclear answer; it doubles with every further one, up to the maximum. */
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 5 * 60_000;
/** Longer than any look-up takes; a process that dies holding a lease holds it no longer than this. */
const LEASE_MS = 2 * 60_000;
const BATCH = 20;

/**
 * Follows up charges whose answer never reached a caller: every process runs one, and each entry is
 * leased with compare-and-set before the processor is asked, so two processes never ask at once. A
 * definite answer goes on the payment; anything else is asked again later, with backoff, until the
 * processor knows. No card data is needed: the attempt's idempotency key names the charge.
 */
export class ChargeReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;

  constructor(private readonly deps: ChargeReconcilerDeps) {}

  /** Starts the periodic sweep; it never keeps the process alive by itself. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.sweep().catch((error: unknown) => this.deps.logger.warn('pending charges sweep failed', { error: errorName(error) }));
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass over the due entries; answers how many were settled. Overlapping calls share one pass. */
  sweep(): Promise<number> {
    if (!this.running) this.running = this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<number> {
    const lookUp = this.deps.processor.lookUp?.bind(this.deps.processor);
    const due = await this.deps.pendingCharges.claimDue(this.deps.clock.now(), LEASE_MS, BATCH);
    let settled = 0;
    for (const charge of due) {
      const log = this.deps.logger.child({ paymentId: charge.paymentId, callSid: charge.callSid });
      try {
        const found: ChargeLookUp =
          charge.kind === 'save'
            ? ((await this.deps.lookUpSave?.(charge)) ?? { outcome: 'unknown' })
            : lookUp
              ? await lookUp({ paymentId: charge.paymentId, idempotencyKey: charge.idempotencyKey })
              : { outcome: 'unknown' };
        if (found.outcome === 'unknown') {
          const waitMs = Math.min(FIRST_BACKOFF_MS * 2 ** charge.asked, MAX_BACKOFF_MS);
          await this.deps.pendingCharges.release(charge, new Date(this.deps.clock.now().getTime() + waitMs));
          log.warn(lookUp ? 'processor has no answer yet for a pending charge' : 'processor cannot look charges up: the payment stays processing', {
            attempt: charge.attempt,
            asked: charge.asked + 1,
          });
          continue;
        }
        await this.deps.settle(charge, found);
        await this.deps.pendingCharges.drop(charge.paymentId, charge.attempt);
        settled += 1;
      } catch (error) {
        // The lease runs out and the entry is taken up again.
        log.warn('pending charge could not be settled now', { attempt: charge.attempt, error: errorName(error) });
      }
    }
    return settled;
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
