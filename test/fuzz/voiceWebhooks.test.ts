import fc from 'fast-check';
import { STATE } from '../../src/core/capture/machine';
import { startTestGateway, type TestCall, type TestGateway } from '../support/harness';
import { sessionOf } from '../support/voiceCalls';

const STATUSES = ['pending', 'capturing', 'processing', 'succeeded', 'failed', 'canceled', 'expired'];
const STATES = new Set<string>(Object.values(STATE));
const CARDS = ['4242424242424242', '378282246310005', '4000000000009995', '5555555555554444'];

/** What a caller (or a broken network) might send as Digits at any step: mostly plausible, some junk. */
const digitsArb = (payCode: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(payCode, ...CARDS, '1230', '0199', '123', '1234', '1', '2', '*', '#', '') },
    { weight: 3, arbitrary: fc.stringMatching(/^[0-9*#]{0,24}$/) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, '4242424242424242'.repeat(4), '١٢٣٤', '12\u000034', '0x1F', '-1', '1e9') },
  );

const finishArb = fc.oneof(fc.constantFrom('#', '', '*', undefined), fc.string({ maxLength: 5 }));
/** Extra form fields Twilio might add, or an attacker might; CallSid is kept so the call stays one call. */
const extraArb = fc.dictionary(
  // Field names as Twilio's form encoding carries them: an empty name never reaches the parser.
  fc.oneof(fc.constantFrom('Digits', 'FinishedOnKey', 'CallStatus', 'SpeechResult', 'Caller', 'msg', '__proto__', 'constructor'), fc.stringMatching(/^[A-Za-z][\w.\-[\]]{0,11}$/)),
  fc.string({ maxLength: 40 }),
  { maxKeys: 4 },
).map((extra) => {
  delete extra.CallSid;
  return extra;
});

/** Where each step posts: the current Gather (usually), a stale or future turn, or the poll URL. */
const targetArb = fc.constantFrom('gather', 'gather', 'gather', 'gather', 'stale', 'future', 'poll');

const stepArb = (payCode: string) => fc.record({ digits: digitsArb(payCode), finish: finishArb, extra: extraArb, target: targetArb });

/** Typed digit runs long enough to be card data must never come back, contiguous or spoken one by one. */
function echoes(typed: string[], text: string): string | null {
  for (const t of typed) {
    for (const run of t.match(/\d{7,}/g) ?? []) {
      if (text.includes(run)) return run;
      // Callers hear digits spoken with commas; the last four of a card may be read back, nothing more.
      if (text.includes(run.slice(0, 6).split('').join(', '))) return run;
    }
  }
  return null;
}

describe('signed voice webhooks with arbitrary keypad input at every step (fuzz)', () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway('memory');
  });
  afterAll(async () => {
    await tg.close();
  });

  function targetUrl(call: TestCall, target: string): string {
    const redirect = call.redirectUrl();
    let gather: string | null = null;
    try {
      gather = call.gatherAction();
    } catch {
      gather = null;
    }
    const base = gather ?? redirect ?? `${tg.baseUrl}/voice/capture?turn=1`;
    const turn = Number(new URL(base).searchParams.get('turn') ?? '1');
    if (target === 'stale') return `${tg.baseUrl}/voice/capture?turn=${Math.max(0, turn - 1)}`;
    if (target === 'future') return `${tg.baseUrl}/voice/capture?turn=${turn + 3}`;
    if (target === 'poll') return `${tg.baseUrl}/voice/capture?turn=${turn}&poll=1`;
    return base;
  }

  it('always answers 200 TwiML, keeps call and payment in valid states, and never echoes typed card digits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        // How many steps of a correct call come first, so the arbitrary input lands at every stage,
        // up to the reference menu, and not only at the pay code prompt.
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 10 }).chain((n) => fc.tuple(fc.constant(n), fc.array(stepArb('PAYCODE'), { minLength: n, maxLength: n }))),
        async (viaVoiceUrl, correctSteps, [, steps]) => {
          const payment = await tg.createPayment();
          const call = tg.call();
          await call.start(viaVoiceUrl ? payment.voiceUrl : undefined);
          const script = [...(viaVoiceUrl ? [] : [`${payment.payCode}#`]), '4242424242424242#', '1230', '123', '1'];
          for (const keys of script.slice(0, correctSteps)) await call.press(keys);
          const typed: string[] = ['4242424242424242'];
          for (const step of steps) {
            const digits = step.digits === 'PAYCODE' ? payment.payCode : step.digits;
            const params: Record<string, string> = { ...step.extra };
            if (digits !== undefined) params.Digits = digits;
            if (step.finish !== undefined) params.FinishedOnKey = step.finish;
            if (params.Digits) typed.push(params.Digits);
            const res = await call.signedPost(targetUrl(call, step.target), params);
            const text = await res.text();
            // A `__proto__` field is dropped by the form parser, so its signature cannot verify: refused
            // unchanged, which is the right answer to a request Twilio would never send.
            if (Object.hasOwn(params, '__proto__') && res.status === 403) continue;
            expect(res.status).toBe(200);
            expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
            expect(text).toMatch(/^<\?xml[^>]*>\s*<Response>[\s\S]*<\/Response>\s*$/);
            expect(echoes(typed, text)).toBeNull();
            call.twiml = text;
          }
          const stored = await sessionOf(tg, call.callSid);
          expect(stored).not.toBeNull();
          expect(STATES.has(stored!.session.state.value)).toBe(true);
          const view = await tg.api('GET', `/api/payments/${payment.id}`);
          expect(view.status).toBe(200);
          expect(STATUSES).toContain(view.body.status);
          expect(echoes(typed, view.text)).toBeNull();
          if (view.body.card) expect(view.body.card.last4).toMatch(/^\d{4}$/);
          // A hang-up ends whatever was going on; the capture then never stays mid-entry.
          expect(await call.hangUp()).toBe(204);
          const after = await tg.getPayment(payment.id);
          expect(['succeeded', 'failed', 'canceled', 'processing', 'pending']).toContain(after.status);
        },
      ),
      { numRuns: 100, plugins: [fc.interruptAfterTimeLimit(10_000)] },
    );
    // The logs of every run, too, are free of the card numbers typed.
    for (const card of CARDS) expect(tg.logLines.filter((l) => l.includes(card))).toEqual([]);
    expect((await fetch(`${tg.gateway.url}/healthz`)).status).toBe(200);
  }, 30_000);
});
