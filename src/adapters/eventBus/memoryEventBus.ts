import { EventEmitter } from 'node:events';
import type { EventBus, GatewayEvent } from '../../ports/eventBus';

/** The event bus of a single process (embedded memory store): an in-process emitter. */
export class MemoryEventBus implements EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every open panel is one listener.
    this.emitter.setMaxListeners(0);
  }

  async publish(event: GatewayEvent): Promise<void> {
    // A copy, so a listener cannot change what the next one sees.
    this.emitter.emit('event', JSON.parse(JSON.stringify(event)) as GatewayEvent);
  }

  subscribe(listener: (event: GatewayEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
