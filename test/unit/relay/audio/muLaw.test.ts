import { MU_LAW_SILENCE, muLawToPcm, pcmToMuLaw } from '../../../../src/relay/audio/muLaw';

describe('G.711 mu-law', () => {
  it('decodes every code to a value that encodes back to the same code (negative zero aside)', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, code) => code);
    const again = pcmToMuLaw(muLawToPcm(codes));
    for (let code = 0; code < 256; code += 1) expect([code, code === 0x7f ? 0xff : code]).toContain(again[code]);
  });

  it('knows the fixed points of the standard', () => {
    expect(MU_LAW_SILENCE).toBe(0xff);
    expect(Array.from(pcmToMuLaw([0, 32767, -32768, 40000, -40000]))).toEqual([0xff, 0x80, 0x00, 0x80, 0x00]);
    expect(Array.from(muLawToPcm(Uint8Array.from([0x80, 0x00, 0xff])))).toEqual([32124, -32124, 0]);
  });

  it('keeps the error within a step of its segment: a few units near zero, about 6 % at most further up', () => {
    for (let sample = -32768; sample <= 32767; sample += 7) {
      const back = muLawToPcm(pcmToMuLaw([sample]))[0]!;
      const magnitude = Math.min(Math.abs(sample), 32124);
      expect(Math.abs(back - Math.max(-32124, Math.min(32124, sample)))).toBeLessThanOrEqual(Math.max(12, magnitude / 16));
    }
  });

  it('is monotonic, so louder never decodes quieter', () => {
    let previous = -Infinity;
    for (let sample = -32768; sample <= 32767; sample += 3) {
      const back = muLawToPcm(pcmToMuLaw([sample]))[0]!;
      expect(back).toBeGreaterThanOrEqual(previous);
      previous = back;
    }
  });
});
