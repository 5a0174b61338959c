/**
 * A business's own processor endpoint as the generic connector expects one, on loopback: it checks
 * the signature over the raw body, charges once per idempotency key, and answers with the test
 * cards' outcomes from the fixtures.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SIGNATURE_HEADER, verifyConnectorSignature } from '../../src/adapters/processors/connectorSignature';
import cards from '../fixtures/test-cards.json';

export const CONNECTOR_SECRET = 'connector-secret-0123456789abcdef-0123456789';

const OUTCOMES = new Map(cards.cards.map((c) => [c.number, c.outcome]));

export interface ReceivedRequest {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: any;
  /** What the signature check said. */
  signature: ReturnType<typeof verifyConnectorSignature>;
}

export interface ConnectorReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Charges actually made (not replays), by idempotency key. */
  charged: Map<string, { amountMinor: number; reference: string }>;
  refunded: Map<string, { amountMinor: number; paymentReference: string; reference: string }>;
  /** Authorisations (`capture: "manual"` charges) by reference, and what became of them. */
  authorizations: Map<string, { amountMinor: number; status: 'authorized' | 'captured' | 'voided'; capturedMinor: number }>;
  /** Cards kept for `tokenize` requests, by the token answered (the receiver plays the business's processor). */
  tokens: Map<string, { number: string }>;
  /** Bank debits (`type: "ach"`) submitted, by idempotency key: the account's last 4 and the acceptance sent. */
  debits: Map<string, { last4: string; reference: string; authorization: Record<string, unknown> }>;
  /**
   * The bank answers every submitted debit by Stripe's test accounts (000111111113 account_closed,
   * 000111111116 no_account, 000222222227 insufficient_funds, 000333333335 debit_not_authorized; any
   * other settles): a `status` request then hears it. Answers how many.
   */
  settleBankDebits(): number;
  /** The next n requests answer this HTTP status before being handled (e.g. 503, 400). */
  failNext(n: number, status: number): void;
  /** The next request is held this long before it is answered. */
  delayNext(ms: number): void;
  /** The next request is answered with this JSON instead of a decision. */
  answerNextWith(body: unknown): void;
  /**
   * The next n requests (replays included) are handled in full, their decision kept for their
   * idempotency key, but answered 502, as a proxy in front that timed out: the answer is lost.
   */
  loseAnswers(n: number): void;
  close(): Promise<void>;
}

