/** A test gateway whose processor is Stripe, pointed at a loopback Stripe-shaped server: the set-up the Stripe suites share. */
import { FAKE_STRIPE_KEY, startFakeStripe, type FakeStripe } from './fakeStripe';
import { startTestGateway, type StoreKind, type TestGateway } from './harness';

type TestGatewayOptions = NonNullable<Parameters<typeof startTestGateway>[1]>;

/** A gateway on Redis can be slow to start on a busy machine; the suites' own tests keep jest's shorter limit. */
const START_DEADLINE_MS = 60_000;

export interface StripeGateway {
  fake: FakeStripe;
  tg: TestGateway;
}

/** The environment of a gateway that charges through Stripe at the fake's address; `extra` adds to it. */
export function stripeEnv(fake: FakeStripe, extra: Record<string, string> = {}): Record<string, string> {
  return { PROCESSOR: 'stripe', STRIPE_SECRET_KEY: FAKE_STRIPE_KEY, STRIPE_API_URL: fake.url, ...extra };
}

/**
 * Starts a fake Stripe and a gateway charging through it before all tests of the calling block, and
 * closes both after; `use` receives them before the block's own hooks run. `options` go to
 * startTestGateway, their `env` on top of Stripe's; given as a function they can use the fake (a
 * processor built on its URL).
 */
export function useStripeGateway(
  kind: StoreKind,
  options: TestGatewayOptions | ((fake: FakeStripe) => TestGatewayOptions),
  use: (opened: StripeGateway) => void,
): void {
  let opened: StripeGateway | undefined;
  beforeAll(async () => {
    const fake = await startFakeStripe();
    const chosen = typeof options === 'function' ? options(fake) : options;
    try {
      opened = { fake, tg: await startTestGateway(kind, { ...chosen, env: stripeEnv(fake, chosen.env) }) };
    } catch (error) {
      await fake.close();
      throw error;
    }
    use(opened);
  }, START_DEADLINE_MS);
  afterAll(async () => {
    await opened?.tg.close();
    await opened?.fake.close();
  });
}
