import { decodeId, encodeId } from '../../../bench/relayLegs';

describe("the relay benchmark's frame numbers", () => {
  it('reads back the number written into a frame, across every nibble', () => {
    for (const sequence of [0, 1, 15, 16, 4095, 65_536, 999_999, (1 << 20) - 1]) {
      expect(decodeId(encodeId(sequence) + 'f'.repeat(200))).toBe(sequence);
    }
  });

  it('writes quiet mu-law samples only (0xF0 to 0xFF), six bytes in eight base64 characters', () => {
    const bytes = Buffer.from(encodeId(0xabcde), 'base64');
    expect(encodeId(0xabcde)).toHaveLength(8);
    expect([...bytes].every((byte) => byte >= 0xf0)).toBe(true);
  });

  it('reads no number from a frame the relay replaced by silence or noise', () => {
    expect(decodeId(Buffer.alloc(160, 0xff).toString('base64'))).toBe(-1);
    expect(decodeId(Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 37) % 256)).toString('base64'))).toBe(-1);
  });
});
