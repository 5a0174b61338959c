/**
 * The relay benchmark's load generator on worker threads (relayLegWorker.ts): the calls are dealt out
 * over N workers (call i to worker i mod N), each owning both legs' sockets of its calls, their send
 * schedule and their arrival times. The main thread keeps the Twilio-shaped server and the bookkeeping:
 * it hands a worker what a stream needs (URL, signature, parameters with the single-use token) instead
 * of opening the socket itself, starts every worker's round on one schedule, and puts the workers'
 * measures together once the round is over.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { HandedStream } from '../test/support/twilioServer';
import type { OpenLegOptions } from './relayLegs';
import { summariseRound, type LegMeasures, type RelayRoundResult } from './relayRoundResult';
import type { FromWorker, ToWorker } from './relayWorkerProtocol';

/** How far ahead of now a round's first slot is set, so that every worker has its orders before it is due. */
const START_LEAD_MS = 100;
/** How long closing waits for the legs still open to close after their `stop`. */
const CLOSE_DEADLINE_MS = 5000;

/** A leg opened and played by a worker; to the Twilio-shaped server, a stream played by someone else. */
export class WorkerLeg implements HandedStream {
  readonly closed: Promise<{ code: number; reason: string }>;
  stoppedByTwilio = false;
  private markClosed!: (closed: { code: number; reason: string }) => void;

  constructor(
    readonly id: number,
    readonly worker: number,
    readonly streamSid: string,
    private readonly post: (message: ToWorker) => void,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  async hangUp(): Promise<void> {
    if (!this.stoppedByTwilio) {
      this.stoppedByTwilio = true;
      this.post({ kind: 'hang-up', id: this.id });
    }
    await this.closed;
  }

  /** The worker saw the socket close. */
  ended(closed: { code: number; reason: string }): void {
    this.markClosed(closed);
  }
}

/** Both legs of one call, in the worker that owns the call. */
export interface RelayCall {
  call: number;
  caller: WorkerLeg;
  agent: WorkerLeg;
}

export interface WorkerRoundOptions {
  seconds: number;
  lookAheadMs: number;
  lateMs: number;
  phases: number;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

export class RelayLegWorkers {
  private nextId = 0;
  private nextRound = 0;
  private readonly opening = new Map<number, { worker: number } & Waiter<WorkerLeg>>();
  private readonly legs = new Map<number, WorkerLeg>();
  private readonly rounds = new Map<number, Map<number, Waiter<LegMeasures>>>();

  private constructor(private readonly workers: Worker[]) {
    workers.forEach((worker, index) => {
      worker.on('message', (message: FromWorker) => this.received(index, message));
      worker.on('error', (error) => this.failAll(new Error(`relay leg worker ${index}: ${error.message}`)));
    });
  }

