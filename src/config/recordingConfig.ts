import { accessSync, constants, statSync } from 'node:fs';
import { z } from 'zod';
import { EVEN_WITH_MALFORMED_VALUES, intWithDefault, isProduction, optionalText, problem, readOnly } from './fields';

/**
 * Settings of the recordings the gateway writes itself. A relayed call's Twilio recording would hold
 * the caller's raw keypad tones, so relay mode never asks Twilio to record: with RECORD_BRIDGE=true
 * the relay writes both directions, after masking, into this folder.
 */
export interface RecordingSettings {
  /** Folder of the gateway's own call recordings; null: the gateway writes none. */
  readonly dir: string | null;
  /** How long a recording is kept before the sweeper deletes it. */
  readonly retentionDays: number;
}

/** Why a folder cannot take recordings, or null when it can. */
function unusableFolder(dir: string): string | null {
  try {
    if (!statSync(dir).isDirectory()) return 'must be a folder';
    // Writing needs w, and creating a file in a folder needs x (search) too.
    accessSync(dir, constants.W_OK | constants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'must be a folder that exists' : 'must be a folder the gateway may write to';
  }
}

/** RECORDINGS_DIR and RECORDING_RETENTION_DAYS, with what RECORD_BRIDGE and BRIDGE_MEDIA ask of them. */
export const recordingSchema = z
  .object({
    RECORDINGS_DIR: optionalText,
    RECORDING_RETENTION_DAYS: intWithDefault(90, 1, 3650),
    RECORD_BRIDGE: readOnly,
    BRIDGE_MEDIA: readOnly,
    NODE_ENV: readOnly,
  })
  .superRefine((v, ctx) => {
    // Checked wherever it is set: a folder that cannot take files would lose every recording silently.
    const unusable = v.RECORDINGS_DIR === undefined ? null : unusableFolder(v.RECORDINGS_DIR);
    if (unusable) problem(ctx, 'RECORDINGS_DIR', unusable);
    if (!isProduction(v.NODE_ENV)) return;
    // Production fails closed: recording asked for on relayed calls with nowhere to write it.
    if ((v.RECORD_BRIDGE ?? '').trim() === 'true' && (v.BRIDGE_MEDIA ?? '').trim() === 'relay' && v.RECORDINGS_DIR === undefined) {
      problem(ctx, 'RECORDINGS_DIR', 'required when RECORD_BRIDGE=true and BRIDGE_MEDIA=relay (the gateway writes relayed calls\' recordings itself)');
    }
  }, EVEN_WITH_MALFORMED_VALUES)
  .transform((v): RecordingSettings => Object.freeze({ dir: v.RECORDINGS_DIR ?? null, retentionDays: v.RECORDING_RETENTION_DAYS }));
