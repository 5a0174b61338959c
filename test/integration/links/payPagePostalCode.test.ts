import { startTestGateway, type TestGateway } from '../../support/harness';
import { leaksIn, postalCodeSecrets } from '../../support/leakScan';
import { POSTAL_CODES, postalCodeFlowsDir } from '../../support/postalCodeFlows';
import { countingProcessor, csrfOf, openPage, payWith, textOf } from '../../support/payLinks';

const APPROVED = '4242424242424242';

describe('the pay page of a link whose flow asks for the billing postal code', () => {
  const flows = postalCodeFlowsDir({ country: 'US' });
  const processor = countingProcessor();
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway('memory', { processor: processor.option, env: { FLOWS_DIR: flows.dir, PAY_RATE_LIMIT_PER_CLIENT: '10000' } });
  });
  afterAll(async () => {
    await tg.close();
    flows.remove();
  });

  const newLink = () => tg.createPayment({ channel: 'link', description: 'Invoice 1042' });

  it('shows a postal code field, and pays with a good one', async () => {
    const link = await newLink();
    const page = await openPage(tg, link.payUrl);
    expect(page.html).toContain('name="postalCode"');
    expect(page.html).toContain('autocomplete="postal-code"');
    expect(textOf(page.html)).toContain('Billing postal code');
    const paid = await payWith(tg, link.payUrl, { cardNumber: APPROVED, postalCode: POSTAL_CODES.passes });
    expect(textOf(paid.html)).toContain('Success');
    expect(await tg.getPayment(link.id)).toMatchObject({ status: 'succeeded', postalCodeCaptured: true });
  });

  it('explains a postal code of the wrong length next to the field, without charging', async () => {
    const link = await newLink();
    const answer = await payWith(tg, link.payUrl, { cardNumber: APPROVED, postalCode: '941' });
    expect(answer.html).toMatch(/id="postalCode-error"[^>]*>That postal code has the wrong number of digits\.</);
    expect((await tg.getPayment(link.id)).status).toBe('capturing');
    // The page asks again, with a fresh form.
    expect(csrfOf(answer.html)).toBeTruthy();
  });

  it('says the postal code did not match when the check fails, and the payment is not taken', async () => {
    const link = await newLink();
    const answer = await payWith(tg, link.payUrl, { cardNumber: APPROVED, postalCode: POSTAL_CODES.fails });
    expect(textOf(answer.html)).toContain('The postal code did not match the billing address of your card');
    const view = await tg.getPayment(link.id);
    expect(view.status).not.toBe('succeeded');
    expect(view.reference).toBeNull();
  });

  it('keeps no postal code in a page, a log line or an API answer', () => {
    const secrets = postalCodeSecrets([...Object.values(POSTAL_CODES), '941']);
    for (const text of [...tg.logLines, ...tg.responses]) expect(leaksIn(text, secrets)).toEqual([]);
  });

  it('shows no postal code field on the shipped web flow, which skips it', async () => {
    const plain = await startTestGateway('memory', { processor: processor.option });
    try {
      const link = await plain.createPayment({ channel: 'link' });
      expect((await openPage(plain, link.payUrl)).html).not.toContain('name="postalCode"');
    } finally {
      await plain.close();
    }
  });
});
