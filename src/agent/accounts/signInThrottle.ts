import { createHash } from 'node:crypto';
import type { Limiter, LimiterFactory } from '../../ports/limiter';

/** PCI DSS 8.3.4: after this many wrong keys from one address, sign-in is locked for the window. */
export const MAX_FAILED_SIGN_INS = 10;
export const LOCKOUT_SECONDS = 30 * 60;

/** Whether a sign-in may be checked: a try (and whether it is the last one), locked out, or not countable now. */
export type SignInTurn = { kind: 'try'; last: boolean } | { kind: 'locked' } | { kind: 'unavailable' };

/**
 * Counts panel sign-in tries per client address in the store, so every process sees the same count.
 * A try is taken before the key is checked, in one atomic step: concurrent guesses cannot all be
 * checked against a count none of them has raised yet.
 */
export class SignInThrottle {
  private readonly limiter: Limiter;

  constructor(limiters: LimiterFactory) {
    this.limiter = limiters('sign-in', { points: MAX_FAILED_SIGN_INS, windowSeconds: LOCKOUT_SECONDS });
  }

  /** Takes one try; `unavailable` when the count cannot be kept, and sign-in must then be refused. */
  async begin(ip: string): Promise<SignInTurn> {
    const answer = await this.limiter.consume(subject(ip));
    if (answer.outcome === 'allowed') return { kind: 'try', last: answer.remaining === 0 };
    return { kind: answer.outcome === 'limited' ? 'locked' : 'unavailable' };
  }

  /** The try was a wrong key: the last one locks the address for the full lockout from now. */
  async failed(ip: string, turn: SignInTurn): Promise<void> {
    if (turn.kind === 'try' && turn.last) await this.limiter.block(subject(ip), LOCKOUT_SECONDS);
  }

  async succeeded(ip: string): Promise<void> {
    await this.limiter.reset(subject(ip));
  }
}

function subject(ip: string): string {
  return createHash('sha256').update(ip).digest('hex').slice(0, 32);
}
