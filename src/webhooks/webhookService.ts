import { randomBytes } from 'node:crypto';
import type { PaymentEventType } from '../core/payments/paymentEvents';
import type { Clock } from '../ports/clock';
import type { DeliveryAttempt, Endpoint, EndpointRepository } from './endpointRepository';
import { endpointUrlProblem, type ResolveHost } from './endpointUrl';

export interface NewEndpoint {
  url: string;
  events: PaymentEventType[];
  description: string | null;
}

export type RegisterOutcome = { ok: true; endpoint: Endpoint } | { ok: false; status: number; code: string; message: string };

/** An endpoint as listed: everything but its secret. */
export type EndpointView = Omit<Endpoint, 'secret'>;

/** A merchant may register this many endpoints. */
export const MAX_ENDPOINTS = 20;

/** Registers, lists and removes merchant endpoints; each gets a secret of its own. */
export class WebhookService {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly clock: Clock,
    private readonly rules: { production: boolean; resolve: ResolveHost },
  ) {}

  async register(input: NewEndpoint): Promise<RegisterOutcome> {
    const problem = await endpointUrlProblem(input.url, this.rules);
    if (problem) return { ok: false, status: 400, code: 'invalid_url', message: `url: ${problem}.` };
    const endpoint: Endpoint = {
      id: `we_${randomBytes(12).toString('hex')}`,
      url: input.url,
      events: input.events,
      description: input.description,
      // 24 random bytes, as Standard Webhooks' own libraries generate.
      secret: `whsec_${randomBytes(24).toString('base64')}`,
      createdAt: this.clock.now().toISOString(),
    };
    if (!(await this.endpoints.add(endpoint, MAX_ENDPOINTS))) {
      return { ok: false, status: 409, code: 'too_many_endpoints', message: `At most ${MAX_ENDPOINTS} endpoints; delete one first.` };
    }
    return { ok: true, endpoint };
  }

  async list(): Promise<EndpointView[]> {
    return (await this.endpoints.list()).map(withoutSecret);
  }

  async get(id: string): Promise<EndpointView | null> {
    const endpoint = await this.endpoints.get(id);
    return endpoint ? withoutSecret(endpoint) : null;
  }

  remove(id: string): Promise<boolean> {
    return this.endpoints.remove(id);
  }

  /** The endpoint's latest attempts, newest first; null when there is no such endpoint. */
  async deliveries(id: string, limit: number): Promise<DeliveryAttempt[] | null> {
    if (!(await this.endpoints.get(id))) return null;
    return this.endpoints.attempts(id, limit);
  }
}

export function withoutSecret({ secret: _secret, ...view }: Endpoint): EndpointView {
  return view;
}
