import { z } from 'zod';
import { PAYMENT_EVENT_TYPES, type PaymentEventType } from '../core/payments/paymentEvents';
import { RecordStore } from '../core/records/recordStore';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { Sealer } from '../ports/vault';

/** A merchant's endpoint as stored; its secret signs every delivery and is shown only at creation. */
export interface Endpoint {
  id: string;
  url: string;
  events: PaymentEventType[];
  description: string | null;
  /** Standard Webhooks format: `whsec_` and the base64 key. */
  secret: string;
  createdAt: string;
}

/** One try of one delivery, as `GET /api/webhooks/{id}/deliveries` lists it: never a body. */
export interface DeliveryAttempt {
  messageId: string;
  eventType: PaymentEventType;
  paymentId: string;
  sequence: number;
  attempt: number;
  at: string;
  /** The endpoint's HTTP status; null when none came (time-out, refused connection). */
  statusCode: number | null;
  durationMs: number;
  delivered: boolean;
  error: string | null;
}

const eventTypeSchema = z.enum(PAYMENT_EVENT_TYPES);

const storedEndpointSchema: z.ZodType<Endpoint> = z.looseObject({
  id: z.string(),
  url: z.string(),
  events: z.array(eventTypeSchema),
  description: z.string().nullable(),
  secret: z.string(),
  createdAt: z.string(),
});

const storedEndpointsSchema = z.looseObject({ endpoints: z.array(storedEndpointSchema) });
type Endpoints = z.infer<typeof storedEndpointsSchema>;

const storedAttemptSchema: z.ZodType<DeliveryAttempt> = z.looseObject({
  messageId: z.string(),
  eventType: eventTypeSchema,
  paymentId: z.string(),
  sequence: z.number(),
  attempt: z.number(),
  at: z.string(),
  statusCode: z.number().nullable(),
  durationMs: z.number(),
  delivered: z.boolean(),
  error: z.string().nullable(),
});

/** Endpoints stay until deleted; the store needs a lifetime, so it is ten years. */
const ENDPOINTS_TTL_SECONDS = 10 * 365 * 86_400;
const LIST_ID = 'endpoints';
/** At most this many attempts are read back per endpoint. */
const MAX_ATTEMPTS_READ = 1000;

/**
 * Endpoints in one record of the shared store (`webhooks:endpoints`, compare-and-set: they are few
 * and every delivery reads them all), and each endpoint's attempts in a log of its own. Each secret is
 * stored sealed (encrypted, bound to its endpoint id); one written in the clear by an earlier release
 * still reads, and is sealed by the next change to the list.
 */
export class EndpointRepository {
  private readonly lists: RecordStore<Endpoints>;

  constructor(
    private readonly store: KeyValueStore,
    /** How long an attempt is listed: longer than the retries of a delivery last. */
    private readonly attemptRetentionSeconds: number,
    private readonly secrets: Sealer,
  ) {
    this.lists = new RecordStore(store, { prefix: 'webhooks:', schema: storedEndpointsSchema, ttlSeconds: ENDPOINTS_TTL_SECONDS });
  }

  async list(): Promise<Endpoint[]> {
    const stored = (await this.lists.get(LIST_ID))?.value.endpoints ?? [];
    return stored.map((e) => this.opened(e));
  }

  async get(id: string): Promise<Endpoint | null> {
    return (await this.list()).find((e) => e.id === id) ?? null;
  }

  /** Adds an endpoint unless there are `limit` already; false when full. */
  async add(endpoint: Endpoint, limit: number): Promise<boolean> {
    let added = false;
    await this.lists.update(LIST_ID, (current) => {
      const endpoints = current?.endpoints ?? [];
      added = endpoints.length < limit;
      return added ? { endpoints: [...endpoints.map((e) => this.sealed(e)), this.sealed(endpoint)] } : null;
    });
    return added;
  }

  /** False when there was no such endpoint. */
  async remove(id: string): Promise<boolean> {
    let removed = false;
    await this.lists.update(LIST_ID, (current) => {
      const endpoints = current?.endpoints ?? [];
      removed = endpoints.some((e) => e.id === id);
      return removed ? { endpoints: endpoints.filter((e) => e.id !== id).map((e) => this.sealed(e)) } : null;
    });
    if (removed) await this.store.delete(attemptsKey(id));
    return removed;
  }

  async recordAttempt(endpointId: string, attempt: DeliveryAttempt): Promise<void> {
    await this.store.append(attemptsKey(endpointId), JSON.stringify(attempt), this.attemptRetentionSeconds);
  }

  /** The endpoint's attempts, newest first, at most `limit`. */
  async attempts(endpointId: string, limit: number): Promise<DeliveryAttempt[]> {
    const entries = await this.store.readLog(attemptsKey(endpointId), { count: MAX_ATTEMPTS_READ });
    return entries
      .map((e) => storedAttemptSchema.parse(JSON.parse(e.value)))
      .reverse()
      .slice(0, limit);
  }

  /** The endpoint as stored: its secret sealed (a secret already sealed stays as it is). */
  private sealed(endpoint: Endpoint): Endpoint {
    if (!isClear(endpoint.secret)) return endpoint;
    return { ...endpoint, secret: this.secrets.seal(sealContext(endpoint.id), endpoint.secret) };
  }

  /** The endpoint as used: its secret opened (one stored in the clear by an earlier release as it is). */
  private opened(endpoint: Endpoint): Endpoint {
    if (isClear(endpoint.secret)) return endpoint;
    const secret = this.secrets.open(sealContext(endpoint.id), endpoint.secret);
    // Never says more: the stored value and the key stay out of messages.
    if (secret === null) throw new Error(`the signing secret of webhook endpoint ${endpoint.id} does not open with this VAULT_KEY (was it changed?)`);
    return { ...endpoint, secret };
  }
}

/** Secrets are issued as `whsec_…`; earlier releases stored them so, sealed ones never start so. */
function isClear(secret: string): boolean {
  return secret.startsWith('whsec_');
}

/** Where a sealed secret belongs: its endpoint, in a namespace no other sealed value uses. */
function sealContext(endpointId: string): string {
  return `webhook-endpoint:${endpointId}`;
}

function attemptsKey(endpointId: string): string {
  return `webhook-attempts:${endpointId}`;
}
