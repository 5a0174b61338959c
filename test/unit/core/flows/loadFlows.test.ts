import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowError, loadFlows } from '../../../../src/core/flows/loadFlows';
import { POSTAL_CODE_PROMPT_KEYS, requiredPromptKeys } from '../../../../src/core/flows/promptKeys';

const SHIPPED_DIR = join(__dirname, '../../../../flows');
const SHIPPED_DEFAULT = readFileSync(join(SHIPPED_DIR, 'default.json'), 'utf8');

/** The shipped default flow as plain JSON, to break one thing at a time. */
type RawFlow = Record<string, any>;
const rawDefault = (): RawFlow => JSON.parse(SHIPPED_DEFAULT) as RawFlow;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Writes files into a fresh folder under the OS temp dir; returns the folder. */
function flowsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'flows-test-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The error loading a folder holding one file: the shipped flow with one change. */
function loadError(change: (flow: RawFlow) => void, fileName = 'default.json'): { message: string; file: string } {
  const flow = rawDefault();
  change(flow);
  const dir = flowsDir({ [fileName]: JSON.stringify(flow, null, 2) });
  return { message: errorOf(() => loadFlows(dir)), file: join(dir, fileName) };
}

function errorOf(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowError);
    return (error as Error).message;
  }
  throw new Error('the flows loaded, but they should have been refused');
}

