import { z } from 'zod';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { CorruptRecordError, RecordStore, UPDATE_ATTEMPTS } from '../records/recordStore';

/** A charge sent to the processor whose answer the payment still waits for. No card data. */
export interface PendingCharge {
  paymentId: string;
  /** The call (or link session) that started it, so an answer can still reach a live capture. */
  callSid: string;
  attempt: number;
  idempotencyKey: string;
  /** When the charge started (ISO). */
  since: string;
  /** When the processor may next be asked (ISO); the hold limit after `since` at first. */
  dueAt: string;
  /** How many times the processor has been asked without a definite answer. */
  asked: number;
  /** Until when a sweeper holds the entry (ISO); null when nobody does. */
  leaseUntil: string | null;
  /** `save`: a `save_card` payment's save, looked up as a save (`lookUpSave`); absent for a charge. */
  kind?: 'save';
}

interface Ledger {
  entries: Record<string, PendingCharge>;
}

const storedPendingChargeSchema: z.ZodType<PendingCharge> = z.looseObject({
  paymentId: z.string(),
  callSid: z.string(),
  attempt: z.number(),
  idempotencyKey: z.string(),
  since: z.string(),
  dueAt: z.string(),
  asked: z.number(),
  leaseUntil: z.string().nullable(),
  kind: z.literal('save').optional(),
});

const storedLedgerSchema: z.ZodType<Ledger> = z.looseObject({ entries: z.record(z.string(), storedPendingChargeSchema) });

/** The ledger is the map `charges:inflight`, one field per charge (`<paymentId>:<attempt>`). */
const LEDGER_KEY = 'charges:inflight';
/** Where releases before the map kept the whole ledger, as one document: `charges:pending`. */
const LEGACY_LEDGER_ID = 'pending';
/** A pending charge is kept as long as its payment: the processor's answer is worth waiting for. */
const LEDGER_TTL_SECONDS = 30 * 86_400;

/**
 * The ledger of charges waiting for the processor's answer, in the shared store so every gateway
 * process (and a restarted one) sees it. One map field per charge: a charge's start and end each
 * change only its own field, so concurrent calls never collide, and a sweeper's lease is a
 * compare-and-set of the field it takes. Entries an earlier release left in its one-document
 * ledger are moved into the map by the sweeper.
 */
export class PendingCharges {
  private readonly legacy: RecordStore<Ledger>;

  constructor(private readonly store: KeyValueStore) {
    this.legacy = new RecordStore(store, { prefix: 'charges:', schema: storedLedgerSchema, ttlSeconds: LEDGER_TTL_SECONDS });
  }

  /** Records a charge as it starts; a retry of the same attempt keeps the entry it finds. */
  async record(charge: Omit<PendingCharge, 'asked' | 'leaseUntil'>): Promise<void> {
    const entry: PendingCharge = { ...charge, asked: 0, leaseUntil: null };
    await this.store.mapCompareAndSet(LEDGER_KEY, entryId(charge.paymentId, charge.attempt), null, JSON.stringify(entry), LEDGER_TTL_SECONDS);
  }

  /** The entry of one charge attempt, or null when none waits. */
  async get(paymentId: string, attempt: number): Promise<PendingCharge | null> {
    const raw = await this.store.mapField(LEDGER_KEY, entryId(paymentId, attempt));
    return raw === null ? null : decodeEntry(raw);
  }

  /** Forgets a charge whose answer has been recorded. */
  async drop(paymentId: string, attempt: number): Promise<void> {
    await this.store.mapDelete(LEDGER_KEY, entryId(paymentId, attempt));
  }

  /**
   * Leases every entry due at `now` that nobody holds, so that no two sweepers ask at once: each
   * lease is a compare-and-set of its entry, and an entry another sweeper took first is left to it.
   */
  async claimDue(now: Date, leaseMs: number, limit: number): Promise<PendingCharge[]> {
    await this.adoptLegacyEntries();
    const at = now.getTime();
    const due = [...(await this.store.mapEntries(LEDGER_KEY))]
      .map(([id, raw]) => ({ id, raw, entry: decodeEntry(raw) }))
      .filter(({ entry: e }) => Date.parse(e.dueAt) <= at && (e.leaseUntil === null || Date.parse(e.leaseUntil) <= at))
      .sort((a, b) => Date.parse(a.entry.dueAt) - Date.parse(b.entry.dueAt))
      .slice(0, limit);
    const leaseUntil = new Date(at + leaseMs).toISOString();
    const claims = await Promise.all(
      due.map(async ({ id, raw, entry }) => {
        const leased: PendingCharge = { ...entry, leaseUntil };
        return (await this.store.mapCompareAndSet(LEDGER_KEY, id, raw, JSON.stringify(leased), LEDGER_TTL_SECONDS)) ? leased : null;
      }),
    );
    return claims.filter((c): c is PendingCharge => c !== null);
  }

  /** Gives a leased entry back after an unclear answer, to be asked again at `dueAt`. */
  async release(charge: PendingCharge, dueAt: Date): Promise<void> {
    const id = entryId(charge.paymentId, charge.attempt);
    for (let i = 0; i < UPDATE_ATTEMPTS; i += 1) {
      const raw = await this.store.mapField(LEDGER_KEY, id);
      if (raw === null) return;
      const current = decodeEntry(raw);
      const released: PendingCharge = { ...current, asked: current.asked + 1, dueAt: dueAt.toISOString(), leaseUntil: null };
      if (await this.store.mapCompareAndSet(LEDGER_KEY, id, raw, JSON.stringify(released), LEDGER_TTL_SECONDS)) return;
    }
  }

  /** Every entry, for diagnostics and tests. */
  async list(): Promise<PendingCharge[]> {
    const legacy = (await this.legacy.get(LEGACY_LEDGER_ID))?.value.entries ?? {};
    const entries = [...(await this.store.mapEntries(LEDGER_KEY)).values()].map(decodeEntry);
    const inMap = new Set(entries.map((e) => entryId(e.paymentId, e.attempt)));
    return [...entries, ...Object.entries(legacy).filter(([id]) => !inMap.has(id)).map(([, e]) => e)];
  }

  /**
   * Moves what an earlier release's processes put in the one-document ledger into the map (they
   * may still be writing it during a rolling deploy). An entry already in the map keeps its state;
   * one dropped from the document after it moved is answered by the processor's look-up, and its
   * settling then finds the payment already settled.
   */
  private async adoptLegacyEntries(): Promise<void> {
    const found = await this.legacy.get(LEGACY_LEDGER_ID);
    if (!found || Object.keys(found.value.entries).length === 0) return;
    const moved = Object.entries(found.value.entries);
    for (const [id, entry] of moved) await this.store.mapCompareAndSet(LEDGER_KEY, id, null, JSON.stringify(entry), LEDGER_TTL_SECONDS);
    await this.legacy.update(LEGACY_LEDGER_ID, (ledger) => {
      if (!ledger) return null;
      for (const [id] of moved) delete ledger.entries[id];
      return ledger;
    });
  }
}

function entryId(paymentId: string, attempt: number): string {
  return `${paymentId}:${attempt}`;
}

function decodeEntry(raw: string): PendingCharge {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new CorruptRecordError(LEDGER_KEY, '(not JSON)');
  }
  const result = storedPendingChargeSchema.safeParse(parsed);
  if (!result.success) throw new CorruptRecordError(LEDGER_KEY, result.error.issues[0]?.path.map(String).join('.') ?? '');
  return result.data;
}
