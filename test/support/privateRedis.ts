/** Private redis-server processes (plain, Sentinel) on free loopback ports, for topology tests. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { eventually } from './eventually';

export interface PrivateRedis {
  port: number;
  child: ChildProcess;
  /** SIGKILLs the process unless it already ended, and waits for the exit. */
  stop(): Promise<void>;
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once a server on `port` answers PING; fails after `timeoutMs`. */
export async function waitForPing(port: number, timeoutMs = 5000): Promise<void> {
  await eventually(() => answersPing(port), timeoutMs, `a PING answer on port ${port}`);
}

async function answersPing(port: number): Promise<boolean> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    // A refused probe has ended already; ending it again arms ioredis's 2 s "socket still open" timer
    // on the closed socket, which kept the test process alive after the last test.
    if (probe.status !== 'end') probe.disconnect();
  }
}

function track(child: ChildProcess, port: number, cleanup?: () => void): PrivateRedis {
  const exited = once(child, 'exit');
  return {
    port,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      cleanup?.();
    },
  };
}

/**
 * A redis-server without persistence unless `args` (extra command-line options) turn it on; on
 * `port` when given, so a restart comes back where the clients expect it.
 */
export async function startRedisServer(args: string[] = [], port?: number): Promise<PrivateRedis> {
  port ??= await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore' });
  const redis = track(child, port);
  await waitForPing(port!).catch(async (error: unknown) => {
    await redis.stop();
    throw error;
  });
  return redis;
}

/** A Sentinel watching `masterPort` as `name` (quorum 1); it rewrites its config, so it gets a private folder. */
export async function startSentinel(name: string, masterPort: number): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'ccg-sentinel-'));
  const conf = path.join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  const sentinel = track(child, port, () => rmSync(dir, { recursive: true, force: true }));
  await waitForPing(port).catch(async (error: unknown) => {
    await sentinel.stop();
    throw error;
  });
  return sentinel;
}

/** A Redis Cluster of `size` primaries (no replicas), slots spread by redis-cli, ready to serve. */
export async function startRedisCluster(size = 3): Promise<{ nodes: PrivateRedis[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccg-cluster-'));
  const nodes: PrivateRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i += 1) {
      nodes.push(await startRedisServer(['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${i}.conf`), '--dir', dir]));
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 10_000 });
    for (const node of nodes) {
      const client = new Redis({ port: node.port, host: '127.0.0.1' });
      try {
        await eventually(async () => String(await client.cluster('INFO')).includes('cluster_state:ok'), 10_000, `cluster_state:ok on port ${node.port}`);
      } finally {
        client.disconnect();
      }
    }
    return { nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
