import { LinkSecrets } from '../../../src/links/linkSecrets';

describe('pay link secrets', () => {
  const secrets = new LinkSecrets(Buffer.alloc(32, 7));

  it('makes 256-bit base64url tokens, the same for one payment and nonce, different otherwise', () => {
    const nonce = secrets.newNonce();
    const token = secrets.token('pay_abc', nonce);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(secrets.token('pay_abc', nonce)).toBe(token);
    expect(secrets.token('pay_abc', secrets.newNonce())).not.toBe(token);
    expect(secrets.token('pay_abd', nonce)).not.toBe(token);
  });

  it('derives nothing another vault key can reproduce', () => {
    const other = new LinkSecrets(Buffer.alloc(32, 8));
    expect(other.token('pay_abc', 'n')).not.toBe(secrets.token('pay_abc', 'n'));
    expect(other.csrfToken('h')).not.toBe(secrets.csrfToken('h'));
  });

  it('keys links by a hash and sessions by an LK id, neither of which contains the token', () => {
    const token = secrets.token('pay_abc', 'n');
    const hash = secrets.hash(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const session = secrets.sessionId(hash);
    expect(session).toMatch(/^LK[0-9a-f]{32}$/);
    expect(hash).not.toContain(token);
    expect(session).not.toContain(hash.slice(0, 32));
  });

  it('accepts only the CSRF token of the same link', () => {
    const a = secrets.hash('a');
    const b = secrets.hash('b');
    expect(secrets.csrfMatches(a, secrets.csrfToken(a))).toBe(true);
    expect(secrets.csrfMatches(a, secrets.csrfToken(b))).toBe(false);
    expect(secrets.csrfMatches(a, '')).toBe(false);
    expect(secrets.csrfMatches(a, undefined)).toBe(false);
    expect(secrets.csrfMatches(a, [secrets.csrfToken(a)])).toBe(false);
  });

  it('refuses shapes that cannot be tokens before any lookup', () => {
    expect(secrets.isTokenShape('A'.repeat(43))).toBe(true);
    for (const bad of ['', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}/`, '../../etc/passwd']) expect(secrets.isTokenShape(bad)).toBe(false);
  });
});
