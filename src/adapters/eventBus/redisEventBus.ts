import type { Cluster, Redis } from 'ioredis';

type Client = Redis | Cluster;
import type { EventBus, GatewayEvent } from '../../ports/eventBus';

/**
 * Events over Redis pub/sub. A subscribed connection can do nothing else, so publishing and
 * subscribing use separate connections; the channel carries the key prefix so deployments sharing
 * a Redis do not see each other's events.
 */
export class RedisEventBus implements EventBus {
  private readonly listeners = new Set<(event: GatewayEvent) => void>();
  private readonly channel: string;

  private constructor(
    private readonly publisher: Client,
    private readonly subscriber: Client,
    keyPrefix: string,
  ) {
    this.channel = `${keyPrefix}events`;
  }

  /** Connects both connections and subscribes before answering, so no event published after is missed. */
  static async connect(connect: () => Promise<Client>, keyPrefix: string): Promise<RedisEventBus> {
    const [publisher, subscriber] = await Promise.all([connect(), connect()]);
    const bus = new RedisEventBus(publisher, subscriber, keyPrefix);
    subscriber.on('message', (channel: string, message: string) => bus.deliver(channel, message));
    await subscriber.subscribe(bus.channel);
    return bus;
  }

  async publish(event: GatewayEvent): Promise<void> {
    await this.publisher.publish(this.channel, JSON.stringify(event));
  }

  subscribe(listener: (event: GatewayEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }

  private deliver(channel: string, message: string): void {
    if (channel !== this.channel) return;
    let event: GatewayEvent;
    try {
      event = JSON.parse(message) as GatewayEvent;
    } catch {
      return;
    }
    for (const listener of this.listeners) listener(event);
  }
}
