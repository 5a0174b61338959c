import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { StatusTokens } from '../../../src/embed/statusTokens';
import { ManualClock } from '../../support/payLinks';

describe('status tokens', () => {
  const clock = new ManualClock(new Date('2026-01-01T00:00:00.000Z'));
  const store = new MemoryStore();
  const tokens = new StatusTokens(store, clock);

  it('grant one payment until they expire, and are kept only as a hash', async () => {
    const { token, expiresAt } = await tokens.mint('pay_aaaaaaaaaa', 60);
    expect(expiresAt.toISOString()).toBe('2026-01-01T00:01:00.000Z');
    await expect(tokens.check(token, 'pay_aaaaaaaaaa')).resolves.toEqual({ ok: true, expiresAt });
    await expect(tokens.check(token, 'pay_bbbbbbbbbb')).resolves.toMatchObject({ ok: false, status: 403, code: 'forbidden' });
    expect(JSON.stringify([...store.snapshot()])).not.toContain(token.slice(4));
    clock.advance(59);
    await expect(tokens.check(token, 'pay_aaaaaaaaaa')).resolves.toMatchObject({ ok: true });
    clock.advance(1);
    await expect(tokens.check(token, 'pay_aaaaaaaaaa')).resolves.toMatchObject({ ok: false, status: 401, code: 'token_expired' });
    // An expired token is 401 for another payment too: it no longer says which payment it was for.
    await expect(tokens.check(token, 'pay_bbbbbbbbbb')).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('refuse a missing, malformed or unknown token with 401', async () => {
    for (const token of [null, '', 'cst_', `cst_${'A'.repeat(43)}`, `cst_${'A'.repeat(44)}`, 'Bearer x']) {
      await expect(tokens.check(token, 'pay_aaaaaaaaaa')).resolves.toMatchObject({ ok: false, status: 401, code: 'invalid_token' });
    }
  });
});
