import { eventually } from '../../support/eventually';
import { startTestGateway, type TestGateway } from '../../support/harness';
import { heldProcessor } from '../../support/heldProcessor';
import { csrfOf, openPage, payWith, postForm, textOf } from '../../support/payLinks';

describe('a pay link with a slow processor', () => {
  let tg: TestGateway;
  const processor = heldProcessor();

  beforeAll(async () => {
    tg = await startTestGateway('redis', { env: { PROCESSOR_TIMEOUT_MS: '200' }, processor: processor.option });
  });
  afterAll(async () => {
    processor.release();
    await tg.close();
  });

  it('says the payment is being processed, then shows the result when asked again', async () => {
    const created = await tg.createPayment({ channel: 'link' });
    const csrf = csrfOf((await openPage(tg, created.payUrl)).html);
    // The processor answers only once released: later than the gateway's 200 ms wait, however busy the machine.
    const first = await payWith(tg, created.payUrl, { cardNumber: '4242424242424242' }, csrf);
    expect(textOf(first.html)).toContain('Processing your payment');
    expect(first.html).toContain('name="check"');
    expect(processor.held()).toBe(1);
    expect((await tg.getPayment(created.id)).status).toBe('processing');
    const waiting = await postForm(tg, created.payUrl, { csrf, check: '1' });
    expect(textOf(waiting.html)).toContain('Processing your payment');

    processor.release();
    await eventually(async () => (await tg.getPayment(created.id)).status === 'succeeded', 5000, 'the late approval to be recorded');
    const later = await postForm(tg, created.payUrl, { csrf, check: '1' });
    expect(textOf(later.html)).toContain('Success');
  });
});
