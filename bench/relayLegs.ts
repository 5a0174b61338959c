/**
 * The relay benchmark's leg driver: plays Twilio's side of many bidirectional Media Streams at once,
 * cheaply enough that the load generator keeps real time. It runs in each of the generator's worker
 * threads (relayLegWorker.ts) on that worker's calls.
 * One timer per thread paces its calls: every 20 ms
 * each call's caller and agent legs send one `media` message each (Twilio's shape, prebuilt noise at a
 * speech-like level), the calls spread over `phases` evenly spaced instants within the 20 ms (as calls
 * that began at random moments are), with any send the event loop missed caught up at once, as a phone
 * network would deliver it. `mark`s are answered at once (the audio before them is played in real time).
 * The per-frame work is kept small (templates, not JSON.stringify; each frame number's text made once
 * and read back by a look-up) so that the generator, which shares the machine's cores, stalls as little
 * as it can: its arrival times are read on its own event loop, so its stalls count as the relay's delay
 * (hence the worker threads: nothing else runs on their loops).
 *
 * Each caller frame carries its sequence number in its first six bytes, one nibble per byte as a quiet
 * mu-law sample (0xF0–0xFF), five nibbles and a fixed check nibble that mu-law silence (0xFF) does not
 * have, so the agent leg knows which frame arrived and when it was sent: the
 * added delay is arrival − send − the relay's look-ahead. A frame that arrives without a readable
 * number was replaced (masked) by the relay; one that never arrives is lost.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { LegMeasures } from './relayRoundResult';
import { speechNoiseFrames } from './speechNoise';

export interface Leg {
  socket: WebSocket;
  streamSid: string;
  callSid: string;
}

/** Both legs of one call, and the call's number across every thread of the round: its phase group is that modulo the phases. */
export interface LegPair {
  call: number;
  caller: Leg;
  agent: Leg;
}

const FRAME_MS = 20;
const ID_BYTES = 6;
/** The last byte of a frame's number: not 0xFF, so a frame the relay replaced by silence reads as none. */
const CHECK_BYTE = 0xf5;
/** Five nibbles: a leg's frames are numbered modulo about a million (over five hours of audio). */
const ID_MODULO = 1 << 20;
/** Base64 of the first six bytes is exactly the payload's first eight characters. */
const ID_CHARS = 8;
/** How long after the last frame is sent the round waits for the frames still on their way. */
const DRAIN_MS = 2000;

/** Noise at a speech-like level, as base64 frames. */
const NOISE = speechNoiseFrames();
/** Each noise frame without its first eight characters, where a caller frame's number goes. */
const NOISE_TAILS = NOISE.map((frame) => frame.slice(ID_CHARS));

/** The first eight base64 characters of a caller frame numbered `sequence` (modulo ID_MODULO). */
export function encodeId(sequence: number): string {
  const bytes = Buffer.alloc(ID_BYTES, CHECK_BYTE);
  for (let index = 0; index < ID_BYTES - 1; index += 1) bytes[index] = 0xf0 | ((sequence >>> (4 * index)) & 0xf);
  return bytes.toString('base64');
}

/**
 * Each sequence number's first eight characters, made once and shared by every leg (the calls run in
 * step, so a hundred legs send the same numbers), and the way back from them to the number: the agent
 * leg reads a frame's number with one look-up instead of a base64 decode.
 */
const idChars: string[] = [];
const sequenceOfId = new Map<string, number>();
function idOf(sequence: number): string {
  let id = idChars[sequence];
  if (id === undefined) {
    id = encodeId(sequence);
    idChars[sequence] = id;
    sequenceOfId.set(id, sequence);
  }
  return id;
}

/** The sequence number in a payload's first eight characters, or -1 when they do not hold one (a replaced frame). */
export function decodeId(payload: string): number {
  const known = sequenceOfId.get(payload.slice(0, ID_CHARS));
  if (known !== undefined) return known;
  const bytes = Buffer.from(payload.slice(0, ID_CHARS), 'base64');
  if (bytes[ID_BYTES - 1] !== CHECK_BYTE) return -1;
  let sequence = 0;
  for (let index = 0; index < ID_BYTES - 1; index += 1) {
    const byte = bytes[index] ?? 0;
    if ((byte & 0xf0) !== 0xf0) return -1;
    sequence |= (byte & 0xf) << (4 * index);
  }
  return sequence;
}

