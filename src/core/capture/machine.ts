import { createHash } from 'node:crypto';
import { and, assertEvent, assign, enqueueActions, setup } from 'xstate';
import { accountTypeOfKey, checkAccountNumber, type AccountType } from '../domain/bankAccount';
import { checkCardNumber, securityCodeLength } from '../domain/cardNumber';
import { checkRoutingNumber } from '../domain/routingNumber';
import { checkExpiry } from '../domain/expiry';
import { checkPostalCode } from '../domain/postalCode';
import { checkSecurityCode } from '../domain/securityCode';
import type { CardBrand } from '../domain/cardBrand';
import type { PromptKey } from '../flows/promptKeys';
import { BANK_FIELDS, CAPTURE_FIELDS, fieldsOf, type CaptureField, type Flow } from '../flows/schema';
import type { CaptureTag } from './meaning';
import type { DebitAuthorization } from '../payments/debitAuthorization';
import type { CaptureContext, CaptureEmitted, CaptureEvent, CaptureInput, Failure, Notice, VaultedField } from './types';

/** The steps that count tries: the pay code, each field, and every keypad menu ("press 1…"). */
type Step = keyof Flow['tries'];

/**
 * State names, for the machine itself and its tests. Everything else reads what a state means from
 * its tags (`meaningOf`), never from its name.
 */
export const STATE = {
  start: 'start',
  collectingPayCode: 'collectingPayCode',
  collectingCardNumber: 'collectingCardNumber',
  collectingExpiry: 'collectingExpiry',
  collectingSecurityCode: 'collectingSecurityCode',
  /** Flows with a `postalCode` rule: the billing postal code, after the card's fields. */
  collectingPostalCode: 'collectingPostalCode',
  /** Bank-debit flows: the routing number, the account number twice, the account type. */
  collectingRoutingNumber: 'collectingRoutingNumber',
  collectingAccountNumber: 'collectingAccountNumber',
  collectingAccountNumberAgain: 'collectingAccountNumberAgain',
  collectingAccountType: 'collectingAccountType',
  /** Bank-debit flows: the spoken authorisation, which the caller accepts with 1. */
  authorizing: 'authorizing',
  awaitingAgent: 'awaitingAgent',
  /** Agent-guided flows: no field is asked; the agent asks for one next, or charges. */
  awaitingRequest: 'awaitingRequest',
  confirming: 'confirming',
  /** A `save_card` payment: the caller is asked to save the card; there is no amount to confirm. */
  confirmingSave: 'confirmingSave',
  processing: 'processing',
  /** The call ended before the processor answered; the result is recorded when it arrives. */
  deferred: 'deferred',
  /** A bank debit was submitted: the caller heard so, and the payment stays processing until the bank settles it. */
  submitted: 'submitted',
  declined: 'declined',
  succeeded: 'succeeded',
  completed: 'completed',
  failed: 'failed',
  canceled: 'canceled',
  abandoned: 'abandoned',
  hungUp: 'hungUp',
  /** Turned away before any capture: no payment the call may take, or a fault. */
  refused: 'refused',
} as const;

export type CaptureStateName = (typeof STATE)[keyof typeof STATE];

const FIELD_STATES: Readonly<Record<CaptureField, CaptureStateName>> = {
  cardNumber: STATE.collectingCardNumber,
  expiry: STATE.collectingExpiry,
  securityCode: STATE.collectingSecurityCode,
  postalCode: STATE.collectingPostalCode,
  routingNumber: STATE.collectingRoutingNumber,
  accountNumber: STATE.collectingAccountNumber,
  accountNumberAgain: STATE.collectingAccountNumberAgain,
  accountType: STATE.collectingAccountType,
};

/** The state that collects a field. */
export function fieldState(field: CaptureField): CaptureStateName {
  return FIELD_STATES[field];
}

/** The fields whose accepted value goes to the vault: the account number's repeat is only compared, the account type is no secret. */
function vaulted(field: CaptureField): field is VaultedField {
  return field !== 'accountNumberAgain' && field !== 'accountType';
}

/**
 * A final state that stays final. `transition()` on a stored snapshot does not check that the
 * capture is done, so without this the root hang-up handler would still move an ended capture to
 * `hungUp` and turn, say, a completed payment into a failed one.
 */
const ENDED = { type: 'final', on: { 'call.hungUp': {}, 'call.dropped': {}, 'agent.canceled': {} } } as const;

/**
 * The verdict on a typed field. The machine raises it itself once it has checked the entry, so each
 * entry is checked once per turn and the transition that follows reads the verdict.
 */
