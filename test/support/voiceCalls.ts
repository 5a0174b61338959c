/** Helpers shared by the voice suites; jest runs only *.test.ts, so this file holds no tests. */
import twilio from 'twilio';
import type { CallSession } from '../../src/core/capture/callSession';
import type { ChargeAnswer, ChargeRequest, ChargeResult, Processor } from '../../src/ports/processor';
import type { CardData, SensitiveField, TokenRefs, Vault } from '../../src/ports/vault';
import { SandboxProcessor, type SandboxProcessorOptions } from '../../src/adapters/processors/sandboxProcessor';
import type { GatewayOptions } from '../../src/app/server';
import { MemoryStore } from '../../src/adapters/store/memoryStore';
import { AUTH_TOKEN, cardKeys, twilioParams, type TestCall, type TestGateway } from './harness';

export interface Card {
  number: string;
  brand: string;
  outcome: string;
}

export { twilioParams };

/** A distinctive part of each decline prompt in flows/default.json (en-US). */
export const DECLINE_PROMPTS: Record<string, string> = {
  card_declined: 'your card was declined.',
  insufficient_funds: 'declined because of insufficient funds',
  incorrect_cvc: 'the security code was not accepted by your bank',
  expired_card: 'your bank reports that this card has expired',
  processing_error: 'because of a processing error',
};


export function sign(url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
}

/** Posts form params straight to the gateway's listening address with whatever signature is given. */
export async function rawPost(tg: TestGateway, path: string, params: Record<string, string>, signature: string | null): Promise<Response> {
  return fetch(tg.gateway.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
    body: new URLSearchParams(params).toString(),
  });
}

/** The turn number a Gather action URL carries. */
export function turnOf(actionUrl: string): number {
  const turn = new URL(actionUrl).searchParams.get('turn');
  if (turn === null) throw new Error(`no turn in ${actionUrl}`);
  return Number(turn);
}

/** The call's stored session with its version, read the way the gateway reads it. */
export async function sessionOf(tg: TestGateway, callSid: string): Promise<{ session: CallSession; version: number } | null> {
  const found = await tg.gateway.store.get(`call:${callSid}`);
  return found ? { session: JSON.parse(found.value) as CallSession, version: found.version } : null;
}

/** Every key at rest for this gateway, without the private prefix: the memory store's or Redis's. */
export async function storedKeys(tg: TestGateway): Promise<string[]> {
  const store = tg.gateway.store;
  if (store instanceof MemoryStore) return [...store.snapshot().keys()];
  // rawRedisValues lists values and keys; only the prefixed entries are keys.
  return (await tg.rawRedisValues()).filter((v) => v.startsWith(tg.prefix)).map((key) => key.slice(tg.prefix.length));
}

/** Vault entries (encrypted values and one-time tokens) still at rest, optionally for one payment. */
export async function vaultKeys(tg: TestGateway, paymentId?: string): Promise<string[]> {
  const keys = (await storedKeys(tg)).filter((key) => key.startsWith('vault:'));
  return paymentId ? keys.filter((key) => key.startsWith(`vault:${paymentId}:`) || key.startsWith('vault:token:')) : keys;
}

/** Security code length the brand needs, and a code of that length. */
export function securityCodeFor(brand: string): string {
  return brand === 'american-express' ? '1234' : '123';
}

/** Types the pay code and waits at the card number prompt. */
export async function enterPayCode(call: TestCall, payCode: string): Promise<void> {
  await call.start();
  await call.press(`${payCode}#`);
  if (!call.saysText().includes('card number')) throw new Error(`not at the card number: ${call.twiml}`);
}

/** Card number, expiry, security code: leaves the call at the confirmation menu. */
export async function enterCard(call: TestCall, number: string, brand: string): Promise<void> {
  const [numberKeys, expiry, code] = cardKeys(number, brand);
  await call.press(numberKeys!);
  await call.press(expiry!);
  await call.press(code!);
  if (!call.saysText().includes('press 1')) throw new Error(`not at the confirmation: ${call.twiml}`);
}

/** The gateway's default hold limit for a charge without an answer. */
export const HOLD_LIMIT_MS = 45_000;

/**
 * From the confirmation menu, for a charge whose answer does not come: confirms with 1, hears that it
 * is still being processed, then moves the gateway's clock past the hold limit and follows the redirect
 * once more, to what the gateway says when it stops holding.
 */
export async function holdPastTheLimit(call: TestCall, clock: { advance(ms: number): void }): Promise<void> {
  await call.press('1');
  expect(call.redirectUrl()).not.toBeNull();
  await call.followRedirect();
  expect(call.saysText()).toContain('still being processed');
  clock.advance(HOLD_LIMIT_MS);
  await call.followRedirect();
}

export interface ChargeLog {
  charges: ChargeRequest[];
  results: ChargeAnswer[];
  /** Charge requests that have come back, with an answer or an error. */
  settled: ChargeRequest[];
  redemptions: number;
}

/**
 * A processor factory for startTestGateway: the real sandbox behind a wrapper that records every
 * charge request and every token redemption, so a test can tell "charged once" from "asked once".
 */
export function countingSandbox(options: SandboxProcessorOptions = {}): { log: ChargeLog; factory: NonNullable<GatewayOptions['processor']> } {
  const log: ChargeLog = { charges: [], results: [], settled: [], redemptions: 0 };
  const factory: NonNullable<GatewayOptions['processor']> = ({ vault, store }) => {
    const countingVault: Vault = {
      put: (paymentId: string, field: SensitiveField, plaintext: string) => vault.put(paymentId, field, plaintext),
      write: (paymentId: string, field: SensitiveField, plaintext: string) => vault.write(paymentId, field, plaintext),
      has: (paymentId: string, ref: string) => vault.has(paymentId, ref),
      issueToken: (paymentId: string, refs: TokenRefs) => vault.issueToken(paymentId, refs),
      redeem: async (token: string): Promise<CardData> => {
        const card = await vault.redeem(token);
        log.redemptions += 1;
        return card;
      },
      discard: (paymentId: string, refs: string[]) => vault.discard(paymentId, refs),
      issueBankToken: (paymentId, refs) => vault.issueBankToken(paymentId, refs),
      redeemBankToken: async (token) => {
        const account = await vault.redeemBankToken(token);
        log.redemptions += 1;
        return account;
      },
      matches: (paymentId, ref, candidate) => vault.matches(paymentId, ref, candidate),
    };
    const sandbox = new SandboxProcessor(countingVault, store, options);
    const processor: Processor = {
      name: 'counting-sandbox',
      units: (amount, currency) => sandbox.units(amount, currency),
      async charge(request) {
        log.charges.push(request);
        try {
          const result = await sandbox.charge(request);
          log.results.push(result);
          return result;
        } finally {
          log.settled.push(request);
        }
      },
    };
    return processor;
  };
  return { log, factory };
}

/** The gateway's 8-digit reference as the caller hears it: two groups of four, digit by digit. */
export function spokenReference(reference: string): string {
  return `${reference.slice(0, 4).split('').join(', ')}. ${reference.slice(4).split('').join(', ')}`;
}
