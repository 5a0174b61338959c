import type { CaptureService, GuidedState } from '../core/capture/captureService';
import type { Flow } from '../core/flows/schema';
import type { Logger } from '../observability/logger';
import type { Timers } from '../ports/clock';
import { FieldCollector } from './fieldCollector';
import { HeldKeys } from './heldKeys';

/** What of the capture service the relay drives. */
export type GuidedCapture = Pick<CaptureService, 'submitField' | 'fieldTimedOut' | 'keysTyped' | 'streamEnded' | 'guidedState'>;

export interface RelayCaptureDeps {
  callSid: string;
  capture: GuidedCapture;
  /** The agent-guided flow of the call's capture: each field's inter-digit timeout. */
  flow: Flow;
  timers: Timers;
  logger: Logger;
}

/**
 * One relayed call's keys feeding its agent-guided capture: the relay hands over each key once
 * (`key`), and tells what the capture now asks (`follow`, from its own changes or the bus) and
 * when the caller's stream ended. Keys pass through a `FieldCollector` and leave it only as a whole field.
 */
export class RelayCapture {
  private readonly collector: FieldCollector;
  /** The newest capture turn seen: an older state, arriving late, changes nothing. */
  private turn = 0;
  /** Whether the newest state seen is a capture under way: only then are keys held while no field is open. */
  private running = false;
  /** Keys typed during the capture before this process saw the field asked (see HeldKeys). */
  private readonly held: HeldKeys;

  constructor(private readonly deps: RelayCaptureDeps) {
    this.held = new HeldKeys(deps.timers);
    this.collector = new FieldCollector({
      timers: deps.timers,
      timeoutMs: (field) => deps.flow.timeoutSeconds[field] * 1000,
      submit: (field, digits) => this.settle(deps.capture.submitField(deps.callSid, field, digits)),
      timedOut: (field) => this.settle(deps.capture.fieldTimedOut(deps.callSid, field)),
      progress: (field, keys) => {
        deps.capture.keysTyped(deps.callSid, field, keys).catch((error: unknown) => this.log().warn('typing progress not told', { error: errorName(error) }));
      },
    });
  }

  /** The field being collected now, or null. */
  get asking() {
    return this.collector.asking;
  }

  key(key: string): void {
    if (this.collector.asking) this.collector.key(key);
    // The agent may have asked already, in the store, unseen here yet: the key waits a moment for the field.
    else if (this.running) this.held.hold(key);
  }

  /** The capture changed: collect for the field it asks now (afresh), or for none. */
  follow(state: GuidedState | null): void {
    if (!state || state.turn <= this.turn) return;
    this.turn = state.turn;
    this.running = !state.final;
    if (state.field && !state.final) {
      this.collector.open(state.field);
      this.held.handTo((key) => this.collector.key(key));
    } else {
      this.collector.close();
      if (!this.running) this.held.wipe();
    }
  }

  /** Reads where the capture stands, for a change made elsewhere (the agent's request on another process). */
  async sync(): Promise<void> {
    this.follow(await this.deps.capture.guidedState(this.deps.callSid));
  }

  /** The call ended cleanly (Twilio's `stop`): the keys held are wiped; the hang-up itself ends the capture. */
  close(): void {
    this.stop();
  }

  /** The caller's stream ended: the keys held are wiped and the capture ends as the line dropped. */
  async streamEnded(): Promise<void> {
    this.stop();
    await this.deps.capture.streamEnded(this.deps.callSid);
  }

  private stop(): void {
    this.running = false;
    this.held.wipe();
    this.collector.stop();
  }

  /** A field handed over: what the capture asks next (the same field again after a mistake) is followed. */
  private settle(change: Promise<GuidedState | null>): void {
    change.then(
      (state) => this.follow(state),
      (error: unknown) => this.log().error('a field could not be handed to the capture', { error: errorName(error) }),
    );
  }

  private log(): Logger {
    return this.deps.logger.child({ callSid: this.deps.callSid });
  }
}

/** An error's class name only: nothing typed may ride along in a message. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
