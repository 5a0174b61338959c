/**
 * The simulator's relay mode, scripted: a whole relayed capture in one process (a relay-mode gateway, the
 * caller's and the agent's Media Streams legs, the agent driving the panel), judged by what it prints:
 * the panel's masked progress, the reference, an agent who heard voice and masked audio but no keypad
 * tone, and no card value anywhere in the output or in the gateway's log.
 */
import { readFileSync } from 'node:fs';
import { runSimulation } from '../../../src/cli/simulate';
import { leaksIn } from '../../support/leakScan';

jest.setTimeout(180_000);

const VISA = '4242424242424242';
const EXPIRY = '1230';
const CODE = '737';
const SECRETS: Array<string | RegExp> = [VISA, '424242424242', /(^|[^0-9])1230([^0-9]|$)/, /(^|[^0-9])737([^0-9]|$)/];

let savedPort: string | undefined;
beforeAll(() => {
  // The relay mode serves its panel on $PORT; 0 takes a free port beside other suites.
  savedPort = process.env.PORT;
  process.env.PORT = '0';
});
afterAll(() => {
  if (savedPort === undefined) delete process.env.PORT;
  else process.env.PORT = savedPort;
});

describe.each([
  ['with Twilio’s dtmf events', []],
  ['with tones alone (--no-dtmf-events)', ['--no-dtmf-events']],
])('a scripted relayed capture %s', (_label, extra) => {
  it('prints masked progress and the reference, and the agent hears no keypad tone', async () => {
    const lines: string[] = [];
    const code = await runSimulation(['--relay', '--keys', `${VISA}# ${EXPIRY}# ${CODE}#`, '--amount', '47.50', '--expect', 'succeeded', ...extra], {
      out: (line) => lines.push(line),
    });
    const output = lines.join('\n');
    // The whole output in the failure, to see where the call went astray.
    if (code !== 0) throw new Error(`the simulator exited ${code}:\n${output}`);

    expect(lines).toContain('panel: Card number: typing… 16 keys');
    expect(lines).toContain('panel: Visa •••• 4242 — valid');
    expect(lines).toContain('panel: Expiry: typing… 4 keys');
    expect(lines).toContain('panel: Expiry ✓');
    expect(lines).toContain('panel: Security code: typing… 3 keys');
    expect(lines).toContain('panel: Security code ✓');
    const approved = lines.find((line) => /^panel: Approved — reference \S+$/.test(line));
    expect(approved).toBeDefined();
    const reference = approved!.split(' ').at(-1)!;
    expect(output).toMatch(new RegExp(`^payment pay_\\S+: succeeded · Visa •••• 4242 · expiry ✓ · security code ✓ · reference ${reference}$`, 'm'));

    // The agent heard the caller talk, the relay's masking where the keys were, and no key.
    expect(output).toMatch(/^agent hears ▮+…? voice \(\d+ ms\)$/m);
    expect(output).toMatch(/^agent hears ░+…? masked \(\d+ ms\)$/m);
    expect(output).not.toMatch(/agent hears !+ tone/);
    expect(lines).toContain('the agent heard no keypad tone');

    // No card value in what the simulator printed, nor in what the gateway logged.
    const logPath = /^the gateway's logs go to (\S+)$/m.exec(output)?.[1];
    expect(logPath).toBeDefined();
    expect(leaksIn(output, SECRETS)).toEqual([]);
    expect(leaksIn(readFileSync(logPath!, 'utf8'), SECRETS)).toEqual([]);
  });
});

it('refuses --relay with a gateway at --url (it plays the call control itself)', async () => {
  const lines: string[] = [];
  expect(await runSimulation(['--relay', '--url', 'http://127.0.0.1:1', '--keys', '1#'], { out: (line) => lines.push(line) })).toBe(2);
  expect(lines.join('\n')).toContain('--relay starts its own relay-mode gateway');
});
