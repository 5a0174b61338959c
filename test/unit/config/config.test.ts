import { ConfigError, loadConfig } from '../../../src/config/config';
import { GOOD_PRODUCTION_ENV, PRODUCTION_WITH_NOTHING_SET, REQUIRED_IN_PRODUCTION, problemsOf } from '../../support/configProblems';

const GOOD_PRODUCTION: Record<string, string> = { ...GOOD_PRODUCTION_ENV };

describe('loadConfig', () => {
  it('fills every optional setting with its default', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      http: { port: 3000, publicBaseUrl: 'http://localhost:3000' },
      logLevel: 'info',
      twilio: { authToken: null, accountSid: null, apiUrl: 'https://api.twilio.com' },
      redis: { topology: null, keyPrefix: 'ccg:' },
      processor: { kind: 'sandbox', sandbox: { latencyMs: 0 }, timeoutMs: 8000, holdLimitSeconds: 45, reconcileIntervalMs: 5000 },
      bridge: { agentDial: null },
      flows: { dir: 'flows', defaultFlow: 'default' },
      ttl: { paymentSeconds: 86_400, sessionSeconds: 7200, vaultSeconds: 1800 },
    });
  });

  it('keeps the conference unless the relay is asked for, and names each process for the relay’s stream URLs', () => {
    expect(loadConfig({}).bridge.media).toBe('conference');
    expect(loadConfig({}).bridge.relayInstanceId).toMatch(/^gw-[0-9a-f]{8}$/);
    expect(loadConfig({ BRIDGE_MEDIA: 'relay', RELAY_INSTANCE_ID: 'east-1' }).bridge).toMatchObject({ media: 'relay', relayInstanceId: 'east-1' });
    expect(problemsOf({ BRIDGE_MEDIA: 'hold' })).toEqual(['BRIDGE_MEDIA: must be conference or relay']);
    expect(problemsOf({ RELAY_INSTANCE_ID: 'East/1' })).toEqual(['RELAY_INSTANCE_ID: must be 1 to 40 lowercase letters, digits or dashes']);
    expect(problemsOf({ BRIDGE_MEDIA: 'relay', CALL_CONTROL: 'fake' })).toEqual(['BRIDGE_MEDIA: relay places the agent’s call itself: it needs CALL_CONTROL=twilio']);
  });

  it('reads the environment it is given rather than the process one', () => {
    expect(loadConfig({ PORT: '4321' }).http.port).toBe(4321);
    expect(loadConfig({}).http.port).toBe(3000);
  });

  it('follows PORT in the default public URL', () => {
    expect(loadConfig({ PORT: '8080' }).http.publicBaseUrl).toBe('http://localhost:8080');
  });

  it('trims trailing slashes from PUBLIC_BASE_URL, since voice URLs are appended to it', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://pay.example.com/' }).http.publicBaseUrl).toBe('https://pay.example.com');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://pay.example.com/gw//' }).http.publicBaseUrl).toBe('https://pay.example.com/gw');
  });

  it('treats blank values as unset', () => {
    const config = loadConfig({ PORT: '', TWILIO_ACCOUNT_SID: '  ', REDIS_URL: '' });
    expect(config.http.port).toBe(3000);
    expect(config.twilio.accountSid).toBeNull();
    expect(config.redis.topology).toBeNull();
  });

  it('returns a frozen object, generated secrets included', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.generated)).toBe(true);
    expect(() => {
      (config as { env: string }).env = 'production';
    }).toThrow(TypeError);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.http.port).toBe(3000);
  });

  it('freezes every section, down to its lists, so no part of the running gateway can change another part\'s settings', () => {
    const config = loadConfig({
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: 's1:26379,s2:26379',
      REDIS_SENTINEL_NAME: 'ccg-primary',
      PROCESSOR: 'connector',
      CONNECTOR_URL: 'https://pay.example.com/charge',
      CONNECTOR_SECRET: 'c'.repeat(40),
    });
    for (const section of ['http', 'twilio', 'redis', 'processor', 'bridge', 'flows', 'ttl', 'links', 'operations', 'audit'] as const) {
      expect([section, typeof config[section], Object.isFrozen(config[section])]).toEqual([section, 'object', true]);
    }
    expect(Object.isFrozen(config.http.trustProxy)).toBe(true);
    expect(Object.isFrozen(config.redis.topology)).toBe(true);
    expect(config.redis.topology?.mode === 'sentinel' && Object.isFrozen(config.redis.topology.sentinels)).toBe(true);
    expect(Object.isFrozen(config.processor.connector)).toBe(true);
    expect(Object.isFrozen(config.processor.sandbox)).toBe(true);
  });

  describe('in production', () => {
    it('refuses to start with nothing set, naming each required variable on its own line', () => {
      let error: unknown;
      try {
        loadConfig({ NODE_ENV: 'production' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const { problems, message } = error as ConfigError;
      expect(problems).toEqual(PRODUCTION_WITH_NOTHING_SET);
      const lines = message.split('\n');
      expect(lines).toHaveLength(PRODUCTION_WITH_NOTHING_SET.length + 1);
      for (const name of [...REQUIRED_IN_PRODUCTION, 'PUBLIC_BASE_URL', 'PROCESSOR']) {
        expect(lines.filter((l) => l.startsWith(`- ${name}:`))).toHaveLength(1);
      }
    });

    it('counts a blank secret as missing', () => {
      expect(problemsOf({ ...GOOD_PRODUCTION, API_KEY: '   ' })).toEqual(['API_KEY: required when NODE_ENV=production']);
    });

    it('reports malformed and missing values together, so one deploy fixes them all', () => {
      const problems = problemsOf({ NODE_ENV: 'production', REDIS_URL: 'localhost', VAULT_KEY: 'short', PORT: 'x' });
      expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['API_KEY', 'PORT', 'PROCESSOR', 'PUBLIC_BASE_URL', 'REDIS_URL', 'TWILIO_AUTH_TOKEN', 'VAULT_KEY']);
    });

    it('refuses a plain http public URL, since Twilio would post the card digits to it in clear text', () => {
      expect(problemsOf({ ...GOOD_PRODUCTION, PUBLIC_BASE_URL: 'http://pay.example.com' })).toEqual([
        'PUBLIC_BASE_URL: must be https:// when NODE_ENV=production (Twilio posts the keypad digits to it)',
      ]);
      expect(problemsOf({ ...GOOD_PRODUCTION, PUBLIC_BASE_URL: 'http://localhost:3000' })).toHaveLength(1);
      expect(loadConfig({ ...GOOD_PRODUCTION, PUBLIC_BASE_URL: 'https://pay.example.com/gw/' }).http.publicBaseUrl).toBe('https://pay.example.com/gw');
    });

    it('needs a public URL rather than assuming the http localhost default', () => {
      const { PUBLIC_BASE_URL: _omitted, ...env } = GOOD_PRODUCTION;
      expect(problemsOf(env)).toEqual(['PUBLIC_BASE_URL: required when NODE_ENV=production (the https:// URL Twilio calls)']);
      expect(problemsOf({ ...env, PUBLIC_BASE_URL: '  ' })).toHaveLength(1);
    });

    it('reports a malformed public URL once, not also as not https', () => {
      expect(problemsOf({ ...GOOD_PRODUCTION, PUBLIC_BASE_URL: 'not a url' })).toEqual(['PUBLIC_BASE_URL: must be an absolute http(s) URL']);
    });

    it('needs the processor named, even the sandbox, rather than falling back to it silently', () => {
      const { PROCESSOR: _omitted, ...env } = GOOD_PRODUCTION;
      expect(problemsOf(env)).toEqual(['PROCESSOR: required when NODE_ENV=production (sandbox, stripe or connector)']);
      expect(loadConfig({ ...env, PROCESSOR: 'sandbox' }).processor.kind).toBe('sandbox');
      // Outside production the sandbox is still the default.
      expect(loadConfig({}).processor.kind).toBe('sandbox');
    });

    it('refuses the call bridge without Twilio credentials instead of using the in-memory call control', () => {
      const bridged: Record<string, string> = { ...GOOD_PRODUCTION, AGENT_DIAL: '+14155550100' };
      expect(problemsOf(bridged)).toEqual([
        'TWILIO_ACCOUNT_SID: required when AGENT_DIAL is set and NODE_ENV=production (the call bridge moves live calls through Twilio)',
      ]);
      const { TWILIO_AUTH_TOKEN: _omitted, ...noToken } = bridged;
      expect(problemsOf({ ...noToken, TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}` })).toEqual(['TWILIO_AUTH_TOKEN: required when NODE_ENV=production']);
      expect(problemsOf(noToken)).toEqual([
        'TWILIO_AUTH_TOKEN: required when NODE_ENV=production',
        'TWILIO_ACCOUNT_SID: required when AGENT_DIAL is set and NODE_ENV=production (the call bridge moves live calls through Twilio)',
      ]);
      const config = loadConfig({ ...bridged, TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}` });
      expect(config.bridge.callControl).toBe('twilio');
      // Without an agent to dial the bridge is inert, so credentials stay optional.
      expect(loadConfig(GOOD_PRODUCTION).bridge.agentDial).toBeNull();
    });

    it('refuses a relay without Twilio credentials: it places the agent’s call itself', () => {
      const relayed: Record<string, string> = { ...GOOD_PRODUCTION, BRIDGE_MEDIA: 'relay', AGENT_DIAL: 'client:agent' };
      expect(problemsOf(relayed)).toEqual([
        'TWILIO_ACCOUNT_SID: required when BRIDGE_MEDIA=relay and NODE_ENV=production (the call bridge moves live calls through Twilio)',
      ]);
      const config = loadConfig({ ...relayed, TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, RELAY_INSTANCE_ID: 'gw-a' });
      expect(config.bridge).toMatchObject({ media: 'relay', callControl: 'twilio', relayInstanceId: 'gw-a' });
    });

    it('never generates a secret', () => {
      const config = loadConfig(GOOD_PRODUCTION);
      expect(config.generated).toEqual({});
      expect(config.apiKey).toBe(GOOD_PRODUCTION.API_KEY);
      expect(config.vaultKey.equals(Buffer.alloc(32, 9))).toBe(true);
      expect(config.twilio.authToken).toBe(GOOD_PRODUCTION.TWILIO_AUTH_TOKEN);
      expect(config.redis.topology?.url).toBe(GOOD_PRODUCTION.REDIS_URL);
    });
  });

  describe('malformed values are named', () => {
    it.each<[string, string, RegExp]>([
      ['PORT', 'x', /whole number/],
      ['PORT', '70000', /65535/],
      ['VAULT_KEY', Buffer.alloc(16, 1).toString('base64'), /32 bytes/],
      ['VAULT_KEY', Buffer.alloc(32, 1).toString('hex'), /32 bytes/],
      ['REDIS_URL', 'localhost', /redis:\/\//],
      ['TWILIO_ACCOUNT_SID', 'junk', /AC followed by 32 hex digits/],
      ['TWILIO_AUTH_TOKEN', 'short', /too short/],
      ['API_KEY', 'tiny', /24 characters/],
      ['AGENT_DIAL', 'junk', /E\.164/],
      ['PUBLIC_BASE_URL', 'ftp://x', /http\(s\)/],
      ['TWILIO_API_URL', 'api.twilio.com', /absolute http\(s\) URL/],
      ['TWILIO_API_URL', 'ws://127.0.0.1:4010', /absolute http\(s\) URL/],
      ['NODE_ENV', 'prod', /development, production or test/],
      ['LOG_LEVEL', 'loud', /.+/],
      ['PAYMENT_TTL_SECONDS', '10', /.+/],
      // Shorter than a webhook's own wait for the processor would cut the first hold short.
      ['PROCESSOR_HOLD_LIMIT_SECONDS', '10', /15/],
      ['PROCESSOR_HOLD_LIMIT_SECONDS', '45s', /whole number/],
      ['RECONCILE_INTERVAL_MS', '0', /100/],
    ])('%s=%j', (name, value, reason) => {
      const problems = problemsOf({ [name]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name}: `));
      expect(problems[0]!.slice(name.length + 2)).toMatch(reason);
    });

    it('does not repeat a secret value in the problem it reports', () => {
      const secret = 'short-token-xyz';
      const problems = problemsOf({ TWILIO_AUTH_TOKEN: secret, API_KEY: 'tiny-api-key-q' });
      expect(problems.join('\n')).not.toContain(secret);
      expect(problems.join('\n')).not.toContain('tiny-api-key-q');
    });

    it('accepts well-formed optional values', () => {
      const config = loadConfig({
        TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
        AGENT_DIAL: '+14155550100',
        REDIS_URL: 'rediss://user:pw@redis.example.com:6380/2',
        PORT: '0',
      });
      expect(config.twilio.accountSid).toBe(`AC${'a'.repeat(32)}`);
      expect(config.bridge.agentDial).toBe('+14155550100');
      expect(config.redis.topology?.url).toBe('rediss://user:pw@redis.example.com:6380/2');
      expect(config.http.port).toBe(0);
      for (const dial of ['sip:agent@pbx.example.com', 'client:agent_1']) expect(loadConfig({ AGENT_DIAL: dial }).bridge.agentDial).toBe(dial);
    });
  });

  describe('in development', () => {
    it('generates an API key and a 32-byte vault key, and reports them in `generated`', () => {
      const config = loadConfig({ NODE_ENV: 'development' });
      expect(config.apiKey.length).toBeGreaterThanOrEqual(24);
      expect(config.vaultKey).toHaveLength(32);
      expect(config.generated.apiKey).toBe(config.apiKey);
      expect(config.generated.vaultKey).toBe(config.vaultKey.toString('base64'));
      expect(Buffer.from(config.generated.vaultKey!, 'base64')).toHaveLength(32);
    });

    it('generates fresh secrets on every start', () => {
      const a = loadConfig({});
      const b = loadConfig({});
      expect(a.apiKey).not.toBe(b.apiKey);
      expect(a.vaultKey.equals(b.vaultKey)).toBe(false);
    });

    it('generates only what is missing', () => {
      const apiKey = 'dev-api-key-0123456789abcdef';
      const config = loadConfig({ API_KEY: apiKey });
      expect(config.apiKey).toBe(apiKey);
      expect(config.generated.apiKey).toBeUndefined();
      expect(config.generated.vaultKey).toBeDefined();
    });

    it('leaves the Twilio auth token unset rather than inventing one', () => {
      expect(loadConfig({}).twilio.authToken).toBeNull();
    });
  });
});

describe('TWILIO_API_URL', () => {
  it('points call control at a local Twilio-shaped server, without a trailing slash', () => {
    expect(loadConfig({ TWILIO_API_URL: 'http://127.0.0.1:4010/' }).twilio.apiUrl).toBe('http://127.0.0.1:4010');
  });

  it('must be https:// in production, since every request carries the Twilio credentials', () => {
    expect(problemsOf({ ...GOOD_PRODUCTION, TWILIO_API_URL: 'http://twilio.internal' })).toEqual([
      'TWILIO_API_URL: must be https:// when NODE_ENV=production (requests carry the Twilio credentials)',
    ]);
    expect(loadConfig({ ...GOOD_PRODUCTION, TWILIO_API_URL: 'https://twilio-proxy.internal' }).twilio.apiUrl).toBe('https://twilio-proxy.internal');
    expect(loadConfig(GOOD_PRODUCTION).twilio.apiUrl).toBe('https://api.twilio.com');
  });

  it('reports a malformed URL in production once, not also as not https', () => {
    expect(problemsOf({ ...GOOD_PRODUCTION, TWILIO_API_URL: 'not a url' })).toEqual(['TWILIO_API_URL: must be an absolute http(s) URL']);
  });
});

describe('loadConfig, one line per problem', () => {
  it('reports a value that breaks two rules once', () => {
    expect(problemsOf({ PUBLIC_BASE_URL: 'not a url' })).toEqual(['PUBLIC_BASE_URL: must be an absolute http(s) URL']);
  });

  it('refuses a vault key with characters outside base64, even when the rest decodes to 32 bytes', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    expect(() => loadConfig({ VAULT_KEY: key })).not.toThrow();
    expect(problemsOf({ VAULT_KEY: `${key}$$$` })).toEqual([expect.stringMatching(/^VAULT_KEY: /)]);
  });
});
