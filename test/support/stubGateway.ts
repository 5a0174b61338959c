/**
 * A stand-in for the gateway's Twilio side, for tests of the Twilio-shaped server and of call control:
 * answers fixed TwiML per path, checks every webhook's `X-Twilio-Signature` and every stream
 * handshake's, and records what arrived. Loopback only.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import twilio from 'twilio';
import { WebSocketServer, type WebSocket } from 'ws';

export interface StubWebhook {
  path: string;
  method: string;
  params: Record<string, string>;
  /** The URL's query parameters (a POST's too: Twilio signs them with the URL). */
  query: Record<string, string>;
  signatureValid: boolean;
}

export interface StubSocket {
  url: string;
  signatureValid: boolean;
  socket: WebSocket;
  /** Every message the socket received, parsed. */
  messages: Array<Record<string, unknown>>;
}

export interface StubGateway {
  url: string;
  wsUrl: string;
  webhooks: StubWebhook[];
  sockets: StubSocket[];
  /** The TwiML answered at a path (any method); 404 elsewhere. */
  twiml: Map<string, string>;
  close(): Promise<void>;
}

export async function startStubGateway(authToken: string): Promise<StubGateway> {
  const webhooks: StubWebhook[] = [];
  const sockets: StubSocket[] = [];
  const twiml = new Map<string, string>();
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  let base = '';
  app.use((req, res) => {
    const params = (req.method === 'GET' ? {} : req.body) as Record<string, string>;
    const url = base + req.originalUrl;
    const signatureValid = twilio.validateRequest(authToken, req.get('x-twilio-signature') ?? '', url, params);
    webhooks.push({ path: req.path, method: req.method, params: req.method === 'GET' ? (req.query as Record<string, string>) : params, query: req.query as Record<string, string>, signatureValid });
    const answer = twiml.get(req.path);
    if (!signatureValid) return void res.status(403).send('bad signature');
    if (answer === undefined) return void res.status(404).send('no TwiML here');
    res.type('text/xml').send(answer);
  });
  const http: Server = createServer(app);
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    // Twilio signs the URL the TwiML named: the stub's streams are named wss:// and dialled as ws://.
    const url = `wss://127.0.0.1:${(http.address() as AddressInfo).port}${request.url ?? ''}`;
    const signature = request.headers['x-twilio-signature'];
    const entry: StubSocket = { url, signatureValid: typeof signature === 'string' && twilio.validateRequest(authToken, signature, url, {}), socket, messages: [] };
    socket.on('message', (data) => entry.messages.push(JSON.parse(String(data)) as Record<string, unknown>));
    sockets.push(entry);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    wsUrl: `wss://127.0.0.1:${port}`,
    webhooks,
    sockets,
    twiml,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Waits for a condition with a deadline, checking every 10 ms. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
