import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { RecordStore } from '../../core/records/recordStore';
import { storedIdsSchema } from '../../core/records/recordSchemas';

/** `agent` works the calls it takes; `supervisor` sees every call and may cancel any capture. */
export type AgentRole = 'agent' | 'supervisor';
export const AGENT_ROLES: readonly AgentRole[] = ['agent', 'supervisor'];

/** A named agent as stored: never the key itself, only its keyed hash. */
export interface AgentAccount {
  name: string;
  role: AgentRole;
  /** HMAC-SHA256 of the key (hex); its first 16 characters tie a panel session to this very key. */
  keyHash: string;
  createdAt: string;
}

/** The key an agent signs in with, shown once when the agent is added. */
export const AGENT_KEY_SHAPE = /^ccga_[A-Za-z0-9_-]{43}$/;
export const AGENT_NAME_SHAPE = /^[a-z0-9][a-z0-9._-]{0,39}$/;

/** The store has no keys without a TTL: accounts last until removed, in practice. */
const ACCOUNT_TTL_SECONDS = 10 * 365 * 86_400;
/** The sorted list of agent names is the key `agents:index`. */
const INDEX = 'index';

const storedAccountSchema: z.ZodType<AgentAccount> = z.looseObject({
  name: z.string(),
  role: z.enum(['agent', 'supervisor']),
  keyHash: z.string(),
  createdAt: z.string(),
});

export class AgentAccountError extends Error {}

/**
 * Agent accounts in the shared store, so every gateway process and the `agents` command see the same
 * ones. Keys are 256 random bits, so a keyed hash (under a key derived from the vault key) is enough
 * to store: a dump of the store signs nobody in.
 */
export class AgentAccounts {
  private readonly hashKey: Buffer;
  private readonly accounts: RecordStore<AgentAccount>;
  private readonly indexes: RecordStore<string[]>;

  constructor(
    private readonly store: KeyValueStore,
    vaultKey: Buffer,
  ) {
    this.accounts = new RecordStore(store, { prefix: 'agent:account:', schema: storedAccountSchema, ttlSeconds: ACCOUNT_TTL_SECONDS });
    this.indexes = new RecordStore(store, { prefix: 'agents:', schema: storedIdsSchema, ttlSeconds: ACCOUNT_TTL_SECONDS });
    this.hashKey = Buffer.from(hkdfSync('sha256', vaultKey, Buffer.alloc(0), 'ccg agent-keys v1', 32));
  }

  /** Adds an agent; answers the account and its key, which exists nowhere else afterwards. */
  async add(name: string, role: AgentRole, at: Date): Promise<{ account: AgentAccount; key: string }> {
    if (!AGENT_NAME_SHAPE.test(name)) throw new AgentAccountError(`"${name}" is not a valid agent name: 1 to 40 of a-z 0-9 . _ -, starting with a letter or digit`);
    if (!AGENT_ROLES.includes(role)) throw new AgentAccountError(`"${role}" is not a role: agent or supervisor`);
    const key = `ccga_${randomBytes(32).toString('base64url')}`;
    const account: AgentAccount = { name, role, keyHash: this.hash(key), createdAt: at.toISOString() };
    if ((await this.accounts.create(name, account)) === null) {
      throw new AgentAccountError(`an agent named "${name}" exists already`);
    }
    await this.store.set(lookupKey(account.keyHash), name, ACCOUNT_TTL_SECONDS);
    await this.editIndex((names) => [...names.filter((n) => n !== name), name].sort());
    return { account, key };
  }

  /** Removes an agent: the key stops working and the agent's panel sessions end. False when unknown. */
  async remove(name: string): Promise<boolean> {
    const account = await this.get(name);
    await this.editIndex((names) => names.filter((n) => n !== name));
    if (!account) return false;
    await this.store.delete(lookupKey(account.keyHash));
    await this.accounts.delete(name);
    return true;
  }

  async get(name: string): Promise<AgentAccount | null> {
    if (!AGENT_NAME_SHAPE.test(name)) return null;
    return (await this.accounts.get(name))?.value ?? null;
  }

  async list(): Promise<AgentAccount[]> {
    const names = (await this.indexes.get(INDEX))?.value ?? [];
    const accounts = await Promise.all(names.map((name) => this.get(name)));
    return accounts.filter((a): a is AgentAccount => a !== null);
  }

  /** Development: an agent to sign in with when there is none yet; null when there are agents already. */
  async firstAgent(at: Date): Promise<{ account: AgentAccount; key: string } | null> {
    if ((await this.list()).length > 0) return null;
    try {
      return await this.add('agent', 'agent', at);
    } catch (error) {
      // Another process created it first.
      if (error instanceof AgentAccountError) return null;
      throw error;
    }
  }

  /** The agent a key belongs to, or null. */
  async authenticate(key: string): Promise<AgentAccount | null> {
    if (!AGENT_KEY_SHAPE.test(key)) return null;
    const hash = this.hash(key);
    const name = await this.store.get(lookupKey(hash));
    const account = name ? await this.get(name.value) : null;
    // The lookup found it by this hash; comparing again guards against a stale lookup entry.
    return account && timingSafeEqual(Buffer.from(account.keyHash), Buffer.from(hash)) ? account : null;
  }

  private hash(key: string): string {
    return createHmac('sha256', this.hashKey).update(key).digest('hex');
  }

  private async editIndex(edit: (names: string[]) => string[]): Promise<void> {
    await this.indexes.update(INDEX, (names) => edit(names ?? []));
  }
}

/** The short, non-secret id of an account's key that a panel session remembers. */
export function keyIdOf(account: AgentAccount): string {
  return account.keyHash.slice(0, 16);
}

function lookupKey(hash: string): string {
  return `agent:key:${hash}`;
}
