import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/config';
import { GOOD_PRODUCTION_ENV, problemsOf } from '../../support/configProblems';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'recordings-config-'));
});
afterAll(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});

// A relay places calls through Twilio's REST API, so production also wants the account SID.
const RELAY_RECORDED = { ...GOOD_PRODUCTION_ENV, TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef', RECORD_BRIDGE: 'true', BRIDGE_MEDIA: 'relay' };

describe('recording settings', () => {
  it('write nothing by default, and keep recordings 90 days', () => {
    expect(loadConfig({}).recordings).toEqual({ dir: null, retentionDays: 90 });
  });

  it('take a folder that exists and is writable, and a retention in days', () => {
    expect(loadConfig({ ...RELAY_RECORDED, RECORDINGS_DIR: dir, RECORDING_RETENTION_DAYS: '30' }).recordings).toEqual({ dir, retentionDays: 30 });
  });

  it('production refuses relayed recording with nowhere to write it', () => {
    expect(problemsOf(RELAY_RECORDED)).toEqual([
      "RECORDINGS_DIR: required when RECORD_BRIDGE=true and BRIDGE_MEDIA=relay (the gateway writes relayed calls' recordings itself)",
    ]);
    // Conference mode records with Twilio (paused during captures); no folder is needed there.
    expect(loadConfig({ ...GOOD_PRODUCTION_ENV, RECORD_BRIDGE: 'true' }).recordings.dir).toBeNull();
  });

  it('refuses a folder that is missing, is a file, or cannot be written to, in one line each', () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    expect(problemsOf({ ...RELAY_RECORDED, RECORDINGS_DIR: path.join(dir, 'missing') })).toEqual(['RECORDINGS_DIR: must be a folder that exists']);
    expect(problemsOf({ RECORDINGS_DIR: file })).toEqual(['RECORDINGS_DIR: must be a folder']);
    const locked = mkdtempSync(path.join(dir, 'locked-'));
    chmodSync(locked, 0o500);
    // Root writes anywhere: the rule is only observable as an ordinary user.
    if (process.getuid?.() !== 0) expect(problemsOf({ ...RELAY_RECORDED, RECORDINGS_DIR: locked })).toEqual(['RECORDINGS_DIR: must be a folder the gateway may write to']);
  });

  it('refuses a retention outside 1 to 3650 days', () => {
    expect(problemsOf({ RECORDING_RETENTION_DAYS: '0' })).toEqual(['RECORDING_RETENTION_DAYS: Too small: expected number to be >=1']);
    expect(problemsOf({ RECORDING_RETENTION_DAYS: 'week' })).toEqual(['RECORDING_RETENTION_DAYS: must be a whole number']);
  });
});
