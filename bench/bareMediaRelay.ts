/**
 * The relay benchmark's baseline: the least a Media Streams relay can do. Each socket says in its
 * `start` which call and which leg it is (the `call` and `leg` parameters); from then on every `media`
 * message is read as JSON and sent on to the other leg of the same call with that leg's streamSid, in
 * both directions. No signature or token check, no decoding, no delay, no tone masking, no marks: what
 * is left is the cost of the sockets and the messages themselves.
 */
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { STREAM_SOCKET_OPTIONS } from '../src/relay/streamEndpoint';

interface Leg {
  socket: WebSocket;
  streamSid: string;
}

const port = Number(process.env.PORT ?? 3002);
const calls = new Map<string, { caller?: Leg; agent?: Leg }>();

const http = createServer((request, response) => {
  response.writeHead(request.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' }).end('{"status":"ok"}');
});
// The gateway's own socket options (no compression, no UTF-8 validation of text frames, an 8 KB message
// limit): the transport belongs to the baseline, so both relays get the same one.
const server = new WebSocketServer({ server: http, ...STREAM_SOCKET_OPTIONS });

server.on('connection', (socket) => {
  let callId = '';
  let leg: 'caller' | 'agent' | null = null;
  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as {
      event: string;
      streamSid?: string;
      start?: { customParameters?: Record<string, string> };
      media?: { payload: string };
    };
    if (message.event === 'start') {
      callId = message.start?.customParameters?.call ?? '';
      leg = message.start?.customParameters?.leg === 'agent' ? 'agent' : 'caller';
      const call = calls.get(callId) ?? {};
      call[leg] = { socket, streamSid: message.streamSid ?? '' };
      calls.set(callId, call);
    } else if (message.event === 'media' && leg && message.media) {
      const other = calls.get(callId)?.[leg === 'caller' ? 'agent' : 'caller'];
      if (other && other.socket.readyState === WebSocket.OPEN) {
        other.socket.send(`{"event":"media","streamSid":"${other.streamSid}","media":{"payload":"${message.media.payload}"}}`);
      }
    }
  });
  socket.on('close', () => {
    const call = calls.get(callId);
    if (!call || !leg) return;
    delete call[leg];
    if (!call.caller && !call.agent) calls.delete(callId);
  });
});

http.listen(port, '127.0.0.1');
// The benchmark stops its servers with SIGTERM: exiting normally lets `node --cpu-prof` write this one's profile too.
process.on('SIGTERM', () => process.exit(0));
