/**
 * Reads back the stereo WAV files the gateway records: the header's fields as written, and each
 * channel's samples, so tests check a recording the way a player would read it.
 */
import { readFileSync } from 'node:fs';

export interface WavContents {
  riffSize: number;
  format: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bitsPerSample: number;
  dataBytes: number;
  left: Int16Array;
  right: Int16Array;
}

export function readWav(file: string): WavContents {
  const bytes = readFileSync(file);
  expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
  expect(bytes.toString('ascii', 8, 12)).toBe('WAVE');
  expect(bytes.toString('ascii', 12, 16)).toBe('fmt ');
  expect(bytes.toString('ascii', 36, 40)).toBe('data');
  const dataBytes = bytes.readUInt32LE(40);
  const frames = dataBytes / 4;
  const left = new Int16Array(frames);
  const right = new Int16Array(frames);
  for (let index = 0; index < frames; index += 1) {
    left[index] = bytes.readInt16LE(44 + index * 4);
    right[index] = bytes.readInt16LE(46 + index * 4);
  }
  return {
    riffSize: bytes.readUInt32LE(4),
    format: bytes.readUInt16LE(20),
    channels: bytes.readUInt16LE(22),
    sampleRate: bytes.readUInt32LE(24),
    byteRate: bytes.readUInt32LE(28),
    blockAlign: bytes.readUInt16LE(32),
    bitsPerSample: bytes.readUInt16LE(34),
    dataBytes,
    left,
    right,
  };
}
