/**
 * CPU time the Redis server has used, from its own `INFO cpu` (user + system of the main thread and
 * its children), so the benchmark can show what a webhook turn costs the one Redis every gateway
 * process shares: the part of a call's cost that adding gateway processes does not spread.
 */
import type Redis from 'ioredis';

/** used_cpu_user + used_cpu_sys of an `INFO cpu` answer, in microseconds. */
export function redisCpuMicrosFromInfo(info: string): number {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:([0-9.]+)\\r?$`, 'm').exec(info);
    if (!match) throw new Error(`INFO cpu has no ${name}`);
    return Number(match[1]);
  };
  return Math.round((field('used_cpu_user') + field('used_cpu_sys')) * 1e6);
}

export async function redisCpuMicros(redis: Redis): Promise<number> {
  return redisCpuMicrosFromInfo(await redis.info('cpu'));
}
