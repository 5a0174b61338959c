/**
 * The recorder that writes each call to a stereo WAV file of its own in the recordings folder: the
 * caller (after masking) on the left, the agent on the right, as 16-bit PCM at 8 kHz. 16-bit PCM
 * rather than mu-law (WAV format 7): it doubles the size (32 kB a second) but plays everywhere,
 * browsers included, and decoding mu-law to it loses nothing.
 *
 * The file is written as the call goes, a second of audio at a time, and is only as big in memory as
 * that second plus the writes the disk has not yet taken (bounded: beyond it audio is dropped and an
 * error logged rather than memory grown). It is created as `<id>.wav.part`, mode 0600, and renamed to
 * `<id>.wav` once closed with its header's sizes written: a `.wav` in the folder is a finished call.
 * A failing disk never reaches the relay: the recording logs once and takes no more frames.
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../observability/logger';
import { FRAME_BYTES } from '../audio/toneMasker';
import { muLawToPcm } from '../audio/muLaw';
import { FINISHED_SUFFIX, RECORDING_ID, UNFINISHED_SUFFIX, type CallRecorder, type CallRecording } from './callRecorder';
import { createStereoAligner, type StereoAligner } from './stereoAligner';
import { MAX_WAV_DATA_BYTES, WAV_HEADER_BYTES, wavHeader } from './wavHeader';

export interface FileRecorderOptions {
  /** The recordings folder (it exists and is writable: the configuration checked it). */
  dir: string;
  logger: Logger;
  /** How far one side may run ahead before the other is filled with silence (default 5 frames, 100 ms). */
  lagFrames?: number;
  /** Stereo frames gathered per write (default 50, a second). */
  chunkFrames?: number;
  /** Writes that may wait for the disk before audio is dropped (default 30). */
  maxPendingWrites?: number;
}

export const RECORDING_FORMAT = { channels: 2, sampleRate: 8000 } as const;
const STEREO_FRAME_BYTES = FRAME_BYTES * 2 * RECORDING_FORMAT.channels;

function checkFrame(frame: Buffer): void {
  if (!Buffer.isBuffer(frame) || frame.length !== FRAME_BYTES) throw new Error(`a recorded frame must be a Buffer of ${FRAME_BYTES} mu-law bytes (20 ms at 8 kHz)`);
}

export class FileCallRecorder implements CallRecorder {
  constructor(private readonly options: FileRecorderOptions) {}

  start(bridgeId: string): CallRecording {
    if (!RECORDING_ID.test(bridgeId)) throw new Error('a recording needs a bridge id of letters, digits, _ and - only');
    return new FileCallRecording(path.join(this.options.dir, bridgeId), bridgeId, this.options);
  }
}

class FileCallRecording implements CallRecording {
  private readonly chunk: Buffer;
  private chunkBytes = 0;
  private dataBytes = 0;
  private pendingWrites = 0;
  private failed = false;
  private closing: Promise<void> | null = null;
  /** Every file operation, in order: opening, each chunk, the header, the rename. */
  private chain: Promise<FileHandle | null>;
  private readonly pcm = { caller: new Int16Array(FRAME_BYTES), agent: new Int16Array(FRAME_BYTES) };
  private readonly aligner: StereoAligner;
  private readonly maxPendingWrites: number;

  constructor(
    private readonly base: string,
    private readonly bridgeId: string,
    private readonly options: FileRecorderOptions,
  ) {
    this.chunk = Buffer.alloc((options.chunkFrames ?? 50) * STEREO_FRAME_BYTES);
    this.maxPendingWrites = options.maxPendingWrites ?? 30;
    this.aligner = createStereoAligner(options.lagFrames ?? 5, (caller, agent) => this.append(caller, agent));
    this.chain = this.guard(async () => {
      // wx: never over another call's file. The mode is set again after opening, whatever the umask.
      const handle = await open(base + UNFINISHED_SUFFIX, 'wx', 0o600);
      await handle.chmod(0o600);
      await handle.write(wavHeader(RECORDING_FORMAT, 0), 0, WAV_HEADER_BYTES, 0);
      return handle;
    }, null);
  }

  caller(frame: Buffer): void {
    checkFrame(frame);
    if (!this.closing && !this.failed) this.aligner.caller(frame);
  }

  agent(frame: Buffer): void {
    checkFrame(frame);
    if (!this.closing && !this.failed) this.aligner.agent(frame);
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<void> {
    this.aligner.drain();
    this.writeChunk();
    const handle = await this.chain;
    if (!handle) return;
    try {
      if (!this.failed) await handle.write(wavHeader(RECORDING_FORMAT, this.dataBytes), 0, WAV_HEADER_BYTES, 0);
      await handle.close();
      if (!this.failed) await rename(this.base + UNFINISHED_SUFFIX, this.base + FINISHED_SUFFIX);
    } catch (error) {
      this.fail('the recording could not be finished', error);
    }
  }

  /** Interleaves one stereo frame into the chunk; a full chunk goes to the disk. */
  private append(caller: Buffer | null, agent: Buffer | null): void {
    if (this.failed) return;
    if (this.dataBytes + this.chunkBytes + STEREO_FRAME_BYTES > MAX_WAV_DATA_BYTES) {
      this.fail('the recording reached the largest size a WAV file can hold', null);
      return;
    }
    const left = caller ? muLawToPcm(caller, this.pcm.caller) : null;
    const right = agent ? muLawToPcm(agent, this.pcm.agent) : null;
    let at = this.chunkBytes;
    for (let index = 0; index < FRAME_BYTES; index += 1) {
      this.chunk.writeInt16LE(left ? left[index]! : 0, at);
      this.chunk.writeInt16LE(right ? right[index]! : 0, at + 2);
      at += 4;
    }
    this.chunkBytes = at;
    if (this.chunkBytes === this.chunk.length) this.writeChunk();
  }

  private writeChunk(): void {
    if (this.chunkBytes === 0 || this.failed) return;
    if (this.pendingWrites >= this.maxPendingWrites) {
      this.fail('the disk fell behind the call; the recording stops here', null);
      return;
    }
    const bytes = Buffer.from(this.chunk.subarray(0, this.chunkBytes));
    const position = WAV_HEADER_BYTES + this.dataBytes;
    this.dataBytes += bytes.length;
    this.chunkBytes = 0;
    this.pendingWrites += 1;
    this.chain = this.chain.then((handle) =>
      this.guard(async () => {
        if (handle && !this.failed) await handle.write(bytes, 0, bytes.length, position);
        return handle;
      }, handle).finally(() => {
        this.pendingWrites -= 1;
      }),
    );
  }

  /** Runs a file step; a failure is logged once and stops the recording, never thrown to the relay. */
  private async guard(step: () => Promise<FileHandle | null>, handle: FileHandle | null): Promise<FileHandle | null> {
    try {
      return await step();
    } catch (error) {
      this.fail('the recording could not be written', error);
      return handle;
    }
  }

  private fail(message: string, error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    // The file that stays behind is `.part`: never listed, and swept with the rest after the retention period.
    this.options.logger.error(message, { bridgeId: this.bridgeId, ...(error ? { error } : {}) });
  }
}
