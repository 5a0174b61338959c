import { startGatewayPair, type GatewayPair } from '../../support/gatewayPair';
import { STORE_KINDS, type TestGateway } from '../../support/harness';
import { enterPayCode, sessionOf, turnOf, vaultKeys } from '../../support/voiceCalls';

/**
 * A caller's turn starts from the copy of the session its process committed last, without reading
 * it (voiceStoreReads.test.ts). Here another process wrote the session since, so that copy is
 * stale: the turn must land on the call as it is now, exactly as if it had been read.
 */
describe.each(STORE_KINDS)('a turn whose process holds a stale copy of the call (%s)', (kind) => {
  let pair: GatewayPair;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    pair = await startGatewayPair(kind);
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair.close();
  });

  it('a card number already entered through the other process is entered once: the same answer, one turn, one vaulted value', async () => {
    const payment = await a.createPayment();
    const onA = a.call();
    await enterPayCode(onA, payment.payCode);
    const turn = turnOf(onA.gatherAction());
    // Twilio delivers the card number to the other process first, then again to this one.
    const onB = b.call(onA.callSid);
    onB.twiml = onA.twiml;
    const first = await onB.press('4242424242424242#');
    const before = await sessionOf(a, onA.callSid);
    const again = await onA.press('4242424242424242#');
    expect(again).toBe(first);
    expect(await sessionOf(a, onA.callSid)).toEqual(before);
    expect(before!.session.turn).toBe(turn + 1);
    expect(await vaultKeys(a, payment.id)).toEqual([expect.stringMatching(/:cardNumber\.[0-9a-f]{16}$/)]);
  });

  it('an expiry arriving after the hang-up reached the other process changes nothing and leaves nothing in the vault', async () => {
    const payment = await a.createPayment();
    const onA = a.call();
    await enterPayCode(onA, payment.payCode);
    await onA.press('4242424242424242#');
    expect(onA.saysText()).toMatch(/expir/i);
    expect(await b.call(onA.callSid).hangUp()).toBe(204);
    const ended = { session: await sessionOf(a, onA.callSid), payment: await b.getPayment(payment.id) };
    expect(await vaultKeys(a, payment.id)).toEqual([]);
    // Twilio's late `<Gather>` action for the expiry, to the process that asked for it.
    await onA.press('1230');
    expect(await sessionOf(a, onA.callSid)).toEqual(ended.session);
    expect(await a.getPayment(payment.id)).toEqual(ended.payment);
    expect(await vaultKeys(a, payment.id)).toEqual([]);
  });
});
