import { PANEL_IDLE_SECONDS, PanelSessions } from '../../../src/agent/accounts/panelSessions';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';

describe('PanelSessions', () => {
  let now = Date.parse('2026-01-01T09:00:00Z');
  const store = new MemoryStore({ now: () => now });
  const sessions = new PanelSessions(store);
  afterAll(() => store.close());

  it('ends a session idle for more than 15 minutes, and keeps one in use alive', async () => {
    const busy = await sessions.create('127.0.0.1', new Date(now));
    const idle = await sessions.create('127.0.0.1', new Date(now));
    for (let minute = 0; minute < 20; minute += 5) {
      now += 5 * 60_000;
      expect(await sessions.touch(busy.cookie)).not.toBeNull();
    }
    expect(await sessions.peek(idle.cookie)).toBeNull();
    now += PANEL_IDLE_SECONDS * 1000 + 1;
    expect(await sessions.touch(busy.cookie)).toBeNull();
  });

  it('stores only a hash of the cookie, so the store does not hold a usable session', async () => {
    const { cookie } = await sessions.create('127.0.0.1', new Date(now));
    const keys = [...store.snapshot().keys()];
    expect(keys.some((k) => k.includes(cookie))).toBe(false);
    expect([...store.snapshot().values()].some((v) => JSON.stringify(v).includes(cookie))).toBe(false);
  });

  it('does not restart the idle timer on a peek (a live event stream is not activity)', async () => {
    const { cookie } = await sessions.create('127.0.0.1', new Date(now));
    now += (PANEL_IDLE_SECONDS - 1) * 1000;
    expect(await sessions.peek(cookie)).not.toBeNull();
    now += 2000;
    expect(await sessions.peek(cookie)).toBeNull();
  });
});
