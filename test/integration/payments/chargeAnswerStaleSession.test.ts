import { eventually } from '../../support/eventually';
import { heldProcessor } from '../../support/heldProcessor';
import { startGatewayPair, type GatewayPair } from '../../support/gatewayPair';
import { STORE_KINDS, type TestGateway } from '../../support/harness';
import { enterCard, enterPayCode } from '../../support/voiceCalls';

/**
 * The processor's answer is committed from the copy of the session the charging process wrote last,
 * without reading it first. Here another process changed the session while the charge was out (the
 * caller hung up and the status callback reached the other process), so that copy is stale: the
 * answer must still land on the call as it is now, once.
 */
describe.each(STORE_KINDS)('a charge answered after another process changed the call (%s)', (kind) => {
  let pair: GatewayPair;
  let a: TestGateway;
  let b: TestGateway;
  const processor = heldProcessor();

  beforeAll(async () => {
    pair = await startGatewayPair(kind, { first: { processor: processor.option } });
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair.close();
  });

  it('goes on the payment of the call that ended meanwhile, and the payment succeeds', async () => {
    const payment = await a.createPayment();
    const onA = a.call();
    await enterPayCode(onA, payment.payCode);
    await enterCard(onA, '4242424242424242', 'visa');
    const confirmation = onA.press('1');
    await eventually(() => processor.held() === 1, 5000, 'the charge to reach the processor');
    // The caller hangs up while the processor works; the status callback reaches the other process.
    expect(await b.call(onA.callSid).hangUp()).toBe(204);
    processor.release();
    await confirmation;
    const settled = await eventually(async () => {
      const view = await b.getPayment(payment.id);
      return view.status === 'succeeded' ? view : null;
    }, 5000, 'the payment to succeed');
    expect(settled).toMatchObject({ status: 'succeeded', card: { last4: '4242' } });
    expect(settled.reference).toMatch(/^[1-9][0-9]{7}$/);
    // What the charging process answered is the approval, and the end of the call: nothing asks for more.
    expect(onA.saysText()).toContain('approved');
    expect(onA.twiml).not.toContain('<Gather');
  });
});
