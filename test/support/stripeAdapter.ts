/** The Stripe adapter on its own against the loopback Stripe-shaped server, for the suites that call it without a gateway. */
import { randomBytes } from 'node:crypto';
import { StripeProcessor } from '../../src/adapters/processors/stripeProcessor';
import { MemoryStore } from '../../src/adapters/store/memoryStore';
import { AesGcmVault } from '../../src/adapters/vault/aesGcmVault';
import { FAKE_STRIPE_KEY, startFakeStripe, type FakeStripe } from './fakeStripe';

export interface StripeAdapterRig {
  fake: FakeStripe;
  vault: AesGcmVault;
  stripe: StripeProcessor;
}

/**
 * Starts a fake Stripe for the calling block; before each test empties its request log and makes a fresh
 * vault (on a memory store, closed after the test) and a StripeProcessor on the fake with
 * `statementDescriptor`. `use` receives them before each test, ahead of the block's own hooks.
 */
export function useStripeAdapter(statementDescriptor: string | null, use: (rig: StripeAdapterRig) => void): void {
  let fake: FakeStripe | undefined;
  let store: MemoryStore | undefined;
  beforeAll(async () => {
    fake = await startFakeStripe();
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    fake!.requests.length = 0;
    store = new MemoryStore();
    const vault = new AesGcmVault(store, randomBytes(32));
    use({ fake: fake!, vault, stripe: new StripeProcessor(vault, { secretKey: FAKE_STRIPE_KEY, statementDescriptor, apiUrl: fake!.url, timeoutMs: 5000 }) });
  });
  afterEach(async () => {
    await store?.close();
  });
}
