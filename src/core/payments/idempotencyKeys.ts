import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { RecordStore } from '../records/recordStore';

/** The first answer to a request, kept so that a retry with the same key gets it again. */
export interface StoredAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** What a key is bound to: the request it was first used with and, once answered, that answer. */
interface KeyRecord {
  /** sha256 of the request as first sent (keys sorted), so another body with the same key is told apart. */
  fingerprint: string;
  /** The id the work creates under; a process that takes over a stale claim creates under the same one. */
  resourceId: string;
  claimedAt: number;
  answer: StoredAnswer | null;
}

const keyRecordSchema: z.ZodType<KeyRecord> = z.object({
  fingerprint: z.string(),
  resourceId: z.string(),
  claimedAt: z.number(),
  answer: z.object({ status: z.number(), body: z.record(z.string(), z.unknown()) }).nullable(),
});

export type IdempotentOutcome =
  | { kind: 'answered'; answer: StoredAnswer; replayed: boolean }
  /** The key was first used with another request. */
  | { kind: 'mismatch' }
  /** The first request with this key is still being answered. */
  | { kind: 'inProgress' };

/** What the work learns: the id to create under, and whether an earlier claim may already have created it. */
export interface IdempotentWork {
  resourceId: string;
  resumed: boolean;
}

export interface IdempotencyKeysOptions {
  /** How long a key answers with its first answer. */
  ttlSeconds: number;
  /** A claim older than this is taken over: the process that made it is taken to be gone. */
  staleAfterMs?: number;
  /** How long a concurrent request waits for the first one's answer before it hears `inProgress`. */
  waitMs?: number;
  /** Poll interval while waiting for the first answer. */
  pollMs?: number;
}

/**
 * Idempotency keys of one kind of request: the first request with a key claims it with a
 * compare-and-set (atomic on every store; one store key per record, so a Redis Cluster is fine), does
 * the work and records the answer; a retry with the same key and request gets that answer, another
 * request with the same key is a mismatch. The client's key is hashed: it never reaches the store or a
 * log as sent.
 */
export class IdempotencyKeys {
  private readonly records: RecordStore<KeyRecord>;
  private readonly staleAfterMs: number;
  private readonly waitMs: number;
  private readonly pollMs: number;

  constructor(store: KeyValueStore, prefix: string, options: IdempotencyKeysOptions) {
    this.records = new RecordStore(store, { prefix, schema: keyRecordSchema, ttlSeconds: options.ttlSeconds });
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
    this.waitMs = options.waitMs ?? 10_000;
    this.pollMs = options.pollMs ?? 25;
  }

  /**
   * Answers `request` under `key` in `scope` (the caller's identity): runs `work` once per key, or
   * replays its answer. Only successful answers (2xx) are kept; when `work` refuses or throws, the key is
   * given back so that a corrected request may use it.
   */
  async run(
    scope: string,
    key: string,
    request: unknown,
    newResourceId: () => string,
    work: (at: IdempotentWork) => Promise<StoredAnswer>,
  ): Promise<IdempotentOutcome> {
    const id = `${scope}:${sha256(key)}`;
    const fingerprint = sha256(canonicalJson(request));
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const found = await this.records.get(id);
      if (!found) {
        const claim: KeyRecord = { fingerprint, resourceId: newResourceId(), claimedAt: Date.now(), answer: null };
        const version = await this.records.create(id, claim);
        if (version === null) continue;
        return this.answer(id, claim, version, false, work);
      }
      const record = found.value;
      if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (record.answer) return { kind: 'answered', answer: record.answer, replayed: true };
      if (Date.now() - record.claimedAt > this.staleAfterMs) {
        const claim: KeyRecord = { ...record, claimedAt: Date.now() };
        const version = await this.records.compareAndSet(id, found.version, claim);
        if (version === null) continue;
        return this.answer(id, claim, version, true, work);
      }
      if (Date.now() >= deadline) return { kind: 'inProgress' };
      await sleep(this.pollMs);
    }
  }

  private async answer(
    id: string,
    claim: KeyRecord,
    version: number,
    resumed: boolean,
    work: (at: IdempotentWork) => Promise<StoredAnswer>,
  ): Promise<IdempotentOutcome> {
    let answer: StoredAnswer;
    try {
      answer = await work({ resourceId: claim.resourceId, resumed });
    } catch (error) {
      await this.records.delete(id);
      throw error;
    }
    if (answer.status >= 200 && answer.status < 300) await this.records.compareAndSet(id, version, { ...claim, answer });
    else await this.records.delete(id);
    return { kind: 'answered', answer, replayed: false };
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so that the same request written in another key order is the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
