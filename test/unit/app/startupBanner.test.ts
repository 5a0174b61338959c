import { loadConfig } from '../../../src/config/config';
import { nextSteps } from '../../../src/app/startupBanner';

const STRIPE = { PROCESSOR: 'stripe', STRIPE_SECRET_KEY: 'sk_test_0123456789abcdefABCDEF', PUBLIC_BASE_URL: 'https://pay.example.com' };

describe('the startup banner on Stripe events', () => {
  it('names the URL to give Stripe and the events to subscribe to when the signing secret is set', () => {
    const lines = nextSteps(loadConfig({ ...STRIPE, STRIPE_WEBHOOK_SECRET: 'whsec_0123456789abcdefABCDEF' }));
    expect(lines).toContainEqual(expect.stringContaining('https://pay.example.com/webhooks/stripe in Stripe'));
    expect(lines.join('\n')).toContain('payment_intent.succeeded');
  });

  it('says the route answers 503 without it', () => {
    expect(nextSteps(loadConfig(STRIPE))).toContainEqual(
      'Stripe events: STRIPE_WEBHOOK_SECRET not set: https://pay.example.com/webhooks/stripe answers 503 (not configured)',
    );
  });

  it('says nothing of Stripe with another processor', () => {
    expect(nextSteps(loadConfig({})).join('\n')).not.toContain('Stripe');
  });
});
