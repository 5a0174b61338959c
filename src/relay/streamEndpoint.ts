import type { IncomingMessage as HttpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { isTwilioSignature } from '../core/twilio/twilioSignature';
import type { Logger } from '../observability/logger';
import type { RelayRefusal } from '../observability/metrics';
import { readMessage, type IncomingMessage } from './streamMessages';
import { STREAM_PATH, TOKEN_PARAMETER, streamUrl } from './streamTwiml';
import type { StreamGrant, StreamTokens } from './streamTokens';

/** A stream whose handshake was signed and whose token was good: one leg of one bridge. */
export interface AdmittedStream {
  grant: StreamGrant;
  socket: WebSocket;
  streamSid: string;
  /** Messages that arrived while the token was being checked, in order. */
  early: IncomingMessage[];
  /** The connection under the WebSocket: corked around messages sent together, so they leave in one write. */
  transport: Corkable;
}

/** The part of a connection the relay uses to send several messages in one system call. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

export interface StreamEndpointDeps {
  instanceId: string;
  publicBaseUrl: string;
  /** Null outside production when unset: handshakes are then not checked (the gateway warns at start). */
  authToken: string | null;
  tokens: StreamTokens;
  logger: Logger;
  metrics: { relayStreamRefused(reason: RelayRefusal): void };
  /** How long a socket may take from the handshake to its `start`. */
  startDeadlineMs: number;
  /** Takes an admitted stream; false refuses it (its leg is already there, or its call is over). */
  admit(stream: AdmittedStream): boolean;
}

/** Close code for a stream refused by policy (RFC 6455 1008). */
const POLICY = 1008;
/** Messages held while a token is checked: Twilio sends 50 a second, the check takes a store round trip. */
const MAX_EARLY_MESSAGES = 100;
/**
 * The largest message a stream may send: a `media` message with the longest payload the relay takes
 * (4096 base64 characters, streamMessages.ts) is under 4.5 KB and a `start` under 1 KB. A larger one
 * closes the socket (1009) before it is buffered or parsed.
 */
export const MAX_STREAM_MESSAGE_BYTES = 8 * 1024;

/**
 * Per message, the socket does only what the relay needs: no compression (Twilio offers none, and it
 * must never be negotiated for audio sent fifty times a second), and no UTF-8 validation of text frames
 * (every message is read as JSON or by its fixed shape, and anything that is not exactly that is dropped,
 * so a bad byte sequence costs nothing more than a dropped message).
 */
export const STREAM_SOCKET_OPTIONS = { perMessageDeflate: false, skipUTF8Validation: true, maxPayload: MAX_STREAM_MESSAGE_BYTES } as const;

/**
 * The relay's WebSocket endpoint, on the HTTP server's `upgrade` event. A handshake must name this
 * process (`/relay/<instanceId>/stream`) and carry Twilio's signature over the wss:// URL; the
 * stream's `start` must carry a token that is taken from the store there and then (single use, bound
 * to one leg of one bridge, expiring). Anything else is refused and logged, never with its token.
 */
export function createStreamEndpoint(deps: StreamEndpointDeps) {
  const server = new WebSocketServer({ noServer: true, ...STREAM_SOCKET_OPTIONS });
  const expectedUrl = streamUrl(deps.publicBaseUrl, deps.instanceId);

  function refuse(reason: RelayRefusal, detail: Record<string, unknown> = {}): void {
    deps.metrics.relayStreamRefused(reason);
    deps.logger.warn('media stream refused', { reason, ...detail });
  }

  function reject(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  function awaitStart(socket: WebSocket, transport: Corkable): void {
    const early: IncomingMessage[] = [];
    let started = false;
    const deadline = setTimeout(() => {
      refuse('no_start');
      socket.close(POLICY, 'no start');
    }, deps.startDeadlineMs);
    const onClose = () => clearTimeout(deadline);
    socket.once('close', onClose);
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      const message = isBinary ? null : readMessage(data.toString());
      if (started) {
        if (message && early.length < MAX_EARLY_MESSAGES) early.push(message);
        return;
      }
      if (message?.event === 'connected') return;
      if (message?.event !== 'start') {
        clearTimeout(deadline);
        refuse('bad_message');
        socket.close(POLICY, 'start expected');
        return;
      }
      started = true;
      clearTimeout(deadline);
      void deps.tokens.consume(message.parameters[TOKEN_PARAMETER]).then(
        (grant) => {
          socket.off('message', onMessage);
          socket.off('close', onClose);
          if (socket.readyState !== WebSocket.OPEN) return;
          if (!grant || grant.instanceId !== deps.instanceId) {
            refuse('bad_token');
            socket.close(POLICY, 'invalid token');
          } else if (!deps.admit({ grant, socket, streamSid: message.streamSid, early, transport })) {
            refuse('leg_taken', { bridgeId: grant.bridgeId, leg: grant.leg });
            socket.close(POLICY, 'stream not expected');
          }
        },
        (error: unknown) => {
          deps.logger.error('could not check a stream token', { error: error instanceof Error ? error.name : typeof error });
          socket.close(1011, 'try again');
        },
      );
    };
    socket.on('message', onMessage);
  }

  return {
    /** The HTTP server's `upgrade` listener. */
    handleUpgrade(request: HttpRequest, socket: Duplex, head: Buffer): void {
      socket.on('error', () => socket.destroy());
      const path = (request.url ?? '').split('?')[0] ?? '';
      const named = STREAM_PATH.exec(path);
      if (!named || named[1] !== deps.instanceId) {
        // Another process's stream reached this one: the proxy does not route by the stream path.
        if (named) refuse('wrong_instance', { instanceId: named[1] });
        reject(socket, 404, 'Not Found');
        return;
      }
      const signature = request.headers['x-twilio-signature'];
      if (deps.authToken !== null && !isTwilioSignature(deps.authToken, typeof signature === 'string' ? signature : undefined, expectedUrl + (request.url ?? '').slice(path.length), {})) {
        refuse('bad_signature');
        reject(socket, 403, 'Forbidden');
        return;
      }
      server.handleUpgrade(request, socket, head, (ws) => {
        ws.on('error', () => undefined);
        awaitStart(ws, socket);
      });
    },
    /** Closes every socket still open. */
    close(): void {
      for (const client of server.clients) client.terminate();
      server.close();
    },
  };
}
