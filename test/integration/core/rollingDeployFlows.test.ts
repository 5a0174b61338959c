import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallSession } from '../../../src/core/capture/callSession';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { STORE_KINDS, startTestGateway, type StoreKind, type TestCall, type TestGateway } from '../../support/harness';
import { csrfOf, payWith, textOf } from '../../support/payLinks';
import { enterPayCode, sessionOf } from '../../support/voiceCalls';

/** Both processes sign and build URLs with the one public address, as behind a load balancer. */
const PUBLIC_URL = 'https://pay.rolling.example';

/** What the shipped default flow says where the changed copy says something else (en-US). */
const SHIPPED = {
  cardAsk: 'Please enter your card number, then press pound.',
  expiryAsk: 'Please enter the 4 digit expiration date',
  codeAsk: 'Please enter the 3 digit security code.',
  luhn: 'Sorry, that card number is not valid.',
};
/** The changed copy of flows/default.json that the next release deploys. */
const CHANGED = {
  cardAsk: 'Now key in the long number on the front of your card, then press pound.',
  expiryAsk: 'First, key in the month and year your card expires, as 4 digits.',
  tooMany: 'We could not take your card this time. Please contact us for help.',
  pageLuhn: 'The new page says: that number fails its check.',
};
const SHIPPED_PAGE_LUHN = 'That card number is not valid. Please check the digits.';

/**
 * A FLOWS_DIR like the shipped one whose default flow asks the expiry first, allows one try per
 * card number and words prompts anew; its pay page flow allows one wrong entry and words a mistake anew.
 */
function changedFlowsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ccg-flows-next-'));
  cpSync('flows', dir, { recursive: true });
  const flow = JSON.parse(readFileSync(join(dir, 'default.json'), 'utf8'));
  flow.version = 2;
  flow.fieldOrder = ['expiry', 'cardNumber', 'securityCode'];
  flow.tries.cardNumber = 1;
  Object.assign(flow.locales['en-US'].prompts, {
    'cardNumber.ask': CHANGED.cardAsk,
    'expiry.ask': CHANGED.expiryAsk,
    tooManyAttempts: CHANGED.tooMany,
  });
  writeFileSync(join(dir, 'default.json'), JSON.stringify(flow, null, 2));
  const web = JSON.parse(readFileSync(join(dir, 'web.json'), 'utf8'));
  web.version = 2;
  web.tries.cardNumber = 1;
  web.locales['en-US'].prompts['cardNumber.error.luhn'] = CHANGED.pageLuhn;
  writeFileSync(join(dir, 'web.json'), JSON.stringify(web, null, 2));
  return dir;
}

/** The same call's next webhooks going to another process. */
function movedTo(tg: TestGateway, call: TestCall): TestCall {
  const moved = tg.call(call.callSid);
  moved.twiml = call.twiml;
  return moved;
}

const LOADED_FROM_STORE = 'flow of a call started on other content loaded from the store';