  /** Starts `count` workers and resolves once each has loaded its code. */
  static async start(count: number): Promise<RelayLegWorkers> {
    const workers = Array.from({ length: Math.max(1, Math.floor(count)) }, startWorker);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const ready = (message: FromWorker) => {
              if (message.kind !== 'ready') return;
              worker.off('message', ready);
              resolve();
            };
            worker.on('message', ready);
            worker.once('error', reject);
          }),
      ),
    );
    return new RelayLegWorkers(workers);
  }

  get count(): number {
    return this.workers.length;
  }

  /** Opens a leg of call number `call` in the worker that owns that call; rejects when the server refuses it. */
  openLeg(call: number, options: OpenLegOptions): Promise<WorkerLeg> {
    const id = this.nextId;
    this.nextId += 1;
    const worker = call % this.workers.length;
    return new Promise((resolve, reject) => {
      this.opening.set(id, { worker, resolve, reject });
      this.post(worker, { kind: 'open', id, options });
    });
  }

  /** One round on these calls: every worker plays its own on a shared schedule; their measures make one result. */
  async runRound(calls: RelayCall[], options: WorkerRoundOptions): Promise<RelayRoundResult> {
    const round = this.nextRound;
    this.nextRound += 1;
    const phases = Math.max(1, Math.min(Math.floor(options.phases), calls.length || 1));
    const byWorker = new Map<number, RelayCall[]>();
    for (const call of calls) {
      if (call.caller.worker !== call.agent.worker) throw new Error(`call ${call.call}: its legs are in different workers`);
      byWorker.set(call.caller.worker, [...(byWorker.get(call.caller.worker) ?? []), call]);
    }
    const waiters = new Map<number, Waiter<LegMeasures>>();
    this.rounds.set(round, waiters);
    const startAt = performance.timeOrigin + performance.now() + START_LEAD_MS;
    const cpuBefore = process.cpuUsage();
    const measured = [...byWorker].map(
      ([worker, own]) =>
        new Promise<LegMeasures>((resolve, reject) => {
          waiters.set(worker, { resolve, reject });
          this.post(worker, {
            kind: 'round',
            round,
            pairs: own.map((call) => ({ call: call.call, caller: call.caller.id, agent: call.agent.id })),
            ...options,
            phases,
            startAt,
          });
        }),
    );
    try {
      const parts = await Promise.all(measured);
      const cpu = process.cpuUsage(cpuBefore);
      return summariseRound(parts, options.lateMs, cpu.user + cpu.system);
    } finally {
      this.rounds.delete(round);
    }
  }

  /** Hangs up the legs still open (`stop`, then close), then ends the workers. */
  async close(): Promise<void> {
    const open = [...this.legs.values()];
    await Promise.race([Promise.all(open.map((leg) => leg.hangUp())), new Promise((resolve) => setTimeout(resolve, CLOSE_DEADLINE_MS).unref())]);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private post(worker: number, message: ToWorker): void {
    this.workers[worker]!.postMessage(message);
  }

  private received(worker: number, message: FromWorker): void {
    switch (message.kind) {
      case 'ready':
        break;
      case 'opened': {
        const waiter = this.opening.get(message.id);
        this.opening.delete(message.id);
        const leg = new WorkerLeg(message.id, worker, message.streamSid, (order) => this.post(worker, order));
        this.legs.set(message.id, leg);
        waiter?.resolve(leg);
        break;
      }
      case 'open-failed': {
        const waiter = this.opening.get(message.id);
        this.opening.delete(message.id);
        waiter?.reject(new Error(message.message));
        break;
      }
      case 'closed': {
        const leg = this.legs.get(message.id);
        this.legs.delete(message.id);
        leg?.ended({ code: message.code, reason: message.reason });
        break;
      }
      case 'measured':
        this.rounds.get(message.round)?.get(worker)?.resolve(message.measures);
        break;
      case 'round-failed':
        this.rounds.get(message.round)?.get(worker)?.reject(new Error(`relay leg worker ${worker}: ${message.message}`));
        break;
    }
  }

  /** A worker died: nothing it was asked for will be answered. */
  private failAll(error: Error): void {
    for (const waiter of this.opening.values()) waiter.reject(error);
    this.opening.clear();
    for (const waiters of this.rounds.values()) for (const waiter of waiters.values()) waiter.reject(error);
    for (const leg of this.legs.values()) leg.ended({ code: 1006, reason: error.message });
    this.legs.clear();
  }
}

/**
 * The bench runs under ts-node, whose hook a worker thread does not inherit: a worker started from the
 * TypeScript sources registers it before loading its script; one started from compiled code needs none.
 */
function startWorker(): Worker {
  const script = join(__dirname, 'relayLegWorker');
  if (!__filename.endsWith('.ts')) return new Worker(`${script}.js`);
  const register = require.resolve('ts-node/register/transpile-only');
  return new Worker(`require(${JSON.stringify(register)}); require(${JSON.stringify(`${script}.ts`)});`, { eval: true });
}