/** The payload of a `media` message as text, or null for any other event. */
function mediaPayload(text: string): string | null {
  if (!text.startsWith('{"event":"media"')) return null;
  const at = text.indexOf('"payload":"');
  return at < 0 ? null : text.slice(at + 11, text.indexOf('"', at + 11));
}

/** Twilio's `media` message, as text: the same shape for every frame, so it is a template, not JSON.stringify. */
function mediaMessage(leg: Leg, sequence: number, payload: string): string {
  return `{"event":"media","sequenceNumber":"${sequence + 3}","media":{"track":"inbound","chunk":"${sequence + 1}","timestamp":"${sequence * FRAME_MS}","payload":"${payload}"},"streamSid":"${leg.streamSid}"}`;
}

/** A `mark` the server sent is answered at once, as Twilio does once the audio before it has played. */
function answerMark(leg: Leg, text: string): void {
  if (!text.includes('"event":"mark"')) return;
  const name = (JSON.parse(text) as { mark?: { name?: string } }).mark?.name ?? '';
  if (leg.socket.readyState === WebSocket.OPEN) leg.socket.send(JSON.stringify({ event: 'mark', streamSid: leg.streamSid, mark: { name } }));
}

/** Frames each leg has sent so far, across rounds, so a late arrival from an earlier round is never taken for a new frame. */
const framesSentByLeg = new WeakMap<Leg, number>();

/** One thread's round: its own calls, its own schedule, its own clock. */
export interface DriveOptions {
  pairs: LegPair[];
  seconds: number;
  /** The relay's own deliberate delay, taken off each frame's measured delay. */
  lookAheadMs: number;
  /** A frame whose added delay is over this is late; a timer callback that starts more than this behind its schedule is the generator's own stall. */
  lateMs: number;
  /**
   * Phase groups the calls are spread over within each 20 ms frame (1: every call sends at the same
   * instant, as the first version of this benchmark did). Real calls start at random moments, so their
   * frames are spread over the 20 ms; spreading also keeps each of the generator's timer callbacks short,
   * so its event loop is free to note arrivals as they come.
   */
  phases: number;
  /**
   * When the round's first slot is due, on this thread's `performance.now()` clock: threads that share
   * the calls of a round start on one schedule, so each call keeps its phase. Now when not given.
   */
  startAt?: number;
}

/**
 * Sends both legs' frames of every pair on the schedule and times each caller frame's arrival at its
 * agent leg; answers with what it measured, for summariseRound to put together with other threads'.
 * A pair's phase group is its `call` number modulo `phases`.
 */
