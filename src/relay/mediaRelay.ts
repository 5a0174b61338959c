import type { Flow } from '../core/flows/schema';
import type { Logger } from '../observability/logger';
import type { RelayRefusal } from '../observability/metrics';
import type { Timers } from '../ports/clock';
import type { EventBus } from '../ports/eventBus';
import { createToneMasker } from './audio/toneMasker';
import type { CallRecorder } from './recording';
import { RelayCapture, type GuidedCapture } from './relayCapture';
import { RelayedCall } from './relayedCall';
import { readMessage } from './streamMessages';
import type { AdmittedStream } from './streamEndpoint';
import { streamTwiml, streamUrl } from './streamTwiml';
import type { StreamLeg, StreamTokens } from './streamTokens';

export interface MediaRelayDeps {
  instanceId: string;
  publicBaseUrl: string;
  tokens: StreamTokens;
  capture: GuidedCapture;
  /** The agent-guided flow of relayed captures (its per-field timeouts); null: keys feed no capture. */
  guidedFlow: Flow | null;
  /** Capture changes from every process (the agent's request may be handled by another one). */
  events: EventBus;
  timers: Timers;
  logger: Logger;
  metrics: { relayFrameDropped(to: StreamLeg): void; relayStreamRefused(reason: RelayRefusal): void };
  /** A leg's socket dropped mid-call: the bridge tells the agent. */
  streamLost(bridgeId: string, leg: StreamLeg): void;
  /** Records each relayed call (RECORD_BRIDGE with RECORDINGS_DIR); null: no recording. */
  recorder: CallRecorder | null;
}

/** 64 KB queued on a socket is over a second of audio: frames beyond it are dropped, not queued. */
const MAX_BUFFERED_BYTES = 64 * 1024;
/** Ended calls remembered, so a leg arriving after its call is over is refused as late. */
const ENDED_REMEMBERED = 1000;

/**
 * The relayed calls this process holds, by bridge: both legs of a bridge stream here because the
 * stream URL names this process. Per-call audio state lives here; the capture's state stays in the store.
 */
export class MediaRelay {
  private readonly calls = new Map<string, RelayedCall>();
  private readonly ended = new Set<string>();
  private readonly stopListening: () => void;

  constructor(private readonly deps: MediaRelayDeps) {
    this.stopListening = deps.events.subscribe((event) => {
      if (event.type === 'payment') this.calls.get(event.bridgeId)?.captureChanged();
    });
  }

  /** A leg's TwiML: a stream to this process, with a fresh single-use token for that leg of the bridge. */
  async streamTwiml(bridge: { id: string; callerCallSid: string }, leg: StreamLeg): Promise<string> {
    const token = await this.deps.tokens.issue({ bridgeId: bridge.id, leg, callerCallSid: bridge.callerCallSid, instanceId: this.deps.instanceId });
    return streamTwiml(streamUrl(this.deps.publicBaseUrl, this.deps.instanceId), token);
  }

  /** Takes an admitted stream into its call (made on the first leg); false when that leg is there already or the call is over. */
  admit(stream: AdmittedStream): boolean {
    const { grant, socket } = stream;
    if (this.ended.has(grant.bridgeId)) return false;
    let call = this.calls.get(grant.bridgeId);
    if (!call) {
      call = this.newCall(grant.bridgeId, grant.callerCallSid);
      this.calls.set(grant.bridgeId, call);
    }
    if (!call.attach(grant.leg, socket, stream.streamSid, stream.transport)) return false;
    const relayed = call;
    for (const message of stream.early) relayed.message(grant.leg, message);
    socket.on('message', (data, isBinary) => {
      const message = isBinary ? null : readMessage(data.toString());
      if (message) relayed.message(grant.leg, message);
    });
    this.deps.logger.info('relayed stream started', { bridgeId: grant.bridgeId, leg: grant.leg });
    return true;
  }

  /** How many calls the relay holds now. */
  get size(): number {
    return this.calls.size;
  }

  close(): void {
    this.stopListening();
    for (const call of this.calls.values()) call.shutDown();
    this.calls.clear();
  }

  private newCall(bridgeId: string, callerCallSid: string): RelayedCall {
    const { guidedFlow } = this.deps;
    const capture = guidedFlow
      ? new RelayCapture({ callSid: callerCallSid, capture: this.deps.capture, flow: guidedFlow, timers: this.deps.timers, logger: this.deps.logger })
      : null;
    return new RelayedCall({
      bridgeId,
      filter: createToneMasker(),
      capture,
      recording: this.deps.recorder?.start(bridgeId) ?? null,
      logger: this.deps.logger,
      metrics: this.deps.metrics,
      maxBufferedBytes: MAX_BUFFERED_BYTES,
      lost: (leg) => this.deps.streamLost(bridgeId, leg),
      ended: () => {
        this.calls.delete(bridgeId);
        this.ended.add(bridgeId);
        if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.values().next().value!);
      },
    });
  }
}
