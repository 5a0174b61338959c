import WebSocket from 'ws';
import type { Logger } from '../observability/logger';
import type { CallerAudioFilter } from './audio/toneMasker';
import type { CallRecording } from './recording';
import type { RelayCapture } from './relayCapture';
import type { Corkable } from './streamEndpoint';
import { clearMessage, isCanonicalFramePayload, markMessage, mediaMessage, type IncomingMessage } from './streamMessages';
import type { StreamLeg } from './streamTokens';

/** What the relay reports: frames dropped for a backed-up socket (the relay never waits for one). */
export interface RelayCallMetrics {
  relayFrameDropped(to: StreamLeg): void;
}

export interface RelayedCallDeps {
  bridgeId: string;
  /** Caller → agent: look-ahead tone masking; every key it finds is counted once. */
  filter: CallerAudioFilter;
  /** The call's agent-guided capture, fed the caller's keys; null when the gateway has no guided flow. */
  capture: RelayCapture | null;
  /** The gateway's own recording of the call (after masking, so it holds no tone); null: not recorded. */
  recording: CallRecording | null;
  logger: Logger;
  metrics: RelayCallMetrics;
  /** Above this many bytes queued on a socket, frames to it are dropped rather than queued. */
  maxBufferedBytes: number;
  /** A leg's socket closed without Twilio's `stop`: the capture has been ended, the panel is to say so. */
  lost(leg: StreamLeg): void;
  /** Both legs are gone: the call leaves the relay. */
  ended(): void;
}

interface Leg {
  socket: WebSocket;
  /** The connection under the socket, when known: a frame and its mark leave in one write. */
  transport: Corkable | null;
  streamSid: string;
  stopped: boolean;
  /** Audio frames sent to this leg, and how many of them Twilio has played (by our marks coming back). */
  framesSent: number;
  framesPlayed: number;
}

const FRAME_BYTES = 160;
const EMPTY = Buffer.alloc(0);
/** A mark goes with every 25th frame sent (half a second), to learn how far behind the leg's playback is. */
const MARK_EVERY_FRAMES = 25;
/** More than a second of audio queued at Twilio for a leg: it is cleared, so the conversation stays live. */
const MAX_UNPLAYED_FRAMES = 50;
const OTHER: Record<StreamLeg, StreamLeg> = { caller: 'agent', agent: 'caller' };
/** Caller frames remembered with their payload text: more than the masker's longest look-ahead (4 frames). */
const REMEMBERED_FRAMES = 8;

/**
 * One relayed call in the process that holds its sockets: caller audio goes to the agent through the
 * tone masker (always, not only during a capture), agent audio goes to the caller unchanged, each sent
 * with the receiving leg's own streamSid. Keys the masker counts feed the capture. When one leg ends,
 * the other is closed too (its TwiML has nothing after `<Connect>`, so its call ends).
 */
export class RelayedCall {
  private readonly legs: Record<StreamLeg, Leg | null> = { caller: null, agent: null };
  /** Caller bytes not yet making a whole 20 ms frame. */
  private partial: Buffer = EMPTY;
  private finished = false;
  /**
   * The caller's last frames as they arrived, each with its payload text when that text is exactly the
   * frame's base64: a frame the masker lets through unchanged (the same Buffer comes back out) is sent on
   * with that text instead of being encoded again. A masked frame is a new Buffer, so it is never found here.
   */
  private readonly recentFrames: Array<Buffer | null> = new Array<Buffer | null>(REMEMBERED_FRAMES).fill(null);
  private readonly recentTexts: Array<string | null> = new Array<string | null>(REMEMBERED_FRAMES).fill(null);
  private recentNext = 0;

  constructor(private readonly deps: RelayedCallDeps) {
    deps.filter.onKey((key) => deps.capture?.key(key));
  }

  /**
   * A leg's stream started (its token taken): false when that leg is already attached. `transport` is
   * the connection under the socket (the relay's endpoint always gives it; sockets without one, in
   * benchmarks and unit tests, send each message on its own).
   */
  attach(leg: StreamLeg, socket: WebSocket, streamSid: string, transport: Corkable | null = null): boolean {
    if (this.legs[leg] || this.finished) return false;
    this.legs[leg] = { socket, transport, streamSid, stopped: false, framesSent: 0, framesPlayed: 0 };
    socket.on('close', () => this.closed(leg));
    if (leg === 'caller') this.captureChanged();
    return true;
  }

  get hasLegs(): boolean {
    return this.legs.caller !== null || this.legs.agent !== null;
  }

  /** The capture changed, here or in another process: the relay collects for what it asks now. */
  captureChanged(): void {
    this.deps.capture?.sync().catch((error: unknown) => this.log().warn('could not read the capture', { error: errorName(error) }));
  }

