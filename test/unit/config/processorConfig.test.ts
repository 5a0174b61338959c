import { loadConfig } from '../../../src/config/config';
import { GOOD_PRODUCTION_ENV, problemsOf } from '../../support/configProblems';

const STRIPE_KEY = 'sk_test_0123456789abcdefABCDEF';
const SECRET = 'c'.repeat(40);


describe('choosing the processor', () => {
  it('defaults to the sandbox with no adapter settings', () => {
    expect(loadConfig({})).toMatchObject({ processor: { kind: 'sandbox', stripe: null, connector: null } });
  });

  it('takes PROCESSOR=stripe with a key, the optional descriptor and API URL', () => {
    const config = loadConfig({ PROCESSOR: 'stripe', STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_STATEMENT_DESCRIPTOR: 'ACME PHONE', STRIPE_API_URL: 'http://127.0.0.1:12111' });
    expect(config.processor.kind).toBe('stripe');
    expect(config.processor.stripe).toEqual({ secretKey: STRIPE_KEY, statementDescriptor: 'ACME PHONE', apiUrl: 'http://127.0.0.1:12111' });
  });

  it('takes PROCESSOR=connector with a URL, a secret and the 5 s default timeout', () => {
    const config = loadConfig({ PROCESSOR: 'connector', CONNECTOR_URL: 'https://pay.example.com/charge', CONNECTOR_SECRET: SECRET });
    expect(config.processor.connector).toEqual({ url: 'https://pay.example.com/charge', secret: SECRET, timeoutMs: 5000 });
  });

  it('refuses PROCESSOR=stripe without a key in one clear line', () => {
    expect(problemsOf({ PROCESSOR: 'stripe' })).toEqual(['STRIPE_SECRET_KEY: required when PROCESSOR=stripe']);
  });

  it('refuses PROCESSOR=connector without its URL and secret, one line each', () => {
    expect(problemsOf({ PROCESSOR: 'connector' })).toEqual(['CONNECTOR_URL: required when PROCESSOR=connector', 'CONNECTOR_SECRET: required when PROCESSOR=connector']);
  });

  it('refuses an unknown processor, naming the three', () => {
    expect(problemsOf({ PROCESSOR: 'paypal' })).toEqual(['PROCESSOR: must be one of: sandbox, stripe, connector']);
  });

  it.each([
    [{ PROCESSOR: 'stripe', STRIPE_SECRET_KEY: 'pk_test_0123456789abcdef' }, 'STRIPE_SECRET_KEY: must be a Stripe secret or restricted key'],
    [{ PROCESSOR: 'stripe', STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_STATEMENT_DESCRIPTOR: 'A'.repeat(23) }, 'STRIPE_STATEMENT_DESCRIPTOR: must be at most 22 characters'],
    [{ PROCESSOR: 'stripe', STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_STATEMENT_DESCRIPTOR: '12345' }, 'STRIPE_STATEMENT_DESCRIPTOR: must contain at least one letter'],
    [{ PROCESSOR: 'stripe', STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_API_URL: 'http://stripe-proxy.internal' }, 'STRIPE_API_URL: must be an https:// URL'],
    [{ PROCESSOR: 'stripe', STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_API_URL: 'https://proxy.example.com/stripe' }, 'STRIPE_API_URL: must be a scheme, host and optional port only'],
    [{ PROCESSOR: 'connector', CONNECTOR_URL: 'http://pay.example.com/charge', CONNECTOR_SECRET: SECRET }, 'CONNECTOR_URL: must be an https:// URL'],
    [{ PROCESSOR: 'connector', CONNECTOR_URL: 'https://pay.example.com', CONNECTOR_SECRET: 'short' }, 'CONNECTOR_SECRET: must be at least 32 characters'],
    [{ PROCESSOR: 'connector', CONNECTOR_URL: 'https://pay.example.com', CONNECTOR_SECRET: SECRET, CONNECTOR_TIMEOUT_MS: '5s' }, 'CONNECTOR_TIMEOUT_MS: must be a whole number'],
  ])('refuses %j', (env, problem) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('allows plain http only to loopback, and never in production', () => {
    expect(loadConfig({ PROCESSOR: 'connector', CONNECTOR_URL: 'http://127.0.0.1:9000/charge', CONNECTOR_SECRET: SECRET }).processor.kind).toBe('connector');
    const production = {
      ...GOOD_PRODUCTION_ENV,
      PROCESSOR: 'connector',
      CONNECTOR_URL: 'http://127.0.0.1:9000/charge',
      CONNECTOR_SECRET: SECRET,
    };
    expect(problemsOf(production)).toEqual([expect.stringMatching(/^CONNECTOR_URL: must be an https:\/\/ URL/)]);
  });

  describe('STRIPE_WEBHOOK_SECRET', () => {
    const WEBHOOK_SECRET = 'whsec_0123456789abcdefABCDEF0123456789';
    const productionStripe = { ...GOOD_PRODUCTION_ENV, PROCESSOR: 'stripe', STRIPE_SECRET_KEY: STRIPE_KEY };

    it('is taken when set, and null (the route answers 503) when not, outside production', () => {
      expect(loadConfig({ PROCESSOR: 'stripe', STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET }).processor.stripeWebhookSecret).toBe(WEBHOOK_SECRET);
      expect(loadConfig({ PROCESSOR: 'stripe', STRIPE_SECRET_KEY: STRIPE_KEY }).processor.stripeWebhookSecret).toBeNull();
    });

    it('production with PROCESSOR=stripe refuses to start without it, in one line', () => {
      expect(problemsOf(productionStripe)).toEqual([
        'STRIPE_WEBHOOK_SECRET: required when PROCESSOR=stripe and NODE_ENV=production (the signing secret whsec_… of the webhook endpoint)',
      ]);
      expect(loadConfig({ ...productionStripe, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET }).processor.stripeWebhookSecret).toBe(WEBHOOK_SECRET);
    });

    it('production with another processor does not ask for it', () => {
      expect(loadConfig(GOOD_PRODUCTION_ENV).processor.stripeWebhookSecret).toBeNull();
    });

    it('refuses a value that is not a signing secret (an API key pasted by mistake)', () => {
      expect(problemsOf({ PROCESSOR: 'stripe', STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_WEBHOOK_SECRET: STRIPE_KEY })).toEqual([
        "STRIPE_WEBHOOK_SECRET: must be the endpoint's signing secret from Stripe's dashboard (whsec_…)",
      ]);
    });
  });
});
