import { z } from 'zod';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { RecordStore } from '../records/recordStore';

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
});

const storedLedgerSchema: z.ZodType<Ledger> = z.looseObject({ entries: z.record(z.string(), storedPendingChargeSchema) });

/** The ledger is the key `charges:pending`. */
const LEDGER_ID = 'pending';
/** A pending charge is kept as long as its payment: the processor's answer is worth waiting for. */
const LEDGER_TTL_SECONDS = 30 * 86_400;

/**
 * The ledger of charges waiting for the processor's answer, in the shared store so every gateway
 * process (and a restarted one) sees it. One document written by compare-and-set: entries are few
 * (charges in flight and the rare overdue one) and every change, a sweeper's lease included, is atomic.
 */
export class PendingCharges {
  private readonly ledgers: RecordStore<Ledger>;

  constructor(store: KeyValueStore) {
    this.ledgers = new RecordStore(store, { prefix: 'charges:', schema: storedLedgerSchema, ttlSeconds: LEDGER_TTL_SECONDS });
  }

  /** Records a charge as it starts; a retry of the same attempt keeps the entry it finds. */
  async record(charge: Omit<PendingCharge, 'asked' | 'leaseUntil'>): Promise<void> {
    await this.change((ledger) => {
      const id = entryId(charge.paymentId, charge.attempt);
      if (ledger.entries[id]) return null;
      ledger.entries[id] = { ...charge, asked: 0, leaseUntil: null };
      return ledger;
    });
  }

  /** Forgets a charge whose answer has been recorded. */
  async drop(paymentId: string, attempt: number): Promise<void> {
    await this.change((ledger) => {
      const id = entryId(paymentId, attempt);
      if (!ledger.entries[id]) return null;
      delete ledger.entries[id];
      return ledger;
    });
  }

  /** Leases every entry due at `now` that nobody holds, so that no two sweepers ask at once. */
  async claimDue(now: Date, leaseMs: number, limit: number): Promise<PendingCharge[]> {
    let claimed: PendingCharge[] = [];
    await this.change((ledger) => {
      claimed = Object.values(ledger.entries)
        .filter((e) => Date.parse(e.dueAt) <= now.getTime() && (e.leaseUntil === null || Date.parse(e.leaseUntil) <= now.getTime()))
        .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))
        .slice(0, limit);
      if (claimed.length === 0) return null;
      const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
      claimed = claimed.map((e) => ({ ...e, leaseUntil }));
      for (const e of claimed) ledger.entries[entryId(e.paymentId, e.attempt)] = e;
      return ledger;
    });
    return claimed;
  }

  /** Gives a leased entry back after an unclear answer, to be asked again at `dueAt`. */
  async release(charge: PendingCharge, dueAt: Date): Promise<void> {
    await this.change((ledger) => {
      const id = entryId(charge.paymentId, charge.attempt);
      const current = ledger.entries[id];
      if (!current) return null;
      ledger.entries[id] = { ...current, asked: current.asked + 1, dueAt: dueAt.toISOString(), leaseUntil: null };
      return ledger;
    });
  }

  /** Every entry, for diagnostics and tests. */
  async list(): Promise<PendingCharge[]> {
    const found = await this.ledgers.get(LEDGER_ID);
    return found ? Object.values(found.value.entries) : [];
  }

  private async change(edit: (ledger: Ledger) => Ledger | null): Promise<void> {
    await this.ledgers.update(LEDGER_ID, (ledger) => edit(ledger ?? { entries: {} }));
  }
}

function entryId(paymentId: string, attempt: number): string {
  return `${paymentId}:${attempt}`;
}
