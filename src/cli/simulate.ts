import { copyFileSync, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { isCardBrand } from '../core/domain/cardBrand';
import { maskedCard } from '../core/domain/masking';
import { loadFlowFile } from '../core/flows/loadFlows';
import { startGateway } from '../app/server';
import { simulateCall } from './callSimulator';
import { runBridgeSimulation } from './bridgeSimulation';
import { runRelaySimulation } from './relaySimulation';
import { interactiveKeys, keypadReadline, parseKeyScript, scriptedKeys, type KeySource } from './keySources';

const USAGE = `Usage: npm run simulate -- [options]

Plays Twilio's part in a phone payment: creates a payment, dials the gateway and types the caller's keys.

  --url <base>          a running gateway (default: start one in this process)
  --api-key <key>       the gateway's API key (default: $API_KEY)
  --auth-token <token>  signs webhooks as Twilio does (default: $TWILIO_AUTH_TOKEN; none = unsigned)
  --amount <amount>     payment amount (default: 12.34)
  --currency <code>     payment currency (default: USD)
  --description <text>  payment description
  --account-holder <name>  the account holder's name, which a bank-debit (ACH) flow's payment needs
  --locale <locale>     en-US or es-US
  --flow <file>         a flow JSON file to try out (in-process gateway only)
  --payment <id>        call for an existing payment instead of creating one (dials its voiceUrl)
  --entry <how>         incoming (dial the pay line and type the pay code, the default) or voice-url
  --keys "<tokens>"     the caller's keys, one token per prompt: 4242424242424242# 1230 - HANGUP
  --script <file>       the same tokens from a file (// comments allowed)
  --expect <status>     exit 1 unless the payment ends with this status
  --quiet               print only the payment and the outcome, not the call
  --bridge              an agent-assisted call: you type the caller's keys here, the agent works in the
                        panel (http://localhost:$PORT/panel, PORT default 3000)
  --relay               an agent-assisted call through the media relay (BRIDGE_MEDIA=relay): both legs
                        stream here over the Media Streams protocol, the caller's keys become keypad tones,
                        and the agent's side prints what it hears and runs the tone detector over it. With
                        --keys or --script (one token per field: card number, expiry, security code) the
                        agent is played too: it asks for each field and charges; without, you type both
                        the caller's keys and the agent's commands
  --no-dtmf-events      (--relay) send the tones without Twilio's dtmf events: the detector alone must catch them
  -h, --help            this text

Tokens: keys with an optional final # (pound), "-" for silence, HANGUP to hang up; PAYCODE is replaced by
the payment's pay code. Without --keys or --script you type the caller's keys at the terminal.
Exit codes: 0 done (and as expected), 1 failed or not as expected, 2 bad arguments.`;

const PAYMENT_STATUSES = ['pending', 'capturing', 'processing', 'authorized', 'succeeded', 'failed', 'canceled', 'expired'] as const;

const paymentSchema = z.object({
  id: z.string(),
  status: z.string(),
  amount: z.string(),
  currency: z.string(),
  card: z.object({ brand: z.string(), last4: z.string() }).nullable(),
  expiryCaptured: z.boolean(),
  securityCodeCaptured: z.boolean(),
  reference: z.string().nullable(),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  voiceUrl: z.string(),
  method: z.string().optional(),
  bankAccount: z.object({ display: z.string(), accountType: z.string().nullable() }).nullable().optional(),
  debitAuthorization: z.object({ acceptedAt: z.string() }).nullable().optional(),
});
const createdPaymentSchema = z.object({
  id: z.string(),
  status: z.string(),
  amount: z.string(),
  currency: z.string(),
  payCode: z.string(),
  voiceUrl: z.string(),
});

/** The masked payment the API answers, as the simulator reads it. */
export type PaymentView = z.infer<typeof paymentSchema>;

class UsageError extends Error {}

/** Runs the simulator with command-line arguments and returns the process exit code. */
export async function runSimulation(
  argv: string[],
  io: { out: (line: string) => void; input?: NodeJS.ReadableStream },
): Promise<number> {
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    const args = readArgs(argv);
    if (args.help) {
      io.out(USAGE);
      return 0;
    }
    const { out } = io;
    const script = readKeyScript(args);
    if (args.relay) {
      const logPath = join(tmpdir(), `card-capture-relay-${process.pid}-${Date.now()}.log`);
      const logStream = createWriteStream(logPath);
      cleanups.push(async () => {
        logStream.end();
        await once(logStream, 'close');
      });
      out(`the gateway's logs go to ${logPath}`);
      let lines: AsyncIterable<string> | undefined;
      if (script === undefined) {
        const readline = keypadReadline(io.input ?? process.stdin, process.stdout);
        cleanups.push(() => readline.close());
        // Iterated from now on: readline drops lines that arrive (piped) before its iterator exists.
        const iterator = readline[Symbol.asyncIterator]();
        lines = { [Symbol.asyncIterator]: () => iterator };
      }
      return await runRelaySimulation({
        out,
        script: script ?? null,
        ...(lines !== undefined && { lines }),
        amount: args.amount,
        currency: args.currency,
        dtmfEvents: !args.noDtmfEvents,
        port: Number(process.env.PORT ?? 3000),
        logStream,
        ...(args.expect !== undefined && { expect: args.expect }),
        describe: async (gateway, paymentId) => {
          const payment = await settle(() => gatewayApi(gateway.url.replace(/\/+$/, ''), gateway.config.apiKey).get(paymentId));
          return { status: payment.status, line: describePayment(payment) };
        },
      });
    }
    if (args.bridge) {
      const logPath = join(tmpdir(), `card-capture-bridge-${process.pid}-${Date.now()}.log`);
      const logStream = createWriteStream(logPath);
      cleanups.push(async () => {
        logStream.end();
        await once(logStream, 'close');
      });
      out(`the gateway's logs go to ${logPath}`);
      return await runBridgeSimulation({ out, keys: keySource(script, undefined, io, cleanups), port: Number(process.env.PORT ?? 3000), logStream });
    }

    let baseUrl: string;
    let apiKey: string;
    let authToken: string | null;
    let flowId: string | undefined;
    if (args.url !== undefined) {
      baseUrl = args.url.replace(/\/+$/, '');
      const key = args.apiKey ?? process.env.API_KEY;
      if (!key) throw new UsageError('--api-key (or API_KEY) is needed to talk to a gateway at --url');
      apiKey = key;
      authToken = args.authToken ?? process.env.TWILIO_AUTH_TOKEN ?? null;
    } else {
      const env: NodeJS.ProcessEnv = { ...process.env };
      // The simulator dials the in-process server directly, so its own URL must be the one webhooks are signed for.
      delete env.PUBLIC_BASE_URL;
      if (args.apiKey !== undefined) env.API_KEY = args.apiKey;
      if (args.authToken !== undefined) env.TWILIO_AUTH_TOKEN = args.authToken;
      if (args.flow !== undefined) {
        const flows = prepareFlowsDir(args.flow, env.FLOWS_DIR ?? 'flows');
        cleanups.push(() => rmSync(flows.dir, { recursive: true, force: true }));
        env.FLOWS_DIR = flows.dir;
        flowId = flows.flowId;
      }
      const logPath = join(tmpdir(), `card-capture-simulate-${process.pid}-${Date.now()}.log`);
      const logStream = createWriteStream(logPath);
      cleanups.push(async () => {
        logStream.end();
        await once(logStream, 'close');
      });
      const gateway = await startGateway({ env, port: 0, logStream });
      cleanups.push(() => gateway.close());
      out(`gateway started at ${gateway.url}; its logs go to ${logPath}`);
      baseUrl = gateway.url.replace(/\/+$/, '');
      apiKey = gateway.config.apiKey;
      authToken = gateway.config.twilio.authToken;
    }

    const api = gatewayApi(baseUrl, apiKey);
    let payment: { id: string; voiceUrl: string; payCode?: string };
    if (args.payment !== undefined) {
      const existing = await api.get(args.payment);
      out(`payment ${existing.id} for ${existing.amount} ${existing.currency} (${existing.status})`);
      payment = existing;
    } else {
      const created = await api.create({
        amount: args.amount,
        currency: args.currency,
        channel: 'phone',
        ...(args.description !== undefined && { description: args.description }),
        ...(args.accountHolder !== undefined && { accountHolderName: args.accountHolder }),
        ...(args.locale !== undefined && { locale: args.locale }),
        ...(flowId !== undefined && { flow: flowId }),
      });
      out(`payment ${created.id} for ${created.amount} ${created.currency}, pay code ${created.payCode}`);
      payment = created;
    }

    const entry = args.entry ?? (args.payment !== undefined ? 'voice-url' : 'incoming');
    const startUrl = entry === 'voice-url' ? payment.voiceUrl : incomingUrl(baseUrl, { flow: flowId, locale: args.locale });

    const keys = keySource(script, payment.payCode, io, cleanups);
    if (!args.quiet) out(`calling ${startUrl}`);
    const call = await simulateCall({
      startUrl,
      baseUrl,
      authToken,
      keys,
      out: args.quiet ? () => {} : out,
      ...(payment.payCode !== undefined && { payCode: payment.payCode }),
      ...(process.env.TWILIO_ACCOUNT_SID && { accountSid: process.env.TWILIO_ACCOUNT_SID }),
      ...(!args.quiet && { agentView: async () => describePayment(await api.get(payment.id)) }),
    });
    if (args.quiet && call.error !== undefined) out(`error: ${call.error}`);

    const final = await settle(() => api.get(payment.id));
    out(`payment ${final.id}: ${describePayment(final)}`);

    if (args.expect !== undefined && final.status !== args.expect) {
      out(`expected the payment to end ${args.expect}, but it is ${final.status}`);
      return 1;
    }
    return call.ended === 'error' ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.out(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.out(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        io.out(`warning: cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/** The masked payment on one line, e.g. `capturing · Visa •••• 4242 · expiry ✓ · security code …`. */
export function describePayment(payment: PaymentView): string {
  const { card } = payment;
  // A bank debit shows its account as the API does ("Bank •••• 6789"), and never a card's fields.
  if (payment.method === 'ach') {
    const bank = [payment.status, payment.bankAccount ? `${payment.bankAccount.display}${payment.bankAccount.accountType ? ` (${payment.bankAccount.accountType})` : ''}` : 'bank account …'];
    if (payment.debitAuthorization) bank.push('debit authorised');
    if (payment.reference !== null) bank.push(`reference ${payment.reference}`);
    if (payment.failure !== null) bank.push(`${payment.failure.code}: ${payment.failure.message}`);
    return bank.join(' · ');
  }
  const parts = [
    payment.status,
    card === null ? 'card …' : maskedCardOf(card),
    `expiry ${payment.expiryCaptured ? '✓' : '…'}`,
    `security code ${payment.securityCodeCaptured ? '✓' : '…'}`,
  ];
  if (payment.reference !== null) parts.push(`reference ${payment.reference}`);
  if (payment.failure !== null) parts.push(`${payment.failure.code}: ${payment.failure.message}`);
  return parts.join(' · ');
}

function maskedCardOf(card: { brand: string; last4: string }): string {
  return isCardBrand(card.brand) ? maskedCard(card.brand, card.last4) : `${card.brand} •••• ${card.last4.slice(-4)}`;
}

type Args = ReturnType<typeof readArgs>;

function readArgs(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        'auth-token': { type: 'string' },
        amount: { type: 'string', default: '12.34' },
        currency: { type: 'string', default: 'USD' },
        description: { type: 'string' },
        'account-holder': { type: 'string' },
        locale: { type: 'string' },
        flow: { type: 'string' },
        payment: { type: 'string' },
        entry: { type: 'string' },
        keys: { type: 'string' },
        script: { type: 'string' },
        expect: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        bridge: { type: 'boolean', default: false },
        relay: { type: 'boolean', default: false },
        'no-dtmf-events': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const entry = values.entry;
  if (entry !== undefined && entry !== 'incoming' && entry !== 'voice-url') {
    throw new UsageError(`--entry must be incoming or voice-url, not "${entry}"`);
  }
  if (values.flow !== undefined && values.url !== undefined) {
    throw new UsageError('--flow starts its own gateway with that flow, so it cannot be combined with --url');
  }
  if (values.keys !== undefined && values.script !== undefined) {
    throw new UsageError('give the caller keys with --keys or --script, not both');
  }
  if (values.relay && (values.bridge || values.url !== undefined || values.flow !== undefined || values.payment !== undefined)) {
    throw new UsageError('--relay starts its own relay-mode gateway and call: it cannot be combined with --bridge, --url, --flow or --payment');
  }
  if (values['no-dtmf-events'] && !values.relay) throw new UsageError('--no-dtmf-events is for --relay');
  const expect = values.expect;
  if (expect !== undefined && !(PAYMENT_STATUSES as readonly string[]).includes(expect)) {
    throw new UsageError(`--expect must be one of ${PAYMENT_STATUSES.join(', ')}`);
  }
  return {
    url: values.url,
    apiKey: values['api-key'],
    authToken: values['auth-token'],
    amount: values.amount,
    currency: values.currency,
    description: values.description,
    accountHolder: values['account-holder'],
    locale: values.locale,
    flow: values.flow,
    payment: values.payment,
    entry,
    keys: values.keys,
    script: values.script,
    expect,
    quiet: values.quiet,
    bridge: values.bridge,
    relay: values.relay,
    noDtmfEvents: values['no-dtmf-events'],
    help: values.help,
  };
}

// Read and checked before anything starts, so a typo in the script does not leave a payment behind.
function readKeyScript(args: Args): string[] | undefined {
  let script: string | undefined = args.keys;
  if (args.script !== undefined) {
    try {
      script = readFileSync(args.script, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --script: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (script === undefined) return undefined;
  const tokens = parseKeyScript(script);
  const usesPayCode = tokens.some((token) => token.includes('PAYCODE'));
  if (usesPayCode && args.payment !== undefined) {
    throw new UsageError('PAYCODE is only known for a payment this run creates, not with --payment');
  }
  try {
    scriptedKeys(tokens.map((token) => token.replaceAll('PAYCODE', '000000')));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  return tokens;
}

function keySource(
  tokens: string[] | undefined,
  payCode: string | undefined,
  io: { out: (line: string) => void; input?: NodeJS.ReadableStream },
  cleanups: (() => Promise<void> | void)[],
): KeySource {
  if (tokens !== undefined) {
    return scriptedKeys(tokens.map((token) => (payCode === undefined ? token : token.replaceAll('PAYCODE', payCode))));
  }
  const readline = keypadReadline(io.input ?? process.stdin, process.stdout);
  cleanups.push(() => readline.close());
  io.out('You are the caller: type keys and Enter at each prompt (end with # to press pound).');
  io.out('An empty line is silence; "hangup", Ctrl-D or Ctrl-C hangs up. Digits you type show as •.');
  return interactiveKeys(readline, (message) => io.out(message));
}

// The project's flows come along so the gateway still has its default flow next to the one being tried.
function prepareFlowsDir(flowFile: string, projectFlowsDir: string): { dir: string; flowId: string } {
  const source = resolve(flowFile);
  const flow = loadFlowFile(source);
  const dir = mkdtempSync(join(tmpdir(), 'card-capture-flows-'));
  const projectFlows = resolve(projectFlowsDir);
  if (existsSync(projectFlows)) {
    for (const file of readdirSync(projectFlows).filter((name) => name.endsWith('.json'))) {
      copyFileSync(join(projectFlows, file), join(dir, file));
    }
  }
  // The gateway wants each file named after its flow id, whatever the file being tried is called.
  copyFileSync(source, join(dir, `${flow.id}.json`));
  return { dir, flowId: flow.id };
}

/**
 * The self-service number as a phone number set up for a flow or a language would call it: the
 * caller hears that language from the first prompt, before any pay code names a payment.
 */
function incomingUrl(baseUrl: string, options: { flow: string | undefined; locale: string | undefined }): string {
  const query = new URLSearchParams();
  if (options.flow !== undefined) query.set('flow', options.flow);
  if (options.locale !== undefined) query.set('locale', options.locale);
  const search = query.toString();
  return `${baseUrl}/voice/incoming${search ? `?${search}` : ''}`;
}

function gatewayApi(baseUrl: string, apiKey: string) {
  const request = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${apiKey}`,
        Accept: 'application/json',
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as unknown;
  };
  const parse = <T>(schema: z.ZodType<T>, value: unknown, what: string): T => {
    const result = schema.safeParse(value);
    if (!result.success) throw new Error(`${what} is not the expected payment: ${z.prettifyError(result.error)}`);
    return result.data;
  };
  return {
    create: async (input: Record<string, string>) =>
      parse(createdPaymentSchema, await request('POST', '/api/payments', input), 'POST /api/payments'),
    get: async (id: string) =>
      parse(paymentSchema, await request('GET', `/api/payments/${encodeURIComponent(id)}`), `GET /api/payments/${id}`),
  };
}

// Payment by card finishes a moment after the call may have ended; give it a few seconds to settle.
async function settle(read: () => Promise<PaymentView>): Promise<PaymentView> {
  const deadline = Date.now() + 5000;
  let payment = await read();
  while (payment.status === 'processing' && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 200));
    payment = await read();
  }
  return payment;
}

if (require.main === module) {
  runSimulation(process.argv.slice(2), { out: (line) => process.stdout.write(`${line}\n`) }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
