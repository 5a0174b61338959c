/**
 * Relay mode with two gateway processes on one Redis behind a round-robin proxy routed as the README
 * says (`/relay/<instanceId>/…` to its process, everything else spread): the Twilio-shaped server talks
 * only to the proxy. Both legs of a call land on the process that answered the caller; the agent
 * starts the capture and charges through the other process's panel, while the keys arrive on the
 * owner's sockets.
 */
import Redis from 'ioredis';
import { runAgentsCommand } from '../../../src/cli/agents';
import { signInAgent, openPanelStream, type BridgeRig, type PanelClient, type PanelStream } from '../../support/bridgeCalls';
import { CHILD_TEST_TIMEOUT_MS, type ChildGateway, fleetApi, fleetEnv, startChildGateway } from '../../support/childGateway';
import { eventually } from '../../support/eventually';
import { REDIS_URL, VAULT_KEY } from '../../support/harness';
import { AGENT, BRIDGE_NUMBER, CALLER_NUMBER, DEADLINE_MS, relayEnv, typeTones } from '../../support/relayCalls';
import { startRoundRobinProxy, type RoundRobinProxy } from '../../support/roundRobinProxy';
import { startTwilioServer, type TwilioServer } from '../../support/twilioServer';

const INSTANCES = ['gw-a', 'gw-b'] as const;
const VISA = '4242424242424242';
/** Short fields would match timestamps in the processes' logs; relayPanelCapture scans for those in one process. */
const SECRETS = [VISA, '424242424242'];

let proxy: RoundRobinProxy;
let twilio: TwilioServer;
let env: Record<string, string>;
const fleet = new Map<string, ChildGateway>();

beforeAll(async () => {
  proxy = await startRoundRobinProxy();
  twilio = await startTwilioServer();
  env = fleetEnv({ REDIS_URL, PUBLIC_BASE_URL: proxy.url, ...relayEnv(twilio.url) });
  const started = await Promise.all(INSTANCES.map((id) => startChildGateway({ ...env, RELAY_INSTANCE_ID: id })));
  INSTANCES.forEach((id, i) => fleet.set(id, started[i]!));
  proxy.setTargets(INSTANCES.map((id) => ({ instanceId: id, url: fleet.get(id)!.localUrl })));
}, CHILD_TEST_TIMEOUT_MS);

afterAll(async () => {
  await twilio?.close();
  await Promise.all([...fleet.values()].map((g) => g.kill()));
  await proxy?.close();
  if (env) {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});

/** Adds an agent to the fleet's store with the operators' own command; answers the key. */
async function addFleetAgent(name: string): Promise<string> {
  const out: string[] = [];
  const code = await runAgentsCommand(['add', name], { NODE_ENV: 'test', REDIS_URL, REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX, VAULT_KEY }, { out: (l) => out.push(l), err: () => undefined });
  if (code !== 0) throw new Error(`agents add ${name}: exit ${code}`);
  return out.find((line) => line.startsWith('ccga_'))!;
}

/** The panel of one process, reached directly: the browser's origin is still the fleet's public URL. */
function panelOf(gateway: ChildGateway): BridgeRig {
  return { tg: { gateway: { url: gateway.localUrl }, baseUrl: proxy.url } } as unknown as BridgeRig;
}

function lastPayment(stream: PanelStream, paymentId: string): any {
  return stream.events.filter((e) => e.name === 'payment' && e.data.paymentId === paymentId).at(-1)?.data;
}

it('runs a relayed call on the process that answered it while the other process’s panel starts, guides and charges the capture', async () => {
  const caller = twilio.incomingCall({ url: `${proxy.url}/voice/bridge`, from: CALLER_NUMBER, to: BRIDGE_NUMBER });
  const callerLeg = await caller.waitForStream(DEADLINE_MS);
  const agentCall = await twilio.waitForCall((call) => call.setup.to === AGENT, DEADLINE_MS, 'the agent leg');
  const agentLeg = await agentCall.waitForStream(DEADLINE_MS);

  // Both streams went through the proxy to the process that answered the caller's webhook.
  const answeredBy = proxy.routed.find((r) => r.path === '/voice/bridge')!.instanceId;
  const streams = proxy.routed.filter((r) => r.upgrade);
  expect(streams).toEqual([
    { method: 'GET', path: `/relay/${answeredBy}/stream`, upgrade: true, instanceId: answeredBy },
    { method: 'GET', path: `/relay/${answeredBy}/stream`, upgrade: true, instanceId: answeredBy },
  ]);
  const owner = fleet.get(answeredBy)!;
  const other = fleet.get(INSTANCES.find((id) => id !== answeredBy)!)!;

  const panel: PanelClient = await signInAgent(panelOf(other), await addFleetAgent('ana'));
  const stream = await openPanelStream(panelOf(other), panel.cookie);
  try {
    const bridgeId = await eventually(
      // The call came in before the panel opened: it is in the snapshot the stream starts with.
      () => stream.events.find((e) => e.name === 'snapshot')?.data.bridges[0]?.bridgeId as string | undefined,
      DEADLINE_MS,
      'the call on the other process’s panel',
    );
    const started = await panel.post(`/bridges/${bridgeId}/capture`, { amount: '47.50', currency: 'USD' });
    expect(started).toMatchObject({ status: 200, body: { ok: true } });
    const paymentId = started.body.paymentId as string;

    const ask = async (action: string, field: string) => {
      expect(await panel.post(`/bridges/${bridgeId}/actions/${action}`)).toMatchObject({ status: 200 });
      await eventually(() => lastPayment(stream, paymentId)?.asking === field, DEADLINE_MS, `the capture to ask for ${field}`);
    };
    const shows = (line: string) => eventually(() => lastPayment(stream, paymentId)?.lines.includes(line), DEADLINE_MS, `the panel to show "${line}"`);

    await ask('askCardNumber', 'cardNumber');
    await typeTones(callerLeg, `${VISA}#`, 30);
    await shows('Visa •••• 4242 — valid');
    // The owner's relay counted the keys; the other process's panel saw the count through Redis.
    expect(stream.events.some((e) => e.name === 'typing' && e.data.keys === 16)).toBe(true);
    await ask('askExpiry', 'expiry');
    await typeTones(callerLeg, '1230#', null);
    await shows('Expiry ✓');
    await ask('askSecurityCode', 'securityCode');
    await typeTones(callerLeg, '123#', 30);
    await shows('Security code ✓');

    expect(await panel.post(`/bridges/${bridgeId}/actions/charge`)).toMatchObject({ status: 200 });
    const paid = await eventually(
      async () => {
        const view = (await fleetApi(owner.localUrl, 'GET', `/api/payments/${paymentId}`)).body;
        return view.status === 'succeeded' ? view : null;
      },
      DEADLINE_MS,
      'the payment to succeed',
    );
    expect(paid).toMatchObject({ card: { brand: 'visa', last4: '4242' }, expiryCaptured: true, securityCodeCaptured: true });
    await eventually(() => /^Approved — reference /.test(lastPayment(stream, paymentId)?.summary ?? ''), DEADLINE_MS, 'the reference on the panel');

    await caller.hangUp();
    await agentLeg.closed;
    // No stream was refused anywhere: none reached the wrong process.
    for (const gateway of fleet.values()) expect(gateway.lines.filter((l) => l.includes('media stream refused'))).toEqual([]);
    const seen = [...owner.lines, ...other.lines, ...stream.raw].join('\n');
    for (const secret of SECRETS) expect(seen).not.toMatch(secret);
  } finally {
    stream.close();
  }
}, 120_000);
