/**
 * G.711 mu-law, the format of Twilio Media Streams audio (8 kHz, one byte per sample), to and from
 * 16-bit linear PCM. Both directions are table look-ups: decoding indexes 256 entries, encoding indexes
 * 16,384 entries by the sample's top 14 bits (mu-law carries at most 14 bits of magnitude, so the two
 * low bits never change the code).
 */

const BIAS = 0x84;
const CLIP = 32635;

/** The code for one linear sample, by the G.711 segment rule; used once per entry to build the table. */
function encodeSample(sample: number): number {
  let magnitude = sample;
  let sign = 0;
  if (magnitude < 0) {
    magnitude = -magnitude;
    sign = 0x80;
  }
  if (magnitude > CLIP) magnitude = CLIP;
  magnitude += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeSample(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const magnitude = (((inverted & 0x0f) << 3) + BIAS) << exponent;
  return inverted & 0x80 ? BIAS - magnitude : magnitude - BIAS;
}

const DECODE = new Int16Array(256);
for (let code = 0; code < 256; code += 1) DECODE[code] = decodeSample(code);

const ENCODE = new Uint8Array(1 << 14);
for (let index = 0; index < ENCODE.length; index += 1) ENCODE[index] = encodeSample((index - (1 << 13)) << 2);

/** The linear sample of each mu-law code, for a caller that decodes into its own buffer. */
export const MU_LAW_TO_LINEAR: Readonly<Int16Array> = DECODE;

/** The mu-law code of digital silence (linear 0). */
export const MU_LAW_SILENCE = ENCODE[1 << 13]!;

/** Decodes `codes` into `out` (allocated when not given); returns the PCM samples. */
export function muLawToPcm(codes: Uint8Array, out: Int16Array = new Int16Array(codes.length)): Int16Array {
  for (let index = 0; index < codes.length; index += 1) out[index] = DECODE[codes[index]!]!;
  return out;
}

/** Encodes `samples` into `out` (a new Buffer when not given); returns the mu-law codes. */
export function pcmToMuLaw(samples: ArrayLike<number>, out: Uint8Array = Buffer.allocUnsafe(samples.length)): Uint8Array {
  for (let index = 0; index < samples.length; index += 1) {
    const sample = samples[index]! | 0;
    const clamped = sample < -32768 ? -32768 : sample > 32767 ? 32767 : sample;
    out[index] = ENCODE[(clamped >> 2) + (1 << 13)]!;
  }
  return out;
}
