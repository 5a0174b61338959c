import { randomBytes } from 'node:crypto';
import { MemoryEventBus } from '../../../src/adapters/eventBus/memoryEventBus';
import { RedisEventBus } from '../../../src/adapters/eventBus/redisEventBus';
import type { GatewayEvent } from '../../../src/ports/eventBus';
import { connectRedis } from '../../../src/adapters/store/redisStore';
import { REDIS_URL } from '../../support/harness';
import { eventually } from '../../support/eventually';

const EVENT: GatewayEvent = { type: 'bridge', bridgeId: 'br_1', agent: null, caller: '+1 415 555 0100', since: '2026-01-01T00:00:00.000Z', state: 'connected', paymentId: null, recording: 'on', agentOnHold: false, error: null, at: '2026-01-01T00:00:00.000Z' };

describe('event buses', () => {
  it('delivers an event published by one Redis-connected process to a subscriber of another', async () => {
    const prefix = `test:${randomBytes(4).toString('hex')}:`;
    const a = await RedisEventBus.connect(() => connectRedis(REDIS_URL), prefix);
    const b = await RedisEventBus.connect(() => connectRedis(REDIS_URL), prefix);
    const other = await RedisEventBus.connect(() => connectRedis(REDIS_URL), `${prefix}other:`);
    try {
      const seen: GatewayEvent[] = [];
      const strangers: GatewayEvent[] = [];
      b.subscribe((e) => seen.push(e));
      other.subscribe((e) => strangers.push(e));
      await a.publish(EVENT);
      await eventually(async () => seen.length === 1, 3000, 'the event on the other connection');
      expect(seen[0]).toEqual(EVENT);
      expect(strangers).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });

  it('stops delivering to a listener once it unsubscribes (memory)', async () => {
    const bus = new MemoryEventBus();
    const seen: GatewayEvent[] = [];
    const stop = bus.subscribe((e) => seen.push(e));
    await bus.publish(EVENT);
    stop();
    await bus.publish(EVENT);
    expect(seen).toHaveLength(1);
  });
});
