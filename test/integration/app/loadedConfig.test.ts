import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../../src/config/config';
import { startGateway, type RunningGateway } from '../../../src/app/server';
import { REDIS_URL, STORE_KINDS } from '../../support/harness';

describe.each(STORE_KINDS)('a gateway started from a configuration already loaded (%s store)', (kind) => {
  let gateway: RunningGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it('runs on that configuration, generated keys included, rather than reading the environment again', async () => {
    // No API_KEY and no VAULT_KEY: both are generated once, by this load, and must be the ones that work.
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      FLOWS_DIR: 'flows',
      LOG_LEVEL: 'error',
      MERCHANT_NAME: 'Loaded Once Ltd',
      ...(kind === 'redis' ? { REDIS_URL, REDIS_KEY_PREFIX: `test:${randomBytes(6).toString('hex')}:` } : {}),
    });
    expect(config.generated.apiKey).toBeDefined();

    gateway = await startGateway({ config, host: '127.0.0.1', logStream: new PassThrough() });

    expect(gateway.config.apiKey).toBe(config.apiKey);
    expect(gateway.config.vaultKey.equals(config.vaultKey)).toBe(true);
    expect(gateway.config.generated).toEqual(config.generated);
    expect(gateway.config.links.merchantName).toBe('Loaded Once Ltd');
    expect(gateway.config.redis).toEqual(config.redis);
    // Port 0 asked the system for a port; the local public URL follows the one it gave.
    expect(gateway.config.http.publicBaseUrl).toBe(gateway.url);
    const res = await fetch(`${gateway.url}/api/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '1.00', currency: 'USD' }),
    });
    expect(res.status).toBe(201);
    const payment = (await res.json()) as { voiceUrl: string };
    expect(payment.voiceUrl.startsWith(`${gateway.url}/`)).toBe(true);
  });
});
