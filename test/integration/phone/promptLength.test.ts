import { spokenReference } from '../../support/voiceCalls';
import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';

/** Speaking rate the prompts are budgeted at: a calm, clear IVR voice. */
const WORDS_PER_MINUTE = 150;
const MAX_SECONDS = 55;
/** What a caller must hear to get through a payment, and the wording the contract promises. */
const NEEDED = ['pay code', 'card number', 'expiration date', 'security code', 'press 1', 'reference number'];

/** Words as they are spoken: "4, 2, 4, 2" is four words, "12 dollars" two. */
function wordsIn(text: string): number {
  return text.split(/[\s,]+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}

describe.each(STORE_KINDS)('the prompts of a phone payment (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  /** Every `<Say>` of a whole approved call, pay code to reference, in the given language. */
  async function happyPath(locale: string): Promise<{ said: string[]; reference: string }> {
    const payment = await tg.createPayment({ amount: '12.34', currency: 'USD', locale });
    const call = tg.call();
    const said: string[] = [];
    const hear = () => said.push(...call.says());
    await call.start(`${tg.baseUrl}/voice/incoming?locale=${locale}`);
    hear();
    for (const keys of [`${payment.payCode}#`, '4242424242424242#', '1230', '123', '1']) {
      await call.press(keys);
      hear();
    }
    const view = await tg.getPayment(payment.id);
    expect(view.status).toBe('succeeded');
    return { said, reference: view.reference as string };
  }

  const secondsToSay = (said: string[]) => (said.reduce((sum, line) => sum + wordsIn(line), 0) / WORDS_PER_MINUTE) * 60;

  it(`the happy path, pay code to reference, takes at most ${MAX_SECONDS} s to say and keeps the words a caller needs`, async () => {
    const { said, reference } = await happyPath('en-US');
    const text = said.join(' ');
    // The reference is read digit by digit, every digit a word, in two groups of four.
    expect(text).toContain(spokenReference(reference));
    expect(secondsToSay(said)).toBeLessThanOrEqual(MAX_SECONDS);
    for (const phrase of NEEDED) expect(text.toLowerCase()).toContain(phrase);
  });

  it(`the Spanish happy path keeps within the same ${MAX_SECONDS} s`, async () => {
    const { said, reference } = await happyPath('es-US');
    expect(said.join(' ')).toContain(spokenReference(reference));
    expect(secondsToSay(said)).toBeLessThanOrEqual(MAX_SECONDS);
  });
});
