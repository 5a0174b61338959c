import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { eventually } from './eventually';

/**
 * The integration tests need a real Redis. Use REDIS_URL or the usual 127.0.0.1:6379; when neither
 * answers, start a private redis-server for this run so a fresh machine with the binary still passes.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) return;
  if (await reachable(6379)) return;
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('The tests need Redis: start one on 127.0.0.1:6379, set REDIS_URL, or install redis-server.');
  }
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
    detached: false,
  });
  await eventually(() => reachable(port), 5000, `the private redis-server on port ${port}`);
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  (globalThis as { __privateRedis?: typeof child }).__privateRedis = child;
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
