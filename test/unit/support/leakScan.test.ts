import { createHash } from 'node:crypto';
import { leaksIn, postalCodeSecrets } from '../../support/leakScan';

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

  describe('for postal codes', () => {
    const secrets = postalCodeSecrets(['94103']);
    const found = (text: string) => leaksIn(text, secrets).length > 0;

    it('finds one kept as a value: a JSON string or number, util.inspect, a form or a Stripe field', () => {
      expect(found('{"postalCode":"94103"}')).toBe(true);
      expect(found('{"zip":94103}')).toBe(true);
      expect(found("{ postalCode: '94103' }")).toBe(true);
      expect(found('Digits=94103&FinishedOnKey=')).toBe(true);
      expect(found('billing_details[address][postal_code]=94103')).toBe(true);
    });

    it('finds its SHA-256, in hex and in base64', () => {
      expect(found(`zip:${createHash('sha256').update('94103').digest('hex')}`)).toBe(true);
      expect(found(`{"h":"${createHash('sha256').update('94103').digest('base64')}"}`)).toBe(true);
    });

    it('does not take an amount, a reference or an id holding the digits for it', () => {
      expect(found('{"amount":"941.03","reference":"9410312345","id":"pay_ab94103cd"}')).toBe(false);
    });
  });
});
