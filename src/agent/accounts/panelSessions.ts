import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { RecordStore } from '../../core/records/recordStore';

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

/** `agent` is absent on sessions older releases wrote. */
const storedPanelSessionSchema: z.ZodType<PanelSession> = z.looseObject({
  actor: z.string(),
  agent: z.object({ name: z.string(), keyId: z.string() }).optional(),
  csrfToken: z.string(),
  ip: z.string(),
  createdAt: z.string(),
});

/** PCI DSS 8.2.8: a session idle for more than 15 minutes must sign in again. */
export const PANEL_IDLE_SECONDS = 15 * 60;

/**
 * Panel sessions in the key-value store, so any gateway process can serve any agent. The store holds
 * only a hash of the cookie value: reading the store does not give a usable session.
 */
export class PanelSessions {
  private readonly sessions: RecordStore<PanelSession>;

  constructor(store: KeyValueStore, idleSeconds = PANEL_IDLE_SECONDS) {
    this.sessions = new RecordStore(store, { prefix: 'panel:session:', schema: storedPanelSessionSchema, ttlSeconds: idleSeconds });
  }

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
    await this.sessions.put(key(cookie), session);
    return { cookie, session };
  }

  /** The session of a cookie, its idle timer restarted; null when unknown or idle too long. */
  async touch(cookie: string | undefined): Promise<PanelSession | null> {
    const found = await this.peek(cookie);
    if (found && cookie) await this.sessions.put(key(cookie), found);
    return found;
  }

  /** The session without restarting its idle timer (a live event stream is not agent activity). */
  async peek(cookie: string | undefined): Promise<PanelSession | null> {
    if (!cookie || cookie.length > 100) return null;
    return (await this.sessions.get(key(cookie)))?.value ?? null;
  }

  async end(cookie: string | undefined): Promise<void> {
    if (cookie) await this.sessions.delete(key(cookie));
  }
}

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The record id of a cookie's session: its hash, under `panel:session:`. */
function key(cookie: string): string {
  return hash(cookie);
}
