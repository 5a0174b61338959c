/**
 * Pairs the caller's and the agent's frames into stereo frames by arrival. Twilio streams a frame
 * every 20 ms on each leg, silent or not, so the order frames arrive in is the call's timeline: the
 * n-th frame waiting on one side goes with the n-th on the other. A side that sends nothing while
 * the other sends more than `lagFrames` (the agent's leg not yet answered, a socket gone) is filled
 * with silence, so a missing leg never holds the other back for more than that lag. At most one side
 * ever waits, and never more than `lagFrames` frames of it.
 */
export interface StereoAligner {
  caller(frame: Buffer): void;
  agent(frame: Buffer): void;
  /** Emits whatever still waits, silence beside it. */
  drain(): void;
}

/** One stereo frame: either side null where it had no frame. */
export type StereoSink = (caller: Buffer | null, agent: Buffer | null) => void;

export function createStereoAligner(lagFrames: number, emit: StereoSink): StereoAligner {
  if (!Number.isInteger(lagFrames) || lagFrames < 0) throw new Error('lagFrames must be a whole number');
  const waiting: { caller: Buffer[]; agent: Buffer[] } = { caller: [], agent: [] };

  const arrive = (side: 'caller' | 'agent', frame: Buffer) => {
    const other = side === 'caller' ? 'agent' : 'caller';
    const partner = waiting[other].shift();
    if (partner !== undefined) {
      if (side === 'caller') emit(frame, partner);
      else emit(partner, frame);
      return;
    }
    const queue = waiting[side];
    queue.push(frame);
    if (queue.length > lagFrames) {
      const alone = queue.shift()!;
      if (side === 'caller') emit(alone, null);
      else emit(null, alone);
    }
  };

  return {
    caller: (frame) => arrive('caller', frame),
    agent: (frame) => arrive('agent', frame),
    drain() {
      for (const frame of waiting.caller.splice(0)) emit(frame, null);
      for (const frame of waiting.agent.splice(0)) emit(null, frame);
    },
  };
}
