/**
 * A small HTTP and WebSocket proxy on loopback that spreads requests over several gateway processes as
 * a load balancer would: a path `/relay/<instanceId>/…` goes to the process with that instance name (as
 * the README tells operators to route relay streams), every other request goes to the next process in
 * turn. `routed` says where each request went, so a test can check where a call's legs landed.
 */
import http, { type IncomingMessage, type Server } from 'node:http';
import net, { type Socket } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ProxyTarget {
  /** The process's RELAY_INSTANCE_ID. */
  instanceId: string;
  /** Where the process listens, e.g. `http://127.0.0.1:4321`. */
  url: string;
}

export interface RoutedRequest {
  method: string;
  path: string;
  upgrade: boolean;
  instanceId: string;
}

export interface RoundRobinProxy {
  /** The proxy's own base URL: the fleet's public URL. */
  url: string;
  routed: RoutedRequest[];
  /** Sets the processes behind the proxy (they start after it, since they need its URL). */
  setTargets(targets: ProxyTarget[]): void;
  close(): Promise<void>;
}

const RELAY_PATH = /^\/relay\/([^/]+)\//;

export async function startRoundRobinProxy(): Promise<RoundRobinProxy> {
  let targets: ProxyTarget[] = [];
  let next = 0;
  const routed: RoutedRequest[] = [];
  const sockets = new Set<Socket | Duplex>();

  function pick(request: IncomingMessage, upgrade: boolean): ProxyTarget | null {
    if (targets.length === 0) return null;
    const path = request.url ?? '/';
    const named = RELAY_PATH.exec(path)?.[1];
    // A relay path naming no known process falls through to the spread, as an unmatched location would.
    const target = targets.find((t) => t.instanceId === named) ?? targets[next++ % targets.length]!;
    routed.push({ method: request.method ?? 'GET', path: path.split('?')[0]!, upgrade, instanceId: target.instanceId });
    return target;
  }

  const server: Server = http.createServer((request, response) => {
    const target = pick(request, false);
    if (!target) {
      response.writeHead(502).end();
      return;
    }
    const upstream = http.request(target.url + (request.url ?? '/'), { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => (response.headersSent ? response.destroy() : response.writeHead(502).end()));
    // A client that goes away (a closed event stream) closes the upstream request too.
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  });

  server.on('upgrade', (request: IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = pick(request, true);
    if (!target) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const { hostname, port } = new URL(target.url);
    const upstream = net.connect(Number(port), hostname, () => {
      // The handshake goes on as the client wrote it; from then on bytes flow both ways untouched.
      const lines = [`${request.method} ${request.url} HTTP/1.1`];
      for (let i = 0; i < request.rawHeaders.length; i += 2) lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    setTargets(list) {
      targets = [...list];
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