/** Starts the receiver on 127.0.0.1 and a free port. */
export async function startConnectorReceiver(): Promise<ConnectorReceiver> {
  const app = express();
  const received: ReceivedRequest[] = [];
  const charged: ConnectorReceiver['charged'] = new Map();
  const refunded: ConnectorReceiver['refunded'] = new Map();
  const authorizations: ConnectorReceiver['authorizations'] = new Map();
  const answers = new Map<string, unknown>();
  const tokens: ConnectorReceiver['tokens'] = new Map();
  const debits: ConnectorReceiver['debits'] = new Map();
  /** Submitted debits still settling: their account numbers, kept by this stand-in bank. */
  const settling = new Map<string, string>();
  let failures: { n: number; status: number } = { n: 0, status: 500 };
  let delayMs = 0;
  let canned: unknown;
  let lost = 0;

  // The signature covers the exact bytes sent, so the body is read raw and parsed only after the check.
  app.post('/charge', express.text({ type: 'application/json' }), async (req, res) => {
    const raw = String(req.body);
    const signature = verifyConnectorSignature(CONNECTOR_SECRET, req.get(SIGNATURE_HEADER), raw);
    const body = JSON.parse(raw);
    received.push({ headers: { ...req.headers }, raw, body, signature });
    if (!signature.ok) {
      res.status(401).json({ error: 'bad signature' });
      return;
    }
    if (lost > 0) {
      lost -= 1;
      const send = res.json.bind(res);
      res.json = () => {
        res.status(502);
        return send({ error: 'the upstream answer was lost' });
      };
    }
    if (delayMs > 0) {
      const wait = delayMs;
      delayMs = 0;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (failures.n > 0) {
      failures = { ...failures, n: failures.n - 1 };
      res.status(failures.status).json({ error: 'try later' });
      return;
    }
    if (canned !== undefined) {
      const answer = canned;
      canned = undefined;
      res.json(answer);
      return;
    }
    const key = String(body.idempotencyKey);
    if (body.type === 'status' && settling.has(key)) {
      res.json({ status: 'processing' });
      return;
    }
    const replay = answers.get(key);
    if (replay) {
      res.json(replay);
      return;
    }
    if (body.type === 'status') {
      // A charge this receiver never decided: nothing to replay yet.
      res.json({ status: 'unknown' });
      return;
    }
    let answer: unknown;
    if (body.type === 'ach') {
      // A bank debit is submitted, never settled at once, and only with the caller's acceptance.
      if (!body.authorization?.acceptedAt || !body.bankAccount?.holderName) {
        res.status(400).json({ error: 'a debit needs the account holder and the authorisation' });
        return;
      }
      const reference = `ach_${randomBytes(6).toString('hex')}`;
      debits.set(key, { last4: String(body.bankAccount.accountNumber).slice(-4), reference, authorization: body.authorization });
      settling.set(key, String(body.bankAccount.accountNumber));
      answer = { status: 'processing', reference };
    } else if (body.type === 'capture' || body.type === 'void') {
      // Like a processor: only an authorisation still held, and never more than it holds.
      const ref = String(body.type === 'capture' ? body.capture.paymentReference : body.void.paymentReference);
      const auth = authorizations.get(ref);
      if (!auth || auth.status !== 'authorized') {
        res.json({ status: 'declined', message: 'No authorisation to settle.' });
        return;
      }
      if (body.type === 'capture' && body.capture.amountMinor > auth.amountMinor) {
        res.json({ status: 'declined', message: 'Above the authorised amount.' });
        return;
      }
      if (body.type === 'capture') authorizations.set(ref, { ...auth, status: 'captured', capturedMinor: body.capture.amountMinor });
      else authorizations.set(ref, { ...auth, status: 'voided' });
      answer = { status: 'approved' };
    } else if (body.type === 'refund') {
      const reference = `rf_${randomBytes(6).toString('hex')}`;
      refunded.set(key, { amountMinor: body.refund.amountMinor, paymentReference: body.refund.paymentReference, reference });
      answer = { status: 'approved', reference };
    } else if (body.type === 'detokenize') {
      // The business's processor forgets the card: a later charge of the token is declined.
      tokens.delete(String(body.paymentMethod.token));
      answer = { status: 'deleted' };
    } else if (body.type === 'tokenize') {
      const token = `tok_${randomBytes(8).toString('hex')}`;
      tokens.set(token, { number: body.card.number });
      answer = { status: 'saved', token, customer: `cust_${randomBytes(4).toString('hex')}`, expMonth: body.card.expMonth, expYear: body.card.expYear };
    } else if (body.paymentMethod) {
      // A charge of a saved card: the token names the card, and no card data comes with it.
      const saved = tokens.get(String(body.paymentMethod.token));
      const outcome = saved ? (OUTCOMES.get(saved.number) ?? 'succeeded') : 'card_declined';
      if (outcome === 'succeeded') {
        const reference = `ch_${randomBytes(6).toString('hex')}`;
        charged.set(key, { amountMinor: body.payment.amountMinor, reference });
        answer = { status: 'approved', reference };
      } else {
        answer = { status: 'declined', declineCode: outcome, message: `Declined: ${outcome}` };
      }
    } else {
      const outcome = OUTCOMES.get(body.card.number) ?? 'succeeded';
      if (outcome === 'succeeded' && body.card.postalCode === cards.postalCodes.fails) {
        // The address check failed: the receiver takes no money and says why.
        answer = { status: 'declined', declineCode: 'incorrect_zip', message: 'Declined: incorrect_zip' };
      } else if (outcome === 'succeeded' && body.payment.capture === 'manual') {
        const reference = `au_${randomBytes(6).toString('hex')}`;
        authorizations.set(reference, { amountMinor: body.payment.amountMinor, status: 'authorized', capturedMinor: 0 });
        answer = { status: 'authorized', reference };
      } else if (outcome === 'succeeded') {
        const reference = `ch_${randomBytes(6).toString('hex')}`;
        charged.set(key, { amountMinor: body.payment.amountMinor, reference });
        answer = { status: 'approved', reference };
      } else {
        answer = { status: 'declined', declineCode: outcome, message: `Declined: ${outcome}` };
      }
    }
    answers.set(key, answer);
    res.json(answer);
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/charge`,
    received,
    charged,
    refunded,
    authorizations,
    tokens,
    debits,
    settleBankDebits() {
      const failures: Record<string, string> = {
        '000111111113': 'account_closed',
        '000111111116': 'no_account',
        '000222222227': 'insufficient_funds',
        '000333333335': 'debit_not_authorized',
      };
      let settled = 0;
      for (const [key, account] of settling) {
        const code = failures[account];
        const reference = debits.get(key)!.reference;
        answers.set(key, code ? { status: 'declined', reference, declineCode: code, message: `Returned: ${code}` } : { status: 'approved', reference });
        settling.delete(key);
        settled += 1;
      }
      return settled;
    },
    failNext(n, status) {
      failures = { n, status };
    },
    delayNext(ms) {
      delayMs = ms;
    },
    answerNextWith(body) {
      canned = body;
    },
    loseAnswers(n) {
      lost = n;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
