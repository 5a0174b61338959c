import { generateReference, isReferenceShape } from '../../../../src/core/domain/codes';

describe('generateReference', () => {
  it('gives 8 digits that never start with 0, and varies', () => {
    const many = Array.from({ length: 500 }, () => generateReference());
    for (const r of many) expect(isReferenceShape(r)).toBe(true);
    expect(new Set(many).size).toBeGreaterThan(490);
  });
});
