import { createHash, randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../ports/keyValueStore';

/** A signed-in agent: who, from where, and the CSRF token of the session's forms. */
export interface PanelSession {
  /** Who acts, for the audit trail: the agent's name (an opaque hash of the cookie for a session of nobody). */
  actor: string;
  /** The agent account and the id of the key it signed in with; a removed agent or a new key ends the session. */
  agent?: { name: string; keyId: string };
  csrfToken: string;
  ip: string;
  createdAt: string;
}

/** PCI DSS 8.2.8: a session idle for more than 15 minutes must sign in again. */
export const PANEL_IDLE_SECONDS = 15 * 60;

/**
 * Panel sessions in the key-value store, so any gateway process can serve any agent. The store holds
 * only a hash of the cookie value: reading the store does not give a usable session.
 */
export class PanelSessions {
  constructor(
    private readonly store: KeyValueStore,
    private readonly idleSeconds = PANEL_IDLE_SECONDS,
  ) {}

  /** Starts a session; answers the cookie value (secret) and the session. */
  async create(ip: string, at: Date, agent?: { name: string; keyId: string }): Promise<{ cookie: string; session: PanelSession }> {
    const cookie = randomBytes(32).toString('base64url');
    const session: PanelSession = {
      actor: agent?.name ?? `agent-${hash(cookie).slice(0, 12)}`,
      ...(agent ? { agent } : {}),
      csrfToken: randomBytes(24).toString('base64url'),
      ip,
      createdAt: at.toISOString(),
    };
    await this.store.set(key(cookie), JSON.stringify(session), this.idleSeconds);
    return { cookie, session };
  }

  /** The session of a cookie, its idle timer restarted; null when unknown or idle too long. */
  async touch(cookie: string | undefined): Promise<PanelSession | null> {
    const found = await this.peek(cookie);
    if (found && cookie) await this.store.set(key(cookie), JSON.stringify(found), this.idleSeconds);
    return found;
  }

  /** The session without restarting its idle timer (a live event stream is not agent activity). */
  async peek(cookie: string | undefined): Promise<PanelSession | null> {
    if (!cookie || cookie.length > 100) return null;
    const found = await this.store.get(key(cookie));
    return found ? (JSON.parse(found.value) as PanelSession) : null;
  }

  async end(cookie: string | undefined): Promise<void> {
    if (cookie) await this.store.delete(key(cookie));
  }
}

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function key(cookie: string): string {
  return `panel:session:${hash(cookie)}`;
}
