/**
 * A merchant's webhook endpoint on loopback: it verifies every delivery with the `standardwebhooks`
 * verifier and answers as the test plans (a status, a time-out, a request held open).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { TestGateway } from './harness';

export interface ReceivedDelivery {
  webhookId: string;
  raw: string;
  body: any;
  /** Whether the signature verified with the endpoint's secret (false before `secret` is set). */
  verified: boolean;
  /** The status answered; null for a request held or answered too late to count. */
  answered: number | null;
}

/** What to do with one request: answer a status, answer it after a wait, or hold it open until the receiver closes. */
export type Answer = number | { status: number; afterMs: number } | 'hold';

export interface WebhookReceiver {
  url: string;
  /** The endpoint's secret, once registered: deliveries are verified with it. */
  secret: string | null;
  received: ReceivedDelivery[];
  /** The next requests are answered so, in order; 200 once the plan runs out. */
  plan(...answers: Answer[]): void;
  /** Deliveries whose signature verified, as their bodies. */
  events(): any[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const planned: Answer[] = [];
  const held: ServerResponse[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    secret: null,
    received: [],
    plan: (...answers) => planned.push(...answers),
    events: () => receiver.received.filter((r) => r.verified).map((r) => r.body),
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let verified = false;
    if (receiver.secret) {
      try {
        new Webhook(receiver.secret).verify(raw, req.headers as Record<string, string>);
        verified = true;
      } catch {
        verified = false;
      }
    }
    const delivery: ReceivedDelivery = { webhookId: String(req.headers['webhook-id']), raw, body: JSON.parse(raw), verified, answered: null };
    receiver.received.push(delivery);
    const answer = planned.shift() ?? 200;
    if (answer === 'hold') {
      held.push(res);
      return;
    }
    const { status, afterMs } = typeof answer === 'number' ? { status: answer, afterMs: 0 } : answer;
    if (afterMs > 0) await new Promise((resolve) => setTimeout(resolve, afterMs));
    if (res.destroyed) return;
    delivery.answered = status;
    res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}

/** Starts a receiver and registers it on the gateway as the merchant's endpoint, with its secret, so that its deliveries verify. */
export async function startMerchantReceiver(tg: TestGateway): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver();
  const endpoint = await tg.api('POST', '/api/webhooks', { url: receiver.url, description: 'merchant' });
  if (endpoint.status !== 201) {
    await receiver.close();
    throw new Error(`registering the merchant's endpoint answered ${endpoint.status}: ${endpoint.text}`);
  }
  receiver.secret = endpoint.body.secret;
  return receiver;
}
