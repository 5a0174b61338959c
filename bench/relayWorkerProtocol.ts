/** The messages between the relay benchmark's main thread and the worker threads that drive its legs. */
import type { OpenLegOptions } from './relayLegs';
import type { LegMeasures } from './relayRoundResult';

/** A call's two legs by their ids in the worker, and the call's number across every worker (its phase). */
export interface WorkerPair {
  call: number;
  caller: number;
  agent: number;
}

export type ToWorker =
  /** Open a stream (handshake, `connected`, `start`) and keep it as leg `id`. */
  | { kind: 'open'; id: number; options: OpenLegOptions }
  /** `stop`, then close leg `id`, as Twilio does when a call leaves its stream. */
  | { kind: 'hang-up'; id: number }
  /** Play one round on these pairs; `startAt` is when its first slot is due, in ms since the epoch of `performance.timeOrigin`. */
  | { kind: 'round'; round: number; pairs: WorkerPair[]; seconds: number; lookAheadMs: number; lateMs: number; phases: number; startAt: number };

export type FromWorker =
  /** Loaded and listening. */
  | { kind: 'ready' }
  | { kind: 'opened'; id: number; streamSid: string }
  | { kind: 'open-failed'; id: number; message: string }
  | { kind: 'closed'; id: number; code: number; reason: string }
  | { kind: 'measured'; round: number; measures: LegMeasures }
  | { kind: 'round-failed'; round: number; message: string };
