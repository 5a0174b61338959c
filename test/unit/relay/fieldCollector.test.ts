import type { CaptureField } from '../../../src/core/flows/schema';
import { FieldCollector } from '../../../src/relay/fieldCollector';
import { ManualTimers } from '../../support/manualTimers';

const TIMEOUT_MS = { cardNumber: 6000, expiry: 5000, securityCode: 5000, postalCode: 5000 } as Record<CaptureField, number>;

function rig() {
  const timers = new ManualTimers();
  const submitted: Array<[CaptureField, string]> = [];
  const timedOut: CaptureField[] = [];
  const progress: Array<[CaptureField, number]> = [];
  const collector = new FieldCollector({
    timers,
    timeoutMs: (field) => TIMEOUT_MS[field],
    submit: (field, digits) => submitted.push([field, digits]),
    timedOut: (field) => timedOut.push(field),
    progress: (field, keys) => progress.push([field, keys]),
  });
  const type = (keys: string) => [...keys].forEach((k) => collector.key(k));
  /** The bytes the collector holds right now, read past its interface: what a heap dump would show. */
  const held = () => Buffer.from((collector as unknown as { buffer: Uint8Array }).buffer).toString('latin1').replace(/\0/g, '');
  return { timers, collector, submitted, timedOut, progress, type, held };
}

describe('the field collector', () => {
  it('hands the field over whole, once, when the caller presses #, and counts each key as progress', () => {
    const r = rig();
    r.collector.open('cardNumber');
    r.type('4242424242424242#');
    expect(r.submitted).toEqual([['cardNumber', '4242424242424242']]);
    expect(r.progress.map(([, n]) => n)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(r.progress.every(([field]) => field === 'cardNumber')).toBe(true);
    expect(r.collector.asking).toBeNull();
    expect(r.timers.pending).toBe(0);
  });

  it('hands the field over when no key follows within the field’s timeout, and not a moment before', () => {
    const r = rig();
    r.collector.open('expiry');
    r.type('12');
    r.timers.advance(4000);
    r.type('30');
    r.timers.advance(TIMEOUT_MS.expiry - 1);
    expect(r.submitted).toEqual([]);
    r.timers.advance(1);
    expect(r.submitted).toEqual([['expiry', '1230']]);
    expect(r.timedOut).toEqual([]);
  });

  it('reports a timeout, and submits nothing, when no key at all is typed', () => {
    const r = rig();
    r.collector.open('securityCode');
    r.timers.advance(TIMEOUT_MS.securityCode);
    expect(r.timedOut).toEqual(['securityCode']);
    expect(r.submitted).toEqual([]);
    expect(r.collector.asking).toBeNull();
  });

  it('counts a real double key twice', () => {
    const r = rig();
    r.collector.open('securityCode');
    r.type('44');
    r.type('7#');
    expect(r.submitted).toEqual([['securityCode', '447']]);
    expect(r.progress).toEqual([
      ['securityCode', 1],
      ['securityCode', 2],
      ['securityCode', 3],
    ]);
  });

  it('ignores keys while no field is asked: nothing kept, nothing reported', () => {
    const r = rig();
    r.type('1234#');
    r.collector.open('expiry');
    r.collector.close();
    r.type('5678#');
    r.timers.advance(60_000);
    expect({ submitted: r.submitted, progress: r.progress, timedOut: r.timedOut, held: r.held() }).toEqual({ submitted: [], progress: [], timedOut: [], held: '' });
  });

  it('hands a bare # over as an empty field, as a <Gather> finished on # would', () => {
    const r = rig();
    r.collector.open('cardNumber');
    r.type('#');
    expect(r.submitted).toEqual([['cardNumber', '']]);
  });

  it('wipes the keys held on submit, on close, on a field asked afresh and on stop', () => {
    const r = rig();
    r.collector.open('cardNumber');
    r.type('4111');
    expect(r.held()).toBe('4111');
    r.type('#');
    expect(r.held()).toBe('');

    r.collector.open('cardNumber');
    r.type('4111');
    r.collector.close();
    expect(r.held()).toBe('');

    r.collector.open('cardNumber');
    r.type('4111');
    r.collector.open('cardNumber');
    expect(r.held()).toBe('');
    r.type('42#');
    expect(r.submitted.at(-1)).toEqual(['cardNumber', '42']);

    r.collector.open('expiry');
    r.type('12');
    r.collector.stop();
    expect(r.held()).toBe('');
    expect(r.timers.pending).toBe(0);
    r.collector.open('expiry');
    r.type('12#');
    expect(r.collector.asking).toBeNull();
    expect(r.submitted).toHaveLength(2);
  });

  it('keeps counting but stops keeping keys past any field’s length, so junk is refused by the capture', () => {
    const r = rig();
    r.collector.open('cardNumber');
    r.type('1'.repeat(100));
    expect(r.progress.at(-1)).toEqual(['cardNumber', 100]);
    r.type('#');
    const [[, digits]] = r.submitted as [[CaptureField, string]];
    expect(digits.length).toBeGreaterThan(40);
    expect(digits.length).toBeLessThan(100);
  });

  it('ignores anything that is not a keypad key', () => {
    const r = rig();
    r.collector.open('expiry');
    for (const k of ['A', '', '12', ' ', 'x']) r.collector.key(k);
    r.type('0130#');
    expect(r.submitted).toEqual([['expiry', '0130']]);
    expect(r.progress).toHaveLength(4);
  });
});
