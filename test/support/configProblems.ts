import { ConfigError, loadConfig } from '../../src/config/config';

/** The problems a configuration is refused for; fails the test when it is accepted. */
export function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`configuration was accepted: ${JSON.stringify(env)}`);
}

/** A complete production environment that starts: tests change or remove one variable to see one rule. */
export const GOOD_PRODUCTION_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_ENV: 'production',
  TWILIO_AUTH_TOKEN: '0123456789abcdef0123456789abcdef',
  API_KEY: 'prod-api-key-0123456789abcdef',
  VAULT_KEY: Buffer.alloc(32, 9).toString('base64'),
  REDIS_URL: 'redis://redis.internal:6379',
  PUBLIC_BASE_URL: 'https://pay.example.com',
  PROCESSOR: 'sandbox',
});

export const REQUIRED_IN_PRODUCTION = ['TWILIO_AUTH_TOKEN', 'API_KEY', 'VAULT_KEY', 'REDIS_URL'];

/** What production refuses when nothing is set, in the order the lines are printed. */
export const PRODUCTION_WITH_NOTHING_SET = [
  ...REQUIRED_IN_PRODUCTION.map((name) => `${name}: required when NODE_ENV=production`),
  'PUBLIC_BASE_URL: required when NODE_ENV=production (the https:// URL Twilio calls)',
  'PROCESSOR: required when NODE_ENV=production (sandbox, stripe or connector)',
];
