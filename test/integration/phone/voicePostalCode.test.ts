import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { STORE_KINDS, startTestGateway, type TestCall, type TestGateway } from '../../support/harness';
import { leaksIn, postalCodeSecrets } from '../../support/leakScan';
import { POSTAL_CODES, postalCodeFlowsDir } from '../../support/postalCodeFlows';
import { enterPayCode, vaultKeys } from '../../support/voiceCalls';

const VISA = '4242424242424242';
const ZIP_PROMPT = 'Please enter the billing ZIP or postal code of your card';
const INCORRECT_ZIP_PROMPT = 'Sorry, the postal code did not match the billing address of your card, so the payment was not taken.';
/** Every postal code these calls type, right or wrong. */
const TYPED_POSTAL_CODES = [POSTAL_CODES.passes, POSTAL_CODES.fails, '9410'];

describe.each(STORE_KINDS)('the billing ZIP code over the phone, on the sandbox (%s store)', (kind) => {
  const flows = postalCodeFlowsDir({ country: 'US' });
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind, { env: { FLOWS_DIR: flows.dir } });
  });
  afterAll(async () => {
    await tg.close();
    flows.remove();
  });

  /** Pay code, card number, expiry and security code: the call is then at the ZIP code. */
  async function upToZip(): Promise<{ payment: { id: string }; call: TestCall }> {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await call.press(`${VISA}#`);
    await call.press('1230');
    await call.press('123');
    expect(call.saysText()).toContain(ZIP_PROMPT);
    // A US ZIP code is always five digits: the keypad sends them without waiting for '#'.
    expect(call.gatherAttribute('numDigits')).toBe('5');
    return { payment, call };
  }

  it('a good ZIP code is asked after the security code, shown only as captured, and the payment is approved', async () => {
    const { payment, call } = await upToZip();
    await call.press(POSTAL_CODES.passes);
    expect(call.saysText()).toContain('To pay now, press 1.');
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'capturing', securityCodeCaptured: true, postalCodeCaptured: true });
    // Held in the vault, encrypted, until the charge.
    expect((await vaultKeys(tg, payment.id)).filter((k) => k.includes(':postalCode.'))).toHaveLength(1);
    await call.press('1');
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'succeeded', failure: null, postalCodeCaptured: true });
    expect(view.reference).toMatch(/^\d{8}$/);
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
  });

  it('a ZIP code with the wrong number of digits is asked again with the reason, and a right one goes on', async () => {
    const { payment, call } = await upToZip();
    await call.press('9410#');
    expect(call.saysText()).toContain('Sorry, that postal code has the wrong number of digits.');
    expect(call.saysText()).toContain(ZIP_PROMPT);
    await call.silence();
    expect(call.saysText()).toContain('We did not receive a postal code.');
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'capturing', postalCodeCaptured: false });
    await call.press(POSTAL_CODES.passes);
    await call.press('1');
    expect((await tg.getPayment(payment.id)).status).toBe('succeeded');
  });

  it('a ZIP code that fails the address check is declined with incorrect_zip and its own prompt, and nothing is charged', async () => {
    const { payment, call } = await upToZip();
    await call.press(POSTAL_CODES.fails);
    await call.press('1');
    expect(call.saysText()).toContain(INCORRECT_ZIP_PROMPT);
    expect(call.saysText()).toContain('To try another card, press 1.');
    // The charge is over: neither the security code nor the postal code stays for it.
    expect((await vaultKeys(tg, payment.id)).filter((k) => /:(securityCode|postalCode)\./.test(k))).toEqual([]);
    await call.press('2');
    expect(call.hasHangup()).toBe(true);
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'failed', reference: null, failure: { code: 'incorrect_zip' } });
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
  });

  it('no postal code typed above, nor its SHA-256, is in a log line, a response or the store', async () => {
    const stored = kind === 'memory' ? [...(tg.gateway.store as MemoryStore).snapshot()].map(([k, v]) => `${k} ${v}`) : await tg.rawRedisValues();
    expect(stored.length).toBeGreaterThan(0);
    const secrets = postalCodeSecrets(TYPED_POSTAL_CODES);
    for (const text of [...tg.logLines, ...tg.responses, ...stored]) expect(leaksIn(text, secrets)).toEqual([]);
    // The control: the scan finds a code where one is written as a value.
    expect(leaksIn(JSON.stringify({ postalCode: POSTAL_CODES.passes }), secrets)).not.toEqual([]);
  });
});