  message(leg: StreamLeg, message: IncomingMessage): void {
    // After its `stop` a leg has ended (the caller's held audio went out with it): a late message is dropped,
    // never fed to the flushed masker, whose throw would escape the socket's handler and end the process.
    if (this.legs[leg]?.stopped) return;
    switch (message.event) {
      case 'media':
        if (leg === 'caller') this.fromCaller(message.payload);
        // The agent's audio is passed on as it came: no decoding, no delay.
        else {
          this.send('caller', message.payload);
          this.deps.recording?.agent(Buffer.from(message.payload, 'base64'));
        }
        return;
      case 'dtmf':
        // Only the caller's keys are card data; a key the agent's phone sends is not relayed as an event.
        if (leg === 'caller' && /^[0-9*#A-D]$/.test(message.digit)) this.deps.filter.noteDtmfEvent(message.digit);
        return;
      case 'mark':
        this.markPlayed(leg, message.name);
        return;
      case 'stop':
        this.stop(leg);
        return;
      default:
        return;
    }
  }

  /** The relay shuts down: both sockets close, the capture's held keys are wiped. */
  shutDown(): void {
    this.finish();
    for (const leg of ['caller', 'agent'] as const) this.legs[leg]?.socket.close(1001, 'going away');
  }

  private fromCaller(payload: string): void {
    const bytes = Buffer.from(payload, 'base64');
    // Twilio's usual message is one whole frame with nothing pending: pushed as it is, with no slicing or copying.
    if (this.partial.length === 0 && bytes.length === FRAME_BYTES) {
      this.remember(bytes, isCanonicalFramePayload(payload) ? payload : null);
      this.pushCaller(bytes);
      return;
    }
    let data = this.partial.length > 0 ? Buffer.concat([this.partial, bytes]) : bytes;
    while (data.length >= FRAME_BYTES) {
      this.pushCaller(data.subarray(0, FRAME_BYTES));
      data = data.subarray(FRAME_BYTES);
    }
    this.partial = data.length === 0 ? EMPTY : Buffer.from(data);
  }

  private pushCaller(frame: Buffer): void {
    const out = this.deps.filter.push(frame);
    if (out) this.toAgent(out);
  }

  private remember(frame: Buffer, text: string | null): void {
    this.recentFrames[this.recentNext] = frame;
    this.recentTexts[this.recentNext] = text;
    this.recentNext = (this.recentNext + 1) % REMEMBERED_FRAMES;
  }

  /** The payload text a frame leaving the masker is sent with: the text it arrived in when it passed unchanged. */
  private textOf(frame: Buffer): string {
    for (let index = 0; index < REMEMBERED_FRAMES; index += 1) {
      if (this.recentFrames[index] === frame) return this.recentTexts[index] ?? frame.toString('base64');
    }
    return frame.toString('base64');
  }

  /** A masked caller frame: what the agent hears is what the recording keeps. */
  private toAgent(frame: Buffer): void {
    this.send('agent', this.textOf(frame));
    this.deps.recording?.caller(frame);
  }

  /** Sends a frame to a leg now, or drops it: a slow socket must never hold up the other leg. */
  private send(to: StreamLeg, payload: string): void {
    const leg = this.legs[to];
    if (!leg || leg.socket.readyState !== WebSocket.OPEN) return;
    if (leg.socket.bufferedAmount > this.deps.maxBufferedBytes) {
      this.deps.metrics.relayFrameDropped(to);
      return;
    }
    leg.framesSent += 1;
    if (leg.framesSent % MARK_EVERY_FRAMES !== 0) {
      leg.socket.send(mediaMessage(leg.streamSid, payload));
      return;
    }
    // The frame and its mark in one write (ws corks each message on its own; the outer cork holds both).
    leg.transport?.cork();
    try {
      leg.socket.send(mediaMessage(leg.streamSid, payload));
      leg.socket.send(markMessage(leg.streamSid, `f${leg.framesSent}`));
    } finally {
      leg.transport?.uncork();
    }
  }

  /**
   * Our mark came back: the audio before it has played. When Twilio holds more than a second of
   * unplayed audio for the leg (after a burst), it is cleared so the two parties stay in step.
   */
  private markPlayed(leg: StreamLeg, name: string): void {
    const state = this.legs[leg];
    const frames = /^f(\d{1,9})$/.exec(name);
    if (!state || !frames) return;
    state.framesPlayed = Math.max(state.framesPlayed, Number(frames[1]));
    if (state.framesSent - state.framesPlayed > MAX_UNPLAYED_FRAMES && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(clearMessage(state.streamSid));
      state.framesPlayed = state.framesSent;
    }
  }

  /** Twilio ended a leg's stream (a hang-up or a move): the caller's last held audio goes out, then the other leg closes. */
  private stop(leg: StreamLeg): void {
    const state = this.legs[leg];
    if (!state || state.stopped) return;
    state.stopped = true;
    if (leg === 'caller') for (const frame of this.deps.filter.flush()) this.toAgent(frame);
    this.finish();
    this.legs[OTHER[leg]]?.socket.close(1000, 'the other party left');
  }

  private closed(leg: StreamLeg): void {
    const state = this.legs[leg];
    if (!state) return;
    if (!state.stopped && !this.finished) {
      // The socket broke off with the call still on: nothing typed may linger, and the capture cannot go on.
      this.log().warn('a relayed stream dropped', { leg });
      this.finished = true;
      this.deps.capture?.streamEnded().catch((error: unknown) => this.log().error('could not end the capture of a dropped stream', { error: errorName(error) }));
      this.deps.lost(leg);
      this.legs[OTHER[leg]]?.socket.close(1000, 'the other party dropped');
    }
    this.legs[leg] = null;
    if (!this.hasLegs) {
      this.finish();
      this.deps.ended();
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.deps.capture?.close();
    this.deps.recording?.close().catch((error: unknown) => this.log().error('could not finish the recording', { error: errorName(error) }));
  }

  private log(): Logger {
    return this.deps.logger.child({ bridgeId: this.deps.bridgeId });
  }
}

/** An error's class name only: nothing typed may ride along in a message. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
