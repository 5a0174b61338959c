import type { RefundRequest, RefundResult } from '../../../src/ports/processor';
import { SandboxProcessor } from '../../../src/adapters/processors/sandboxProcessor';
import { API_KEY, STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { enterCard, enterPayCode } from '../../support/voiceCalls';

/** The sandbox, counting the refunds it is asked for. */
class CountingRefunds extends SandboxProcessor {
  refunds: RefundRequest[] = [];
  override async refund(request: RefundRequest): Promise<RefundResult> {
    this.refunds.push(request);
    return super.refund(request);
  }
}

describe.each(STORE_KINDS)('API request bodies are JSON only (%s store)', (kind) => {
  let tg: TestGateway;
  let processor: CountingRefunds;

  beforeAll(async () => {
    tg = await startTestGateway(kind, {
      processor: ({ vault, store }) => {
        processor = new CountingRefunds(vault, store);
        return processor;
      },
    });
  });
  afterAll(async () => {
    await tg.close();
  });

  const post = (path: string, body: string, contentType: string | null) =>
    fetch(tg.gateway.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, ...(contentType === null ? {} : { 'content-type': contentType }) },
      // Bytes, so that fetch adds no Content-Type of its own when none is given.
      body: Buffer.from(body),
    });

  async function paidPayment(): Promise<{ id: string }> {
    const payment = await tg.createPayment({ amount: '12.34' });
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('1');
    expect((await tg.getPayment(payment.id)).status).toBe('succeeded');
    return payment;
  }

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], [null]])(
    'answers 415 to a refund whose JSON body comes with the content type %s, and refunds nothing',
    async (contentType) => {
      const payment = await paidPayment();
      const before = processor.refunds.length;
      const res = await post(`/api/payments/${payment.id}/refunds`, '{"amount":"1.00"}', contentType);
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({ error: { code: 'unsupported_media_type', message: expect.stringContaining('application/json') } });
      expect(processor.refunds.length).toBe(before);
      expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded', amount: '12.34', amountRefunded: '0.00', refunds: [] });
    },
  );

  it('answers 415 to a payment whose JSON body comes as text/plain', async () => {
    const res = await post('/api/payments', '{"amount":"12.34","currency":"USD"}', 'text/plain');
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
  });

  it('still takes JSON with a charset, and an empty POST as a full refund', async () => {
    const payment = await paidPayment();
    const partial = await post(`/api/payments/${payment.id}/refunds`, '{"amount":"1.00"}', 'application/json; charset=utf-8');
    expect(partial.status).toBe(201);
    const rest = await fetch(`${tg.gateway.url}/api/payments/${payment.id}/refunds`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(rest.status).toBe(201);
    expect(((await rest.json()) as { amount: string }).amount).toBe('11.34');
    expect(processor.refunds.map((r) => r.amount)).toEqual(expect.arrayContaining(['1.00', '11.34']));
  });
});
