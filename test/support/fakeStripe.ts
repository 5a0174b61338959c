/**
 * A local, loopback-only HTTP server that answers like Stripe's API for the few endpoints the
 * Stripe adapter calls, deciding outcomes the way Stripe's test cards do. It records every request
 * exactly as received so tests can check form fields and headers.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import cards from '../fixtures/test-cards.json';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  /** The form fields as Stripe's bracket notation names them, e.g. `card[number]`. */
  form: Record<string, string>;
}

/** Stripe's documented test card that always asks for 3-D Secure. */
export const THREE_D_SECURE_CARD = '4000002760003184';
/** Stripe's documented test card whose address (postal code) check fails, though the charge is approved. */
export const POSTAL_CHECK_FAIL_CARD = '4000000000000036';
/** A billing postal code whose check the fake fails on any card, as the sandbox does (test-cards.json). */
export const FAILING_POSTAL_CODE = cards.postalCodes.fails;
export const FAKE_STRIPE_KEY = 'sk_test_fakeStripeKey0123456789';

const OUTCOMES = new Map(cards.cards.map((c) => [c.number, c.outcome]));

/** How Stripe itself reports each test card's decline: `code`, and `decline_code` when the issuer gave one. */
const STRIPE_ERRORS: Record<string, { code: string; decline_code?: string; message: string }> = {
  card_declined: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  insufficient_funds: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  expired_card: { code: 'expired_card', message: 'Your card has expired.' },
  incorrect_cvc: { code: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  processing_error: { code: 'processing_error', message: 'An error occurred while processing your card. Try again in a little bit.' },
};

/** Stripe's failing test bank accounts and the return code of each. */
const BANK_FAILURES: Record<string, string> = {
  '000111111113': 'account_closed',
  '000111111116': 'no_account',
  '000222222227': 'insufficient_funds',
  '000333333335': 'debit_not_authorized',
};

export interface FakeStripe {
  url: string;
  requests: RecordedRequest[];
  /** PaymentIntents created (not replays), by id. */
  intents: Map<string, { amount: number; currency: string; status: string; amount_received?: number }>;
  refunds: Map<string, { amount: number; payment_intent: string }>;
  /** Customers created (not replays), by id. */
  customers: Map<string, { metadata: Record<string, string> }>;
  /** SetupIntents created, by id: the card saved for off-session use, attached to the customer. */
  setupIntents: Map<string, { customer: string; payment_method: string; usage: string; status: string }>;
  /** Mandates of bank debits, by id, with the customer acceptance each was confirmed with. */
  mandates: Map<string, { payment_method: string; customer_acceptance: Record<string, string> }>;
  /**
   * The bank answers every bank debit still processing, by Stripe's test account numbers: 000123456789
   * (and any other) succeeds; 000111111113 account_closed, 000111111116 no_account, 000222222227
   * insufficient_funds, 000333333335 debit_not_authorized leave it requires_payment_method. Answers how many.
   */
  settleBankDebits(): number;
  /** The next n requests answer 500 (Stripe's api_error) before being handled. */
  failNext(n: number): void;
  /**
   * The next n requests to `path` are handled (and their answers kept for their idempotency keys)
   * but never answered: the answer is lost on the way, as on a time-out. Held until `close`.
   */
  loseAnswers(path: string, n: number): void;
  /** The next n PaymentIntents that would succeed answer `processing` instead, as a bank debit does (settled later with `settle`). */
  processNext(n: number): void;
  /** Stripe's webhook deliveries (see FakeStripeEvents). */
  events: FakeStripeEvents;
  close(): Promise<void>;
}

/** One event the fake sent, with the answer it got. */
export interface SentEvent {
  id: string;
  type: string;
  payload: string;
  signature: string | null;
  status: number;
  body: string;
}

export interface SendOptions {
  /** Another event id (a fresh one by default); an earlier event's id makes a replay. */
  id?: string;
  /** The signed timestamp (seconds); now by default. */
  timestamp?: number;
  /** Signs with this secret instead of the endpoint's. */
  secret?: string;
  /** This header instead of the computed one; null sends none. */
  signature?: string | null;
  /** Sends this body instead of the event signed (a body changed after signing). */
  tamper?: (payload: string) => string;
}

/**
 * Stripe's side of webhooks: events about PaymentIntents, signed as Stripe signs them
 * (`Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's secret>`,
 * computed here by hand, not with the library the gateway checks it with), posted to one endpoint.
 */
export interface FakeStripeEvents {
  /**
   * Where events go and the endpoint's signing secret; nothing is sent before. `now` is Stripe's
   * clock for the signed timestamps (the wall clock by default; a test that moves the gateway's
   * clock moves Stripe's with it, as both would be on real time).
   */
  endpoint(url: string, secret: string, now?: () => Date): void;
  sent: SentEvent[];
  /** Sends `type` about the intent as it stands now. */
  send(type: string, intentId: string, options?: SendOptions): Promise<SentEvent>;
  /** Sends one event as it was sent before (same id, body and signature), as Stripe's retries do. */
  resend(event: SentEvent): Promise<SentEvent>;
  /** A `processing` intent is decided: succeeded, or failed (`requires_payment_method` with the error); the event follows. */
  settle(intentId: string, outcome: 'succeeded' | 'failed', error?: { code: string; decline_code?: string; message: string }): Promise<SentEvent>;
  /** An authorisation runs out (Stripe's 7 days): `requires_capture` becomes `canceled`, reason `automatic`; the event follows. */
  expireAuthorization(intentId: string): Promise<SentEvent>;
}

/** `metadata[key]` form fields as an object. */
function metadataOf(form: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(form)
      .map(([name, value]) => [/^metadata\[(.+)\]$/.exec(name)?.[1], value] as const)
      .filter((entry): entry is readonly [string, string] => entry[0] !== undefined),
  );
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/**
 * What the look-up of a lost save reads: customers found by one `metadata['key']:'value'` search clause
 * (as for PaymentIntents), and a customer's SetupIntents, `data.payment_method` expandable.
 */
function registerSaveLookUpRoutes(
  app: express.Express,
  state: {
    customers: Map<string, { metadata: Record<string, string> }>;
    methods: Map<string, { number: string; last4: string; customer?: string; expMonth?: number; expYear?: number }>;
    setupIntentObjects: Map<string, Record<string, unknown>>;
  },
): void {
  app.get('/v1/customers/search', (req, res) => {
    const clause = /^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(String(req.query.query ?? ''));
    if (!clause) {
      res.status(400).json({ error: { type: 'invalid_request_error', message: 'Unsupported search query.' } });
      return;
    }
    const wanted = clause[2]!.replace(/\\(.)/g, '$1');
    const data = [...state.customers.entries()].filter(([, c]) => c.metadata[clause[1]!] === wanted).map(([id, c]) => ({ id, object: 'customer', metadata: c.metadata }));
    res.json({ object: 'search_result', url: '/v1/customers/search', data, has_more: false, next_page: null });
  });

  app.get('/v1/setup_intents', (req, res) => {
    const customer = String(req.query.customer ?? '');
    const expandMethod = Object.entries(req.query).some(([name, value]) => /^expand/.test(name) && [value].flat().includes('data.payment_method'));
    const data = [...state.setupIntentObjects.values()]
      .filter((si) => si.customer === customer)
      .map((si) => {
        const method = state.methods.get(String(si.payment_method));
        return expandMethod && method
          ? { ...si, payment_method: { id: si.payment_method, object: 'payment_method', type: 'card', card: { brand: 'visa', last4: method.last4, exp_month: method.expMonth, exp_year: method.expYear } } }
          : si;
      });
    res.json({ object: 'list', url: '/v1/setup_intents', data, has_more: false });
  });
}

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeStripe(): Promise<FakeStripe> {
  const app = express();
  const requests: RecordedRequest[] = [];
  const methods = new Map<string, { number: string; last4: string; postalCode: string | null; customer?: string; expMonth?: number; expYear?: number; bankAccount?: string }>();
  /** Mandates of bank debits, by id: the customer acceptance Stripe was given. */
  const mandates = new Map<string, { payment_method: string; customer_acceptance: Record<string, string> }>();
  const customers: FakeStripe['customers'] = new Map();
  const setupIntents: FakeStripe['setupIntents'] = new Map();
  /** Every SetupIntent as Stripe would list it now (declined ones too), for the look-up of a lost save. */
  const setupIntentObjects = new Map<string, Record<string, unknown>>();
  const intents: FakeStripe['intents'] = new Map();
  /** Every PaymentIntent as Stripe would return it now, for retrieval and search. */
  const intentObjects = new Map<string, Record<string, unknown>>();
  const refunds: FakeStripe['refunds'] = new Map();
  const idempotent = new Map<string, { path: string; raw: string; status: number; body: unknown }>();
  let failures = 0;
  const lost = { path: '', n: 0 };
  const processing = { n: 0 };
  /** Charges by id, as a PaymentIntent's `latest_charge` expands to. */
  const charges = new Map<string, Record<string, unknown>>();

  app.use(express.text({ type: '*/*' }));
  app.use((req, res, next) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    requests.push({ method: req.method, path: req.path, headers: { ...req.headers }, raw, form: Object.fromEntries(new URLSearchParams(raw)) });
    if (req.get('authorization') !== `Bearer ${FAKE_STRIPE_KEY}`) {
      res.status(401).json({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
      return;
    }
    if (failures > 0) {
      failures -= 1;
      res.status(500).json({ error: { type: 'api_error', message: 'Something went wrong on our end.' } });
      return;
    }
    const loses = lost.n > 0 && req.path === lost.path;
    if (loses) {
      lost.n -= 1;
      // Handled in full, then the answer never leaves: the client sees only its own time-out.
      res.json = () => res;
    }
    // Stripe replays the first answer for a key and refuses the key for different parameters.
    const key = req.get('idempotency-key');
    if (key) {
      const seen = idempotent.get(key);
      if (seen && (seen.path !== req.path || seen.raw !== raw)) {
        res.status(400).json({ error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters.' } });
        return;
      }
      if (seen) {
        res.set('idempotent-replayed', 'true').status(seen.status).json(seen.body);
        return;
      }
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        idempotent.set(key, { path: req.path, raw, status: res.statusCode, body });
        return loses ? res : json(body);
      };
    }
    next();
  });

  app.post('/v1/payment_methods', (req, res) => {
    const form = Object.fromEntries(new URLSearchParams(req.body as string));
    if (form.type === 'us_bank_account') {
      // Stripe's refusals: a bank account needs its holder's name, both numbers and a valid routing number.
      const missing = ['billing_details[name]', 'us_bank_account[routing_number]', 'us_bank_account[account_number]'].find((name) => !form[name]);
      if (missing) {
        res.status(400).json({ error: { type: 'invalid_request_error', code: 'parameter_missing', param: missing, message: `Missing required param: ${missing}.` } });
        return;
      }
      const accountNumber = form['us_bank_account[account_number]']!;
      const pm = id('pm');
      methods.set(pm, { number: '', last4: accountNumber.slice(-4), postalCode: null, bankAccount: accountNumber });
      res.json({
        id: pm,
        object: 'payment_method',
        type: 'us_bank_account',
        billing_details: { name: form['billing_details[name]'] },
        us_bank_account: { bank_name: 'STRIPE TEST BANK', last4: accountNumber.slice(-4), account_type: form['us_bank_account[account_type]'] ?? 'checking', routing_number: form['us_bank_account[routing_number]'] },
        livemode: false,
      });
      return;
    }
    const number = form['card[number]'] ?? '';
    const pm = id('pm');
    const postalCode = form['billing_details[address][postal_code]'] ?? null;
    methods.set(pm, { number, last4: number.slice(-4), postalCode, expMonth: Number(form['card[exp_month]']), expYear: Number(form['card[exp_year]']) });
    res.json({
      id: pm,
      object: 'payment_method',
      type: 'card',
      card: { brand: 'visa', last4: number.slice(-4), exp_month: Number(form['card[exp_month]']), exp_year: Number(form['card[exp_year]']) },
      livemode: false,
    });
  });

  // Detaching ends a saved card: its customer lets go of it, and Stripe refuses any later charge of it.
  app.post('/v1/payment_methods/:id/detach', (req, res) => {
    const method = methods.get(req.params.id);
    if (!method) {
      res.status(404).json({ error: { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_method', message: `No such PaymentMethod: '${req.params.id}'` } });
      return;
    }
    if (method.customer === undefined) {
      res.status(400).json({ error: { type: 'invalid_request_error', message: 'The payment method you provided is not attached to a customer so detachment is impossible.' } });
      return;
    }
    delete method.customer;
    res.json({ id: req.params.id, object: 'payment_method', type: 'card', customer: null, livemode: false });
  });

  app.post('/v1/customers', (req, res) => {
    const form = Object.fromEntries(new URLSearchParams(req.body as string));
    const cus = id('cus');
    customers.set(cus, { metadata: metadataOf(form) });
    res.json({ id: cus, object: 'customer', metadata: metadataOf(form), livemode: false });
  });

  // A SetupIntent confirmed at once: the card is checked as a charge would check it (a card declining
  // every charge is refused; one short of funds still saves), then attached to the customer.
  app.post('/v1/setup_intents', (req, res) => {
    const form = Object.fromEntries(new URLSearchParams(req.body as string));
    const method = methods.get(form.payment_method ?? '');
    if (!method) {
      res.status(400).json({ error: { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_method', message: 'No such PaymentMethod.' } });
      return;
    }
    if (!form.customer || !customers.has(form.customer)) {
      res.status(400).json({ error: { type: 'invalid_request_error', code: 'resource_missing', param: 'customer', message: 'No such customer.' } });
      return;
    }
    if (form.usage !== undefined && form.usage !== 'off_session' && form.usage !== 'on_session') {
      res.status(400).json({ error: { type: 'invalid_request_error', param: 'usage', message: 'Invalid usage.' } });
      return;
    }
    const seti = id('seti');
    const base = { id: seti, object: 'setup_intent', customer: form.customer, payment_method: form.payment_method, usage: form.usage ?? 'off_session', metadata: metadataOf(form), livemode: false };
    const outcome = OUTCOMES.get(method.number) ?? 'succeeded';
    if (method.number === THREE_D_SECURE_CARD) {
      setupIntents.set(seti, { customer: form.customer, payment_method: form.payment_method!, usage: base.usage, status: 'requires_action' });
      res.json({ ...base, status: 'requires_action' });
      return;
    }
    if (outcome !== 'succeeded' && outcome !== 'insufficient_funds') {
      const error = STRIPE_ERRORS[outcome]!;
      setupIntentObjects.set(seti, { ...base, status: 'requires_payment_method', last_setup_error: { type: 'card_error', ...error } });
      res.status(402).json({ error: { type: 'card_error', ...error, setup_intent: { ...base, status: 'requires_payment_method' } } });
      return;
    }
    if (form.confirm === 'true') method.customer = form.customer;
    const status = form.confirm === 'true' ? 'succeeded' : 'requires_confirmation';
    setupIntents.set(seti, { customer: form.customer, payment_method: form.payment_method!, usage: base.usage, status });
    setupIntentObjects.set(seti, { ...base, status });
    res.json({ ...base, status });
  });

  registerSaveLookUpRoutes(app, { customers, methods, setupIntentObjects });

  app.post('/v1/payment_intents', (req, res) => {
    const form = Object.fromEntries(new URLSearchParams(req.body as string));
    const method = methods.get(form.payment_method ?? '');
    if (!method) {
      res.status(400).json({ error: { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_method', message: 'No such PaymentMethod.' } });
      return;
    }
    // Stripe's refusals of an off-session charge: a PaymentMethod must belong to the customer named,
    // and one attached to a customer cannot be charged without that customer.
    if (form.customer !== undefined && method.customer !== form.customer) {
      res.status(400).json({ error: { type: 'invalid_request_error', param: 'payment_method', message: `The provided PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.` } });
      return;
    }
    if (form.off_session === 'true' && (!form.customer || form.confirm !== 'true')) {
      res.status(400).json({ error: { type: 'invalid_request_error', param: form.customer ? 'confirm' : 'customer', message: 'off_session charges need a customer with an attached PaymentMethod, and confirm=true.' } });
      return;
    }
    if (method.customer !== undefined && form.customer === undefined) {
      res.status(400).json({ error: { type: 'invalid_request_error', param: 'customer', message: 'The PaymentMethod is attached to a Customer: pass the customer too.' } });
      return;
    }
    const pi = id('pi');
    const amount = Number(form.amount);
    const currency = form.currency ?? '';
    const metadata = Object.fromEntries(
      Object.entries(form)
        .map(([name, value]) => [/^metadata\[(.+)\]$/.exec(name)?.[1], value] as const)
        .filter((entry): entry is readonly [string, string] => entry[0] !== undefined),
    );
    const base = { id: pi, object: 'payment_intent', amount, currency, payment_method: form.payment_method, metadata, livemode: false };
    if (method.bankAccount !== undefined) {
      // Stripe's refusals of a bank debit: without mandate data (the customer's acceptance) it cannot
      // be confirmed; a PaymentIntent must allow us_bank_account; and only USD moves over ACH.
      const acceptance = Object.fromEntries(
        Object.entries(form)
          .map(([name, value]) => [/^mandate_data\[customer_acceptance\]\[(.+)\]$/.exec(name)?.[1], value] as const)
          .filter((entry): entry is readonly [string, string] => entry[0] !== undefined),
      );
      if (form.confirm === 'true' && !acceptance.type) {
        res.status(400).json({ error: { type: 'invalid_request_error', code: 'parameter_missing', param: 'mandate_data', message: 'A mandate is required to confirm a us_bank_account PaymentIntent: pass mandate_data[customer_acceptance].' } });
        return;
      }
      if (!Object.entries(form).some(([name, value]) => /^(allowed_)?payment_method_types\[\d*\]$/.test(name) && value === 'us_bank_account')) {
        res.status(400).json({ error: { type: 'invalid_request_error', param: 'payment_method_types', message: 'The PaymentMethod is a us_bank_account, which this PaymentIntent does not allow.' } });
        return;
      }
      if (currency !== 'usd') {
        res.status(400).json({ error: { type: 'invalid_request_error', param: 'currency', message: 'us_bank_account debits must be in usd.' } });
        return;
      }
      const mandate = id('mandate');
      mandates.set(mandate, { payment_method: form.payment_method!, customer_acceptance: acceptance });
      // A bank debit is never settled at once: it stays processing until the bank answers (settleBankDebits).
      intents.set(pi, { amount, currency, status: 'processing' });
      intentObjects.set(pi, { ...base, status: 'processing', payment_method_types: ['us_bank_account'], mandate });
      res.json(intentObjects.get(pi));
      return;
    }
    if (method.number === THREE_D_SECURE_CARD) {
      intents.set(pi, { amount, currency, status: 'requires_action' });
      intentObjects.set(pi, { ...base, status: 'requires_action', next_action: { type: 'use_stripe_sdk' } });
      res.json(intentObjects.get(pi));
      return;
    }
    const outcome = OUTCOMES.get(method.number) ?? 'succeeded';
    if (outcome === 'succeeded') {
      // Approved even when the address check fails, as Stripe does without a Radar rule blocking it;
      // `capture_method=manual` leaves the charge authorized (requires_capture).
      const held = processing.n > 0;
      if (held) processing.n -= 1;
      const status = held ? 'processing' : form.capture_method === 'manual' ? 'requires_capture' : 'succeeded';
      const postalCheck = method.postalCode === null ? null : method.number === POSTAL_CHECK_FAIL_CARD || method.postalCode === FAILING_POSTAL_CODE ? 'fail' : 'pass';
      const charge = {
        id: id('ch'),
        object: 'charge',
        amount,
        currency,
        captured: status === 'succeeded',
        payment_intent: pi,
        payment_method_details: { type: 'card', card: { last4: method.last4, checks: { address_line1_check: null, address_postal_code_check: postalCheck, cvc_check: 'pass' } } },
      };
      charges.set(charge.id, charge);
      intents.set(pi, { amount, currency, status });
      // Authorised only (manual): the amount is held until captured or canceled.
      const manual = status === 'requires_capture' ? { capture_method: 'manual', amount_capturable: amount, amount_received: 0 } : {};
      intentObjects.set(pi, { ...base, status, ...manual, latest_charge: charge.id });
      const expanded = Object.entries(form).some(([name, value]) => /^expand\[\d*\]$/.test(name) && value === 'latest_charge');
      res.json(expanded ? { ...intentObjects.get(pi), latest_charge: charge } : intentObjects.get(pi));
      return;
    }
    intents.set(pi, { amount, currency, status: 'requires_payment_method' });
    const error = STRIPE_ERRORS[outcome]!;
    intentObjects.set(pi, { ...base, status: 'requires_payment_method', last_payment_error: { type: 'card_error', ...error } });
    res.status(402).json({
      error: {
        type: 'card_error',
        ...error,
        charge: id('ch'),
        doc_url: `https://stripe.com/docs/error-codes/${error.code}`,
        payment_intent: { ...base, status: 'requires_payment_method' },
      },
    });
  });

  // Stripe's search language, as far as the adapter uses it: one `metadata['key']:'value'` clause.
  app.get('/v1/payment_intents/search', (req, res) => {
    const query = String(req.query.query ?? '');
    const clause = /^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(query);
    if (!clause) {
      res.status(400).json({ error: { type: 'invalid_request_error', message: `Unsupported search query: ${query}` } });
      return;
    }
    const [, key, value] = clause;
    const wanted = value!.replace(/\\(.)/g, '$1');
    const found = [...intentObjects.values()].filter((pi) => (pi.metadata as Record<string, string>)[key!] === wanted);
    // `expand[]=data.latest_charge` puts each intent's charge (with its address check) in place of its id.
    const expandCharges = Object.entries(req.query).some(([name, value]) => /^expand/.test(name) && [value].flat().includes('data.latest_charge'));
    const data = expandCharges ? found.map((pi) => ({ ...pi, latest_charge: charges.get(pi.latest_charge as string) ?? pi.latest_charge ?? null })) : found;
    res.json({ object: 'search_result', url: '/v1/payment_intents/search', data, has_more: false, next_page: null });
  });

  // Stripe captures only an intent in requires_capture, and never more than it authorised.
  app.post('/v1/payment_intents/:id/capture', (req, res) => {
    const form = Object.fromEntries(new URLSearchParams(req.body as string));
    const intent = intents.get(req.params.id);
    const object = intentObjects.get(req.params.id);
    if (!intent || !object) {
      res.status(404).json({ error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent.' } });
      return;
    }
    if (intent.status !== 'requires_capture') {
      res.status(400).json({
        error: {
          type: 'invalid_request_error',
          code: 'payment_intent_unexpected_state',
          message: `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
        },
      });
      return;
    }
    const amount = form.amount_to_capture ? Number(form.amount_to_capture) : intent.amount;
    if (!Number.isInteger(amount) || amount > intent.amount || amount < 1) {
      res.status(400).json({
        error: { type: 'invalid_request_error', code: 'amount_too_large', param: 'amount_to_capture', message: 'The amount to capture cannot be greater than the amount capturable.' },
      });
      return;
    }
    intent.status = 'succeeded';
    intent.amount_received = amount;
    Object.assign(object, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
    res.json(object);
  });

  app.post('/v1/payment_intents/:id/cancel', (req, res) => {
    const intent = intents.get(req.params.id);
    if (!intent) {
      res.status(404).json({ error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent.' } });
      return;
    }
    if (intent.status === 'succeeded' || intent.status === 'canceled') {
      res.status(400).json({
        error: { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.` },
      });
      return;
    }
    intent.status = 'canceled';
    const object = intentObjects.get(req.params.id);
    if (object) object.status = 'canceled';
    res.json({ id: req.params.id, object: 'payment_intent', status: 'canceled', amount: intent.amount, currency: intent.currency });
  });

  app.post('/v1/refunds', (req, res) => {
    const form = Object.fromEntries(new URLSearchParams(req.body as string));
    const intent = intents.get(form.payment_intent ?? '');
    if (!intent || intent.status !== 'succeeded') {
      res.status(400).json({ error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent.' } });
      return;
    }
    const already = [...refunds.values()].filter((r) => r.payment_intent === form.payment_intent).reduce((s, r) => s + r.amount, 0);
    const received = intent.amount_received ?? intent.amount;
    const amount = form.amount ? Number(form.amount) : received - already;
    if (amount + already > received) {
      res.status(400).json({ error: { type: 'invalid_request_error', code: 'charge_already_refunded', message: 'Refund amount is greater than the unrefunded amount.' } });
      return;
    }
    const re = id('re');
    refunds.set(re, { amount, payment_intent: form.payment_intent! });
    res.json({ id: re, object: 'refund', amount, currency: intent.currency, payment_intent: form.payment_intent, status: 'succeeded' });
  });

  serveIntentRetrieval(app, intentObjects, charges);

  app.use((req, res) => {
    res.status(404).json({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.path}).` } });
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    intents,
    refunds,
    customers,
    setupIntents,
    mandates,
    settleBankDebits() {
      let settled = 0;
      for (const [pi, object] of intentObjects) {
        if (object.status !== 'processing') continue;
        const account = methods.get(String(object.payment_method))?.bankAccount ?? '';
        const failure = BANK_FAILURES[account];
        const status = failure ? 'requires_payment_method' : 'succeeded';
        Object.assign(object, { status, ...(failure ? { last_payment_error: { type: 'invalid_request_error', code: failure, message: `The bank returned the debit: ${failure}.` } } : { amount_received: object.amount }) });
        intents.set(pi, { ...intents.get(pi)!, status });
        settled += 1;
      }
      return settled;
    },
    failNext(n) {
      failures = n;
    },
    loseAnswers(path, n) {
      lost.path = path;
      lost.n = n;
    },
    processNext(n) {
      processing.n = n;
    },
    events: fakeStripeEvents(intents, intentObjects),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** `GET /v1/payment_intents/:id`: the intent as it stands, its latest charge expanded on `expand[]=latest_charge`. */
function serveIntentRetrieval(app: express.Express, intentObjects: Map<string, Record<string, unknown>>, charges: Map<string, Record<string, unknown>>): void {
  app.get('/v1/payment_intents/:id', (req, res) => {
    const object = intentObjects.get(req.params.id);
    if (!object) {
      res.status(404).json({ error: { type: 'invalid_request_error', code: 'resource_missing', param: 'intent', message: `No such payment_intent: '${req.params.id}'` } });
      return;
    }
    const expand = Object.entries(req.query).some(([name, value]) => /^expand/.test(name) && [value].flat().includes('latest_charge'));
    res.json(expand ? { ...object, latest_charge: charges.get(object.latest_charge as string) ?? object.latest_charge ?? null } : object);
  });
}

/** Stripe's signature of `payload` at `timestamp` under `secret`. */
export function stripeSignature(payload: string, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex')}`;
}

function fakeStripeEvents(intents: FakeStripe['intents'], intentObjects: Map<string, Record<string, unknown>>): FakeStripeEvents {
  let target: { url: string; secret: string; now: () => Date } | null = null;
  const sent: SentEvent[] = [];

  const post = async (event: Omit<SentEvent, 'status' | 'body'>, body: string): Promise<SentEvent> => {
    if (!target) throw new Error('fake Stripe: no webhook endpoint set (events.endpoint)');
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)', ...(event.signature === null ? {} : { 'stripe-signature': event.signature }) },
      body,
    });
    const delivered: SentEvent = { ...event, payload: body, status: res.status, body: await res.text() };
    sent.push(delivered);
    return delivered;
  };

  const intentOf = (intentId: string) => {
    const intent = intents.get(intentId);
    const object = intentObjects.get(intentId);
    if (!intent || !object) throw new Error(`fake Stripe: no PaymentIntent ${intentId}`);
    return { intent, object };
  };

  const events: FakeStripeEvents = {
    sent,
    endpoint(url, secret, now = () => new Date()) {
      target = { url, secret, now };
    },
    async send(type, intentId, options = {}) {
      if (!target) throw new Error('fake Stripe: no webhook endpoint set (events.endpoint)');
      const { object } = intentOf(intentId);
      const timestamp = options.timestamp ?? Math.floor(target.now().getTime() / 1000);
      const eventId = options.id ?? id('evt');
      const payload = JSON.stringify(
        {
          id: eventId,
          object: 'event',
          api_version: '2025-01-27.acacia',
          created: timestamp,
          type,
          livemode: false,
          pending_webhooks: 1,
          request: { id: null, idempotency_key: null },
          data: { object: { ...object } },
        },
        null,
        2,
      );
      const signature = options.signature !== undefined ? options.signature : stripeSignature(payload, options.secret ?? target.secret, timestamp);
      return post({ id: eventId, type, payload, signature }, options.tamper ? options.tamper(payload) : payload);
    },
    resend(event) {
      return post(event, event.payload);
    },
    async settle(intentId, outcome, error = { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' }) {
      const { intent, object } = intentOf(intentId);
      if (intent.status !== 'processing') throw new Error(`fake Stripe: ${intentId} is ${intent.status}, not processing`);
      if (outcome === 'succeeded') {
        intent.status = 'succeeded';
        intent.amount_received = intent.amount;
        Object.assign(object, { status: 'succeeded', amount_received: intent.amount });
        return events.send('payment_intent.succeeded', intentId);
      }
      intent.status = 'requires_payment_method';
      Object.assign(object, { status: 'requires_payment_method', last_payment_error: { type: 'card_error', ...error } });
      return events.send('payment_intent.payment_failed', intentId);
    },
    async expireAuthorization(intentId) {
      const { intent, object } = intentOf(intentId);
      if (intent.status !== 'requires_capture') throw new Error(`fake Stripe: ${intentId} is ${intent.status}, not requires_capture`);
      intent.status = 'canceled';
      Object.assign(object, { status: 'canceled', cancellation_reason: 'automatic', canceled_at: Math.floor(Date.now() / 1000), amount_capturable: 0 });
      return events.send('payment_intent.canceled', intentId);
    },
  };
  return events;
}
