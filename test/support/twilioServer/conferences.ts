/** Conferences, their participants and recordings, as Twilio keeps them for the REST API. */
import { randomBytes } from 'node:crypto';
import type { SimulatedCall } from './calls';

export interface Participant {
  call: SimulatedCall;
  hold: boolean;
  muted: boolean;
  endConferenceOnExit: boolean;
}

export interface Recording {
  sid: string;
  /** The conference or call it records. */
  parentSid: string;
  status: 'in-progress' | 'paused' | 'stopped';
  pauseBehavior: 'skip' | 'silence' | null;
  /** Every status it was set to, in order. */
  history: string[];
}

export class Conference {
  readonly sid = `CF${randomBytes(16).toString('hex')}`;
  readonly participants = new Map<string, Participant>();
  /** Twilio's conference status: `init` until a second participant joins. */
  status: 'init' | 'in-progress' | 'completed' = 'init';

  constructor(readonly friendlyName: string) {}
}

export class Conferences {
  private readonly byName = new Map<string, Conference>();
  /** Recordings by SID. */
  readonly recordings = new Map<string, Recording>();

  /** The live conference of that SID or friendly name (the Participants API takes either). */
  find(sidOrName: string): Conference | undefined {
    const byName = this.byName.get(sidOrName);
    if (byName && byName.status !== 'completed') return byName;
    return [...this.byName.values()].find((c) => c.sid === sidOrName && c.status !== 'completed');
  }

  join(name: string, call: SimulatedCall, options: { endConferenceOnExit?: boolean; record?: boolean } = {}): Conference {
    let conference = this.find(name);
    if (!conference) {
      conference = new Conference(name);
      this.byName.set(name, conference);
    }
    // A participant the API added joins again when its call is answered: it keeps what the API set.
    if (!conference.participants.has(call.sid)) {
      conference.participants.set(call.sid, { call, hold: false, muted: false, endConferenceOnExit: options.endConferenceOnExit ?? false });
    }
    if (conference.participants.size >= 2) conference.status = 'in-progress';
    if (options.record && this.currentRecording(conference.sid) === undefined) this.startRecording(conference.sid);
    return conference;
  }

  /** A participant leaves; one with endConferenceOnExit ends the conference for everyone. */
  leave(call: SimulatedCall): void {
    for (const conference of this.byName.values()) {
      const participant = conference.participants.get(call.sid);
      if (!participant) continue;
      conference.participants.delete(call.sid);
      if (participant.endConferenceOnExit || (conference.participants.size === 0 && conference.status === 'in-progress')) {
        conference.status = 'completed';
        for (const other of conference.participants.values()) other.call.conferenceEnded();
        conference.participants.clear();
      }
    }
  }

  startRecording(parentSid: string): Recording {
    const recording: Recording = { sid: `RE${randomBytes(16).toString('hex')}`, parentSid, status: 'in-progress', pauseBehavior: null, history: ['in-progress'] };
    this.recordings.set(recording.sid, recording);
    return recording;
  }

  /** The recording `Twilio.CURRENT` names: the parent's latest one not stopped. */
  currentRecording(parentSid: string): Recording | undefined {
    return [...this.recordings.values()].filter((r) => r.parentSid === parentSid && r.status !== 'stopped').at(-1);
  }
}
