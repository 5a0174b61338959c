/**
 * What the media relay records of a call. Only what the agent heard reaches a recording: the caller's
 * audio after the tone masker, so a recording never holds a keypad tone.
 */
export interface CallRecording {
  /** One 20 ms mu-law frame of the caller's audio AFTER masking (what the agent heard). */
  caller(frame: Buffer): void;
  /** One 20 ms mu-law frame of the agent's audio. */
  agent(frame: Buffer): void;
  /** Finishes the file (header sizes written); idempotent. */
  close(): Promise<void>;
}

export interface CallRecorder {
  /** A new recording of the bridge's call; frames may be given at once, before any file is open. */
  start(bridgeId: string): CallRecording;
}

/**
 * A recording's id is its bridge's id and its file's name: bridge ids are random, so a name carries
 * no phone number, and this pattern keeps any id from naming a path outside the folder.
 */
export const RECORDING_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The file of a finished recording. */
export const FINISHED_SUFFIX = '.wav';
/** The file of a recording still being written: renamed to `.wav` once its header holds the sizes. */
export const UNFINISHED_SUFFIX = '.wav.part';