describe('loadFlows', () => {
  describe('the shipped flows folder', () => {
    it('loads, with the default flow under its id', () => {
      const flows = loadFlows(SHIPPED_DIR);
      expect([...flows.keys()]).toContain('default');
      const flow = flows.get('default')!;
      expect(flow.locales[flow.defaultLocale]).toBeDefined();
    });

    it('defines every prompt the gateway uses in each locale of every flow that speaks', () => {
      const speaking = [...loadFlows(SHIPPED_DIR).values()].filter((flow) => flow.guide === 'prompts');
      expect(speaking.map((flow) => flow.id)).toContain('default');
      for (const flow of speaking) {
        for (const locale of Object.values(flow.locales)) {
          expect(requiredPromptKeys(flow).filter((key) => !(key in locale.prompts))).toEqual([]);
          // The shipped flows carry the postal code's words too, so asking for it is one line of JSON.
          if (flow.method !== 'ach') expect(POSTAL_CODE_PROMPT_KEYS.filter((key) => !(key in locale.prompts))).toEqual([]);
        }
      }
    });
  });

  it('takes a postal code rule, with the tries and timeout of the field defaulting to 3 and 10 seconds', () => {
    const us = rawDefault();
    us.postalCode = { country: 'US' };
    const range: RawFlow = { ...rawDefault(), id: 'range', postalCode: { digits: [4, 6] } };
    range.tries = { ...range.tries, postalCode: 2 };
    const flows = loadFlows(flowsDir({ 'default.json': JSON.stringify(us), 'range.json': JSON.stringify(range) }));
    expect(flows.get('default')).toMatchObject({ postalCode: { country: 'US' }, tries: { postalCode: 3 }, timeoutSeconds: { postalCode: 10 } });
    expect(flows.get('range')).toMatchObject({ postalCode: { digits: [4, 6] }, tries: { postalCode: 2 } });
  });

  describe('refuses a broken flow, naming the file, the JSON path and the reason', () => {
    it('when a prompt is missing in es-US', () => {
      const { message, file } = loadError((f) => delete f.locales['es-US'].prompts['securityCode.ask']);
      expect(message).toContain(`${file}: locales.es-US.prompts.securityCode.ask: prompt is missing`);
    });

    it('when a prompt uses an unknown placeholder {foo}', () => {
      const { message, file } = loadError((f) => (f.locales['en-US'].prompts.goodbye = 'Goodbye, {foo}.'));
      expect(message).toContain(`${file}: locales.en-US.prompts.goodbye: unknown placeholder {foo}`);
      // The reason lists what is allowed, so whoever edits the flow can fix it without reading code.
      expect(message).toContain('{amount}');
    });

    it('when the security code comes before the card number', () => {
      const { message, file } = loadError((f) => (f.fieldOrder = ['securityCode', 'cardNumber', 'expiry']));
      expect(message).toContain(`${file}: fieldOrder: cardNumber must come before securityCode`);
    });

    it('when a step allows 0 tries', () => {
      const { message, file } = loadError((f) => (f.tries.expiry = 0));
      expect(message).toMatch(new RegExp(`${escape(file)}: tries\\.expiry: .*>=\\s?1`));
    });

    it('when an accepted brand is unknown', () => {
      const { message, file } = loadError((f) => f.acceptedBrands.push('laser'));
      const index = rawDefault().acceptedBrands.length;
      expect(message).toContain(`${file}: acceptedBrands[${index}]: `);
      expect(message).toMatch(/visa/);
    });

    it('when the file is not valid JSON', () => {
      const dir = flowsDir({ 'default.json': SHIPPED_DEFAULT.slice(0, 200) });
      const message = errorOf(() => loadFlows(dir));
      expect(message).toContain(`${join(dir, 'default.json')}: not valid JSON`);
    });

    it('when the id does not match the file name', () => {
      const { message, file } = loadError(() => undefined, 'payments.json');
      expect(message).toContain(`${file}: id: "default" must match the file name "payments"`);
    });

    it('when the default locale is not one of its locales', () => {
      const { message, file } = loadError((f) => (f.defaultLocale = 'fr-FR'));
      expect(message).toContain(`${file}: defaultLocale: no locale "fr-FR" in locales`);
    });

    it('when a postal code rule is malformed: an unknown country, lengths the wrong way round, or an extra key', () => {
      expect(loadError((f) => (f.postalCode = { country: 'GB' })).message).toContain('postalCode');
      expect(loadError((f) => (f.postalCode = { digits: [6, 4] })).message).toContain('postalCode.digits: the shortest length comes first');
      expect(loadError((f) => (f.postalCode = { country: 'US', digits: [5, 5] })).message).toContain('postalCode');
    });

    it('when a flow asking for the postal code lacks its prompts, and not when one that skips it does', () => {
      const { message, file } = loadError((f) => {
        f.postalCode = { country: 'US' };
        delete f.locales['es-US'].prompts['declined.incorrect_zip'];
      });
      expect(message).toContain(`${file}: locales.es-US.prompts.declined.incorrect_zip: prompt is missing`);
      const skipping = rawDefault();
      for (const locale of Object.values(skipping.locales) as RawFlow[]) for (const key of POSTAL_CODE_PROMPT_KEYS) delete locale.prompts[key];
      expect(loadFlows(flowsDir({ 'default.json': JSON.stringify(skipping) })).get('default')!.postalCode).toBeUndefined();
    });

    it('when an agent-guided flow asks for the postal code', () => {
      const relay = JSON.parse(readFileSync(join(SHIPPED_DIR, 'agent-relay.json'), 'utf8')) as RawFlow;
      relay.postalCode = { country: 'US' };
      const dir = flowsDir({ 'agent-relay.json': JSON.stringify(relay) });
      expect(errorOf(() => loadFlows(dir))).toContain('postalCode: an agent-guided flow does not ask for the postal code');
    });

    it('when a prompt key is misspelt', () => {
      const { message, file } = loadError((f) => (f.locales['en-US'].prompts['cardNumber.aks'] = 'Your card number, please.'));
      expect(message).toContain(`${file}: locales.en-US.prompts.cardNumber.aks: not a prompt this gateway uses (misspelt?)`);
    });
  });

  it('refuses the folder when any one file is broken, naming only that file', () => {
    const broken = rawDefault();
    broken.id = 'broken';
    broken.tries.choice = 0;
    const dir = flowsDir({ 'default.json': SHIPPED_DEFAULT, 'broken.json': JSON.stringify(broken) });
    const message = errorOf(() => loadFlows(dir));
    expect(message).toContain(join(dir, 'broken.json'));
    expect(message).not.toContain(join(dir, 'default.json'));
  });

  it('reports every broken file at once, so one start shows all the fixes to make', () => {
    const dir = flowsDir({ 'a.json': '{', 'b.json': '[]' });
    const message = errorOf(() => loadFlows(dir));
    expect(message).toContain(join(dir, 'a.json'));
    expect(message).toContain(join(dir, 'b.json'));
  });

  it('refuses a folder without flows', () => {
    const dir = flowsDir({ 'README.md': 'no flows here' });
    expect(errorOf(() => loadFlows(dir))).toContain('no flow files');
  });

  describe('an agent-guided flow', () => {
    const rawRelay = (): RawFlow => JSON.parse(readFileSync(join(SHIPPED_DIR, 'agent-relay.json'), 'utf8')) as RawFlow;
    const relayError = (change: (flow: RawFlow) => void): { message: string; file: string } => {
      const flow = rawRelay();
      change(flow);
      const dir = flowsDir({ 'agent-relay.json': JSON.stringify(flow) });
      return { message: errorOf(() => loadFlows(dir)), file: join(dir, 'agent-relay.json') };
    };

    it('ships with no prompts, and a flow without a guide is led by its prompts', () => {
      const flows = loadFlows(SHIPPED_DIR);
      expect(flows.get('agent-relay')).toMatchObject({ guide: 'agent', locales: { 'en-US': { prompts: {} } } });
      expect(flows.get('default')!.guide).toBe('prompts');
    });

    it('is refused when it has prompts to speak', () => {
      const { message, file } = relayError((f) => (f.locales['en-US'].prompts = { goodbye: 'Goodbye.' }));
      expect(message).toContain(`${file}: locales.en-US.prompts: an agent-guided flow speaks no prompts`);
    });

    it('is refused when the card number is not first', () => {
      const { message, file } = relayError((f) => (f.fieldOrder = ['expiry', 'cardNumber', 'securityCode']));
      expect(message).toContain(`${file}: fieldOrder: an agent-guided flow asks the card number first`);
    });

    it('is refused when it also waits for an agent confirmation', () => {
      const { message, file } = relayError((f) => (f.agentConfirmsCardNumber = true));
      expect(message).toContain(`${file}: agentConfirmsCardNumber: `);
    });

    it('makes a keypad flow without prompts name every missing one', () => {
      const { message, file } = loadError((f) => (f.locales['en-US'].prompts = {}));
      expect(message).toContain(`${file}: locales.en-US.prompts.payCode.ask: prompt is missing`);
      expect(message).toContain(`${file}: locales.en-US.prompts.error.system: prompt is missing`);
    });
  });

  it('fills in the agent confirmation timeout when a flow leaves it out', () => {
    const flow = rawDefault();
    delete flow.agentConfirmTimeoutSeconds;
    const dir = flowsDir({ 'default.json': JSON.stringify(flow) });
    expect(loadFlows(dir).get('default')!.agentConfirmTimeoutSeconds).toBe(120);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
