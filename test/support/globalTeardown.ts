import type { ChildProcess } from 'node:child_process';

/** Stops the private redis-server that globalSetup may have started. */
export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __privateRedis?: ChildProcess }).__privateRedis;
  child?.kill('SIGTERM');
}
