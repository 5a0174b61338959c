import { and, assertEvent, enqueueActions, setup } from 'xstate';
import { checkCardNumber, securityCodeLength } from '../domain/cardNumber';
import { checkExpiry } from '../domain/expiry';
import { checkSecurityCode } from '../domain/securityCode';
import type { CardBrand } from '../domain/cardBrand';
import type { PromptKey } from '../flows/promptKeys';
import type { CaptureField, Flow } from '../flows/schema';
import type { CaptureContext, CaptureEmitted, CaptureEvent, CaptureInput, Failure, Notice } from './types';

/** The steps that count tries: the pay code, each field, and every keypad menu ("press 1…"). */
type Step = keyof Flow['tries'];

/** State names, so the renderer and the projections never spell them twice. */
export const STATE = {
  start: 'start',
  collectingPayCode: 'collectingPayCode',
  collectingCardNumber: 'collectingCardNumber',
  collectingExpiry: 'collectingExpiry',
  collectingSecurityCode: 'collectingSecurityCode',
  awaitingAgent: 'awaitingAgent',
  confirming: 'confirming',
  processing: 'processing',
  /** The call ended before the processor answered; the result is recorded when it arrives. */
  deferred: 'deferred',
  declined: 'declined',
  succeeded: 'succeeded',
  completed: 'completed',
  failed: 'failed',
  canceled: 'canceled',
  abandoned: 'abandoned',
  hungUp: 'hungUp',
} as const;

export type CaptureStateName = (typeof STATE)[keyof typeof STATE];

/** The state that collects a field. */
export function fieldState(field: CaptureField): CaptureStateName {
  return field === 'cardNumber'
    ? STATE.collectingCardNumber
    : field === 'expiry'
      ? STATE.collectingExpiry
      : STATE.collectingSecurityCode;
}

/**
 * A final state that stays final. `transition()` on a stored snapshot does not check that the
 * capture is done, so without this the root hang-up handler would still move an ended capture to
 * `hungUp` and turn, say, a completed payment into a failed one.
 */
const ENDED = { type: 'final', on: { 'call.hungUp': {}, 'agent.canceled': {} } } as const;

const TOO_MANY_ATTEMPTS: Failure = { code: 'too_many_attempts', message: 'The caller ran out of tries.' };
const HUNG_UP: Failure = { code: 'caller_hung_up', message: 'The caller hung up before the payment was made.' };

function notice(key: PromptKey, brand?: CardBrand): Notice {
  return brand ? { key, brand } : { key };
}

function noneCaptured(): CaptureContext['captured'] {
  return { cardNumber: false, expiry: false, securityCode: false };
}

/** Checks one typed field against the card rules; the problem names the re-prompt to play. */
function checkField(
  flow: Flow,
  context: CaptureContext,
  field: CaptureField,
  digits: string,
  at: string,
): { ok: true; brand?: CardBrand; last4?: string } | { ok: false; problem: string; brand?: CardBrand } {
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
  }
}

/**
 * Builds the capture machine for one flow. The machine is pure: no I/O, no timers. Outside work is
 * asked for with tags (`needs.charge`) and emissions (`vault.put`), and answered with events, so any
 * gateway process can run the next turn from the stored snapshot and `xstate/graph` can walk every path.
 */
