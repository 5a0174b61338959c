import { cardKeys, STORE_KINDS, type StoreKind, type TestCall } from '../../support/harness';
import { eventually } from '../../support/eventually';
import { lastRedirect, openBridge, startBridgeRig, type BridgeRig } from '../../support/bridgeCalls';

jest.setTimeout(30_000);

const VISA = '4242424242424242';
const HOLD_LINE = 'Please hold while your card number is checked';
const MUSIC = 'https://music.example.test/hold.mp3';

/** A bridged caller moved into the capture, who has just typed the card number. */
async function holdingForTheAgent(rig: BridgeRig, caller: TestCall): Promise<{ bridgeId: string; paymentId: string }> {
  const bridgeId = await openBridge(rig, caller);
  const started = await rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '12.34', currency: 'USD' });
  const paymentId = (started as { paymentId: string }).paymentId;
  await caller.start(lastRedirect(rig.control, caller.callSid));
  await caller.press(`${VISA}#`);
  return { bridgeId, paymentId };
}

function verbs(twiml: string): string[] {
  return [...twiml.matchAll(/<(Say|Pause|Play|Redirect|Hangup|Gather)\b/g)].map((m) => m[1]!);
}

describe.each(STORE_KINDS)('a bridged caller holding for the agent (%s store)', (kind: StoreKind) => {
  describe('without hold music', () => {
    let rig: BridgeRig;
    beforeEach(async () => {
      rig = await startBridgeRig(kind);
    });
    afterEach(async () => {
      await rig.close();
    });

    it('hears "please hold" once, then quiet pauses on every check, and moves on as soon as the agent confirms', async () => {
      const caller = rig.tg.call();
      const { bridgeId } = await holdingForTheAgent(rig, caller);
      expect(caller.says()).toEqual([expect.stringContaining(HOLD_LINE)]);
      expect(verbs(caller.twiml)).toEqual(['Say', 'Pause', 'Redirect']);
      const pollUrl = caller.redirectUrl();
      expect(pollUrl).toContain('poll=1');

      for (let check = 0; check < 3; check += 1) {
        await caller.followRedirect();
        expect(caller.says()).toEqual([]);
        expect(verbs(caller.twiml)).toEqual(['Pause', 'Redirect']);
        expect(caller.redirectUrl()).toBe(pollUrl);
      }

      await expect(rig.tg.gateway.bridges.agentAction(bridgeId, 'confirmed')).resolves.toMatchObject({ ok: true });
      // The agent's answer moves the caller at once, whatever they are listening to.
      const moved = lastRedirect(rig.control, caller.callSid);
      expect(new URL(moved).pathname).toBe('/voice/capture');
      await caller.start(moved);
      expect(caller.saysText()).toContain('expiration date');
    });

    it('is put back with the agent after an approval without hearing goodbye', async () => {
      const caller = rig.tg.call();
      const { bridgeId, paymentId } = await holdingForTheAgent(rig, caller);
      await rig.tg.gateway.bridges.agentAction(bridgeId, 'confirmed');
      await caller.start(lastRedirect(rig.control, caller.callSid));
      const [, expiry, code] = cardKeys(VISA, 'visa');
      await caller.press(expiry!);
      await caller.press(code!);
      await caller.press('1');
      expect(caller.saysText()).toContain('reference number');
      await caller.silence();
      expect((await rig.tg.getPayment(paymentId)).status).toBe('succeeded');
      expect(caller.saysText()).not.toMatch(/goodbye/i);
      expect(caller.saysText()).toContain('Returning you to your agent');
      expect(verbs(caller.twiml).slice(-1)).toEqual(['Redirect']);
      expect(caller.hasHangup()).toBe(false);
      expect(caller.redirectUrl()).toBe(`${rig.tg.baseUrl}/voice/bridge/rejoin?bridge=${bridgeId}`);
      await eventually(async () => (await rig.tg.gateway.bridges.get(bridgeId))?.state === 'connected', 3000, 'the bridge to reconnect');
    });

    it('is put back with the agent after a final decline without hearing goodbye', async () => {
      const caller = rig.tg.call();
      const bridgeId = await openBridge(rig, caller);
      await rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '5.00', currency: 'USD' });
      await caller.start(lastRedirect(rig.control, caller.callSid));
      await caller.press('4000000000000002#');
      await rig.tg.gateway.bridges.agentAction(bridgeId, 'confirmed');
      await caller.start(lastRedirect(rig.control, caller.callSid));
      await caller.press('1230');
      await caller.press('123');
      await caller.press('1');
      expect(caller.saysText()).toContain('declined');
      await caller.press('2');
      expect(caller.saysText()).toContain('not able to take your payment');
      expect(caller.saysText()).not.toMatch(/goodbye/i);
      expect(caller.hasHangup()).toBe(false);
      expect(caller.redirectUrl()).toBe(`${rig.tg.baseUrl}/voice/bridge/rejoin?bridge=${bridgeId}`);
    });
  });

  describe('with HOLD_MUSIC_URL', () => {
    let rig: BridgeRig;
    beforeEach(async () => {
      rig = await startBridgeRig(kind, { HOLD_MUSIC_URL: MUSIC });
    });
    afterEach(async () => {
      await rig.close();
    });

    it('hears "please hold" once, then the hold music on every check', async () => {
      const caller = rig.tg.call();
      await holdingForTheAgent(rig, caller);
      expect(caller.says()).toEqual([expect.stringContaining(HOLD_LINE)]);
      expect(verbs(caller.twiml)).toEqual(['Say', 'Play', 'Redirect']);
      for (let check = 0; check < 3; check += 1) {
        await caller.followRedirect();
        expect(verbs(caller.twiml)).toEqual(['Play', 'Redirect']);
        expect(caller.twiml).toContain(`<Play>${MUSIC}</Play>`);
      }
    });
  });
});

describe.each(STORE_KINDS)('a call that is not bridged (%s store)', (kind: StoreKind) => {
  it('still says goodbye before it hangs up', async () => {
    const rig = await startBridgeRig(kind);
    try {
      const payment = await rig.tg.createPayment();
      const call = rig.tg.call();
      await call.start(payment.voiceUrl);
      await call.press('*');
      expect(call.says()).toEqual(['Your payment has been canceled.', 'Goodbye.']);
      expect(call.hasHangup()).toBe(true);
    } finally {
      await rig.close();
    }
  });
});
