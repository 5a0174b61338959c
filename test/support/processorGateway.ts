/**
 * A test gateway whose processor is a loopback stand-in (the Stripe-shaped server, or the HTTPS
 * connector's receiver), started before a suite's tests and closed after: the set-up the processor suites share.
 */
import { CONNECTOR_SECRET, startConnectorReceiver, type ConnectorReceiver } from './connectorReceiver';
import { FAKE_STRIPE_KEY, startFakeStripe, type FakeStripe } from './fakeStripe';
import { startTestGateway, type StoreKind, type TestGateway } from './harness';

type TestGatewayOptions = NonNullable<Parameters<typeof startTestGateway>[1]>;
/** startTestGateway's options; given as a function they can use the stand-in (a processor built on its URL). */
type OptionsOn<Server> = TestGatewayOptions | ((server: Server) => TestGatewayOptions);

/** A gateway on Redis can be slow to start on a busy machine; the suites' own tests keep jest's shorter limit. */
const START_DEADLINE_MS = 60_000;

interface StandIn {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the stand-in and a gateway on it before all tests of the calling block, and closes both after;
 * `use` receives them before the block's own hooks run. `envOf` is the environment that points the
 * gateway at the stand-in; the options' `env` goes on top of it.
 */
function useGatewayOn<Server extends StandIn>(
  start: () => Promise<Server>,
  envOf: (server: Server) => Record<string, string>,
  kind: StoreKind,
  options: OptionsOn<Server>,
  use: (server: Server, tg: TestGateway) => void,
): void {
  let opened: { server: Server; tg: TestGateway } | undefined;
  beforeAll(async () => {
    const server = await start();
    const chosen = typeof options === 'function' ? options(server) : options;
    try {
      opened = { server, tg: await startTestGateway(kind, { ...chosen, env: { ...envOf(server), ...chosen.env } }) };
    } catch (error) {
      await server.close();
      throw error;
    }
    use(opened.server, opened.tg);
  }, START_DEADLINE_MS);
  afterAll(async () => {
    await opened?.tg.close();
    await opened?.server.close();
  });
}

/** The environment of a gateway that charges through Stripe at the fake's address. */
export function stripeEnv(fake: FakeStripe): Record<string, string> {
  return { PROCESSOR: 'stripe', STRIPE_SECRET_KEY: FAKE_STRIPE_KEY, STRIPE_API_URL: fake.url };
}

/** A fake Stripe and a gateway charging through it, for the calling block (see useGatewayOn). */
export function useStripeGateway(kind: StoreKind, options: OptionsOn<FakeStripe>, use: (opened: { fake: FakeStripe; tg: TestGateway }) => void): void {
  useGatewayOn(startFakeStripe, stripeEnv, kind, options, (fake, tg) => use({ fake, tg }));
}

/** The environment of a gateway that charges through the HTTPS connector at the receiver's address. */
export function connectorEnv(receiver: ConnectorReceiver): Record<string, string> {
  return { PROCESSOR: 'connector', CONNECTOR_URL: receiver.url, CONNECTOR_SECRET };
}

/** A connector receiver and a gateway charging through it, for the calling block (see useGatewayOn). */
export function useConnectorGateway(
  kind: StoreKind,
  options: OptionsOn<ConnectorReceiver>,
  use: (opened: { receiver: ConnectorReceiver; tg: TestGateway }) => void,
): void {
  useGatewayOn(startConnectorReceiver, connectorEnv, kind, options, (receiver, tg) => use({ receiver, tg }));
}
