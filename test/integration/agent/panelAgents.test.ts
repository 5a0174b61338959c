import { runAgentsCommand } from '../../../src/cli/agents';
import { API_KEY, cardKeys, REDIS_URL, STORE_KINDS, VAULT_KEY, type StoreKind } from '../../support/harness';
import { fleetEnv, startChildGateway } from '../../support/childGateway';
import { payWith } from '../../support/payLinks';
import { enterCard, enterPayCode } from '../../support/voiceCalls';
import { eventually } from '../../support/eventually';
import { addAgent, auditEntries, lastRedirect, openBridge, openPanelStream, postSignIn, signInAgent, startBridgeRig, type BridgeRig, type PanelStream } from '../../support/bridgeCalls';

jest.setTimeout(30_000);


/** Every bridge and payment id a stream carried, in its snapshots and live events. */
function idsSeen(stream: PanelStream): { bridges: string[]; payments: string[] } {
  const bridges = new Set<string>();
  const payments = new Set<string>();
  for (const { name, data } of stream.events) {
    if (name === 'snapshot') {
      for (const b of data.bridges) bridges.add(b.bridgeId);
      for (const p of data.payments) payments.add(p.paymentId);
    } else if (name === 'bridge') bridges.add(data.bridgeId);
    else if (name === 'payment') payments.add(data.paymentId);
  }
  return { bridges: [...bridges], payments: [...payments] };
}

