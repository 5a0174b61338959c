/**
 * CPU of the relay's own per-frame work, without sockets: each Twilio-shaped `media` message of both
 * legs is read (`readMessage`) and handed to a `RelayedCall` whose sockets only count what they are
 * given, as the gateway's socket handler does; beside it, what the bare relay (bareMediaRelay.ts) does
 * per message (JSON.parse and a template). The WebSocket framing and the system calls, the same for
 * both relays, are left out, so what is left is what the gateway adds and what a change to it saves.
 * The caller's audio is noise at a speech-like level (the detector's full path), as in relayBench.ts.
 *
 *   npx ts-node --transpile-only bench/relayFrameCpu.ts [--calls 100] [--seconds 60]
 */
import { parseArgs } from 'node:util';
import type WebSocket from 'ws';
import { createToneMasker } from '../src/relay/audio/toneMasker';
import { RelayedCall } from '../src/relay/relayedCall';
import { readMessage } from '../src/relay/streamMessages';
import type { Logger } from '../src/observability/logger';
import { speechNoiseFrames } from './speechNoise';

const { values: args } = parseArgs({
  options: { calls: { type: 'string', default: '100' }, seconds: { type: 'string', default: '60' } },
});
const calls = Number(args.calls);
const frames = Number(args.seconds) * 50;

const NOISE = speechNoiseFrames();

function twilioMedia(streamSid: string, sequence: number, payload: string): string {
  return `{"event":"media","sequenceNumber":"${sequence + 3}","media":{"track":"inbound","chunk":"${sequence + 1}","timestamp":"${sequence * 20}","payload":"${payload}"},"streamSid":"${streamSid}"}`;
}

let sent = 0;
let sentChars = 0;
function countingSocket(): WebSocket {
  return {
    readyState: 1,
    bufferedAmount: 0,
    send(text: string) {
      sent += 1;
      sentChars += text.length;
    },
    on() {},
    close() {},
  } as unknown as WebSocket;
}

const quietLogger = { child: () => quietLogger, warn() {}, error() {}, info() {} } as unknown as Logger;

function streamSid(index: number): string {
  return `MZ${index.toString(16).padStart(32, '0')}`;
}

/** Both legs' messages of every call, frame by frame, through `handle`; returns the CPU ms spent. */
function play(handle: (call: number, leg: 'caller' | 'agent', text: string) => void, count: number): number {
  // Built before the clock starts: the load generator's work, not the relay's.
  const messages = NOISE.map((payload, index) => ({
    caller: Array.from({ length: count }, (_, call) => twilioMedia(streamSid(call), index, payload)),
    agent: Array.from({ length: count }, (_, call) => twilioMedia(streamSid(call + count), index, payload)),
  }));
  const before = process.cpuUsage();
  for (let frame = 0; frame < frames; frame += 1) {
    const batch = messages[frame % messages.length]!;
    for (let call = 0; call < count; call += 1) {
      handle(call, 'caller', batch.caller[call]!);
      handle(call, 'agent', batch.agent[call]!);
    }
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function gateway(count: number): number {
  const relayed = Array.from({ length: count }, (_, call) => {
    const relayedCall = new RelayedCall({
      bridgeId: `bridge-${call}`,
      filter: createToneMasker(),
      capture: null,
      recording: null,
      logger: quietLogger,
      metrics: { relayFrameDropped() {} },
      maxBufferedBytes: 64 * 1024,
      lost() {},
      ended() {},
    });
    relayedCall.attach('caller', countingSocket(), streamSid(call));
    relayedCall.attach('agent', countingSocket(), streamSid(call + count));
    return relayedCall;
  });
  return play((call, leg, text) => {
    const message = readMessage(text);
    if (message) relayed[call]!.message(leg, message);
  }, count);
}

function bare(count: number): number {
  const sockets = Array.from({ length: count * 2 }, countingSocket);
  return play((call, leg, text) => {
    const message = JSON.parse(text) as { event: string; media?: { payload: string } };
    if (message.event !== 'media' || !message.media) return;
    const to = leg === 'caller' ? call + count : call;
    sockets[to]!.send(`{"event":"media","streamSid":"${streamSid(to)}","media":{"payload":"${message.media.payload}"}}`);
  }, count);
}

for (const [label, run] of [['gateway', gateway], ['bare   ', bare]] as const) {
  run(Math.max(1, Math.floor(calls / 10))); // warm the JIT
  sent = 0;
  sentChars = 0;
  const cpuMs = run(calls);
  const callSeconds = (calls * frames) / 50;
  console.log(`${label}: ${(cpuMs / callSeconds).toFixed(3)} ms CPU per call-second (${callSeconds} call-seconds in ${cpuMs.toFixed(0)} ms, ${sent} messages out, ${sentChars} chars)`);
}