type FieldVerdict =
  | { type: 'field.accepted'; brand?: CardBrand; last4?: string; at: string; bankLast4?: string; accountType?: AccountType }
  | { type: 'field.rejected'; problem: string; brand?: CardBrand };

/** A bank's reasons for refusing a debit, which a card flow has no words for. */
const BANK_DECLINE_CODES: ReadonlySet<string> = new Set(['account_closed', 'no_account', 'debit_not_authorized', 'invalid_bank_account']);

const TOO_MANY_ATTEMPTS: Failure = { code: 'too_many_attempts', message: 'The caller ran out of tries.' };
const HUNG_UP: Failure = { code: 'caller_hung_up', message: 'The caller hung up before the payment was made.' };
const LINE_DROPPED: Failure = { code: 'caller_line_dropped', message: "The caller's line dropped before the payment was made." };

function notice(key: PromptKey, brand?: CardBrand): Notice {
  return brand ? { key, brand } : { key };
}

/** The opening words: a payment's amount, or (saving a card) no amount at all. */
function introKey(payment: CaptureContext['payment']): PromptKey {
  return payment?.intent === 'save_card' ? 'intro.save' : 'intro';
}

/** What the caller hears on approval: the charge's reference, or that the card was saved and its reference. */
function approvedKey(payment: CaptureContext['payment']): PromptKey {
  return payment?.intent === 'save_card' ? 'saved' : 'approved';
}

function noneCaptured(bankDebit: boolean): CaptureContext['captured'] {
  const card = { cardNumber: false, expiry: false, securityCode: false, postalCode: false };
  return bankDebit ? { ...card, routingNumber: false, accountNumber: false, accountNumberAgain: false, accountType: false } : card;
}

type FieldCheck =
  | { ok: true; brand?: CardBrand; last4?: string; bankLast4?: string; accountType?: AccountType }
  | { ok: false; problem: string; brand?: CardBrand };

/** Checks one typed field against the card rules; the problem names the re-prompt to play. */
function checkField(
  flow: Flow,
  context: CaptureContext,
  field: CaptureField,
  digits: string,
  at: string,
  sameAsAccountNumber: boolean | undefined,
): FieldCheck {
  switch (field) {
    case 'cardNumber': {
      const check = checkCardNumber(digits, flow.acceptedBrands as CardBrand[]);
      return check.ok ? { ok: true, brand: check.brand, last4: check.last4 } : check.brand ? { ok: false, problem: check.problem, brand: check.brand } : { ok: false, problem: check.problem };
    }
    case 'expiry': {
      const check = checkExpiry(digits, new Date(at), flow.expiryMaxYearsAhead);
      return check.ok ? { ok: true } : { ok: false, problem: check.problem };
    }
    case 'securityCode': {
      if (!context.card) return { ok: false, problem: 'format' };
      const check = checkSecurityCode(digits, context.card.brand);
      return check.ok ? { ok: true } : { ok: false, problem: check.problem };
    }
    case 'postalCode': {
      if (!flow.postalCode) return { ok: false, problem: 'format' };
      const check = checkPostalCode(digits, flow.postalCode);
      return check.ok ? { ok: true } : { ok: false, problem: check.problem };
    }
    case 'routingNumber': {
      const check = checkRoutingNumber(digits);
      return check.ok ? { ok: true } : { ok: false, problem: check.problem };
    }
    case 'accountNumber': {
      const check = checkAccountNumber(digits);
      return check.ok ? { ok: true, bankLast4: check.last4 } : { ok: false, problem: check.problem };
    }
    case 'accountNumberAgain': {
      const check = checkAccountNumber(digits);
      if (!check.ok) return { ok: false, problem: check.problem };
      return sameAsAccountNumber === true ? { ok: true } : { ok: false, problem: 'mismatch' };
    }
    case 'accountType': {
      const type = accountTypeOfKey(digits);
      return type ? { ok: true, accountType: type } : { ok: false, problem: 'format' };
    }
  }
}

/** SHA-256 (hex) of each locale's authorisation text, as the flow file writes it: kept with every acceptance. */
function authorizationTextHashes(flow: Flow): Record<string, string> {
  return Object.fromEntries(
    Object.entries(flow.locales).map(([name, locale]) => [name, createHash('sha256').update(locale.prompts['authorization.ask'] ?? '', 'utf8').digest('hex')]),
  );
}

/**
 * Builds the capture machine for one flow. The machine is pure: no I/O, no timers. Outside work is
 * asked for with tags (`needs.charge`) and emissions (`vault.put`), and answered with events, so any
 * gateway process can run the next turn from the stored snapshot and `xstate/graph` can walk every path.
 */
