import { HOLD_MS, HeldKeys } from '../../../src/relay/heldKeys';
import { ManualTimers } from '../../support/manualTimers';

function rig() {
  const timers = new ManualTimers();
  const held = new HeldKeys(timers);
  const type = (keys: string) => [...keys].forEach((k) => held.hold(k));
  const take = () => {
    const keys: string[] = [];
    held.handTo((key) => keys.push(key));
    return keys.join('');
  };
  /** The bytes held right now, read past the interface: what a heap dump would show. */
  const bytes = () => Buffer.from((held as unknown as { buffer: Uint8Array }).buffer).toString('latin1').replace(/\0/g, '');
  return { timers, held, type, take, bytes };
}

describe('the keys held while no field is open', () => {
  it('hands the keys over once, in order, and zeroes its buffer', () => {
    const r = rig();
    r.type('4242#');
    expect(r.bytes()).toBe('4242#');
    expect(r.take()).toBe('4242#');
    expect(r.bytes()).toBe('');
    expect(r.take()).toBe('');
    expect(r.timers.pending).toBe(0);
  });

  it('forgets each key HOLD_MS after it was typed, oldest first', () => {
    const r = rig();
    r.type('1');
    r.timers.advance(HOLD_MS - 1000);
    r.type('23');
    r.timers.advance(1000);
    expect(r.held.size).toBe(2);
    expect(r.bytes()).toBe('23');
    r.timers.advance(HOLD_MS);
    expect(r.held.size).toBe(0);
    expect(r.bytes()).toBe('');
    expect(r.take()).toBe('');
  });

  it('does not hold a # with nothing before it, and wipes on demand', () => {
    const r = rig();
    r.type('#');
    expect(r.held.size).toBe(0);
    r.type('12');
    r.held.wipe();
    expect(r.bytes()).toBe('');
    expect(r.timers.pending).toBe(0);
  });

  it('keeps no more than a field can take', () => {
    const r = rig();
    r.type('7'.repeat(100));
    expect(r.held.size).toBe(48);
  });
});
