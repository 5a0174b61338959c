import { runSimulation } from '../../../src/cli/simulate';
import { API_KEY, AUTH_TOKEN, STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';

const SPANISH = /<Say[^>]*language="es-US"/;
const ENGLISH = /<Say[^>]*language="en-US"/;

describe.each(STORE_KINDS)('the language of a call (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  it('the simulator run with --locale es-US hears Spanish from the first prompt to the reference', async () => {
    const lines: string[] = [];
    const code = await runSimulation(
      ['--url', tg.gateway.url, '--api-key', API_KEY, '--auth-token', AUTH_TOKEN, '--locale', 'es-US', '--keys', 'PAYCODE 4242424242424242# 1230 123 1 -', '--expect', 'succeeded'],
      { out: (line) => lines.push(line) },
    );
    expect(code).toBe(0);
    const said = lines.filter((line) => line.startsWith('gateway: ')).map((line) => line.slice('gateway: '.length));
    expect(said[0]).toContain('código de pago');
    expect(said.join('\n')).toContain('número de referencia');
    // Not one English prompt anywhere in the call.
    expect(said.filter((line) => /\b(please|enter|press|welcome|thank you|payment)\b/i.test(line))).toEqual([]);
  });

  it('a call started in English continues in Spanish once the pay code of an es-US payment is typed', async () => {
    const payment = await tg.createPayment({ locale: 'es-US' });
    const call = tg.call();
    await call.start();
    expect(call.twiml).toMatch(ENGLISH);
    expect(call.saysText()).toContain('pay code');

    await call.press(`${payment.payCode}#`);
    expect(call.twiml).toMatch(SPANISH);
    expect(call.twiml).not.toMatch(ENGLISH);
    expect(call.saysText()).toContain('número de su tarjeta');
    await call.press('4242424242424242#');
    expect(call.saysText()).toContain('fecha de vencimiento');
    await call.press('1230');
    await call.press('123');
    expect(call.saysText()).toContain('presione 1');
    await call.press('1');
    expect(call.twiml).not.toMatch(ENGLISH);
    expect(call.saysText()).toContain('número de referencia');
    expect((await tg.getPayment(payment.id)).status).toBe('succeeded');
  });

  it('a call started on the Spanish line keeps Spanish for a payment made without a locale', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await call.start(`${tg.baseUrl}/voice/incoming?locale=es-US`);
    expect(call.saysText()).toContain('código de pago');
    await call.press(`${payment.payCode}#`);
    expect(call.twiml).toMatch(SPANISH);
    expect(call.twiml).not.toMatch(ENGLISH);
    expect(call.saysText()).toContain('número de su tarjeta');
  });
});
