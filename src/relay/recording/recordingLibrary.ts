/**
 * The finished recordings in the recordings folder, for the panel: the newest first, and one opened
 * for download by its id. Ids are checked before any path is made of them, and only finished files
 * (`.wav`, header complete) are ever listed or opened.
 */
import type { ReadStream } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { FINISHED_SUFFIX, RECORDING_ID } from './callRecorder';
import { RECORDING_FORMAT } from './fileRecorder';
import { WAV_HEADER_BYTES } from './wavHeader';

export interface RecordingEntry {
  id: string;
  /** When the file was finished (its last write). */
  finishedAt: Date;
  bytes: number;
  seconds: number;
}

export interface OpenedRecording {
  bytes: number;
  stream: ReadStream;
}

const BYTES_PER_SECOND = RECORDING_FORMAT.sampleRate * RECORDING_FORMAT.channels * 2;

export class RecordingLibrary {
  constructor(private readonly dir: string) {}

  /** The newest `limit` finished recordings, newest first. */
  async list(limit = 50): Promise<RecordingEntry[]> {
    const names = await readdir(this.dir);
    const entries: RecordingEntry[] = [];
    for (const name of names) {
      const id = name.endsWith(FINISHED_SUFFIX) ? name.slice(0, -FINISHED_SUFFIX.length) : null;
      if (id === null || !RECORDING_ID.test(id)) continue;
      const found = await this.describe(id);
      if (found) entries.push(found);
    }
    return entries.sort((left, right) => right.finishedAt.getTime() - left.finishedAt.getTime()).slice(0, limit);
  }

  /** The finished recording `id` as a stream, or null when the id is malformed or names no such file. */
  async open(id: string): Promise<OpenedRecording | null> {
    if (!RECORDING_ID.test(id)) return null;
    // Opened once and streamed from that descriptor: a sweep between a check and a read cannot swap the file.
    const handle = await open(this.fileOf(id), 'r').catch(() => null);
    if (!handle) return null;
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      return null;
    }
    return { bytes: stats.size, stream: handle.createReadStream() };
  }

  private async describe(id: string): Promise<RecordingEntry | null> {
    const handle = await open(this.fileOf(id), 'r').catch(() => null);
    if (!handle) return null;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return null;
      return { id, finishedAt: stats.mtime, bytes: stats.size, seconds: Math.max(0, stats.size - WAV_HEADER_BYTES) / BYTES_PER_SECOND };
    } finally {
      await handle.close();
    }
  }

  private fileOf(id: string): string {
    return path.join(this.dir, id + FINISHED_SUFFIX);
  }
}
