/**
 * One leg of a bidirectional Media Stream, played as Twilio plays it (`<Connect><Stream>`): opens the
 * WebSocket with a signed handshake, sends `connected`, `start`, `media`, `dtmf`, `stop` in Twilio's exact
 * shapes, and plays back what the gateway sends (`media`, `mark`, `clear`), answering each `mark` once the
 * audio queued before it has played, or at once when a `clear` drops that audio. The simulator's relay mode
 * plays both legs of a call with it, and the tests' Twilio-shaped server (test/support/twilioServer) its streams.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import WebSocket from 'ws';
import { ChangeWaiters } from './changeWaiters';

/** 20 ms of 8 kHz mu-law. */
export const FRAME_BYTES = 160;
const FRAME_MS = 20;
const BYTES_PER_MS = 8;

export interface StreamLegOptions {
  /** The stream URL exactly as the TwiML wrote it (signed as such). */
  url: string;
  authToken: string;
  accountSid: string;
  callSid: string;
  /** The `<Parameter>`s of the `<Stream>`. */
  customParameters?: Record<string, string>;
  /** How long the handshake may take. */
  connectTimeoutMs?: number;
}

/** A keypad event to send while audio plays, at a media time (ms from the start of that audio). */
export interface TimedDtmf {
  atMs: number;
  digit: string;
}

export interface PlayOptions {
  /** `realtime` paces frames every 20 ms as a phone would; `fast` sends as fast as the socket drains. */
  pace?: 'realtime' | 'fast';
  /** Keypad events sent between frames once their media time is reached. */
  dtmf?: TimedDtmf[];
}

/** What the gateway sent to this leg, in order. */
export type ReceivedMessage =
  | { event: 'media'; streamSid: string; media: { payload: string } }
  | { event: 'mark'; streamSid: string; mark: { name: string } }
  | { event: 'clear'; streamSid: string }
  | { event: string; [key: string]: unknown };

/** The signature of a WebSocket handshake: computed as for a webhook, over the stream URL as the TwiML wrote it, without parameters. */
export function handshakeSignature(authToken: string, streamUrl: string): string {
  return twilio.getExpectedTwilioSignature(authToken, streamUrl, {});
}

/** Wraps a loopback `wss://` URL to `ws://`: tests run without TLS, but the signature names the URL as written. */
export function connectableUrl(url: string): string {
  const parsed = new URL(url);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol === 'wss:' && loopback) parsed.protocol = 'ws:';
  return parsed.toString();
}

export class MediaStreamLeg {
  readonly streamSid = `MZ${randomBytes(16).toString('hex')}`;
  /** Every message the leg sent, as JSON objects, in order (for shape checks). */
  readonly sent: Array<Record<string, unknown>> = [];
  /** Every message the gateway sent, in order. */
  readonly received: ReceivedMessage[] = [];
  /** Mark names the leg answered, in order. */
  readonly marksAnswered: string[] = [];
  /** Resolves when the socket is closed, by either side. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private sequence = 0;
  private chunk = 0;
  private readonly openedAt = Date.now();
  private lastTimestamp = -FRAME_MS;
  /** Wall time at which the audio the gateway queued so far has finished playing. */
  private playedUntil = 0;
  private readonly pendingMarks = new Map<NodeJS.Timeout, string>();
  private stopped = false;
  private readonly waiters = new ChangeWaiters();
  private readonly audioListeners = new Set<(frame: Buffer) => void>();