describe.each(STORE_KINDS)('panel agents on the %s store', (kind: StoreKind) => {
  let rig: BridgeRig;
  const streams: PanelStream[] = [];
  beforeEach(async () => {
    rig = await startBridgeRig(kind);
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await rig.close();
  });
  const follow = async (cookie: string) => {
    const stream = await openPanelStream(rig, cookie);
    streams.push(stream);
    await eventually(async () => stream.events.some((e) => e.name === 'snapshot'), 5000, 'the snapshot');
    return stream;
  };

  it('signs an agent in with their own key, refuses the API key at the panel and the agent key at /api, and audits the name', async () => {
    const key = await addAgent(rig, 'alice');
    const alice = await signInAgent(rig, key);
    expect(alice.page).toContain('alice');

    const withApiKey = await postSignIn(rig, API_KEY);
    expect(withApiKey.status).toBe(401);
    expect(withApiKey.headers.get('set-cookie')).toBeNull();

    const api = await fetch(`${rig.tg.gateway.url}/api/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '1.00', currency: 'USD' }),
    });
    expect(api.status).toBe(401);

    expect((await auditEntries(rig)).map((e) => `${e.action}:${e.result}:${e.actor}`)).toEqual(['sign-in:ok:alice', 'sign-in:wrong_key:anonymous']);
    // Only a keyed hash is stored.
    expect((await rig.tg.rawRedisValues()).join('\n')).not.toContain(key);
  });

  it("keeps agent A away from agent B's call and payment, while a supervisor sees both and may cancel", async () => {
    const [a, b, s] = await Promise.all([addAgent(rig, 'alice'), addAgent(rig, 'bob'), addAgent(rig, 'sue', 'supervisor')]);
    const alice = await signInAgent(rig, a);
    const bob = await signInAgent(rig, b);
    const sue = await signInAgent(rig, s);
    const aliceLive = await follow(alice.cookie);
    const sueLive = await follow(sue.cookie);

    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    // Nobody has taken the call yet: every agent may see it and take it.
    await eventually(async () => idsSeen(aliceLive).bridges.includes(bridgeId), 5000, 'the waiting call on alice’s panel');

    const started = await bob.post(`/bridges/${bridgeId}/capture`, { amount: '7.00', currency: 'USD' });
    expect(started).toMatchObject({ status: 200, body: { ok: true } });
    const paymentId = started.body.paymentId as string;
    expect((await rig.tg.gateway.bridges.get(bridgeId))?.agent).toBe('bob');
    await eventually(async () => aliceLive.events.some((e) => e.name === 'gone' && e.data.bridgeId === bridgeId), 5000, 'the call to leave alice’s panel');

    await caller.start(lastRedirect(rig.control, caller.callSid));
    await caller.press(`${cardKeys('4242424242424242', 'visa')[0]}`);
    await eventually(async () => sueLive.events.some((e) => e.name === 'payment' && e.data.step === 'awaitingAgent'), 5000, 'the masked card on the supervisor’s panel');

    // Alice can neither start, confirm nor cancel on bob's call, and is told nothing about it.
    expect(await alice.post(`/bridges/${bridgeId}/capture`, { amount: '1.00', currency: 'USD' })).toMatchObject({ status: 404, body: { code: 'not_found' } });
    for (const action of ['confirmed', 'cancel']) {
      expect(await alice.post(`/bridges/${bridgeId}/actions/${action}`)).toMatchObject({ status: 404, body: { code: 'not_found' } });
    }
    expect(idsSeen(aliceLive).payments).toEqual([]);
    expect(aliceLive.raw.join('\n')).not.toContain(paymentId);
    const aliceLater = await follow(alice.cookie);
    expect(idsSeen(aliceLater)).toEqual({ bridges: [], payments: [] });
    expect((await rig.tg.getPayment(paymentId)).status).toBe('capturing');

    // The supervisor sees bob's call and payment from the first snapshot, may cancel, but does not drive it.
    const sueLater = await follow(sue.cookie);
    expect(idsSeen(sueLater)).toEqual({ bridges: [bridgeId], payments: [paymentId] });
    expect(await sue.post(`/bridges/${bridgeId}/actions/confirmed`)).toMatchObject({ status: 403, body: { code: 'not_yours' } });
    expect(await sue.post(`/bridges/${bridgeId}/actions/cancel`)).toMatchObject({ status: 200, body: { ok: true } });
    expect((await rig.tg.getPayment(paymentId)).status).toBe('canceled');

    const audit = await auditEntries(rig);
    expect(audit.filter((e) => e.action !== 'sign-in').map((e) => `${e.actor}:${e.action}:${e.result}`)).toEqual([
      'bob:start-capture:ok',
      'alice:start-capture:not_found',
      'alice:confirmed:not_found',
      'alice:cancel:not_found',
      'sue:confirmed:not_yours',
      'sue:cancel:ok',
    ]);
  });

  it("tells the panel the caller's number, when the call began, and a decline's reason in words as it happens", async () => {
    const alice = await signInAgent(rig, await addAgent(rig, 'alice'));
    const live = await follow(alice.cookie);
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    expect(await alice.post(`/bridges/${bridgeId}/capture`, { amount: '5.00', currency: 'USD' })).toMatchObject({ status: 200 });
    await caller.start(lastRedirect(rig.control, caller.callSid));
    await caller.press('4000000000009995#');
    expect(await alice.post(`/bridges/${bridgeId}/actions/confirmed`)).toMatchObject({ status: 200 });
    await caller.followRedirect();
    for (const keys of ['1230', '123', '1']) await caller.press(keys);
    await eventually(async () => live.events.some((e) => e.name === 'payment' && e.data.step === 'declined'), 5000, 'the decline on the panel');
    const declined = live.events.find((e) => e.name === 'payment' && e.data.step === 'declined')!.data;
    expect(declined.summary).toBe('Declined — insufficient funds; the caller may try another card');
    const bridge = live.events.filter((e) => e.name === 'bridge').at(-1)!.data;
    expect(bridge).toMatchObject({ caller: '+1 500 555 0006', since: (await rig.tg.gateway.bridges.get(bridgeId))!.createdAt, agent: 'alice' });
  });

  it('carries nothing of a self-service call or a link payment on any panel', async () => {
    const sue = await signInAgent(rig, await addAgent(rig, 'sue', 'supervisor'));
    const alice = await signInAgent(rig, await addAgent(rig, 'alice'));
    const watching = [await follow(sue.cookie), await follow(alice.cookie)];

    const phone = await rig.tg.createPayment({ description: 'self-service' });
    const call = rig.tg.call();
    await enterPayCode(call, phone.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('1');
    expect((await rig.tg.getPayment(phone.id)).status).toBe('succeeded');
    const link = await rig.tg.createPayment({ channel: 'link', description: 'link' });
    await payWith(rig.tg, link.payUrl, { cardNumber: '4242424242424242' });
    expect((await rig.tg.getPayment(link.id)).status).toBe('succeeded');

    // A bridged call afterwards: once its event is on both panels, anything published before is too.
    const bridgeId = await openBridge(rig, rig.tg.call());
    for (const stream of [...watching, await follow(sue.cookie)]) {
      await eventually(async () => idsSeen(stream).bridges.includes(bridgeId), 5000, 'the bridged call on the panel');
      expect(idsSeen(stream).payments).toEqual([]);
      const text = stream.raw.join('\n');
      for (const secret of [phone.id, link.id, call.callSid]) expect(text).not.toContain(secret);
    }
  });
});

describe('the agents command', () => {
  let rig: BridgeRig;
  beforeEach(async () => {
    rig = await startBridgeRig('redis');
  });
  afterEach(async () => {
    await rig.close();
  });

  it('adds, lists and removes agents in Redis, and the key it printed signs in until the agent is removed', async () => {
    const env = { NODE_ENV: 'test', REDIS_URL, REDIS_KEY_PREFIX: rig.tg.prefix, VAULT_KEY, API_KEY };
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runAgentsCommand(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out, err };
    };
    const added = await run('add', 'carol', '--role', 'supervisor');
    expect(added.code).toBe(0);
    const key = added.out.find((line) => line.startsWith('ccga_'))!;
    expect(key).toMatch(/^ccga_[A-Za-z0-9_-]{43}$/);
    expect((await run('add', 'carol')).code).toBe(1);
    expect((await run('add', 'dave')).code).toBe(0);
    const listed = await run('list');
    expect(listed.out.map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual(['carol supervisor', 'dave agent']);
    expect(listed.out.join('\n')).not.toContain('ccga_');

    const carol = await signInAgent(rig, key);
    expect(carol.page).toContain('carol');
    expect(await run('remove', 'carol')).toMatchObject({ code: 0 });
    expect((await postSignIn(rig, key)).status).toBe(401);
    // The session already open ends with the account.
    expect(await (await fetch(`${rig.tg.gateway.url}/panel`, { headers: { cookie: carol.cookie } })).text()).toContain('Agent key');
    expect((await run('list')).out.map((l) => l.split('\t')[0])).toEqual(['dave']);
    expect((await run('remove', 'carol')).code).toBe(1);
    expect((await run('frobnicate')).code).toBe(2);
  });
});

describe('a gateway started in development', () => {
  it('creates a first agent and prints its key once on stderr, and that key signs in', async () => {
    const gateway = await startChildGateway(fleetEnv({ NODE_ENV: 'development' }));
    try {
      await eventually(async () => gateway.lines.some((l) => l.includes('ccga_')), 10_000, 'the first agent’s key');
      const key = /(ccga_[A-Za-z0-9_-]{43})/.exec(gateway.lines.find((l) => l.includes('ccga_'))!)![1]!;
      const res = await fetch(`${gateway.localUrl}/panel/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ key }).toString(),
      });
      expect(res.status).toBe(303);
      expect(gateway.lines.filter((l) => l.includes(key))).toHaveLength(1);
    } finally {
      await gateway.kill();
    }
  });
});