export function createCaptureMachine(flow: Flow) {
  const order = flow.fieldOrder;
  const firstField = fieldState(order[0]!);
  const after = (index: number): CaptureStateName => {
    const next = order[index + 1];
    return next ? fieldState(next) : STATE.confirming;
  };
  const cardIndex = order.indexOf('cardNumber');

  const machine = setup({
    types: {
      context: {} as CaptureContext,
      events: {} as CaptureEvent,
      input: {} as CaptureInput,
      emitted: {} as CaptureEmitted,
    },
    guards: {
      hasPayment: ({ context }) => context.payment !== null,
      payCodeMatched: ({ event }) => {
        assertEvent(event, 'payCode.entered');
        return event.payment !== null;
      },
      pressedStar: ({ event }) => event.type === 'dtmf.entered' && event.digits.includes('*'),
      pressed: ({ event }, params: { key: string }) => event.type === 'dtmf.entered' && event.digits === params.key,
      fieldValid: ({ context, event }, params: { field: CaptureField }) => {
        assertEvent(event, 'dtmf.entered');
        return checkField(flow, context, params.field, event.digits, event.at).ok;
      },
      hasTriesLeft: ({ context }, params: { step: Step }) => context.attempts + 1 < flow.tries[params.step],
      canTryAnotherCard: ({ context }) => !context.callEnded && context.chargeAttempts < flow.maxCardAttempts,
      callEnded: ({ context }) => context.callEnded,
      canRepeatReference: ({ context }) => context.referenceRepeats < flow.maxReferenceRepeats,
    },
    actions: {
      bindPayment: enqueueActions(({ enqueue, event }) => {
        assertEvent(event, 'payCode.entered');
        enqueue.assign({ payment: event.payment, attempts: 0, ...(event.locale ? { locale: event.locale } : {}) });
      }),
      introduce: enqueueActions(({ enqueue }) => enqueue.assign({ notices: [notice('intro')], attempts: 0 })),
      clearNotices: enqueueActions(({ enqueue, context }) => {
        if (context.notices.length > 0) enqueue.assign({ notices: [] });
      }),
      countMistake: enqueueActions(({ enqueue, context }, params: { notice: PromptKey }) =>
        enqueue.assign({ attempts: context.attempts + 1, notices: [notice(params.notice)] }),
      ),
      rejectField: enqueueActions(({ enqueue, context, event }, params: { field: CaptureField }) => {
        assertEvent(event, 'dtmf.entered');
        const check = checkField(flow, context, params.field, event.digits, event.at);
        const problem = check.ok ? 'format' : check.problem;
        const brand = check.ok ? undefined : check.brand;
        enqueue.assign({
          attempts: context.attempts + 1,
          notices: [notice(`${params.field}.error.${problem}` as PromptKey, brand)],
        });
      }),
      acceptField: enqueueActions(({ enqueue, context, event }, params: { field: CaptureField }) => {
        assertEvent(event, 'dtmf.entered');
        const check = checkField(flow, context, params.field, event.digits, event.at);
        if (!check.ok) return;
        const captured = { ...context.captured, [params.field]: true };
        if (params.field === 'cardNumber' && check.brand && check.last4) {
          enqueue.assign({
            card: { brand: check.brand, last4: check.last4 },
            securityCodeLength: securityCodeLength(check.brand),
            waitingSince: event.at,
          });
        }
        enqueue.assign({ captured, attempts: 0, notices: [] });
        enqueue.emit({ type: 'vault.put', field: params.field, value: event.digits });
      }),
      goBack: enqueueActions(({ enqueue, context }, params: { fields: CaptureField[] }) => {
        const captured = { ...context.captured };
        for (const f of params.fields) captured[f] = false;
        if (params.fields.includes('cardNumber')) enqueue.assign({ card: null, securityCodeLength: 0 });
        enqueue.assign({ captured, attempts: 0, notices: [notice('goingBack')] });
        enqueue.emit({ type: 'vault.discard', fields: params.fields });
      }),
      forgetCard: enqueueActions(({ enqueue }, params: { notice?: PromptKey }) => {
        enqueue.assign({
          card: null,
          securityCodeLength: 0,
          captured: noneCaptured(),
          attempts: 0,
          notices: params.notice ? [notice(params.notice)] : [],
        });
        enqueue.emit({ type: 'vault.discard', fields: ['cardNumber', 'expiry', 'securityCode'] });
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
      startCharge: enqueueActions(({ enqueue, context }) =>
        enqueue.assign({ chargeAttempts: context.chargeAttempts + 1, attempts: 0, notices: [] }),
      ),
      recordApproval: enqueueActions(({ enqueue, event }) => {
        assertEvent(event, 'processor.approved');
        enqueue.assign({ reference: event.reference, failure: null, notices: [notice('approved')], attempts: 0 });
      }),
      recordDecline: enqueueActions(({ enqueue, event }, params: { final: boolean }) => {
        assertEvent(event, 'processor.declined');
        const decline: Failure = { code: event.code, message: event.message };
        const declinedKey = `declined.${event.code}` as PromptKey;
        enqueue.assign({
          lastDecline: decline,
          failure: params.final ? decline : null,
          notices: params.final ? [notice(declinedKey), notice('declined.final')] : [notice(declinedKey)],
          attempts: 0,
        });
      }),
      stillProcessing: enqueueActions(({ enqueue }) => enqueue.assign({ notices: [notice('processing.stillWorking')] })),
      deferResult: enqueueActions(({ enqueue }) => {
        enqueue.assign({ notices: [notice('processing.later')] });
        // The processor already has the charge: a later answer needs no card data.
        enqueue.emit({ type: 'vault.discard', fields: ['cardNumber', 'expiry', 'securityCode'] });
      }),
      markCallEnded: enqueueActions(({ enqueue }) => enqueue.assign({ callEnded: true })),
      repeatReference: enqueueActions(({ enqueue, context }) =>
        enqueue.assign({ referenceRepeats: context.referenceRepeats + 1, notices: [notice('approved')] }),
      ),
      sayGoodbye: enqueueActions(({ enqueue }) => enqueue.assign({ notices: [notice('goodbye')] })),
      failTooManyAttempts: enqueueActions(({ enqueue, context }) =>
        enqueue.assign({ failure: context.lastDecline ?? TOO_MANY_ATTEMPTS, notices: [notice('tooManyAttempts')] }),
      ),
      failAfterDecline: enqueueActions(({ enqueue, context }) =>
        enqueue.assign({ failure: context.lastDecline ?? TOO_MANY_ATTEMPTS, notices: [notice('declined.final')] }),
      ),
      abandon: enqueueActions(({ enqueue }) => enqueue.assign({ notices: [notice('payCode.tooManyAttempts')] })),
      cancel: enqueueActions(({ enqueue }) => {
        enqueue.assign({ notices: [notice('canceled')] });
        enqueue.emit({ type: 'vault.discard', fields: ['cardNumber', 'expiry', 'securityCode'] });
      }),
      recordHangUp: enqueueActions(({ enqueue, context }) =>
        enqueue.assign({ callEnded: true, failure: context.failure ?? context.lastDecline ?? HUNG_UP, notices: [] }),
      ),
    },
  }).createMachine({
    id: `capture:${flow.id}`,
    context: ({ input }) => ({
      locale: input.locale,
      payment: input.payment,
      attempts: 0,
      card: null,
      captured: noneCaptured(),
      chargeAttempts: 0,
      lastDecline: null,
      reference: null,
      failure: null,
      notices: input.payment ? [notice('intro')] : [],
      securityCodeLength: 0,
      referenceRepeats: 0,
      waitingSince: null,
      callEnded: false,
    }),
    initial: STATE.start,
    on: {
      // A hang-up anywhere but the states below ends the capture; those states override it.
      'call.hungUp': { target: `.${STATE.hungUp}`, actions: 'recordHangUp' },
      // An agent's cancel ends any capture still taking input; a charge on its way or an approval stands.
      'agent.canceled': { target: `.${STATE.canceled}`, actions: 'cancel' },
    },
    states: {
      [STATE.start]: {
        always: [{ guard: 'hasPayment', target: firstField }, { target: STATE.collectingPayCode }],
      },
      [STATE.collectingPayCode]: {
        tags: ['step.payCode'],
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
        },
      },
      ...Object.fromEntries(order.map((field, index) => [fieldState(field), fieldNode(field, index)])),
      [STATE.awaitingAgent]: {
        tags: ['step.agentCheck', 'capturing'],
        on: {
          'agent.confirmed': { target: after(cardIndex), actions: 'clearNotices' },
          'agent.reenter': { target: STATE.collectingCardNumber, actions: 'forgetCardNumber' },
          'agent.timedOut': { target: STATE.canceled, actions: 'cancel' },
          // Keys typed while the agent checks are ignored: the caller was asked to hold.
          'dtmf.entered': { actions: 'clearNotices' },
          'dtmf.timedOut': { actions: 'clearNotices' },
        },
      },
      [STATE.confirming]: {
        tags: ['step.confirm', 'capturing'],
        on: {
          'dtmf.entered': [
            { guard: { type: 'pressed', params: { key: '1' } }, target: STATE.processing, actions: 'startCharge' },
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
      },
      [STATE.processing]: {
        tags: ['step.processing', 'needs.charge'],
        on: {
          'processor.approved': [
            { guard: 'callEnded', target: STATE.completed, actions: 'recordApproval' },
            { target: STATE.succeeded, actions: 'recordApproval' },
          ],
          'processor.declined': [
            { guard: 'canTryAnotherCard', target: STATE.declined, actions: { type: 'recordDecline', params: { final: false } } },
            { target: STATE.failed, actions: { type: 'recordDecline', params: { final: true } } },
          ],
          'processor.pending': { actions: 'stillProcessing' },
          // Held too long: the caller is told the result will follow and the call ends.
          'processor.overdue': { target: STATE.deferred, actions: 'deferResult' },
          // The charge is already on its way: its answer, not the hang-up, decides the payment.
          'call.hungUp': { actions: 'markCallEnded' },
          'agent.canceled': {},
        },
      },
      [STATE.declined]: {
        tags: ['step.retry', 'capturing'],
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
        },
      },
      [STATE.succeeded]: {
        tags: ['step.reference'],
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
      [STATE.completed]: ENDED,
      [STATE.failed]: ENDED,
      [STATE.deferred]: ENDED,
      [STATE.canceled]: ENDED,
      [STATE.abandoned]: ENDED,
      [STATE.hungUp]: ENDED,
    },
  });

  function fieldNode(field: CaptureField, index: number) {
    const previous = index > 0 ? order[index - 1]! : null;
    const next = field === 'cardNumber' && flow.agentConfirmsCardNumber ? STATE.awaitingAgent : after(index);
    return {
      tags: [`step.${field}`, 'capturing'],
      on: {
        'dtmf.entered': [
          previous
            ? { guard: 'pressedStar', target: fieldState(previous), actions: { type: 'goBack', params: { fields: order.slice(index - 1) } } }
            : { guard: 'pressedStar', target: STATE.canceled, actions: 'cancel' },
          { guard: { type: 'fieldValid', params: { field } }, target: next, actions: { type: 'acceptField', params: { field } } },
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