describe.each(STORE_KINDS)('a rolling deploy that changes a flow (%s store)', (kind: StoreKind) => {
  let nextDir: string;
  /** Runs the shipped flows: the process of the release going away. */
  let previous: TestGateway;
  /** Runs the changed flows: the process of the release coming in. */
  let next: TestGateway;
  let shared: MemoryStore | undefined;

  beforeEach(async () => {
    nextDir = changedFlowsDir();
    const env = { PUBLIC_BASE_URL: PUBLIC_URL };
    if (kind === 'memory') {
      shared = new MemoryStore();
      previous = await startTestGateway('memory', { env, store: shared });
      next = await startTestGateway('memory', { env: { ...env, FLOWS_DIR: nextDir }, store: shared });
    } else {
      previous = await startTestGateway('redis', { env });
      next = await startTestGateway('redis', { env: { ...env, FLOWS_DIR: nextDir }, prefix: previous.prefix });
    }
  });
  afterEach(async () => {
    await Promise.all([previous.close(), next.close()]);
    await shared?.close();
    rmSync(nextDir, { recursive: true, force: true });
  });

  it('a call started on the old flow keeps its prompts, tries and field order on a process with the new flow', async () => {
    const payment = await previous.createPayment();
    const started = previous.call();
    await enterPayCode(started, payment.payCode);
    expect(started.saysText()).toContain(SHIPPED.cardAsk);

    const call = movedTo(next, started);
    const heard: string[] = [];
    // The new flow allows one try and would end the call here; the call's own flow allows three.
    await call.press('4242424242424241#');
    heard.push(call.saysText());
    expect(call.saysText()).toContain(SHIPPED.luhn);
    expect(call.saysText()).toContain(SHIPPED.cardAsk);
    expect(call.hasHangup()).toBe(false);

    await call.press('4242424242424242#');
    heard.push(call.saysText());
    // The new flow would ask for the security code next: its expiry comes first.
    expect(call.saysText()).toContain(SHIPPED.expiryAsk);
    await call.press('1230');
    heard.push(call.saysText());
    expect(call.saysText()).toContain(SHIPPED.codeAsk);
    await call.press('123');
    expect(call.saysText()).toContain('press 1');
    await call.press('1');
    heard.push(call.saysText());
    expect(call.saysText()).toContain('Your reference number is');
    expect(heard.join(' ')).not.toContain(CHANGED.cardAsk);
    expect(heard.join(' ')).not.toContain(CHANGED.expiryAsk);
    expect(await next.getPayment(payment.id)).toMatchObject({ status: 'succeeded', card: { brand: 'visa', last4: '4242' } });
    // The old content was read and compiled once, not on every turn.
    expect(next.logLines.filter((l) => l.includes(LOADED_FROM_STORE))).toHaveLength(1);
  });

  it('a call started on the new flow keeps its prompts, tries and field order on a process with the old flow', async () => {
    const payment = await previous.createPayment();
    const started = next.call();
    await started.start();
    await started.press(`${payment.payCode}#`);
    expect(started.saysText()).toContain(CHANGED.expiryAsk);

    const call = movedTo(previous, started);
    await call.press('1230');
    // The old flow would ask for the security code after the expiry, in its own words.
    expect(call.saysText()).toContain(CHANGED.cardAsk);
    expect(call.saysText()).not.toContain(SHIPPED.codeAsk);
    // One try per card number in the call's flow; the old flow would ask again.
    await call.press('4242424242424241#');
    expect(call.saysText()).toContain(CHANGED.tooMany);
    expect(call.saysText()).not.toContain(SHIPPED.cardAsk);
    expect(call.hasHangup()).toBe(true);
    expect(await previous.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'too_many_attempts' } });
    expect(previous.logLines.filter((l) => l.includes(LOADED_FROM_STORE))).toHaveLength(1);
  });

  it('a session written before calls were pinned to flow content goes on with the local flow', async () => {
    const payment = await previous.createPayment();
    const started = previous.call();
    await enterPayCode(started, payment.payCode);
    // The earlier release stored the flow's id and version only.
    const stored = (await sessionOf(previous, started.callSid))!;
    const { flowHash: _dropped, ...earlier } = stored.session as CallSession & { flowHash?: string };
    expect(_dropped).toEqual(expect.any(String));
    expect(await previous.gateway.store.compareAndSet(`call:${started.callSid}`, stored.version, JSON.stringify(earlier), 600)).not.toBeNull();

    const call = movedTo(next, started);
    await call.press('4242424242424241#');
    // The local (new) flow allows one try: the call ends politely rather than with an error.
    expect(call.saysText()).toContain(CHANGED.tooMany);
    expect(call.hasHangup()).toBe(true);
    expect(await next.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'too_many_attempts' } });
  });

  it('a pay link whose first submission reached the old flow keeps its words and tries on a process with the new flow', async () => {
    const created = await previous.createPayment({ channel: 'link' });
    const first = await payWith(previous, created.payUrl, { cardNumber: '4242424242424241' });
    expect(textOf(first.html)).toContain(SHIPPED_PAGE_LUHN);

    // The new flow allows one wrong entry: a second one would lock the link.
    const second = await payWith(next, created.payUrl, { cardNumber: '4242424242424241' }, csrfOf(first.html));
    expect(textOf(second.html)).toContain(SHIPPED_PAGE_LUHN);
    expect(textOf(second.html)).not.toContain(CHANGED.pageLuhn);
    expect(textOf(second.html)).not.toContain('locked');
    expect((await next.getPayment(created.id)).status).toBe('capturing');

    const paid = await payWith(next, created.payUrl, { cardNumber: '4242424242424242' }, csrfOf(second.html));
    expect(textOf(paid.html)).toContain('Success');
    expect(await previous.getPayment(created.id)).toMatchObject({ status: 'succeeded', card: { brand: 'visa', last4: '4242' } });
  });
});
