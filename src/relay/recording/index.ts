/** What the relay's endpoint and the composition root use of the recordings. */
export type { CallRecorder, CallRecording } from './callRecorder';
export { composeRecordings, type Recordings } from './composeRecordings';
export type { OpenedRecording, RecordingEntry } from './recordingLibrary';
