import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { initialTransition, transition } from 'xstate';
import type { StoredState } from '../../../src/core/capture/callSession';
import { createCaptureMachine, STATE, type CaptureMachine } from '../../../src/core/capture/machine';
import { meaningOf } from '../../../src/core/capture/meaning';
import type { CaptureEvent, CaptureInput, PaymentSummary } from '../../../src/core/capture/types';
import { parseFlow } from '../../../src/core/flows/loadFlows';
import { flowSchema, type Flow } from '../../../src/core/flows/schema';
import { createTwimlRenderer } from '../../../src/phone/renderTwiml';
import { voiceUrls } from '../../../src/phone/voiceUrls';

const DEFAULT_FLOW = parseFlow(readFileSync(join(__dirname, '../../../flows/default.json'), 'utf8'), 'flows/default.json');

/** Every step waits a different time, so a Gather using another step's timeout shows up. */
const FLOW: Flow = flowSchema.parse({
  ...structuredClone(DEFAULT_FLOW),
  timeoutSeconds: { payCode: 11, cardNumber: 17, expiry: 13, securityCode: 14, choice: 9 },
});

const BASE_URL = 'https://pay.example.test';
const urls = voiceUrls(BASE_URL);
const render = createTwimlRenderer(urls);
const TURN = 7;

const AT = '2025-06-15T12:00:00.000Z';
const VISA = '4242424242424242';
const AMEX = '378282246310005';
const REFERENCE = '48213';
const PAYMENT: PaymentSummary = { id: 'pay_twiml', amount: '12.50', currency: 'USD', description: 'Garden service' };

/** A payment that saves the card: nothing to pay. */
const SAVE: PaymentSummary = { id: 'pay_save', amount: '0.00', currency: 'USD', description: null, intent: 'save_card' };
const keys = (digits: string): CaptureEvent => ({ type: 'dtmf.entered', digits, at: AT });
const TIMEOUT: CaptureEvent = { type: 'dtmf.timedOut' };
const visaCard = [keys(VISA), keys('1130'), keys('739')];
const toProcessing = [...visaCard, keys('1')];

/** The stored state a call reaches after these events, as the turn runner would hand it to the renderer. */
function stateAfter(events: CaptureEvent[], options: { flow?: Flow; input?: Partial<CaptureInput> } = {}): StoredState {
  const machine = createCaptureMachine(options.flow ?? FLOW);
  let [snapshot] = initialTransition(machine, { locale: 'en-US', payment: PAYMENT, ...options.input });
  for (const event of events) [snapshot] = transition(machine, snapshot, event);
  return { value: String(snapshot.value), context: snapshot.context };
}

const machines = new Map<Flow, CaptureMachine>();
/** What the state means, as the turn runner hands it to the renderer with the state. */
function meaningFor(state: StoredState, flow: Flow = FLOW) {
  if (!machines.has(flow)) machines.set(flow, createCaptureMachine(flow));
  return meaningOf(machines.get(flow)!, state);
}

const twimlFor = (state: StoredState, flow: Flow = FLOW) => render({ flow, state, meaning: meaningFor(state, flow), turn: TURN });

interface Node {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: Node[];
}

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false });

/** The `<Response>` element's children, in document order. */
function parse(twiml: string): Node[] {
  const toNodes = (items: Array<Record<string, unknown>>): Node[] =>
    items.flatMap((item) => {
      const name = Object.keys(item).find((k) => k !== ':@');
      if (!name || name === '#text' || name === '?xml') return [];
      const inner = item[name] as Array<Record<string, unknown>>;
      const text = inner.filter((i) => '#text' in i).map((i) => String(i['#text'])).join('');
      return [{ name, attrs: (item[':@'] as Record<string, string>) ?? {}, text, children: toNodes(inner) }];
    });
  const response = toNodes(parser.parse(twiml) as Array<Record<string, unknown>>).find((n) => n.name === 'Response');
  if (!response) throw new Error(`no <Response> in ${twiml}`);
  return response.children;
}

/** Everything said, in order, including inside a Gather. */
function spoken(nodes: Node[]): string[] {
  return nodes.flatMap((n) => (n.name === 'Say' ? [n.text] : spoken(n.children)));
}

const prompt = (key: keyof Flow['locales'][string]['prompts'], locale = 'en-US') => DEFAULT_FLOW.locales[locale]!.prompts[key]!;

