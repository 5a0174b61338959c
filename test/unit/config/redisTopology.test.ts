import { Cluster } from 'ioredis';
import Redis from 'ioredis';
import { loadConfig } from '../../../src/config/config';
import { createRedisClient } from '../../../src/adapters/store/redisClient';
import { GOOD_PRODUCTION_ENV, problemsOf } from '../../support/configProblems';

const { REDIS_URL: _redisUrl, ...PRODUCTION } = GOOD_PRODUCTION_ENV;


describe('REDIS_MODE and its servers', () => {
  it('defaults to one server at REDIS_URL, or to the memory store without it', () => {
    expect(loadConfig({}).redis.topology).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://r:6379' }).redis.topology).toEqual({ mode: 'single', url: 'redis://r:6379' });
    expect(loadConfig({ REDIS_MODE: ' ', REDIS_URL: 'redis://r:6379' }).redis.topology).toEqual({ mode: 'single', url: 'redis://r:6379' });
  });

  it('reads sentinels, the master name and optional credentials from REDIS_URL', () => {
    const config = loadConfig({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's1:26379, 10.0.0.2:26380,[::1]:26381', REDIS_SENTINEL_NAME: 'ccg-primary' });
    expect(config.redis.topology).toEqual({
      mode: 'sentinel',
      name: 'ccg-primary',
      url: null,
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
    });
  });

  it('reads cluster nodes', () => {
    expect(loadConfig({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'c1:7000,c2:7001' }).redis.topology).toEqual({
      mode: 'cluster',
      url: null,
      nodes: [
        { host: 'c1', port: 7000 },
        { host: 'c2', port: 7001 },
      ],
    });
  });

  it('names each problem on a line of its own', () => {
    expect(problemsOf({ REDIS_MODE: 'replica' })).toEqual(['REDIS_MODE: must be one of: single, sentinel, cluster']);
    expect(problemsOf({ REDIS_MODE: 'sentinel' })).toEqual([
      'REDIS_SENTINELS: required when REDIS_MODE=sentinel',
      'REDIS_SENTINEL_NAME: required when REDIS_MODE=sentinel (the master name the sentinels monitor)',
    ]);
    expect(problemsOf({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's1:26379,s2', REDIS_SENTINEL_NAME: 'a b' })).toEqual([
      'REDIS_SENTINELS: "s2" is not host:port (comma-separated list)',
      'REDIS_SENTINEL_NAME: letters, digits, dot, dash or underscore, at most 64',
    ]);
    expect(problemsOf({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'c1:70000' })).toEqual(['REDIS_CLUSTER_NODES: "c1:70000" is not host:port (comma-separated list)']);
    expect(problemsOf({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'c1:7000', REDIS_URL: 'redis://:pw@x/2' })).toEqual(['REDIS_URL: a Redis Cluster has only database 0']);
    expect(problemsOf({ REDIS_SENTINELS: 's1:26379', REDIS_CLUSTER_NODES: 'c1:7000' })).toEqual([
      'REDIS_SENTINELS: only used when REDIS_MODE=sentinel',
      'REDIS_CLUSTER_NODES: only used when REDIS_MODE=cluster',
    ]);
  });

  it('needs REDIS_URL in production only for a single server', () => {
    expect(problemsOf(PRODUCTION)).toEqual(['REDIS_URL: required when NODE_ENV=production']);
    expect(loadConfig({ ...PRODUCTION, REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'm' }).redis.topology?.mode).toBe('sentinel');
    expect(problemsOf({ ...PRODUCTION, REDIS_MODE: 'cluster' })).toEqual(['REDIS_CLUSTER_NODES: required when REDIS_MODE=cluster']);
  });
});

describe('createRedisClient', () => {
  it('builds a Sentinel client with the fail-fast options and the credentials of REDIS_URL', () => {
    const client = createRedisClient({
      mode: 'sentinel',
      name: 'm',
      sentinels: [{ host: '127.0.0.1', port: 1 }],
      url: 'rediss://app:s3cret@ignored:1/3',
    }) as Redis;
    try {
      expect(client).toBeInstanceOf(Redis);
      expect(client.status).toBe('wait');
      expect(client.options).toMatchObject({
        name: 'm',
        sentinels: [{ host: '127.0.0.1', port: 1 }],
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: 2000,
        username: 'app',
        password: 's3cret',
        db: 3,
        tls: {},
      });
    } finally {
      client.disconnect();
    }
  });

  it('builds a Cluster client without an offline queue and with bounded redirections', () => {
    const client = createRedisClient({ mode: 'cluster', nodes: [{ host: '127.0.0.1', port: 1 }], url: null }) as Cluster;
    try {
      expect(client).toBeInstanceOf(Cluster);
      expect(client.status).toBe('wait');
      expect(client.options).toMatchObject({
        enableOfflineQueue: false,
        maxRedirections: 6,
        redisOptions: { maxRetriesPerRequest: 1, commandTimeout: 2000 },
      });
    } finally {
      client.disconnect();
    }
  });
});