export async function driveLegs(options: DriveOptions): Promise<LegMeasures> {
  const { pairs, lookAheadMs } = options;
  const phases = Math.max(1, Math.floor(options.phases));
  const measured = Math.round((options.seconds * 1000) / FRAME_MS);
  // The relay holds its look-ahead until more audio comes: frames after the measured ones push them out.
  const total = measured + Math.ceil(lookAheadMs / FRAME_MS);
  const delays = new Float64Array(pairs.length * measured);
  let arrived = 0;
  let replaced = 0;
  let outstanding = 0;
  let drained: (() => void) | null = null;
  const inFlight = pairs.map(() => new Map<number, number>());

  const listeners = pairs.map((pair, index) => {
    const sent = inFlight[index]!;
    const atAgent = (data: WebSocket.RawData) => {
      // Read first: everything after this is the generator's own time, not the relay's.
      const at = performance.now();
      const text = data.toString();
      const payload = mediaPayload(text);
      if (payload === null) return answerMark(pair.agent, text);
      const sequence = decodeId(payload);
      const sentAt = sent.get(sequence);
      if (sequence < 0) replaced += 1;
      else if (sentAt !== undefined) {
        sent.delete(sequence);
        delays[arrived] = at - sentAt - lookAheadMs;
        arrived += 1;
        outstanding -= 1;
      }
      if (outstanding - replaced <= 0) drained?.();
    };
    const atCaller = (data: WebSocket.RawData) => {
      const text = data.toString();
      if (mediaPayload(text) === null) answerMark(pair.caller, text);
    };
    pair.agent.socket.on('message', atAgent);
    pair.caller.socket.on('message', atCaller);
    return () => {
      pair.agent.socket.off('message', atAgent);
      pair.caller.socket.off('message', atCaller);
    };
  });

  // Per leg, where its numbering stands (carried over from earlier rounds), its pair and its phase group.
  const legs = pairs.flatMap((pair, index) => [
    { leg: pair.caller, pair: index, caller: true, group: pair.call % phases, next: framesSentByLeg.get(pair.caller) ?? 0 },
    { leg: pair.agent, pair: index, caller: false, group: pair.call % phases, next: framesSentByLeg.get(pair.agent) ?? 0 },
  ]);
  const groups = Array.from({ length: phases }, (_, group) => legs.filter((entry) => entry.group === group));
  const slotMs = FRAME_MS / phases;
  const slots = total * phases;
  // A thread that holds only some of the calls has phase groups with nothing to send: its timer skips them.
  const firstBusySlotFrom = (slot: number) => {
    let next = slot;
    while (next < slots && groups[next % phases]!.length === 0) next += 1;
    return next;
  };

  let generatorLagMs = 0;
  let lateSlots = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  await new Promise<void>((resolve) => {
    const start = options.startAt ?? performance.now();
    let slot = firstBusySlotFrom(0);
    const tick = () => {
      const now = performance.now();
      const due = Math.min(slots, Math.floor((now - start) / slotMs) + 1);
      if (due > slot) {
        const lag = now - (start + slot * slotMs);
        generatorLagMs = Math.max(generatorLagMs, lag);
        if (lag > options.lateMs) lateSlots += 1;
      }
      // Slots the event loop missed are caught up at once, as a phone network would deliver them.
      for (; slot < due; slot += 1) {
        const frame = Math.floor(slot / phases);
        const noise = NOISE[frame % NOISE.length]!;
        const tail = NOISE_TAILS[frame % NOISE.length]!;
        for (const entry of groups[slot % phases]!) {
          const { leg } = entry;
          if (leg.socket.readyState !== WebSocket.OPEN) continue;
          const sequence = entry.next;
          entry.next = (sequence + 1) % ID_MODULO;
          if (entry.caller && frame < measured) {
            inFlight[entry.pair]!.set(sequence, performance.now());
            outstanding += 1;
          }
          leg.socket.send(mediaMessage(leg, sequence, entry.caller ? idOf(sequence) + tail : noise));
        }
      }
      slot = firstBusySlotFrom(slot);
      if (slot < slots) setTimeout(tick, Math.max(0, start + slot * slotMs - performance.now()));
      else resolve();
    };
    // Before its start (a shared schedule set a little ahead) the first tick waits; a late one catches up.
    setTimeout(tick, Math.max(0, start + slot * slotMs - performance.now()));
  });
  for (const entry of legs) framesSentByLeg.set(entry.leg, entry.next);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, DRAIN_MS);
    drained = () => {
      clearTimeout(timer);
      resolve();
    };
    if (outstanding - replaced <= 0) drained();
  });
  for (const stopListening of listeners) stopListening();
  loopDelay.disable();
  return {
    delays: delays.slice(0, arrived),
    framesSent: pairs.length * measured,
    callSeconds: (pairs.length * total * FRAME_MS) / 1000,
    lost: Math.max(0, outstanding - replaced),
    replaced,
    generatorLagMs,
    generatorLateSlots: lateSlots,
    generatorLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    generatorLoopDelayMaxMs: loopDelay.max / 1e6,
  };
}

export interface OpenLegOptions {
  /** The URL to dial (a loopback `wss://` of the TwiML already turned into `ws://`). */
  url: string;
  /** The handshake's `x-twilio-signature`, over the URL as the TwiML wrote it. */
  signature: string;
  accountSid: string;
  /** The call the stream belongs to (a new SID when not given). */
  callSid?: string;
  /** The `<Parameter>`s of the `<Stream>`: the gateway's single-use token among them. */
  parameters: Record<string, string>;
}

/** Opens a stream as Twilio does (signed handshake, `connected`, `start` with the parameters). */
export async function openLeg(options: OpenLegOptions): Promise<Leg> {
  const socket = new WebSocket(options.url, { headers: { 'x-twilio-signature': options.signature }, handshakeTimeout: 10_000 });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const streamSid = `MZ${randomBytes(16).toString('hex')}`;
  const callSid = options.callSid ?? `CA${randomBytes(16).toString('hex')}`;
  socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  socket.send(
    JSON.stringify({
      event: 'start',
      sequenceNumber: '1',
      start: { accountSid: options.accountSid, streamSid, callSid, tracks: ['inbound'], customParameters: options.parameters, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
      streamSid,
    }),
  );
  return { socket, streamSid, callSid };
}
