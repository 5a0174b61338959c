import type { RecordingSettings } from '../../config/recordingConfig';
import type { Logger } from '../../observability/logger';
import type { Clock, Timers } from '../../ports/clock';
import type { CallRecorder } from './callRecorder';
import { FileCallRecorder } from './fileRecorder';
import { RecordingLibrary } from './recordingLibrary';
import { startRetentionSweeper, type RetentionSweeper } from './retentionSweeper';

export interface Recordings {
  /** What the relay records each relayed call with. */
  recorder: CallRecorder;
  /** The finished recordings, for the panel. */
  library: RecordingLibrary;
  /** Deletes old recordings; stopped when the gateway stops. */
  sweeper: RetentionSweeper;
}

/** The gateway's own recordings, or null when RECORDINGS_DIR is not set. The sweeper starts at once. */
export function composeRecordings(settings: RecordingSettings, deps: { clock: Clock; timers: Timers; logger: Logger }): Recordings | null {
  if (settings.dir === null) return null;
  const { dir } = settings;
  return {
    recorder: new FileCallRecorder({ dir, logger: deps.logger }),
    library: new RecordingLibrary(dir),
    sweeper: startRetentionSweeper({ dir, retentionDays: settings.retentionDays, ...deps }),
  };
}
