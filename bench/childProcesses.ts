/** The benchmark's servers run as child processes, so the load generator does not share their event loop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A port the system says is free now, for a child to listen on. Ports drawn at random from a fixed
 * range fell inside the ephemeral range, where this process's own connections and servers (the
 * Twilio-shaped server listens on port 0) could already hold them: a child then failed with EADDRINUSE.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a script under Node (a .ts one through ts-node); its stderr shows in the benchmark's. */
export function startChild(script: string, env: Record<string, string>, nodeArgs: string[] = [], cwd?: string): ChildProcess {
  const loader = script.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...loader, script], {
    ...(cwd !== undefined && { cwd }),
    env: { ...process.env, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

/** SIGTERM, then SIGKILL after 15 s; resolves once the child has exited. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resolves once `url` answers 2xx; gives up after about 60 s (a loaded machine compiles the ts-node servers slowly). */
export async function waitForHealth(url: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet, or a request caught mid-start that will never be answered
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}
