import { SandboxProcessor } from '../../../src/adapters/processors/sandboxProcessor';
import { startTestGateway, type TestGateway } from '../../support/harness';
import { csrfOf, openPage, payWith, postForm, textOf } from '../../support/payLinks';

describe('a pay link with a slow processor', () => {
  let tg: TestGateway;

  beforeAll(async () => {
    tg = await startTestGateway('redis', {
      env: { PROCESSOR_TIMEOUT_MS: '200' },
      processor: ({ vault, store }) => new SandboxProcessor(vault, store, { latencyMs: 1500 }),
    });
  });
  afterAll(async () => {
    await tg.close();
  });

  it('says the payment is being processed, then shows the result when asked again', async () => {
    const created = await tg.createPayment({ channel: 'link' });
    const csrf = csrfOf((await openPage(tg, created.payUrl)).html);
    const first = await payWith(tg, created.payUrl, { cardNumber: '4242424242424242' }, csrf);
    expect(textOf(first.html)).toContain('Processing your payment');
    expect(first.html).toContain('name="check"');
    expect((await tg.getPayment(created.id)).status).toBe('processing');
    await new Promise((r) => setTimeout(r, 1800));
    const later = await postForm(tg, created.payUrl, { csrf, check: '1' });
    expect(textOf(later.html)).toContain('Success');
    expect((await tg.getPayment(created.id)).status).toBe('succeeded');
  });
});
