/**
 * Who may open a relay stream: a signed handshake to this process's stream path, then a `start` whose
 * token is good, unused and in time. Everything else is refused and logged without its token.
 */
import { bridgeIdFor } from '../../../src/agent/bridge/bridge';
import { newCallSid } from '../../support/harness';
import { ManualClock } from '../../support/payLinks';
import { DEADLINE_MS, startRelayRig, type RelayRig } from '../../support/relayCalls';
import { MediaStreamLeg, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from '../../support/twilioServer';
import { eventually } from '../../support/eventually';

jest.setTimeout(60_000);

let rig: RelayRig;
const clock = new ManualClock();

beforeAll(async () => {
  rig = await startRelayRig('memory', { env: { RELAY_INSTANCE_ID: 'gw-own' }, clock });
});

afterAll(async () => {
  await rig?.close();
});

const relay = () => rig.tg.gateway.relay;
const streamUrl = (instance = 'gw-own') => `${rig.tg.baseUrl.replace(/^http/, 'ws')}/relay/${instance}/stream`;

/** A fresh token for the caller leg of a new bridge, as the bridge webhook would write it. */
async function token(): Promise<string> {
  const callerCallSid = newCallSid();
  const twiml = await relay().streamTwiml({ id: bridgeIdFor(callerCallSid), callerCallSid }, 'caller');
  const found = /<Parameter name="token" value="([^"]+)"\/>/.exec(twiml);
  if (!found) throw new Error(`no token in ${twiml}`);
  return found[1]!;
}

function open(options: { token?: string; authToken?: string; url?: string }) {
  return MediaStreamLeg.open({
    url: options.url ?? streamUrl(),
    authToken: options.authToken ?? TEST_AUTH_TOKEN,
    accountSid: TEST_ACCOUNT_SID,
    callSid: newCallSid(),
    customParameters: options.token === undefined ? {} : { token: options.token },
  });
}

it('admits a signed stream with a good token, once', async () => {
  const good = await token();
  const before = relay().size;
  const leg = await open({ token: good });
  await eventually(async () => relay().size === before + 1, DEADLINE_MS, 'the stream to be admitted');
  expect(leg.isOpen).toBe(true);
  // The same token again: replayed.
  const replay = await open({ token: good });
  expect((await replay.closed).code).toBe(1008);
  expect(leg.isOpen).toBe(true);
  await leg.hangUp();
});

it('refuses unsigned handshakes and streams meant for another process', async () => {
  await expect(open({ token: await token(), authToken: 'not-the-twilio-auth-token-000' })).rejects.toThrow(/HTTP 403/);
  await expect(open({ token: await token(), url: streamUrl('gw-other') })).rejects.toThrow(/HTTP 404/);
});

it('closes streams with no token, an unknown token or a late one', async () => {
  expect((await (await open({})).closed).code).toBe(1008);
  expect((await (await open({ token: 'A'.repeat(43) })).closed).code).toBe(1008);
  const late = await token();
  clock.advance(121);
  expect((await (await open({ token: late })).closed).code).toBe(1008);
});

it('logs every refusal without its token', async () => {
  const refusals = rig.tg.logLines.filter((line) => line.includes('media stream refused'));
  expect(refusals.length).toBeGreaterThanOrEqual(6);
  for (const reason of ['bad_token', 'bad_signature', 'wrong_instance']) expect(refusals.some((line) => line.includes(reason))).toBe(true);
  expect(rig.tg.logLines.join('\n')).not.toMatch(/[A-Za-z0-9_-]{43}/);
});

it('closes a stream that sends a message larger than any Twilio sends (1009), before reading it', async () => {
  const leg = await open({ token: await token() });
  await eventually(async () => leg.isOpen, DEADLINE_MS, 'the stream to be open');
  // 9 KB: over the 8 KB limit, far under the 64 KB the socket took before.
  leg.takeSocket().send(JSON.stringify({ event: 'media', media: { payload: 'A'.repeat(9 * 1024) } }));
  expect((await leg.closed).code).toBe(1009);
});
