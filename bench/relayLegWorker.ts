/**
 * A worker thread of the relay benchmark's load generator: it owns the sockets of the legs it is told to
 * open, sends their frames on its own timer and timestamps their arrivals on its own event loop, so
 * neither the bench's Twilio-shaped server nor its bookkeeping on the main thread delays them. Both legs
 * of a call live in the same worker: a frame's added delay is read on one clock. See relayLegWorkers.ts.
 */
import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { driveLegs, openLeg, type Leg, type LegPair } from './relayLegs';
import type { FromWorker, ToWorker } from './relayWorkerProtocol';

const port = parentPort;
if (!port) throw new Error('relayLegWorker.ts runs as a worker thread');
const legs = new Map<number, Leg>();
/** Each leg's account, for its `stop`. */
const accountOf = new Map<number, string>();
const answer = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', (message: ToWorker) => {
  if (message.kind === 'open') void open(message.id, message);
  else if (message.kind === 'hang-up') hangUp(message.id);
  else void round(message);
});
answer({ kind: 'ready' });

async function open(id: number, { options }: Extract<ToWorker, { kind: 'open' }>): Promise<void> {
  try {
    const leg = await openLeg(options);
    legs.set(id, leg);
    accountOf.set(id, options.accountSid);
    // A closed leg stays known: a round that still names it sends it nothing, and its caller's frames count as lost.
    leg.socket.once('close', (code, reason) => {
      answer({ kind: 'closed', id, code, reason: reason.toString() });
    });
    answer({ kind: 'opened', id, streamSid: leg.streamSid });
  } catch (error) {
    answer({ kind: 'open-failed', id, message: (error as Error).message });
  }
}

function hangUp(id: number): void {
  const leg = legs.get(id);
  if (!leg || leg.socket.readyState === WebSocket.CLOSED) return answer({ kind: 'closed', id, code: 1000, reason: 'already closed' });
  if (leg.socket.readyState === WebSocket.OPEN) leg.socket.send(JSON.stringify({ event: 'stop', streamSid: leg.streamSid, stop: { accountSid: accountOf.get(id), callSid: leg.callSid } }));
  leg.socket.close(1000, 'call ended');
}

async function round(message: Extract<ToWorker, { kind: 'round' }>): Promise<void> {
  try {
    const pairs: LegPair[] = message.pairs.map((pair) => ({ call: pair.call, caller: legOf(pair.caller), agent: legOf(pair.agent) }));
    const measures = await driveLegs({
      pairs,
      seconds: message.seconds,
      lookAheadMs: message.lookAheadMs,
      lateMs: message.lateMs,
      phases: message.phases,
      // The shared schedule, read on this thread's clock.
      startAt: message.startAt - performance.timeOrigin,
    });
    answer({ kind: 'measured', round: message.round, measures }, [measures.delays.buffer as ArrayBuffer]);
  } catch (error) {
    answer({ kind: 'round-failed', round: message.round, message: (error as Error).message });
  }
}

function legOf(id: number): Leg {
  const leg = legs.get(id);
  if (!leg) throw new Error(`leg ${id} is not open in this worker`);
  return leg;
}
