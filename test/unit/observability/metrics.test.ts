import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initialTransition } from 'xstate';
import { createCaptureMachine } from '../../../src/core/capture/machine';
import { meaningOf } from '../../../src/core/capture/meaning';
import type { CaptureContext } from '../../../src/core/capture/types';
import { parseFlow } from '../../../src/core/flows/loadFlows';
import { captureOutcome } from '../../../src/observability/captureOutcome';
import { instrumentProcessor } from '../../../src/observability/instrumentProcessor';
import { instrumentStore } from '../../../src/observability/instrumentStore';
import { createPrometheusMetrics } from '../../../src/observability/metrics';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';

const machine = createCaptureMachine(parseFlow(readFileSync(join(__dirname, '../../../flows/default.json'), 'utf8'), 'flows/default.json'));
const [initial] = initialTransition(machine, { locale: 'en-US', payment: { id: 'pay_x', amount: '1.00', currency: 'USD', description: null } });

/** The outcome counted when a capture moves between these states, the later one's context changed by `extra`. */
const outcomeOf = (before: string, after: string, extra: Partial<CaptureContext> = {}) => {
  const context = { ...initial.context, ...extra };
  return captureOutcome(meaningOf(machine, { value: before, context }), meaningOf(machine, { value: after, context }), context);
};

describe('captureOutcome', () => {
  it('names the outcome when a capture ends, once', () => {
    expect(outcomeOf('processing', 'succeeded')).toEqual({ outcome: 'succeeded', code: null });
    expect(outcomeOf('succeeded', 'completed')).toBeNull();
    expect(outcomeOf('declined', 'failed', { failure: { code: 'expired_card', message: '' } })).toEqual({ outcome: 'failed', code: 'expired_card' });
    expect(outcomeOf('confirming', 'hungUp', { failure: { code: 'caller_hung_up', message: '' } })).toEqual({ outcome: 'hung_up', code: 'caller_hung_up' });
    expect(outcomeOf('collectingCardNumber', 'canceled')).toEqual({ outcome: 'canceled', code: null });
    expect(outcomeOf('collectingExpiry', 'collectingSecurityCode')).toBeNull();
  });

  it('does not count a call that never reached a payment', () => {
    expect(outcomeOf('collectingPayCode', 'hungUp', { payment: null })).toBeNull();
  });
});

describe('the metrics decorators', () => {
  it('count rejected store operations by operation and pass results and errors through', async () => {
    const metrics = createPrometheusMetrics();
    const store = new MemoryStore();
    const counted = instrumentStore(store, metrics);
    await counted.set('k', 'v', 60);
    expect(await counted.get('k')).toEqual({ value: 'v', version: 1 });
    await store.close();
    await expect(counted.get('k')).rejects.toThrow('closed');
    await expect(counted.compareAndSet('k', 1, 'w', 60)).rejects.toThrow('closed');
    const text = (await metrics.render()).body;
    expect(text).toContain('ccg_store_errors_total{operation="get"} 1');
    expect(text).toContain('ccg_store_errors_total{operation="compareAndSet"} 1');
  });

  it('time the processor by outcome and fold unknown decline codes into "other"', async () => {
    const metrics = createPrometheusMetrics();
    const answers = [
      { outcome: 'declined', code: 'made_up_4242424242424242', message: '' },
      { outcome: 'approved', reference: '1' },
    ] as const;
    let i = 0;
    const processor = instrumentProcessor({ name: 'fake', units: () => ({ ok: false, message: 'unused' }), charge: async () => answers[i++] as never }, metrics);
    await processor.charge({} as never);
    await processor.charge({} as never);
    const failing = instrumentProcessor({ name: 'down', units: () => ({ ok: false, message: 'unused' }), charge: async () => Promise.reject(new Error('boom')) }, metrics);
    await expect(failing.charge({} as never)).rejects.toThrow('boom');
    const text = (await metrics.render()).body;
    expect(text).toContain('ccg_processor_declines_total{code="other"} 1');
    expect(text).not.toContain('4242');
    expect(text).toContain('ccg_processor_duration_seconds_count{outcome="approved"} 1');
    expect(text).toContain('ccg_processor_duration_seconds_count{outcome="error"} 1');
  });
});