  private constructor(
    private readonly socket: WebSocket,
    private readonly options: StreamLegOptions,
  ) {
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => {
        this.cancelMarks();
        resolve({ code, reason: reason.toString() });
        this.waiters.changed();
      });
    });
    socket.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
  }

  /** Opens the socket and sends `connected` then `start`; rejects when the gateway refuses the handshake. */
  static async open(options: StreamLegOptions): Promise<MediaStreamLeg> {
    const socket = new WebSocket(connectableUrl(options.url), {
      headers: { 'x-twilio-signature': handshakeSignature(options.authToken, options.url) },
      handshakeTimeout: options.connectTimeoutMs ?? 5000,
    });
    // A refused handshake raises 'unexpected-response' and then 'error'; either settles the open.
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => {
        reject(new Error(`the gateway refused the stream handshake: HTTP ${response.statusCode}`));
        socket.terminate();
      });
    });
    socket.on('error', () => undefined);
    const leg = new MediaStreamLeg(socket, options);
    await leg.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    await leg.send({
      event: 'start',
      sequenceNumber: leg.nextSequence(),
      start: {
        accountSid: options.accountSid,
        streamSid: leg.streamSid,
        callSid: options.callSid,
        tracks: ['inbound'],
        customParameters: { ...(options.customParameters ?? {}) },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: leg.streamSid,
    });
    return leg;
  }

  /** Whether this side ended the stream (`stop` sent), rather than the gateway closing it. */
  get stoppedByTwilio(): boolean {
    return this.stopped;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Sends mu-law audio in 20 ms `media` frames (a short last frame is padded with mu-law silence), with
   * any keypad events at their media times. Stops early, without error, when the socket closes.
   */
  async play(audio: Buffer, options: PlayOptions = {}): Promise<void> {
    const pace = options.pace ?? 'realtime';
    const dtmf = [...(options.dtmf ?? [])].sort((a, b) => a.atMs - b.atMs);
    const frames = Math.ceil(audio.length / FRAME_BYTES);
    const startedAt = Date.now();
    for (let i = 0; i < frames && this.isOpen; i += 1) {
      while (dtmf.length > 0 && dtmf[0]!.atMs <= i * FRAME_MS) await this.sendDtmf(dtmf.shift()!.digit);
      if (pace === 'realtime') {
        const due = startedAt + i * FRAME_MS;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      const frame = Buffer.alloc(FRAME_BYTES, 0xff);
      audio.copy(frame, 0, i * FRAME_BYTES, Math.min(audio.length, (i + 1) * FRAME_BYTES));
      await this.sendMedia(frame, pace === 'realtime');
    }
    for (const event of dtmf) if (this.isOpen) await this.sendDtmf(event.digit);
  }

  /** A keypad event as Twilio reports it on a bidirectional stream. */
  async sendDtmf(digit: string): Promise<void> {
    await this.send({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: this.nextSequence(), dtmf: { track: 'inbound_track', digit } });
  }

  /** The caller hangs up: `stop`, then the socket closes. */
  async hangUp(): Promise<void> {
    if (this.stopped || !this.isOpen) return;
    this.stopped = true;
    await this.send({
      event: 'stop',
      sequenceNumber: this.nextSequence(),
      streamSid: this.streamSid,
      stop: { accountSid: this.options.accountSid, callSid: this.options.callSid },
    });
    this.socket.close(1000, 'call ended');
    await this.closed;
  }

  /**
   * Hands the open socket to code that speaks the protocol itself (a test sending raw or out-of-order
   * messages): from now on this leg neither reads nor answers it.
   */
  takeSocket(): WebSocket {
    this.socket.removeAllListeners('message');
    return this.socket;
  }

  /** The connection breaks (a network fault): the socket is gone without `stop`. */
  drop(): void {
    this.socket.terminate();
  }

  /** Calls `listener` with the audio of each `media` message the gateway sends to this leg, as it arrives. */
  onAudio(listener: (audio: Buffer) => void): void {
    this.audioListeners.add(listener);
  }

  /** The gateway's audio to this leg, concatenated in the order it arrived (what the party hears, before any `clear`). */
  receivedAudio(): Buffer {
    return Buffer.concat(
      this.received.flatMap((m) => (m.event === 'media' ? [Buffer.from((m as { media: { payload: string } }).media.payload, 'base64')] : [])),
    );
  }

  /** Resolves once `condition` holds (checked on every message and on close); rejects after `timeoutMs`. */
  async waitFor(condition: (leg: MediaStreamLeg) => boolean, timeoutMs: number, what: string): Promise<void> {
    await this.waiters.until(() => condition(this), timeoutMs, () => new Error(`stream ${this.streamSid}: timed out after ${timeoutMs} ms waiting for ${what}`));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) return;
    let message: ReceivedMessage;
    try {
      message = JSON.parse(data.toString('utf8')) as ReceivedMessage;
    } catch {
      return;
    }
    this.received.push(message);
    if (message.event === 'media') {
      const payload = (message as { media: { payload: string } }).media.payload;
      this.queuePlayback(payload);
      if (this.audioListeners.size > 0) {
        const audio = Buffer.from(payload, 'base64');
        for (const listener of this.audioListeners) listener(audio);
      }
    }
    else if (message.event === 'mark') this.answerMarkAfterPlayback((message as { mark: { name: string } }).mark.name);
    else if (message.event === 'clear') this.clearPlayback();
    this.waiters.changed();
  }

  private queuePlayback(payload: string): void {
    const ms = Buffer.from(payload, 'base64').length / BYTES_PER_MS;
    this.playedUntil = Math.max(this.playedUntil, Date.now()) + ms;
  }

  private answerMarkAfterPlayback(name: string): void {
    const timer = setTimeout(() => {
      this.pendingMarks.delete(timer);
      void this.answerMark(name);
    }, Math.max(0, this.playedUntil - Date.now()));
    this.pendingMarks.set(timer, name);
  }

  /** Twilio drops the queued audio and answers the marks waiting behind it at once. */
  private clearPlayback(): void {
    this.playedUntil = Date.now();
    const names = [...this.pendingMarks.values()];
    this.cancelMarks();
    for (const name of names) void this.answerMark(name);
  }

  private async answerMark(name: string): Promise<void> {
    if (!this.isOpen) return;
    this.marksAnswered.push(name);
    await this.send({ event: 'mark', sequenceNumber: this.nextSequence(), streamSid: this.streamSid, mark: { name } });
    this.waiters.changed();
  }

  private cancelMarks(): void {
    for (const timer of this.pendingMarks.keys()) clearTimeout(timer);
    this.pendingMarks.clear();
  }

  private async sendMedia(frame: Buffer, realtime: boolean): Promise<void> {
    this.chunk += 1;
    // Twilio's timestamp is the media time since the stream started; sent faster than real time it still advances 20 ms a frame.
    const timestamp = realtime ? Math.max(this.lastTimestamp + FRAME_MS, Date.now() - this.openedAt) : this.lastTimestamp + FRAME_MS;
    this.lastTimestamp = timestamp;
    await this.send({
      event: 'media',
      sequenceNumber: this.nextSequence(),
      media: { track: 'inbound', chunk: String(this.chunk), timestamp: String(timestamp), payload: frame.toString('base64') },
      streamSid: this.streamSid,
    });
  }

  private nextSequence(): string {
    this.sequence += 1;
    return String(this.sequence);
  }

  /** Sends one JSON message; resolves once the socket took it, so `fast` playback follows the socket's pace. */
  private send(message: Record<string, unknown>): Promise<void> {
    // Twilio sends nothing after a stream's `stop`.
    if (!this.isOpen || (this.stopped && message.event !== 'stop')) return Promise.resolve();
    this.sent.push(message);
    return new Promise((resolve) => this.socket.send(JSON.stringify(message), () => resolve()));
  }
}
