import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { countingProcessor, csrfOf, ManualClock, openPage, payWith, postForm, textOf } from '../../support/payLinks';

const APPROVED = '4242424242424242';
const DECLINED = '4000000000000002';

describe.each(STORE_KINDS)('pay links on the %s store', (kind) => {
  let tg: TestGateway;
  const processor = countingProcessor();
  const clock = new ManualClock();

  beforeAll(async () => {
    // Every request comes from 127.0.0.1: the per-client limit is tested on its own elsewhere.
    tg = await startTestGateway(kind, { processor: processor.option, clock, env: { PAY_RATE_LIMIT_PER_CLIENT: '10000' } });
  });
  afterAll(async () => {
    await tg.close();
  });

  async function newLink(body: Record<string, unknown> = {}) {
    return tg.createPayment({ channel: 'link', description: 'Invoice 1042', ...body });
  }

  describe('creating a link payment', () => {
    it('answers a payUrl with a 256-bit token, on the web flow, expiring in 15 minutes', async () => {
      const created = await newLink();
      expect(created.payUrl).toMatch(new RegExp(`^${tg.baseUrl}/pay/[A-Za-z0-9_-]{43}$`));
      expect(created).toMatchObject({ channel: 'link', flow: 'web', status: 'pending' });
      expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBe(900_000);
      expect((await tg.getPayment(created.id)).payUrl).toBe(created.payUrl);
    });

    it('gives every payment its own link', async () => {
      const [a, b] = await Promise.all([newLink(), newLink()]);
      expect(a.payUrl).not.toBe(b.payUrl);
    });

    it('takes expiresInSeconds per payment', async () => {
      const created = await newLink({ expiresInSeconds: 120 });
      expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBe(120_000);
    });

    it.each([
      [{ channel: 'link', email: 'not an address' }, 'invalid_email'],
      [{ channel: 'link', expiresInSeconds: 5 }, 'invalid_expiresInSeconds'],
      [{ channel: 'phone', expiresInSeconds: 600 }, 'invalid_expiresInSeconds'],
    ])('refuses %j with %s', async (extra, code) => {
      const res = await tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', ...extra });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
    });

    it('cannot be taken over by a phone call, through its pay code or its voice URL', async () => {
      const created = await newLink();
      const viaPayCode = tg.call();
      await viaPayCode.start();
      await viaPayCode.press(`${created.payCode}#`);
      expect(viaPayCode.saysText()).toContain('could not find');
      const viaVoiceUrl = tg.call();
      await viaVoiceUrl.start(created.voiceUrl);
      expect(viaVoiceUrl.saysText()).toContain('can no longer be taken');
      expect(await tg.getPayment(created.id)).toMatchObject({ status: 'pending', callSid: null });
    });

    it('keeps only a hash of the token in the store', async () => {
      const created = await newLink();
      const token = created.payUrl.split('/pay/')[1];
      const raw = (await tg.rawRedisValues()).join('\n');
      if (kind === 'redis') expect(raw).toContain(created.id);
      expect(raw).not.toContain(token);
    });
  });

  describe('the page', () => {
    it('shows who asks for how much and what for, with the card fields a browser can fill', async () => {
      const created = await newLink();
      const page = await openPage(tg, created.payUrl);
      expect(page.status).toBe(200);
      const text = textOf(page.html);
      expect(text).toContain('$12.34');
      expect(text).toContain('Invoice 1042');
      expect(text).toContain('Process Card');
      expect(page.html).toMatch(/autocomplete="cc-number"/);
      expect(page.html).toMatch(/autocomplete="cc-exp"/);
      expect(page.html).toMatch(/autocomplete="cc-csc"/);
      expect(page.html.match(/inputmode="numeric"/g)).toHaveLength(3);
      expect(page.html).toMatch(/<label for="cardNumber">/);
      expect(page.html).toMatch(/aria-describedby="cardNumber-hint cardNumber-error"/);
    });

    it('is served with a strict policy, no caching and no referrer', async () => {
      const page = await openPage(tg, (await newLink()).payUrl);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      // Scripts only by URL on our origin; no inline code, no third-party host.
      expect(page.html).not.toMatch(/<script(?![^>]*\bsrc="\/pay\/assets\/)/);
      expect(page.html).not.toMatch(/\son[a-z]+="/);
      expect(page.html).not.toMatch(/https?:\/\//);
    });

    it('serves its own script and stylesheet', async () => {
      const js = await fetch(`${tg.gateway.url}/pay/assets/pay.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      const css = await fetch(`${tg.gateway.url}/pay/assets/pay.css`);
      expect(css.headers.get('content-type')).toMatch(/text\/css/);
    });

    it('answers unknown, malformed, used and expired links with one and the same plain page', async () => {
      const unknown = await openPage(tg, `${tg.baseUrl}/pay/${'A'.repeat(43)}`);
      const malformed = await openPage(tg, `${tg.baseUrl}/pay/short`);
      const used = await newLink();
      await payWith(tg, used.payUrl, { cardNumber: APPROVED });
      const usedPage = await openPage(tg, used.payUrl);
      const expiring = await newLink({ expiresInSeconds: 60 });
      clock.advance(61);
      const expiredPage = await openPage(tg, expiring.payUrl);
      for (const page of [malformed, usedPage, expiredPage]) {
        expect(page.status).toBe(unknown.status);
        expect(page.html).toBe(unknown.html);
      }
      expect(unknown.status).toBe(404);
      expect(textOf(unknown.html)).toContain('This payment link cannot be used');
    });

    it('speaks the payment’s locale', async () => {
      const created = await newLink({ locale: 'es-US' });
      const page = await openPage(tg, created.payUrl);
      expect(page.html).toContain('<html lang="es-US">');
      expect(textOf(page.html)).toContain('Procesar tarjeta');
      const res = await payWith(tg, created.payUrl, { cardNumber: '4242424242424241' }, csrfOf(page.html));
      expect(textOf(res.html)).toContain('Ese número de tarjeta no es válido.');
    });

    it('ends a capture left half-way once its link expires, and the API says why', async () => {
      const created = await newLink({ expiresInSeconds: 60 });
      await payWith(tg, created.payUrl, { cardNumber: '4242424242424241' });
      expect((await tg.getPayment(created.id)).status).toBe('capturing');
      clock.advance(61);
      expect((await openPage(tg, created.payUrl)).status).toBe(404);
      const view = await tg.getPayment(created.id);
      expect(view.status).toBe('failed');
      expect(view.failure.code).toBe('caller_hung_up');
    });

    it('refuses a form post without the link’s CSRF token', async () => {
      const created = await newLink();
      const other = csrfOf((await openPage(tg, (await newLink()).payUrl)).html);
      for (const csrf of ['', other, 'x'.repeat(43)]) {
        const res = await postForm(tg, created.payUrl, { csrf, cardNumber: APPROVED, expiry: '12/30', securityCode: '123' });
        expect(res.status).toBe(403);
      }
      expect((await tg.getPayment(created.id)).status).toBe('pending');
    });
  });

  describe('paying', () => {
    it('pays an approved card: Success, the reference, brand and last 4; the API shows the same', async () => {
      const created = await newLink();
      const res = await payWith(tg, created.payUrl, { cardNumber: '4242 4242 4242 4242', expiry: '12 / 30' });
      const text = textOf(res.html);
      expect(text).toContain('Success');
      const view = await tg.getPayment(created.id);
      expect(view).toMatchObject({ status: 'succeeded', card: { brand: 'visa', last4: '4242' }, expiryCaptured: true, securityCodeCaptured: true });
      expect(text).toContain(view.reference);
      expect(text).toContain('Visa •••• 4242');
      expect(text).toContain('$12.34');
    });

    it('says in the past tense that the customer paid, once paid, and keeps Success', async () => {
      const before = await newLink();
      expect(textOf((await openPage(tg, before.payUrl)).html)).toMatch(/asks you to pay \$12\.34/);
      const paid = await payWith(tg, before.payUrl, { cardNumber: APPROVED });
      const text = textOf(paid.html);
      expect(text).toMatch(/^Payment made You paid .+ \$12\.34 For: Invoice 1042 Success /);
      expect(text).not.toContain('asks you to pay');
      expect(paid.html).toContain('<title>Payment made</title>');
      const spanish = textOf((await payWith(tg, (await newLink({ locale: 'es-US' })).payUrl, { cardNumber: APPROVED })).html);
      expect(spanish).toMatch(/Usted pagó a .+ \$12\.34/);
      expect(spanish).not.toContain('le solicita un pago');
    });

    it('says a manual-capture payment is authorised, not paid, in English and in Spanish', async () => {
      const created = await newLink({ capture: 'manual' });
      const csrf = csrfOf((await openPage(tg, created.payUrl)).html);
      const held = await payWith(tg, created.payUrl, { cardNumber: APPROVED }, csrf);
      expect((await tg.getPayment(created.id)).status).toBe('authorized');
      const text = textOf(held.html);
      expect(text).toMatch(/^Payment authorised You authorised a payment to .+ \$12\.34 For: Invoice 1042 Payment authorised /);
      expect(text).toContain('The amount is held on your card until it is taken.');
      expect(text).not.toMatch(/Success|You paid|Payment made/);
      expect(held.html).toContain('<title>Payment authorised</title>');
      expect(text).toContain('Visa •••• 4242');
      // Posted again, the finished link shows its result again: still authorised.
      expect(textOf((await payWith(tg, created.payUrl, { cardNumber: APPROVED }, csrf)).html)).toContain('You authorised a payment to');

      const spanish = await payWith(tg, (await newLink({ capture: 'manual', locale: 'es-US' })).payUrl, { cardNumber: APPROVED });
      expect(textOf(spanish.html)).toMatch(/^Pago autorizado Usted autorizó un pago a .+ \$12\.34 .*Pago autorizado /);
      expect(textOf(spanish.html)).toContain('El importe queda retenido en su tarjeta hasta que se cobre.');
      expect(textOf(spanish.html)).not.toMatch(/Usted pagó|Pago realizado/);
    });

    it('promises no receipt when no mail server is configured, even with an email on the payment', async () => {
      const created = await newLink({ email: 'customer@example.com' });
      const csrf = csrfOf((await openPage(tg, created.payUrl)).html);
      const paid = textOf((await payWith(tg, created.payUrl, { cardNumber: APPROVED }, csrf)).html);
      expect(paid).toContain('Success');
      expect(paid).not.toMatch(/receipt/i);
      expect(paid).toContain('Please keep the reference number for your records.');
      // The finished link shows its result again without the promise either.
      expect(textOf((await payWith(tg, created.payUrl, { cardNumber: APPROVED }, csrf)).html)).not.toMatch(/receipt/i);
    });

    it('shows the result again, and charges nothing more, when a finished link is posted again', async () => {
      const created = await newLink();
      const csrf = csrfOf((await openPage(tg, created.payUrl)).html);
      const first = await payWith(tg, created.payUrl, { cardNumber: APPROVED }, csrf);
      expect(textOf(first.html)).toContain('Success');
      const before = processor.get().charges.length;
      const again = await payWith(tg, created.payUrl, { cardNumber: '5555555555554444' }, csrf);
      expect(again.status).toBe(200);
      expect(textOf(again.html)).toContain('Visa •••• 4242');
      expect(processor.get().charges.length).toBe(before);
    });

    it('charges once when the same form is submitted twice at once', async () => {
      const created = await newLink();
      const csrf = csrfOf((await openPage(tg, created.payUrl)).html);
      const before = processor.get().charges.length;
      const fields = { csrf, cardNumber: APPROVED, expiry: '12/30', securityCode: '123' };
      const [a, b] = await Promise.all([postForm(tg, created.payUrl, fields), postForm(tg, created.payUrl, fields)]);
      expect(textOf(a.html)).toContain('Success');
      expect(textOf(b.html)).toContain('Success');
      expect(processor.get().charges.length - before).toBe(1);
      expect((await tg.getPayment(created.id)).status).toBe('succeeded');
    });

    it.each([
      ['a Luhn mistake', { cardNumber: '4242424242424241' }, 'That card number is not valid. Please check the digits.', 'cardNumber'],
      ['a past expiry', { cardNumber: APPROVED, expiry: '01/20' }, 'That expiration date has passed.', 'expiry'],
      ['a short security code', { cardNumber: APPROVED, securityCode: '12' }, 'The security code for this card has 3 digits.', 'securityCode'],
      ['a keypad command typed in a field', { cardNumber: '*' }, 'Enter the card number using digits only.', 'cardNumber'],
      ['an empty card number', { cardNumber: '' }, 'Enter your card number.', 'cardNumber'],
    ])('explains %s next to the field, and lets the customer try again', async (_what, card, message, field) => {
      const created = await newLink();
      const res = await payWith(tg, created.payUrl, card);
      expect(res.status).toBe(200);
      expect(res.html).toMatch(new RegExp(`id="${field}-error"[^>]*>${message.replace(/[.]/g, '\\.')}`));
      expect(res.html).toMatch(new RegExp(`id="${field}"[^>]*\\n[^>]*\\n[^>]*aria-invalid="true"`));
      expect((await tg.getPayment(created.id)).status).toBe('capturing');
      const retry = await payWith(tg, created.payUrl, { cardNumber: APPROVED }, csrfOf(res.html));
      expect(textOf(retry.html)).toContain('Success');
    });

    it.each([
      [
        'every field wrong',
        { cardNumber: '4242424242424241', expiry: '01/20', securityCode: '12' },
        {
          cardNumber: 'That card number is not valid. Please check the digits.',
          expiry: 'That expiration date has passed.',
          securityCode: 'The security code for this card has 3 digits.',
        },
      ],
      [
        'a good number, the expiry and the security code wrong',
        { cardNumber: APPROVED, expiry: '13/30', securityCode: '' },
        { expiry: 'That is not a valid month. Use 01 to 12.', securityCode: 'Enter the security code.' },
      ],
      [
        'a mistyped American Express number and a 3-digit code',
        { cardNumber: '378282246310006', expiry: '12/30', securityCode: '123' },
        { cardNumber: 'That card number is not valid. Please check the digits.', securityCode: 'The security code for this card has 4 digits.' },
      ],
      ['junk in the later fields', { cardNumber: '', expiry: 'ab/cd', securityCode: '1a3' }, {
        cardNumber: 'Enter your card number.',
        expiry: 'Enter the expiration date as MM/YY, for example 08/29.',
        securityCode: 'The security code must be digits only.',
      }],
    ])('explains every wrong field of one submission at once: %s', async (_what, card, messages: Record<string, string>) => {
      const created = await newLink();
      const res = await payWith(tg, created.payUrl, card);
      expect(res.status).toBe(200);
      for (const field of ['cardNumber', 'expiry', 'securityCode']) {
        const error = new RegExp(`id="${field}-error"[^>]*>([^<]*)<`).exec(res.html)![1];
        const invalid = new RegExp(`id="${field}"[^>]*\\n[^>]*\\n[^>]*aria-invalid="true"`).test(res.html);
        if (messages[field]) {
          expect(textOf(error!)).toContain(messages[field]);
          expect(invalid).toBe(true);
        } else {
          expect(error).toBe('');
          expect(invalid).toBe(false);
        }
      }
      // One submission is one mistake, however many of its fields were wrong; the card is not kept.
      const view = await tg.getPayment(created.id);
      expect(view.status).toBe('capturing');
      const retry = await payWith(tg, created.payUrl, { cardNumber: APPROVED }, csrfOf(res.html));
      expect(textOf(retry.html)).toContain('Success');
    });

    it('says a card was declined and lets the customer try another one', async () => {
      const created = await newLink();
      const res = await payWith(tg, created.payUrl, { cardNumber: DECLINED });
      expect(textOf(res.html)).toContain('Your card was declined. You can try again with another card.');
      expect((await tg.getPayment(created.id)).status).toBe('capturing');
      const retry = await payWith(tg, created.payUrl, { cardNumber: '5555555555554444' }, csrfOf(res.html));
      expect(textOf(retry.html)).toContain('Success');
      expect((await tg.getPayment(created.id)).card).toEqual({ brand: 'mastercard', last4: '4444' });
    });

    it('locks the link after the flow’s card attempts are declined, and the API says why', async () => {
      const created = await newLink();
      let res = await payWith(tg, created.payUrl, { cardNumber: '4000000000009995' });
      res = await payWith(tg, created.payUrl, { cardNumber: DECLINED }, csrfOf(res.html));
      res = await payWith(tg, created.payUrl, { cardNumber: DECLINED }, csrfOf(res.html));
      expect(textOf(res.html)).toContain('We were not able to take your payment');
      expect(res.html).not.toContain('name="cardNumber"');
      const view = await tg.getPayment(created.id);
      expect(view.status).toBe('failed');
      expect(view.failure.code).toBe('card_declined');
      expect((await openPage(tg, created.payUrl)).status).toBe(404);
    });

    it('locks the link after the flow’s tries of wrong entries, whichever field is wrong', async () => {
      const created = await newLink();
      const csrf = csrfOf((await openPage(tg, created.payUrl)).html);
      await payWith(tg, created.payUrl, { cardNumber: APPROVED, expiry: '13/30' }, csrf);
      await payWith(tg, created.payUrl, { cardNumber: APPROVED, expiry: '01/20' }, csrf);
      expect((await tg.getPayment(created.id)).status).toBe('capturing');
      const res = await payWith(tg, created.payUrl, { cardNumber: APPROVED, securityCode: '1' }, csrf);
      expect(textOf(res.html)).toContain('This link is now locked');
      const view = await tg.getPayment(created.id);
      expect(view.status).toBe('failed');
      expect(view.failure.code).toBe('too_many_attempts');
      // A locked link pays nothing, even with a good card.
      const before = processor.get().charges.length;
      const after = await payWith(tg, created.payUrl, { cardNumber: APPROVED }, csrf);
      expect(textOf(after.html)).not.toContain('Success');
      expect(processor.get().charges.length).toBe(before);
    });

    it('never shows card data back: not in the pages, not in the logs', async () => {
      const created = await newLink();
      const res = await payWith(tg, created.payUrl, { cardNumber: '4242424242424241', expiry: '0199', securityCode: '987' });
      expect(res.html).not.toContain('4242424242424241');
      expect(res.html).not.toContain('0199');
      expect(res.html).not.toContain('987');
      const everything = [...tg.logLines, ...tg.responses, ...(await tg.rawRedisValues())].join('\n');
      expect(everything).not.toMatch(/4242424242424242|4242424242424241|4000000000000002|5555555555554444|4000000000009995/);
      // The token is in the API's answer (that is the point) and nowhere the gateway keeps or logs.
      expect([...tg.logLines, ...(await tg.rawRedisValues())].join('\n')).not.toContain(created.payUrl.split('/pay/')[1]);
    });
  });
});
