import { z } from 'zod';
import { CARD_BRANDS, type CardBrand } from '../domain/cardBrand';
import { PROMPT_KEYS } from '../flows/promptKeys';
import type { CasWrite, KeyValueStore, Versioned } from '../../ports/keyValueStore';
import type { CardRefs } from '../../ports/vault';
import { RecordStore } from '../records/recordStore';
import { storedCardSchema, storedFailureSchema } from '../records/recordSchemas';
import type { CaptureContext } from './types';

/** The machine's state as stored: its value and its (masked) context, nothing else. */
export interface StoredState {
  value: string;
  context: CaptureContext;
}

/** One call's capture, shared by every gateway process through the store. */
export interface CallSession {
  callSid: string;
  flowId: string;
  flowVersion: number;
  /**
   * Hash of the flow content the call started on (kept in the store by `CallFlows`), so that every
   * process runs the call on that content. Absent in sessions written by earlier releases.
   */
  flowHash?: string;
  paymentId: string | null;
  /**
   * The turn the next webhook must carry in its URL. A request for an older turn is a duplicate
   * delivery (it gets `lastReply`), so a Twilio retry never advances the call twice.
   */
  turn: number;
  state: StoredState;
  vaultRefs: CardRefs;
  lastReply: { turn: number; twiml: string } | null;
  startedAt: string;
  /** When the current charge attempt started (ISO): the hold limit is measured from it. */
  chargeStartedAt?: string;
  /**
   * Whether the capture observer follows this call (asked as its capture started): the turns of a
   * call it does not follow skip it. Absent in sessions earlier releases wrote: those are reported.
   */
  followed?: boolean;
  /**
   * The payment's return URL, copied when the capture started: where the call goes once the capture
   * ends (see `Payment.returnUrl`). Absent: the call ends with the capture.
   */
  returnUrl?: string;
}

/**
 * The machine's context as stored. Counters and notes default to where a new call starts, so a
 * session an earlier release wrote without one of them still reads.
 */
const storedContextSchema: z.ZodType<CaptureContext, unknown> = z.looseObject({
  locale: z.string(),
  payment: z
    .looseObject({ id: z.string(), amount: z.string(), currency: z.string(), description: z.string().nullable() })
    .nullable(),
  attempts: z.number().default(0),
  card: storedCardSchema.nullable(),
  captured: z.looseObject({
    cardNumber: z.boolean(),
    expiry: z.boolean(),
    securityCode: z.boolean(),
    postalCode: z.boolean().default(false),
    routingNumber: z.boolean().optional(),
    accountNumber: z.boolean().optional(),
    accountNumberAgain: z.boolean().optional(),
    accountType: z.boolean().optional(),
  }),
  chargeAttempts: z.number().default(0),
  lastDecline: storedFailureSchema.nullable().default(null),
  reference: z.string().nullable().default(null),
  processorReference: z.string().nullable().default(null),
  authorized: z.boolean().default(false),
  failure: storedFailureSchema.nullable().default(null),
  notices: z
    .array(z.looseObject({ key: z.enum(PROMPT_KEYS), brand: z.enum(CARD_BRANDS as [CardBrand, ...CardBrand[]]).optional() }))
    .default([]),
  securityCodeLength: z.number().default(0),
  referenceRepeats: z.number().default(0),
  waitingSince: z.string().nullable().default(null),
  callEnded: z.boolean().default(false),
});

/** A call session as stored; `flowHash`, `chargeStartedAt` and `followed` are absent in sessions earlier releases wrote. */
const storedSessionSchema: z.ZodType<CallSession, unknown> = z.looseObject({
  callSid: z.string(),
  flowId: z.string(),
  flowVersion: z.number(),
  flowHash: z.string().optional(),
  paymentId: z.string().nullable(),
  turn: z.number(),
  state: z.looseObject({ value: z.string(), context: storedContextSchema }),
  vaultRefs: z.looseObject({
    cardNumber: z.string().optional(),
    expiry: z.string().optional(),
    securityCode: z.string().optional(),
    postalCode: z.string().optional(),
  }),
  lastReply: z.looseObject({ turn: z.number(), twiml: z.string() }).nullable(),
  startedAt: z.string(),
  chargeStartedAt: z.string().optional(),
  followed: z.boolean().optional(),
  returnUrl: z.string().optional(),
});

/**
 * Call sessions in the key-value store, written only by a single compare-and-set: a turn that loses
 * the race re-reads and answers as the winner did rather than retrying its own change.
 */
export class CallSessionRepository {
  private readonly sessions: RecordStore<CallSession>;

  constructor(store: KeyValueStore, ttlSeconds: number) {
    this.sessions = new RecordStore(store, { prefix: 'call:', schema: storedSessionSchema, ttlSeconds });
  }

  get(callSid: string): Promise<Versioned<CallSession> | null> {
    return this.sessions.get(callSid);
  }

  /**
   * The session as this process last wrote it, and that write's version, or null: a guess at what
   * the store holds, only to start a compare-and-set from (which refuses it when it is stale).
   */
  lastWritten(callSid: string): Versioned<CallSession> | null {
    return this.sessions.lastWritten(callSid);
  }

  /** Writes when the session is still at `expectedVersion` (0: new); the new version, or null on a race. */
  save(session: CallSession, expectedVersion: number, ttlSeconds?: number): Promise<number | null> {
    return this.sessions.compareAndSet(session.callSid, expectedVersion, session, ttlSeconds);
  }

  /**
   * `save`, with another record's write (or read) that must follow it only when the session is
   * written, in one store call. `companion` answers what became of that one (see `compareAndSetPair`).
   */
  async saveWith(
    session: CallSession,
    expectedVersion: number,
    ttlSeconds: number | undefined,
    companion: CasWrite | { key: string },
  ): Promise<{ version: number | null; companion: { version: number | null; found: Versioned<string> | null } }> {
    const outcome = await this.sessions.compareAndSetWith(session.callSid, expectedVersion, session, ttlSeconds, companion);
    return { version: outcome.first, companion: { version: outcome.second, found: outcome.secondFound } };
  }
}