describe('renderTwiml', () => {
  describe('states that wait for keys', () => {
    const gathering: Array<[string, StoredState, number, string | undefined]> = [
      ['the pay code', stateAfter([], { input: { payment: null } }), 11, undefined],
      ['the card number', stateAfter([]), 17, undefined],
      ['the expiry', stateAfter([keys(VISA)]), 13, '4'],
      ['the security code of a Visa card', stateAfter([keys(VISA), keys('1130')]), 14, '3'],
      ['the security code of an American Express card', stateAfter([keys(AMEX), keys('1130')]), 14, '4'],
      ['the confirmation menu', stateAfter(visaCard), 9, '1'],
      ['the save question', stateAfter(visaCard, { input: { payment: SAVE } }), 9, '1'],
      ['the decline menu', stateAfter([...toProcessing, { type: 'processor.declined', code: 'card_declined', message: 'no' }]), 9, '1'],
      ['the reference menu', stateAfter([...toProcessing, { type: 'processor.approved', reference: REFERENCE }]), 9, '1'],
    ];

    it('a save_card capture asks to save the card and never speaks an amount', () => {
      const intro = spoken(parse(twimlFor(stateAfter([], { input: { payment: SAVE } })))).join(' ');
      expect(intro).toContain('saving a card');
      const question = spoken(parse(twimlFor(stateAfter(visaCard, { input: { payment: SAVE } })))).join(' ');
      expect(question).toContain('To save it, press 1');
      expect(question).not.toMatch(/dollar|Paying|\$/i);
      const saved = spoken(parse(twimlFor(stateAfter([...visaCard, keys('1'), { type: 'processor.approved', reference: '012345678901' }], { input: { payment: SAVE } })))).join(' ');
      expect(saved).toContain('Your card has been saved');
      expect(saved).not.toContain('Payment approved');
    });

    it('cover every state that is neither final nor on hold', () => {
      const machine = createCaptureMachine(FLOW);
      const waiting = Object.entries(machine.root.states)
        .filter(([name, node]) => node.type !== 'final' && name !== STATE.start && name !== STATE.processing && name !== STATE.awaitingAgent)
        .map(([name]) => name);
      expect(new Set(gathering.map(([, state]) => state.value))).toEqual(new Set(waiting));
    });

    it.each(gathering)('%s: one DTMF Gather posting to the capture URL of this turn', (_step, state, timeout, numDigits) => {
      const nodes = parse(twimlFor(state));
      const gathers = nodes.filter((n) => n.name === 'Gather');
      expect(gathers).toHaveLength(1);
      const { attrs } = gathers[0]!;
      expect(attrs).toMatchObject({ input: 'dtmf', finishOnKey: '#', actionOnEmptyResult: 'true', method: 'POST', action: urls.capture(TURN) });
      expect(attrs.action).toBe(`${BASE_URL}/voice/capture?turn=${TURN}`);
      expect(attrs.timeout).toBe(String(timeout));
      expect(attrs.numDigits).toBe(numDigits);
      // The question is inside the Gather, so a caller who knows it can start typing at once.
      expect(gathers[0]!.children.filter((c) => c.name === 'Say')).toHaveLength(1);
      expect(nodes.some((n) => n.name === 'Hangup' || n.name === 'Redirect')).toBe(false);
    });
  });

  describe('states on hold', () => {
    const holding: Array<[string, StoredState, string]> = [
      ['processing', stateAfter(toProcessing), prompt('processing')],
      ['waiting for the agent', stateAfter([keys(VISA)], { flow: { ...FLOW, agentConfirmsCardNumber: true } }), prompt('agentCheck.wait')],
    ];

    it.each(holding)('%s: says why, pauses, then redirects to the poll URL of this turn', (_step, state, said) => {
      const nodes = parse(twimlFor(state));
      expect(nodes.map((n) => n.name)).toEqual(['Say', 'Pause', 'Redirect']);
      expect(nodes[0]!.text).toBe(said);
      expect(Number(nodes[1]!.attrs.length)).toBeGreaterThan(0);
      expect(nodes[2]!.attrs.method).toBe('POST');
      expect(nodes[2]!.text).toBe(urls.capture(TURN, { poll: true }));
      expect(nodes[2]!.text).toBe(`${BASE_URL}/voice/capture?turn=${TURN}&poll=1`);
    });

    it('while the processor is still answering, says so instead of the first holding message', () => {
      // As the turn runner shows a caller who is still holding when the next check comes back.
      const processing = stateAfter(toProcessing);
      const state: StoredState = { ...processing, context: { ...processing.context, notices: [{ key: 'processing.stillWorking' }] } };
      expect(spoken(parse(twimlFor(state)))).toEqual([prompt('processing.stillWorking')]);
    });

    const waiting = stateAfter([keys(VISA)], { flow: { ...FLOW, agentConfirmsCardNumber: true } });

    it('waiting for the agent, a check that changed nothing is quiet: a pause and the same poll URL', () => {
      const nodes = parse(render({ flow: FLOW, state: waiting, meaning: meaningFor(waiting), turn: TURN, polled: true }));
      expect(nodes.map((n) => n.name)).toEqual(['Pause', 'Redirect']);
      expect(nodes[1]!.text).toBe(urls.capture(TURN, { poll: true }));
    });

    it('waiting for the agent with hold music, plays it after the hold line and on every check', () => {
      const withMusic = createTwimlRenderer(urls, { holdMusicUrl: 'https://music.example.test/hold.mp3' });
      const first = parse(withMusic({ flow: FLOW, state: waiting, meaning: meaningFor(waiting), turn: TURN }));
      expect(first.map((n) => n.name)).toEqual(['Say', 'Play', 'Redirect']);
      expect(first[0]!.text).toBe(prompt('agentCheck.wait'));
      expect(first[1]!.text).toBe('https://music.example.test/hold.mp3');
      const again = parse(withMusic({ flow: FLOW, state: waiting, meaning: meaningFor(waiting), turn: TURN, polled: true }));
      expect(again.map((n) => n.name)).toEqual(['Play', 'Redirect']);
    });
  });

  describe('final states', () => {
    const ended: Array<[string, StoredState]> = [
      ['completed', stateAfter([...toProcessing, { type: 'processor.approved', reference: REFERENCE }, TIMEOUT])],
      ['failed', stateAfter([TIMEOUT, TIMEOUT, TIMEOUT])],
      ['canceled', stateAfter([keys('*')])],
      ['abandoned', stateAfter([TIMEOUT, TIMEOUT, TIMEOUT], { input: { payment: null } })],
      ['hungUp', stateAfter([{ type: 'call.hungUp' }])],
      ['deferred', stateAfter([...toProcessing, { type: 'processor.overdue' }])],
      ['refused', stateAfter([{ type: 'call.refused', notice: 'payment.unavailable' }], { input: { payment: null } })],
    ];

    it('deferred: tells the caller the result will be confirmed later', () => {
      expect(spoken(parse(twimlFor(stateAfter([...toProcessing, { type: 'processor.overdue' }]))))).toEqual([prompt('processing.later'), prompt('farewell')]);
    });

    it.each(ended)('%s: says its last words and hangs up', (name, state) => {
      expect(state.value).toBe(name);
      const twiml = twimlFor(state);
      const nodes = parse(twiml);
      expect(nodes.at(-1)!.name).toBe('Hangup');
      expect(twiml).toContain('<Hangup/>');
      expect(nodes.every((n) => n.name === 'Say' || n.name === 'Hangup')).toBe(true);
      expect(spoken(nodes)).toEqual([...state.context.notices.map((n) => prompt(n.key)), prompt('farewell')]);
    });

    it.each(ended.filter(([name]) => name !== 'hungUp'))('%s, handing the caller back to an agent: no farewell, a redirect instead of the hang-up', (_name, state) => {
      const rejoin = `${BASE_URL}/voice/bridge/rejoin?bridge=br_test`;
      const nodes = parse(render({ flow: FLOW, state, meaning: meaningFor(state), turn: TURN, returnTo: rejoin }));
      expect(spoken(nodes)).toEqual([...state.context.notices.map((n) => prompt(n.key)), prompt('returnToAgent')]);
      expect(spoken(nodes).join(' ')).not.toMatch(/goodbye/i);
      expect(nodes.at(-1)).toMatchObject({ name: 'Redirect', text: rejoin });
      expect(nodes.some((n) => n.name === 'Hangup')).toBe(false);
    });

    it.each(ended.filter(([name]) => name !== 'hungUp'))('%s, sending the call back to the merchant’s returnUrl: the last notices, then the redirect, nothing about an agent', (_name, state) => {
      const back = 'https://ivr.example.com/after?paymentId=pay_test&paymentStatus=succeeded';
      const nodes = parse(render({ flow: FLOW, state, meaning: meaningFor(state), turn: TURN, returnTo: back, returnQuietly: true }));
      expect(spoken(nodes)).toEqual(state.context.notices.map((n) => prompt(n.key)));
      expect(nodes.at(-1)).toMatchObject({ name: 'Redirect', text: back });
      expect(nodes.some((n) => n.name === 'Hangup')).toBe(false);
    });
  });

  describe('notices', () => {
    it('are spoken before the Gather, outside it, so they are heard in full', () => {
      const nodes = parse(twimlFor(stateAfter([keys('4242424242424241')])));
      expect(nodes.map((n) => n.name)).toEqual(['Say', 'Gather']);
      expect(nodes[0]!.text).toBe(prompt('cardNumber.error.luhn'));
      expect(spoken(nodes[1]!.children)).toEqual([prompt('cardNumber.ask')]);
    });

    it('start the call with the introduction: the amount and the description', () => {
      const [intro] = spoken(parse(twimlFor(stateAfter([]))));
      expect(intro).toMatch(/^You are paying .*12.*50.*, Garden service\. /);
    });

    it('name the brand a card number was refused for', () => {
      // A Mir number: well formed, of a brand the flow does not accept.
      const [notice] = spoken(parse(twimlFor(stateAfter([keys('2200000000000004')]))));
      expect(notice).toMatch(/we cannot accept .*Mir.* cards/i);
    });
  });

  describe('the words of the default flow', () => {
    it.each([
      ['pay code', stateAfter([], { input: { payment: null } })],
      ['card number', stateAfter([])],
      ['expiration date', stateAfter([keys(VISA)])],
      ['security code', stateAfter([keys(VISA), keys('1130')])],
      ['press 1', stateAfter(visaCard)],
      ['reference number', stateAfter([...toProcessing, { type: 'processor.approved', reference: REFERENCE }])],
    ])('say "%s" where the caller needs it', (words, state) => {
      expect(spoken(parse(twimlFor(state, DEFAULT_FLOW))).join(' ')).toContain(words);
    });

    it('ask for the security code length of the brand', () => {
      const said = spoken(parse(twimlFor(stateAfter([keys(AMEX), keys('1130')])))).join(' ');
      expect(said).toContain('enter the 4 digit security code');
    });

    it('read the last 4 digits of the card one by one', () => {
      const said = spoken(parse(twimlFor(stateAfter([keys(AMEX), keys('1130'), keys('7391')])))).join(' ');
      expect(said).toContain('American Express card ending in 0, 0, 0, 5.');
    });

    it('read the reference number one digit at a time', () => {
      const said = spoken(parse(twimlFor(stateAfter([...toProcessing, { type: 'processor.approved', reference: REFERENCE }])))).join(' ');
      expect(said).toContain('Your reference number is 4, 8, 2, 1, 3.');
    });
  });

  describe('locales', () => {
    it('speaks every prompt with the flow’s language and voice', () => {
      const nodes = parse(twimlFor(stateAfter([keys(VISA)])));
      const says = [...nodes, ...nodes.flatMap((n) => n.children)].filter((n) => n.name === 'Say');
      expect(says.length).toBeGreaterThan(0);
      for (const say of says) expect(say.attrs).toMatchObject({ language: 'en-US', voice: 'Polly.Joanna' });
    });

    it('speaks Spanish with language="es-US" to a caller whose capture is in es-US', () => {
      const twiml = twimlFor(stateAfter([], { input: { locale: 'es-US' } }));
      const nodes = parse(twiml);
      const said = spoken(nodes);
      expect(said[0]).toMatch(/^Usted va a pagar /);
      expect(said[1]).toBe(prompt('cardNumber.ask', 'es-US'));
      expect(twiml).not.toContain('language="en-US"');
      const says = [...nodes, ...nodes.flatMap((n) => n.children)].filter((n) => n.name === 'Say');
      for (const say of says) expect(say.attrs).toMatchObject({ language: 'es-US', voice: 'Polly.Lupe' });
    });

    it('falls back to the flow’s default locale for a locale the flow lacks', () => {
      const nodes = parse(twimlFor(stateAfter([], { input: { locale: 'fr-FR' } })));
      expect(spoken(nodes)[1]).toBe(prompt('cardNumber.ask'));
    });
  });

  it('escapes a payment description holding < and &', () => {
    const state = stateAfter([], { input: { payment: { ...PAYMENT, description: 'Tom & Jerry <VIP>' } } });
    const twiml = twimlFor(state);
    expect(twiml).toContain('Tom &amp; Jerry &lt;VIP&gt;');
    expect(twiml).not.toContain('<VIP>');
    expect(spoken(parse(twiml))[0]).toContain(', Tom & Jerry <VIP>.');
  });

  it('works out a placeholder only for a prompt that names it: an amount that cannot be spoken fails only the prompt that speaks it', () => {
    const unspeakable = { ...PAYMENT, amount: 'twelve', currency: 'USD' };
    const atExpiry = stateAfter([keys(VISA)], { input: { payment: unspeakable } });
    expect(spoken(parse(twimlFor(atExpiry)))).toEqual([prompt('expiry.ask')]);
    expect(() => twimlFor(stateAfter([], { input: { payment: unspeakable } }))).toThrow(/cannot speak amount/);
  });
});