export function createCaptureMachine(flow: Flow) {
  const guided = flow.guide === 'agent';
  // The card's fields in the flow's order, then the billing postal code when the flow asks for it.
  const order = fieldsOf(flow);
  const firstField = fieldState(order[0]!);
  const bankDebit = flow.method === 'ach';
  // After the last field: the amount and card to confirm, or a bank debit's authorisation to accept.
  const lastStep = bankDebit ? STATE.authorizing : STATE.confirming;
  const after = (index: number): CaptureStateName => {
    const next = order[index + 1];
    return next ? fieldState(next) : lastStep;
  };
  const textHashes = bankDebit ? authorizationTextHashes(flow) : {};
  // What a capture wipes when it forgets everything: a card's fields (its postal code too), or a bank account's.
  const everyField: readonly CaptureField[] = bankDebit ? BANK_FIELDS : [...CAPTURE_FIELDS, 'postalCode'];
  const cardIndex = order.indexOf('cardNumber');
  /**
   * A move to `target`; a move to the confirmation goes to the save question instead when the
   * payment saves the card, so an amount is never confirmed when there is none.
   */
  const moveTo = <A>(target: CaptureStateName, actions: A) =>
    target === STATE.confirming
      ? [{ guard: 'savesCard' as const, target: STATE.confirmingSave, actions }, { target, actions }]
      : { target, actions };

  const machine = setup({
    types: {
      context: {} as CaptureContext,
      events: {} as CaptureEvent | FieldVerdict,
      input: {} as CaptureInput,
      emitted: {} as CaptureEmitted,
      tags: {} as CaptureTag,
    },
    guards: {
      hasPayment: ({ context }) => context.payment !== null,
      payCodeMatched: ({ event }) => {
        assertEvent(event, 'payCode.entered');
        return event.payment !== null;
      },
      pressedStar: ({ event }) => event.type === 'dtmf.entered' && event.digits.includes('*'),
      pressed: ({ event }, params: { key: string }) => event.type === 'dtmf.entered' && event.digits === params.key,
      hasTriesLeft: ({ context }, params: { step: Step }) => context.attempts + 1 < flow.tries[params.step],
      canTryAnotherCard: ({ context }) => !context.callEnded && context.chargeAttempts < flow.maxCardAttempts,
      callEnded: ({ context }) => context.callEnded,
      canRepeatReference: ({ context }) => context.referenceRepeats < flow.maxReferenceRepeats,
      /** The agent asks for this field; the expiry and the security code only once the card number is valid. */
      asksFor: ({ context, event }, params: { field: CaptureField }) =>
        event.type === 'agent.requested' && event.field === params.field && (params.field === 'cardNumber' || context.card !== null),
      allCaptured: ({ context }) => CAPTURE_FIELDS.every((field) => context.captured[field]),
      savesCard: ({ context }) => context.payment?.intent === 'save_card',
      mismatched: ({ event }) => event.type === 'field.rejected' && event.problem === 'mismatch',
      /** The account number's two entries may differ as often as the account number may be mistyped. */
      mayRetypeAccount: ({ context }) => (context.accountMismatches ?? 0) + 1 < flow.tries.accountNumber,
    },
    actions: {
      bindPayment: assign(({ event }) => {
        assertEvent(event, 'payCode.entered');
        return { payment: event.payment, attempts: 0, ...(event.locale ? { locale: event.locale } : {}) };
      }),
      introduce: assign(({ context }) => ({ notices: [notice(introKey(context.payment))], attempts: 0 })),
      clearNotices: assign({ notices: [] }),
      countMistake: assign(({ context }, params: { notice: PromptKey }) => ({ attempts: context.attempts + 1, notices: [notice(params.notice)] })),
      /** Checks the typed entry once; a valid one goes to the vault, and the verdict decides the move. */
      checkField: enqueueActions(({ enqueue, context, event }, params: { field: CaptureField }) => {
        assertEvent(event, 'dtmf.entered');
        const check = checkField(flow, context, params.field, event.digits, event.at, event.sameAsAccountNumber);
        if (check.ok) {
          if (vaulted(params.field)) enqueue.emit({ type: 'vault.put', field: params.field, value: event.digits });
          enqueue.raise({
            type: 'field.accepted',
            at: event.at,
            ...(check.brand && check.last4 ? { brand: check.brand, last4: check.last4 } : {}),
            ...(check.bankLast4 ? { bankLast4: check.bankLast4 } : {}),
            ...(check.accountType ? { accountType: check.accountType } : {}),
          });
        } else {
          enqueue.raise({ type: 'field.rejected', problem: check.problem, ...(check.brand ? { brand: check.brand } : {}) });
        }
      }),
      rejectField: assign(({ context, event }, params: { field: CaptureField }) => {
        assertEvent(event, 'field.rejected');
        return { attempts: context.attempts + 1, notices: [notice(`${params.field}.error.${event.problem}` as PromptKey, event.brand)] };
      }),
      acceptField: assign(({ context, event }, params: { field: CaptureField }) => {
        assertEvent(event, 'field.accepted');
        const card =
          event.brand && event.last4
            ? { card: { brand: event.brand, last4: event.last4 }, securityCodeLength: securityCodeLength(event.brand), waitingSince: event.at }
            : {};
        const bank = event.bankLast4
          ? { bankAccount: { last4: event.bankLast4, accountType: null } }
          : event.accountType && context.bankAccount
            ? { bankAccount: { ...context.bankAccount, accountType: event.accountType } }
            : {};
        return { ...card, ...bank, captured: { ...context.captured, [params.field]: true }, attempts: 0, notices: [] };
      }),
      goBack: enqueueActions(({ enqueue, context }, params: { fields: CaptureField[] }) => {
        const captured = { ...context.captured };
        for (const f of params.fields) captured[f] = false;
        if (params.fields.includes('cardNumber')) enqueue.assign({ card: null, securityCodeLength: 0 });
        if (params.fields.includes('accountNumber')) enqueue.assign({ bankAccount: null });
        else if (params.fields.includes('accountType') && context.bankAccount) enqueue.assign({ bankAccount: { ...context.bankAccount, accountType: null } });
        enqueue.assign({ captured, attempts: 0, notices: [notice('goingBack')] });
        enqueue.emit({ type: 'vault.discard', fields: params.fields });
      }),
      /** The account number's second entry differed: both go, and the account number is asked again. */
      retypeAccount: enqueueActions(({ enqueue, context }) => {
        enqueue.assign({
          bankAccount: null,
          captured: { ...context.captured, accountNumber: false, accountNumberAgain: false },
          accountMismatches: (context.accountMismatches ?? 0) + 1,
          attempts: 0,
          notices: [notice('accountNumberAgain.error.mismatch')],
        });
        enqueue.emit({ type: 'vault.discard', fields: ['accountNumber'] });
      }),
      /** The caller pressed 1 after the spoken authorisation: what they agreed to, when, for which account. */
      recordDebitAuthorization: assign(({ context, event }) => {
        assertEvent(event, 'dtmf.entered');
        const account = context.bankAccount;
        if (!context.payment || !account?.accountType) return {};
        const authorization: DebitAuthorization = {
          acceptedAt: event.at,
          method: 'phone_keypress',
          amount: context.payment.amount,
          currency: context.payment.currency,
          accountLast4: account.last4,
          accountType: account.accountType,
          flowId: flow.id,
          flowVersion: flow.version,
          locale: context.locale,
          textSha256: textHashes[context.locale] ?? textHashes[flow.defaultLocale] ?? '',
        };
        return { debitAuthorization: authorization };
      }),
      recordSubmission: assign(({ event }) => {
        assertEvent(event, 'processor.submitted');
        return {
          reference: event.reference,
          processorReference: event.processorReference ?? event.reference,
          failure: null,
          notices: [notice('submitted')],
          attempts: 0,
        };
      }),
      forgetCard: enqueueActions(({ enqueue }, params: { notice?: PromptKey }) => {
        enqueue.assign({
          card: null,
          securityCodeLength: 0,
          captured: noneCaptured(bankDebit),
          attempts: 0,
          notices: params.notice ? [notice(params.notice)] : [],
          ...(bankDebit ? { bankAccount: null, accountMismatches: 0, debitAuthorization: null } : {}),
        });
        enqueue.emit({ type: 'vault.discard', fields: [...everyField] });
      }),
      forgetCardNumber: enqueueActions(({ enqueue, context }) => {
        enqueue.assign({
          card: null,
          securityCodeLength: 0,
          captured: { ...context.captured, cardNumber: false, securityCode: false },
          attempts: 0,
          notices: [notice('agentCheck.reenter')],
        });
        enqueue.emit({ type: 'vault.discard', fields: ['cardNumber', 'securityCode'] });
      }),
      startCharge: assign(({ context }) => ({ chargeAttempts: context.chargeAttempts + 1, attempts: 0, notices: [] })),
      recordApproval: assign(({ context, event }) => {
        assertEvent(event, 'processor.approved');
        return {
          reference: event.reference,
          processorReference: event.processorReference ?? event.reference,
          authorized: event.authorized === true,
          failure: null,
          notices: [notice(approvedKey(context.payment))],
          attempts: 0,
        };
      }),
      recordDecline: assign(({ event }, params: { final: boolean }) => {
        assertEvent(event, 'processor.declined');
        const decline: Failure = { code: event.code, message: event.message };
        // A flow that never asked for a postal code has no words for its check: a plain decline then.
        // A bank debit refused at once has one prompt for every reason, and a card flow none for a bank's.
        const code = event.code === 'incorrect_zip' && !flow.postalCode ? 'card_declined' : BANK_DECLINE_CODES.has(event.code) ? 'card_declined' : event.code;
        const declinedKey = bankDebit ? 'declined.bank' : (`declined.${code}` as PromptKey);
        return {
          lastDecline: decline,
          failure: params.final ? decline : null,
          notices: params.final ? [notice(declinedKey), notice('declined.final')] : [notice(declinedKey)],
          attempts: 0,
        };
      }),
      deferResult: enqueueActions(({ enqueue }) => {
        enqueue.assign({ notices: [notice('processing.later')] });
        // The processor already has the charge: a later answer needs no card data.
        enqueue.emit({ type: 'vault.discard', fields: [...everyField] });
      }),
      /**
       * The agent asks for a field: whatever was kept for it goes, with the security code when the card
       * number is asked again (its length depends on the brand); the field's tries start afresh.
       */
      openField: enqueueActions(({ enqueue, context }, params: { field: CaptureField }) => {
        const fields: CaptureField[] = params.field === 'cardNumber' ? ['cardNumber', 'securityCode'] : [params.field];
        const captured = { ...context.captured };
        for (const f of fields) captured[f] = false;
        if (params.field === 'cardNumber') enqueue.assign({ card: null, securityCodeLength: 0 });
        enqueue.assign({ captured, attempts: 0, notices: [] });
        enqueue.emit({ type: 'vault.discard', fields });
      }),
      /** Nothing typed within the field's timeout: the field is no longer asked, and no try is spent. */
      closeField: assign((_, params: { field: CaptureField }) => ({ attempts: 0, notices: [notice(`${params.field}.timeout` as PromptKey)] })),
      markCallEnded: assign({ callEnded: true }),
      repeatReference: assign(({ context }) => ({ referenceRepeats: context.referenceRepeats + 1, notices: [notice(approvedKey(context.payment))] })),
      sayGoodbye: assign({ notices: [notice('goodbye')] }),
      failTooManyAttempts: assign(({ context }) => ({ failure: context.lastDecline ?? TOO_MANY_ATTEMPTS, notices: [notice('tooManyAttempts')] })),
      failAfterDecline: assign(({ context }) => ({ failure: context.lastDecline ?? TOO_MANY_ATTEMPTS, notices: [notice('declined.final')] })),
      abandon: assign({ notices: [notice('payCode.tooManyAttempts')] }),
      refuse: assign(({ event }) => {
        assertEvent(event, 'call.refused');
        return { notices: [notice(event.notice)] };
      }),
      cancel: enqueueActions(({ enqueue }) => {
        enqueue.assign({ notices: [notice('canceled')] });
        enqueue.emit({ type: 'vault.discard', fields: [...everyField] });
      }),
      recordHangUp: assign(({ context }) => ({ callEnded: true, failure: context.failure ?? context.lastDecline ?? HUNG_UP, notices: [] })),
      recordDrop: assign(({ context }) => ({ callEnded: true, failure: context.failure ?? context.lastDecline ?? LINE_DROPPED, notices: [] })),
    },
  }).createMachine({
    id: `capture:${flow.id}`,
    context: ({ input }) => ({
      locale: input.locale,
      payment: input.payment,
      attempts: 0,
      card: null,
      captured: noneCaptured(bankDebit),
      chargeAttempts: 0,
      lastDecline: null,
      reference: null,
      processorReference: null,
      authorized: false,
      failure: null,
      notices: input.payment ? [notice(introKey(input.payment))] : [],
      securityCodeLength: 0,
      referenceRepeats: 0,
      waitingSince: null,
      callEnded: false,
      ...(flow.method === 'ach' ? { bankAccount: null, accountMismatches: 0, debitAuthorization: null } : {}),
    }),
    initial: STATE.start,
    on: {
      // A hang-up anywhere but the states below ends the capture; those states override it.
      'call.hungUp': { target: `.${STATE.hungUp}`, actions: 'recordHangUp' },
      // An agent's cancel ends any capture still taking input; a charge on its way or an approval stands.
      'agent.canceled': { target: `.${STATE.canceled}`, actions: 'cancel' },
      // Only the media relay reports a dropped line, and only agent-guided captures listen to it.
      ...(guided ? { 'call.dropped': { target: `.${STATE.hungUp}`, actions: 'recordDrop' } } : {}),
    },
    states: guided ? guidedStates() : {
      [STATE.start]: {
        tags: ['status.pending'],
        always: [{ guard: 'hasPayment', target: firstField }, { target: STATE.collectingPayCode }],
      },
      [STATE.collectingPayCode]: {
        tags: ['step.payCode', 'status.pending'],
        on: {
          'payCode.entered': [
            { guard: 'payCodeMatched', target: firstField, actions: ['bindPayment', 'introduce'] },
            {
              guard: { type: 'hasTriesLeft', params: { step: 'payCode' } },
              actions: { type: 'countMistake', params: { notice: 'payCode.unknown' } },
            },
            { target: STATE.abandoned, actions: 'abandon' },
          ],
          'dtmf.timedOut': [
            {
              guard: { type: 'hasTriesLeft', params: { step: 'payCode' } },
              actions: { type: 'countMistake', params: { notice: 'payCode.timeout' } },
            },
            { target: STATE.abandoned, actions: 'abandon' },
          ],
          'call.refused': { target: STATE.refused, actions: 'refuse' },
        },
      },
      ...Object.fromEntries(order.map((field, index) => [fieldState(field), fieldNode(field, index)])),
      // A bank debit has no card number for an agent to check.
      ...(bankDebit ? {} : { [STATE.awaitingAgent]: awaitingAgentNode() }),
      [STATE.confirming]: confirmNode('confirm'),
      [STATE.confirmingSave]: confirmNode('confirmSave'),
      ...(bankDebit ? { [STATE.authorizing]: confirmNode('authorize') } : {}),
      [STATE.processing]: {
        tags: ['step.charge', 'status.processing', 'needs.charge', 'holds.cardData'],
        on: {
          'processor.approved': [
            { guard: 'callEnded', target: STATE.completed, actions: 'recordApproval' },
            { target: STATE.succeeded, actions: 'recordApproval' },
          ],
          'processor.declined': [
            { guard: 'canTryAnotherCard', target: STATE.declined, actions: { type: 'recordDecline', params: { final: false } } },
            { target: STATE.failed, actions: { type: 'recordDecline', params: { final: true } } },
          ],
          // A bank debit settles in days: the caller hears it was submitted, and the call ends.
          ...(bankDebit ? { 'processor.submitted': { target: STATE.submitted, actions: 'recordSubmission' } } : {}),
          // Held too long: the caller is told the result will follow and the call ends.
          'processor.overdue': { target: STATE.deferred, actions: 'deferResult' },
          // The charge is already on its way: its answer, not the hang-up, decides the payment.
          'call.hungUp': { actions: 'markCallEnded' },
          'agent.canceled': {},
        },
      },
      [STATE.declined]: {
        tags: ['step.retry', 'status.capturing', 'holds.cardData'],
        on: {
          'dtmf.entered': [
            { guard: { type: 'pressed', params: { key: '1' } }, target: firstField, actions: { type: 'forgetCard', params: {} } },
            { guard: { type: 'pressed', params: { key: '2' } }, target: STATE.failed, actions: 'failAfterDecline' },
            {
              guard: { type: 'hasTriesLeft', params: { step: 'choice' } },
              actions: { type: 'countMistake', params: { notice: 'choice.invalid' } },
            },
            { target: STATE.failed, actions: 'failAfterDecline' },
          ],
          'dtmf.timedOut': [
            {
              guard: { type: 'hasTriesLeft', params: { step: 'choice' } },
              actions: { type: 'countMistake', params: { notice: 'confirm.timeout' } },
            },
            { target: STATE.failed, actions: 'failAfterDecline' },
          ],
          'agent.retried': { target: firstField, actions: { type: 'forgetCard', params: {} } },
        },
      },
      // Approved: the vault is emptied at once, while the caller still hears the reference.
      [STATE.succeeded]: {
        tags: ['step.reference', 'status.succeeded', 'outcome.succeeded'],
        on: {
          'dtmf.entered': [
            {
              guard: and([{ type: 'pressed', params: { key: '1' } }, 'canRepeatReference']),
              target: STATE.succeeded,
              reenter: true,
              actions: 'repeatReference',
            },
            { target: STATE.completed, actions: 'sayGoodbye' },
          ],
          'dtmf.timedOut': { target: STATE.completed, actions: 'sayGoodbye' },
          'call.hungUp': { target: STATE.completed, actions: 'clearNotices' },
          'agent.canceled': {},
        },
      },
      [STATE.completed]: { ...ENDED, tags: ['status.succeeded', 'outcome.succeeded'] },
      [STATE.failed]: { ...ENDED, tags: ['status.failed', 'outcome.failed'] },
      // The payment stays processing until the processor's answer is recorded on it.
      [STATE.deferred]: { ...ENDED, tags: ['status.processing'] },
      // The same for a submitted bank debit, whose reference the caller has heard.
      ...(bankDebit ? { [STATE.submitted]: { ...ENDED, tags: ['status.processing'] as CaptureTag[] } } : {}),
      [STATE.canceled]: { ...ENDED, tags: ['status.canceled', 'outcome.canceled'] },
      // No payment was ever named: whatever payment the caller meant stays as it was.
      [STATE.abandoned]: { ...ENDED, tags: ['status.pending'] },
      [STATE.hungUp]: { ...ENDED, tags: ['status.failed', 'outcome.hung_up'] },
      [STATE.refused]: { ...ENDED, tags: ['status.pending'] },
    },
  });

  /** A flow where an agent confirms the card number: the capture waits for the agent's word. */
  function awaitingAgentNode() {
    const tags: CaptureTag[] = ['step.agentCheck', 'status.capturing', 'holds.cardData'];
    return {
      tags,
      on: {
        'agent.confirmed': moveTo(after(cardIndex), 'clearNotices' as const),
        'agent.reenter': { target: STATE.collectingCardNumber, actions: 'forgetCardNumber' },
        'agent.timedOut': { target: STATE.canceled, actions: 'cancel' },
        // Keys typed while the agent checks are ignored: the caller was asked to hold.
        'dtmf.entered': { actions: 'clearNotices' },
        'dtmf.timedOut': { actions: 'clearNotices' },
      },
    } as const;
  }

  /**
   * The states of an agent-guided capture: nothing is asked until the agent asks for a field; a
   * valid field brings the capture back to the agent, who may ask for any field again (the expiry
   * and the security code once the card number is valid), and charges once every field is valid.
   */
  function guidedStates() {
    return {
      [STATE.start]: { tags: ['status.pending'] as CaptureTag[], always: { target: STATE.awaitingRequest } },
      [STATE.awaitingRequest]: {
        tags: ['step.request', 'status.capturing', 'holds.cardData'] as CaptureTag[],
        on: {
          'agent.requested': requestTransitions(null),
          'agent.charged': { guard: 'allCaptured', target: STATE.processing, actions: 'startCharge' },
        },
      },
      ...Object.fromEntries(CAPTURE_FIELDS.map((field) => [fieldState(field), guidedFieldNode(field)])),
      [STATE.processing]: {
        tags: ['step.charge', 'status.processing', 'needs.charge', 'holds.cardData'] as CaptureTag[],
        on: {
          // The agent reads the reference aloud: nothing is left for the caller to press.
          'processor.approved': { target: STATE.completed, actions: 'recordApproval' },
          'processor.declined': [
            { guard: 'canTryAnotherCard', target: STATE.declined, actions: { type: 'recordDecline', params: { final: false } } },
            { target: STATE.failed, actions: { type: 'recordDecline', params: { final: true } } },
          ],
          'processor.overdue': { target: STATE.deferred, actions: 'deferResult' },
          // The charge is already on its way: its answer, not the lost caller, decides the payment.
          'call.hungUp': { actions: 'markCallEnded' },
          'call.dropped': { actions: 'markCallEnded' },
          'agent.canceled': {},
        },
      },
      [STATE.declined]: {
        tags: ['step.retry', 'status.capturing', 'holds.cardData'] as CaptureTag[],
        on: { 'agent.retried': { target: STATE.awaitingRequest, actions: { type: 'forgetCard', params: {} } } },
      },
      [STATE.completed]: { ...ENDED, tags: ['status.succeeded', 'outcome.succeeded'] as CaptureTag[] },
      [STATE.failed]: { ...ENDED, tags: ['status.failed', 'outcome.failed'] as CaptureTag[] },
      [STATE.deferred]: { ...ENDED, tags: ['status.processing'] as CaptureTag[] },
      [STATE.canceled]: { ...ENDED, tags: ['status.canceled', 'outcome.canceled'] as CaptureTag[] },
      [STATE.hungUp]: { ...ENDED, tags: ['status.failed', 'outcome.hung_up'] as CaptureTag[] },
    } as const;
  }

  /** The agent's requests: the field being typed asked again keeps its tries; any other field opens afresh. */
  function requestTransitions(current: CaptureField | null) {
    return [
      ...(current ? [{ guard: { type: 'asksFor', params: { field: current } }, actions: 'clearNotices' } as const] : []),
      ...CAPTURE_FIELDS.map((field) => ({
        guard: { type: 'asksFor', params: { field } },
        target: fieldState(field),
        actions: { type: 'openField', params: { field } },
      }) as const),
    ];
  }

  /** A field an agent asked for: the keys typed until `#` or a pause, checked as the keypad flow checks them. */
  function guidedFieldNode(field: CaptureField) {
    const tags: CaptureTag[] = [`step.${field}`, 'status.capturing', 'holds.cardData'];
    return {
      tags,
      on: {
        'dtmf.entered': { actions: { type: 'checkField', params: { field } } },
        'field.accepted': { target: STATE.awaitingRequest, actions: { type: 'acceptField', params: { field } } },
        'field.rejected': [
          { guard: { type: 'hasTriesLeft', params: { step: field } }, actions: { type: 'rejectField', params: { field } } },
          { target: STATE.failed, actions: 'failTooManyAttempts' },
        ],
        'dtmf.timedOut': { target: STATE.awaitingRequest, actions: { type: 'closeField', params: { field } } },
        'agent.requested': requestTransitions(field),
      },
    } as const;
  }

  /**
   * "Press 1 to go ahead, 2 for another card": the charge's, (saving a card) the save's, or (a bank
   * debit) the authorisation's question, whose 1 is kept as the caller's acceptance.
   */
  function confirmNode(step: 'confirm' | 'confirmSave' | 'authorize') {
    const tags: CaptureTag[] = [`step.${step}`, 'status.capturing', 'holds.cardData'];
    return {
      tags,
      on: {
        'dtmf.entered': [
          {
            guard: { type: 'pressed', params: { key: '1' } },
            target: STATE.processing,
            actions: step === 'authorize' ? (['recordDebitAuthorization', 'startCharge'] as const) : ('startCharge' as const),
          },
          { guard: { type: 'pressed', params: { key: '2' } }, target: firstField, actions: { type: 'forgetCard', params: { notice: 'confirm.reenter' } } },
          {
            guard: { type: 'hasTriesLeft', params: { step: 'choice' } },
            actions: { type: 'countMistake', params: { notice: 'confirm.invalid' } },
          },
          { target: STATE.failed, actions: 'failTooManyAttempts' },
        ],
        'dtmf.timedOut': [
          {
            guard: { type: 'hasTriesLeft', params: { step: 'choice' } },
            actions: { type: 'countMistake', params: { notice: 'confirm.timeout' } },
          },
          { target: STATE.failed, actions: 'failTooManyAttempts' },
        ],
      },
    } as const;
  }

  function fieldNode(field: CaptureField, index: number) {
    const previous = index > 0 ? order[index - 1]! : null;
    const next = field === 'cardNumber' && flow.agentConfirmsCardNumber ? STATE.awaitingAgent : after(index);
    const tags: CaptureTag[] = [`step.${field}`, 'status.capturing', 'holds.cardData'];
    return {
      tags,
      on: {
        'dtmf.entered': [
          previous
            ? { guard: 'pressedStar', target: fieldState(previous), actions: { type: 'goBack', params: { fields: order.slice(index - 1) } } }
            : { guard: 'pressedStar', target: STATE.canceled, actions: 'cancel' },
          { actions: { type: 'checkField', params: { field } } },
        ],
        'field.accepted': moveTo(next, { type: 'acceptField', params: { field } } as const),
        'field.rejected': [
          ...(field === 'accountNumberAgain'
            ? [
                { guard: and(['mismatched', 'mayRetypeAccount']), target: STATE.collectingAccountNumber, actions: 'retypeAccount' } as const,
                { guard: 'mismatched', target: STATE.failed, actions: 'failTooManyAttempts' } as const,
              ]
            : []),
          { guard: { type: 'hasTriesLeft', params: { step: field } }, actions: { type: 'rejectField', params: { field } } },
          { target: STATE.failed, actions: 'failTooManyAttempts' },
        ],
        'dtmf.timedOut': [
          { guard: { type: 'hasTriesLeft', params: { step: field } }, actions: { type: 'countMistake', params: { notice: `${field}.timeout` as PromptKey } } },
          { target: STATE.failed, actions: 'failTooManyAttempts' },
        ],
      },
    } as const;
  }

  return machine;
}

export type CaptureMachine = ReturnType<typeof createCaptureMachine>;
