import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Counts the requests a server is answering, and stops the server once they are all answered. */
export interface Drainer {
  /** True from the moment draining starts: readiness answers 503 so load balancers move away. */
  readonly draining: boolean;
  /** Requests being answered right now. */
  inFlight(): number;
  /**
   * Starts draining: keeps serving for `delayMs` (so load balancers see the 503 readiness and stop
   * routing here), then stops accepting connections and resolves once every request in flight is
   * answered or `timeoutMs` has passed, whichever comes first. Resolves true when nothing was cut.
   */
  drain(options: { delayMs: number; timeoutMs: number }): Promise<boolean>;
}

/** Attaches request tracking to `server`; call before the app handles requests. */
export function trackRequests(server: Server): Drainer {
  let active = 0;
  let draining = false;
  let settled: (() => void) | null = null;

  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    active += 1;
    // While draining, each answer closes its connection so keep-alive clients reconnect elsewhere.
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      active -= 1;
      if (active === 0 && settled) settled();
    });
  });

  return {
    get draining() {
      return draining;
    },
    inFlight: () => active,
    async drain({ delayMs, timeoutMs }) {
      draining = true;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const idle = new Promise<boolean>((resolve) => {
        if (active === 0) return resolve(true);
        settled = () => resolve(true);
        setTimeout(() => resolve(false), timeoutMs).unref();
      });
      const clean = await idle;
      // Answered requests may still hold keep-alive sockets open; nothing useful is left on them.
      server.closeAllConnections();
      await closed;
      return clean;
    },
  };
}
