import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type Redis from 'ioredis';
import { RedisStore, connectRedis } from '../../../src/adapters/store/redisStore';

/** A random port in 20000-40000 that nothing is listening on right now. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
  }
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('connectRedis fails fast instead of queueing', () => {
  let server: ChildProcess | undefined;
  let client: Redis | undefined;

  afterAll(async () => {
    await kill(server);
    client?.disconnect();
  });

  it('rejects a command within 3 s once the Redis server dies', async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    // connectRedis keeps retrying until the child is listening, so no readiness probe is needed.
    client = await connectRedis(`redis://127.0.0.1:${port}`);
    const store = new RedisStore(client, 'failfast:');
    await store.set('alive', 'yes', 30);
    expect(await store.get('alive')).toEqual({ value: 'yes', version: 1 });

    await kill(server);

    const started = Date.now();
    await expect(store.get('alive')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('rejects within the timeout when nothing listens, naming the URL but not its password', async () => {
    const port = await freePort();
    const started = Date.now();
    const attempt = connectRedis(`redis://:hunter2-secret@127.0.0.1:${port}/0`, { connectTimeoutMs: 1000 });
    const error: unknown = await attempt.catch((err: unknown) => err);
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).not.toContain('hunter2-secret');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(1500);
  });
});
