/**
 * The 44-byte header of a canonical WAV file of 16-bit linear PCM, the format every player (browsers'
 * <audio> included) plays. Written first with sizes of zero, and again with the real sizes when the
 * recording is finished.
 */
export const WAV_HEADER_BYTES = 44;
/** Sizes are 32-bit: the data may not grow beyond what the RIFF size can still count. */
export const MAX_WAV_DATA_BYTES = 0xffffffff - (WAV_HEADER_BYTES - 8);

export interface WavFormat {
  channels: number;
  sampleRate: number;
}

export function wavHeader(format: WavFormat, dataBytes: number): Buffer {
  if (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > MAX_WAV_DATA_BYTES) throw new Error('WAV data size out of range');
  const bytesPerSample = 2;
  const blockAlign = format.channels * bytesPerSample;
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bytesPerSample * 8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
