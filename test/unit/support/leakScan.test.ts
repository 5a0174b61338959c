import { leaksIn } from '../../support/leakScan';

const CODE = /(^|[^0-9])447([^0-9]|$)/;
const CARD = '4242424242424242';

describe('the leak scan', () => {
  it('finds a short code stored in clear, in JSON, a log line or a form', () => {
    expect(leaksIn('{"securityCode":"447"}', [CODE])).toEqual([String(CODE)]);
    expect(leaksIn('caller typed 447 then #', [CODE])).toEqual([String(CODE)]);
    expect(leaksIn('cvc=447&exp=1230', [CODE])).toEqual([String(CODE)]);
  });

  it('does not take the digits of a timestamp or a random id for it', () => {
    expect(leaksIn('{"at":"2026-12-01T19:13:53.447Z"}', [CODE])).toEqual([]);
    expect(leaksIn('relay:token:Qa447-b9c2d3e4f', [CODE])).toEqual([]);
  });

  it('finds a card number anywhere, even inside an id-like run', () => {
    expect(leaksIn(`tok_${CARD}x`, [CARD])).toEqual([CARD]);
  });
});
