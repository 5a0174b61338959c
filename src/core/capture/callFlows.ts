import { flowTextHash } from '../flows/flowContent';
import { parseFlow } from '../flows/loadFlows';
import type { Flow } from '../flows/schema';
import type { Logger } from '../../observability/logger';
import type { Clock } from '../../ports/clock';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { compileFlow, type CompiledFlow, type FlowRegistry } from './flowRegistry';

/**
 * What a call's flow is: its id, and the hash of the content the call started on. Sessions
 * written before calls were pinned carry no hash.
 */
export interface FlowPin {
  flowId: string;
  flowHash?: string;
}

export interface CallFlowsDeps {
  registry: FlowRegistry;
  store: KeyValueStore;
  clock: Clock;
  logger: Logger;
  /** How long a call's session may sit idle: a call's flow content outlives it. */
  sessionTtlSeconds: number;
  /** How many flows started on other processes stay compiled here. */
  cacheSize?: number;
}

/** What this process runs for a flow's hash, compiled once; `text` null when it is a stand-in, not that content. */
interface Held {
  compiled: CompiledFlow;
  text: string | null;
  flowId: string;
  hash: string;
}

const DEFAULT_CACHE_SIZE = 32;
/** Ended sessions are kept a while for late duplicates; flow content outlives them too. */
const MIN_IDLE_SECONDS = 3600;

/**
 * Keeps every call on the flow it started with, across processes whose flow files differ (a
 * rolling deploy). A call started here stores its flow's content under the content's hash before
 * its session names it; a process that takes a later webhook uses its own copy when the hash
 * matches, and otherwise reads, checks and compiles the stored one once.
 */
export class CallFlows {
  private readonly cache = new Map<string, Held>();
  private readonly reads = new Map<string, Promise<Held | null>>();
  /** When this process last wrote each hash's content: the TTL is refreshed at most every `refreshMs`. */
  private readonly writtenAt = new Map<string, number>();
  private readonly ttlSeconds: number;
  private readonly refreshMs: number;
  private readonly cacheSize: number;

  constructor(private readonly deps: CallFlowsDeps) {
    const idle = Math.max(deps.sessionTtlSeconds, MIN_IDLE_SECONDS);
    // Every turn of a live call resolves its flow, and a process rewrites content older than
    // `idle` when it does: stored content therefore outlives the session that names it.
    this.ttlSeconds = 2 * idle;
    this.refreshMs = idle * 1000;
    this.cacheSize = deps.cacheSize ?? DEFAULT_CACHE_SIZE;
  }

  /** A call starts on this process's flow: its content is stored before any session can name it. */
  async pin(flowId: string): Promise<CompiledFlow> {
    const compiled = this.deps.registry.get(flowId);
    await this.keep({ compiled, text: compiled.text, flowId, hash: compiled.hash });
    return compiled;
  }

  /** The flow a call started on; no store read when this process has that very content. */
  async of(pin: FlowPin): Promise<CompiledFlow> {
    const local = this.deps.registry.has(pin.flowId) ? this.deps.registry.get(pin.flowId) : null;
    const hash = pin.flowHash;
    if (!hash) {
      // A session of an earlier release names only the flow's id: it goes on with the local flow.
      if (!local) throw new Error(`unknown flow "${pin.flowId}"`);
      return local;
    }
    if (local && local.hash === hash) {
      await this.keep({ compiled: local, text: local.text, flowId: pin.flowId, hash });
      return local;
    }
    const key = flowKey(pin.flowId, hash);
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      await this.keep(cached);
      return cached.compiled;
    }
    const held = await this.readOnce(pin.flowId, hash);
    if (held) return held.compiled;
    if (!local) throw new Error(`flow "${pin.flowId}": the call's content is not in the store and this process has no such flow`);
    return local;
  }

  private readOnce(flowId: string, hash: string): Promise<Held | null> {
    const key = flowKey(flowId, hash);
    let reading = this.reads.get(key);
    if (!reading) {
      reading = this.read(flowId, hash).finally(() => this.reads.delete(key));
      this.reads.set(key, reading);
    }
    return reading;
  }

  /** Reads, checks and compiles stored content; null (and a warning) when it is missing or unusable. */
  private async read(flowId: string, hash: string): Promise<Held | null> {
    const found = await this.deps.store.get(flowKey(flowId, hash));
    const checked = found ? checkStored(found.value, flowId, hash) : { problem: 'not in the store' };
    if ('problem' in checked) {
      this.deps.logger.warn("a call's flow content cannot be used: the call goes on with this process's flow", { flowId, flowHash: hash.slice(0, 12), problem: checked.problem });
      // Remembered, so that the call's later turns do not read the store again.
      if (this.deps.registry.has(flowId)) this.remember({ compiled: this.deps.registry.get(flowId), text: null, flowId, hash });
      return null;
    }
    const held: Held = { compiled: { ...compileFlow(checked.flow), text: found!.value, hash }, text: found!.value, flowId, hash };
    this.remember(held);
    this.deps.logger.info('flow of a call started on other content loaded from the store', { flowId, flowHash: hash.slice(0, 12), version: checked.flow.version });
    await this.keep(held);
    return held;
  }

  private remember(held: Held): void {
    this.cache.set(flowKey(held.flowId, held.hash), held);
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
      this.writtenAt.delete(oldest);
    }
  }

  /** Writes content under its hash unless this process did so recently; the same bytes every time. */
  private async keep(held: Held): Promise<void> {
    if (held.text === null) return;
    const now = this.deps.clock.now().getTime();
    const key = flowKey(held.flowId, held.hash);
    const last = this.writtenAt.get(key);
    if (last !== undefined && now - last < this.refreshMs) return;
    // The key holds the content's hash, so a rewrite can only put back what was there: it exists
    // to push the TTL out (the store has no separate expire).
    await this.deps.store.set(key, held.text, this.ttlSeconds);
    this.writtenAt.set(key, now);
  }
}

/** Stored content that may run a call: it matches its hash, passes the flow schema and is the named flow. */
function checkStored(text: string, flowId: string, hash: string): { flow: Flow } | { problem: string } {
  if (flowTextHash(text) !== hash) return { problem: 'content does not match its hash' };
  let flow: Flow;
  try {
    flow = parseFlow(text, 'stored flow');
  } catch (error) {
    return { problem: (error as Error).message };
  }
  return flow.id === flowId ? { flow } : { problem: `content is flow "${flow.id}"` };
}

function flowKey(flowId: string, hash: string): string {
  return `flow:${flowId}:${hash}`;
}
