/** The Twilio-shaped server's Media Streams leg against a bare `ws` server: handshake, message order and shapes. */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { WebSocketServer, type WebSocket } from 'ws';
import { until } from '../../support/stubGateway';
import { FRAME_BYTES, MediaStreamLeg, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from '../../support/twilioServer';

const CALL_SID = 'CA' + 'a'.repeat(32);

interface Peer {
  socket: WebSocket;
  signature: string | undefined;
  messages: Array<Record<string, any>>;
}

let http: Server;
let wss: WebSocketServer;
let peers: Peer[];
let streamUrl: string;

beforeEach(async () => {
  peers = [];
  http = createServer();
  wss = new WebSocketServer({ server: http });
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const peer: Peer = { socket, signature: request.headers['x-twilio-signature'] as string | undefined, messages: [] };
    socket.on('message', (data) => peer.messages.push(JSON.parse(String(data)) as Record<string, any>));
    peers.push(peer);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  streamUrl = `wss://127.0.0.1:${(http.address() as AddressInfo).port}/relay/caller?bridge=br_1`;
});

afterEach(async () => {
  for (const client of wss.clients) client.terminate();
  wss.close();
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
});

function open(): Promise<MediaStreamLeg> {
  return MediaStreamLeg.open({ url: streamUrl, authToken: TEST_AUTH_TOKEN, accountSid: TEST_ACCOUNT_SID, callSid: CALL_SID, customParameters: { token: 'tok_1' } });
}

/** A mu-law buffer whose bytes count up, so frames can be told apart. */
function audio(frames: number): Buffer {
  return Buffer.from(Array.from({ length: frames * FRAME_BYTES }, (_, i) => i % 251));
}

describe('MediaStreamLeg', () => {
  it('signs the handshake over the wss:// URL as for a webhook without parameters', async () => {
    await open();
    await until(() => peers.length === 1, 5000, 'the connection');
    expect(twilio.validateRequest(TEST_AUTH_TOKEN, peers[0]!.signature!, streamUrl, {})).toBe(true);
    expect(twilio.validateRequest(TEST_AUTH_TOKEN, peers[0]!.signature!, streamUrl.replace('br_1', 'br_2'), {})).toBe(false);
  });

  it('sends connected, start, 20 ms media frames, dtmf at its media time, then stop, in Twilio shapes', async () => {
    const leg = await open();
    const sound = audio(5);
    await leg.play(sound.subarray(0, sound.length - 60), { pace: 'fast', dtmf: [{ atMs: 40, digit: '4' }] });
    await leg.hangUp();
    await until(() => peers[0]?.messages.at(-1)?.event === 'stop', 5000, 'the stop message');
    const messages = peers[0]!.messages;
    expect(messages.map((m) => m.event)).toEqual(['connected', 'start', 'media', 'media', 'dtmf', 'media', 'media', 'media', 'stop']);
    const streamSid = leg.streamSid;
    expect(messages[0]).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(messages[1]).toEqual({
      event: 'start',
      sequenceNumber: '1',
      start: {
        accountSid: TEST_ACCOUNT_SID,
        streamSid,
        callSid: CALL_SID,
        tracks: ['inbound'],
        customParameters: { token: 'tok_1' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid,
    });
    expect(messages[2]).toEqual({ event: 'media', sequenceNumber: '2', media: { track: 'inbound', chunk: '1', timestamp: '0', payload: sound.subarray(0, FRAME_BYTES).toString('base64') }, streamSid });
    expect(messages[4]).toEqual({ event: 'dtmf', streamSid, sequenceNumber: '4', dtmf: { track: 'inbound_track', digit: '4' } });
    const media = messages.filter((m) => m.event === 'media');
    expect(media.map((m) => m.media.chunk)).toEqual(['1', '2', '3', '4', '5']);
    expect(media.map((m) => m.media.timestamp)).toEqual(['0', '20', '40', '60', '80']);
    // The short last frame is padded with mu-law silence to a whole 20 ms.
    const last = Buffer.from(media[4]!.media.payload, 'base64');
    expect(last).toHaveLength(FRAME_BYTES);
    expect(last.subarray(FRAME_BYTES - 60).every((b) => b === 0xff)).toBe(true);
    expect(messages[8]).toEqual({ event: 'stop', sequenceNumber: '8', streamSid, stop: { accountSid: TEST_ACCOUNT_SID, callSid: CALL_SID } });
    expect(messages.slice(1).map((m) => Number(m.sequenceNumber))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('paces real-time audio at 20 ms a frame', async () => {
    const leg = await open();
    const started = Date.now();
    await leg.play(audio(10));
    // Ten frames take at least 180 ms in real time (the first leaves at once).
    expect(Date.now() - started).toBeGreaterThanOrEqual(175);
    await until(() => peers[0]!.messages.filter((m) => m.event === 'media').length === 10, 5000, 'ten frames');
  });

  it('collects the audio sent back and answers a mark once the audio before it has played', async () => {
    const leg = await open();
    await until(() => peers.length === 1, 5000, 'the connection');
    const back = Buffer.alloc(1600, 0x55); // 200 ms
    const sentAt = Date.now();
    peers[0]!.socket.send(JSON.stringify({ event: 'media', streamSid: leg.streamSid, media: { payload: back.toString('base64') } }));
    peers[0]!.socket.send(JSON.stringify({ event: 'mark', streamSid: leg.streamSid, mark: { name: 'beep-1' } }));
    await until(() => peers[0]!.messages.some((m) => m.event === 'mark'), 5000, 'the mark answer');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(190);
    expect(peers[0]!.messages.find((m) => m.event === 'mark')).toEqual({ event: 'mark', sequenceNumber: '2', streamSid: leg.streamSid, mark: { name: 'beep-1' } });
    expect(leg.receivedAudio().equals(back)).toBe(true);
    expect(leg.marksAnswered).toEqual(['beep-1']);
  });

  it('answers the marks behind cleared audio at once', async () => {
    const leg = await open();
    await until(() => peers.length === 1, 5000, 'the connection');
    const sentAt = Date.now();
    peers[0]!.socket.send(JSON.stringify({ event: 'media', streamSid: leg.streamSid, media: { payload: Buffer.alloc(8000 * 30, 0x55).toString('base64') } }));
    peers[0]!.socket.send(JSON.stringify({ event: 'mark', streamSid: leg.streamSid, mark: { name: 'long' } }));
    peers[0]!.socket.send(JSON.stringify({ event: 'clear', streamSid: leg.streamSid }));
    await until(() => leg.marksAnswered.length === 1, 10_000, 'the cleared mark');
    // Thirty seconds of audio were queued before the mark: only the clear can have answered it.
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(leg.received.map((m) => m.event)).toEqual(['media', 'mark', 'clear']);
  });

  it('rejects when the server refuses the handshake', async () => {
    wss.close();
    http.removeAllListeners('upgrade');
    http.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n'));
    await expect(open()).rejects.toThrow(/403/);
  });

  it('sees the gateway close the socket', async () => {
    const leg = await open();
    await until(() => peers.length === 1, 5000, 'the connection');
    peers[0]!.socket.close(1000, 'bridge over');
    await expect(leg.closed).resolves.toEqual({ code: 1000, reason: 'bridge over' });
    expect(leg.stoppedByTwilio).toBe(false);
  });
});
