import { API_KEY, startTestGateway, type TestGateway } from '../../support/harness';
import { enterCard, enterPayCode } from '../../support/voiceCalls';

/** Every `name{labels} value` sample of a Prometheus text exposition, with its labels parsed. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const valueOf = (all: ReturnType<typeof samples>, name: string, labels: Record<string, string>) =>
  all.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('GET /metrics', () => {
  let tg: TestGateway;
  const ids: string[] = [];
  const callSids: string[] = [];

  beforeAll(async () => {
    tg = await startTestGateway('memory');
    const play = async (card: string, then: (call: ReturnType<TestGateway['call']>) => Promise<unknown>) => {
      const payment = await tg.createPayment();
      const call = tg.call();
      ids.push(payment.id);
      callSids.push(call.callSid);
      await enterPayCode(call, payment.payCode);
      if (card) await enterCard(call, card, 'visa');
      await then(call);
    };
    await play('4242424242424242', async (call) => {
      await call.press('1');
      await call.hangUp();
    });
    await play('4000000000009995', async (call) => {
      await call.press('1');
      await call.press('2');
    });
    await play('4000000000000002', async (call) => {
      await call.press('1');
      await call.hangUp();
    });
    await play('', (call) => call.press('*'));
    await play('', (call) => call.hangUp());
    // A call to a payment's voiceUrl: its path holds the payment id, which must not become a label.
    const direct = await tg.createPayment();
    ids.push(direct.id);
    const call = tg.call();
    callSids.push(call.callSid);
    await call.start(direct.voiceUrl);
  });
  afterAll(async () => {
    await tg.close();
  });

  it('refuses a scrape without the bearer key, and with a wrong one', async () => {
    expect((await fetch(`${tg.gateway.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${tg.gateway.url}/metrics`, { headers: { authorization: 'Bearer nope-nope-nope-nope-nope' } })).status).toBe(401);
  });

  it('serves the Prometheus text format with the default process metrics', async () => {
    const res = await fetch(`${tg.gateway.url}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const all = samples(await res.text());
    expect(all.some((s) => s.name === 'ccg_process_cpu_user_seconds_total')).toBe(true);
    expect(all.some((s) => s.name === 'ccg_nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('counts captures by outcome and failure code, declines by code, and times webhooks by route pattern', async () => {
    const all = samples(await (await fetch(`${tg.gateway.url}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } })).text());
    // The approved call also hung up at the reference menu: counted once, as succeeded.
    expect(valueOf(all, 'ccg_captures_total', { outcome: 'succeeded', code: '' })).toBe(1);
    expect(valueOf(all, 'ccg_captures_total', { outcome: 'failed', code: 'insufficient_funds' })).toBe(1);
    // A caller who hangs up after a decline keeps the decline's code.
    expect(valueOf(all, 'ccg_captures_total', { outcome: 'hung_up', code: 'card_declined' })).toBe(1);
    expect(valueOf(all, 'ccg_captures_total', { outcome: 'hung_up', code: 'caller_hung_up' })).toBe(1);
    expect(valueOf(all, 'ccg_captures_total', { outcome: 'canceled', code: '' })).toBe(1);
    expect(valueOf(all, 'ccg_processor_declines_total', { code: 'insufficient_funds' })).toBe(1);
    expect(valueOf(all, 'ccg_processor_declines_total', { code: 'card_declined' })).toBe(1);
    expect(valueOf(all, 'ccg_processor_duration_seconds_count', { outcome: 'approved' })).toBe(1);
    expect(valueOf(all, 'ccg_processor_duration_seconds_count', { outcome: 'declined' })).toBe(2);
    expect(valueOf(all, 'ccg_webhook_duration_seconds_count', { route: '/voice/incoming' })).toBe(5);
    expect(valueOf(all, 'ccg_webhook_duration_seconds_count', { route: '/voice/payments/:paymentId' })).toBe(1);
    expect(valueOf(all, 'ccg_webhook_duration_seconds_count', { route: '/voice/capture' })).toBeGreaterThanOrEqual(5 + 3 * 4);
    expect(valueOf(all, 'ccg_webhook_apologies_total', { route: '/voice/capture' }) ?? 0).toBe(0);
    expect(valueOf(all, 'ccg_store_errors_total', {}) ?? 0).toBe(0);
  });

  it('holds no ids and no card data in any label or anywhere in the exposition', async () => {
    const text = await (await fetch(`${tg.gateway.url}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } })).text();
    for (const id of [...ids, ...callSids]) expect(text).not.toContain(id);
    // Sample values are left out of the secret scan: a CPU-seconds or heap figure may hold "1230" by chance.
    const withoutValues = text.split('\n').map((line) => (line.startsWith('#') ? line : line.replace(/ \S+( \d+)?$/, ''))).join('\n');
    for (const secret of ['4242424242424242', '4000000000009995', '4000000000000002', '1230']) expect(withoutValues).not.toContain(secret);
    const labelNames = new Set(samples(text).flatMap((s) => Object.keys(s.labels)));
    const ours = samples(text).filter((s) => s.name.startsWith('ccg_') && !/^ccg_(process|nodejs)_/.test(s.name));
    expect(new Set(ours.flatMap((s) => Object.keys(s.labels)))).toEqual(new Set(['route', 'outcome', 'code', 'le', 'operation', 'to', 'reason'].filter((l) => labelNames.has(l))));
    for (const s of ours) {
      for (const [name, value] of Object.entries(s.labels)) {
        if (name === 'le') continue;
        expect(value).toMatch(/^(\/voice\/[a-z]+(\/:paymentId)?|[a-z_]*)$/);
      }
    }
  });
});
