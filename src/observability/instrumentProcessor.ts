import type { Processor } from '../ports/processor';
import type { GatewayMetrics } from './metrics';

/** Wraps a processor adapter so every charge reports its latency, outcome and decline code. */
export function instrumentProcessor(processor: Processor, metrics: GatewayMetrics): Processor {
  return {
    name: processor.name,
    units: (amount, currency) => processor.units(amount, currency),
    async charge(request) {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const result = await processor.charge(request);
        // A submitted bank debit is an answer, not yet an outcome: counted as approved by the processor so far.
        metrics.processorAnswered(result.outcome === 'processing' ? 'approved' : result.outcome, seconds(), result.outcome === 'declined' ? result.code : undefined);
        return result;
      } catch (error) {
        metrics.processorAnswered('error', seconds());
        throw error;
      }
    },
    // Looking up an earlier charge is not a charge: it is passed on uncounted.
    ...(processor.lookUp ? { lookUp: processor.lookUp.bind(processor) } : {}),
    // Refunds, captures and voids of authorisations move money already agreed: passed on uncounted.
    ...(processor.refund ? { refund: processor.refund.bind(processor) } : {}),
    ...(processor.captureAuthorization ? { captureAuthorization: processor.captureAuthorization.bind(processor) } : {}),
    ...(processor.voidAuthorization ? { voidAuthorization: processor.voidAuthorization.bind(processor) } : {}),
    // Saving a card charges nothing: passed on uncounted. An off-session charge of a saved card is counted as a charge.
    ...(processor.saveCard ? { saveCard: processor.saveCard.bind(processor) } : {}),
    ...(processor.lookUpSave ? { lookUpSave: processor.lookUpSave.bind(processor) } : {}),
    ...(processor.deleteSaved ? { deleteSaved: processor.deleteSaved.bind(processor) } : {}),
    ...(processor.chargeSaved
      ? {
          async chargeSaved(request: Parameters<NonNullable<Processor['chargeSaved']>>[0]) {
            const started = process.hrtime.bigint();
            const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
            try {
              const result = await processor.chargeSaved!(request);
              metrics.processorAnswered(result.outcome, seconds(), result.outcome === 'declined' ? result.code : undefined);
              return result;
            } catch (error) {
              metrics.processorAnswered('error', seconds());
              throw error;
            }
          },
        }
      : {}),
  };
}
