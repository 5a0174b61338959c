import { brandDisplayName, speakDigits, speakReference } from '../core/domain/masking';
import { speakAmount } from '../core/domain/money';
import type { StoredState } from '../core/capture/callSession';
import type { RenderInput, Renderer } from '../core/capture/captureService';
import type { Notice } from '../core/capture/types';
import type { PromptKey } from '../core/flows/promptKeys';
import type { CaptureField, Flow } from '../core/flows/schema';
import { postalCodeLengths } from '../core/domain/postalCode';
import { ROUTING_NUMBER_LENGTH } from '../core/domain/routingNumber';
import { TwimlResponse, type TwimlElement } from './twimlWriter';

type SayParent = Pick<TwimlElement, 'say'>;

/** Builds the absolute URLs TwiML points Twilio at; each carries the turn it answers. */
export interface VoiceUrls {
  capture(turn: number, options?: { poll?: boolean }): string;
}

/** How long the caller holds between checks while the processor or the agent is busy. */
const HOLD_PAUSE_SECONDS = 2;

export interface RenderOptions {
  /** What a caller waiting for the agent's check hears between checks; unset: silence. */
  holdMusicUrl?: string | null;
}

/**
 * TwiML as a view of the capture state: what to say, what to gather, where to go next. Written by
 * `TwimlResponse`, which writes what the twilio library's VoiceResponse writes (with xmlbuilder's
 * escaping) at a fraction of its cost per webhook.
 */
export function createTwimlRenderer(urls: VoiceUrls, options: RenderOptions = {}): Renderer {
  return function renderTwiml({ flow, state, meaning, turn, polled = false, returnTo, returnQuietly = false }: RenderInput): string {
    const locale = flow.locales[state.context.locale] ?? flow.locales[flow.defaultLocale]!;
    const response = new TwimlResponse();
    const say = (parent: SayParent, key: PromptKey, extra?: Notice) => {
      // An authorisation (manual capture) is announced as one, where the flow has the words for it.
      const text = key === 'approved' && state.context.authorized ? (locale.prompts.authorized ?? locale.prompts.approved) : locale.prompts[key];
      parent.say({ language: locale.language, voice: locale.voice }, fill(text ?? '', state, extra));
    };
    const gather = (timeout: number, numDigits?: number) =>
      response.gather({
        input: ['dtmf'],
        action: urls.capture(turn),
        method: 'POST',
        finishOnKey: '#',
        timeout,
        actionOnEmptyResult: true,
        ...(numDigits ? { numDigits } : {}),
      });
    const hold = (key: PromptKey | null) => {
      if (key) say(response, key);
      response.pause({ length: HOLD_PAUSE_SECONDS });
      response.redirect({ method: 'POST' }, urls.capture(turn, { poll: true }));
    };

    // Notices outside the Gather are heard in full; only the question itself may be interrupted.
    for (const notice of state.context.notices) say(response, notice.key, notice);

    const { field } = meaning;
    if (field) {
      const g = gather(flow.timeoutSeconds[field], fixedLength(flow, field, state));
      say(g, `${field}.ask` as PromptKey);
      return response.toString();
    }
    switch (meaning.step) {
      case 'payCode':
        say(gather(flow.timeoutSeconds.payCode), 'payCode.ask');
        break;
      case 'agentCheck':
        // "Please hold" once, when the wait starts; every check after it is quiet hold audio.
        if (!polled && state.context.notices.length === 0) say(response, 'agentCheck.wait');
        if (options.holdMusicUrl) response.play({}, options.holdMusicUrl);
        else response.pause({ length: HOLD_PAUSE_SECONDS });
        response.redirect({ method: 'POST' }, urls.capture(turn, { poll: true }));
        break;
      case 'confirm':
        say(gather(flow.timeoutSeconds.choice, 1), 'confirm.ask');
        break;
      case 'confirmSave':
        say(gather(flow.timeoutSeconds.choice, 1), 'confirm.save');
        break;
      case 'authorize':
        say(gather(flow.timeoutSeconds.choice, 1), 'authorization.ask');
        break;
      case 'charge':
        hold(state.context.notices.length > 0 ? null : 'processing');
        break;
      case 'retry':
        say(gather(flow.timeoutSeconds.choice, 1), 'declined.retry');
        break;
      case 'reference':
        say(gather(flow.timeoutSeconds.choice, 1), 'approved.repeat');
        break;
      default:
        // The capture is over: the notices said the last word; the farewell only when the call really ends.
        if (returnTo) {
          if (!returnQuietly) say(response, 'returnToAgent');
          response.redirect({ method: 'POST' }, returnTo);
        } else {
          say(response, 'farewell');
          response.hangup();
        }
    }
    return response.toString();
  };
}

/** How many keys end a field without '#': known for the expiry, the security code and a fixed-length postal code. */
function fixedLength(flow: Flow, field: CaptureField, state: StoredState): number | undefined {
  switch (field) {
    case 'expiry':
      return 4;
    case 'securityCode':
      return state.context.securityCodeLength || undefined;
    case 'postalCode': {
      if (!flow.postalCode) return undefined;
      const { min, max } = postalCodeLengths(flow.postalCode);
      return min === max ? min : undefined;
    }
    case 'routingNumber':
      return ROUTING_NUMBER_LENGTH;
    case 'accountType':
      return 1;
    default:
      return undefined;
  }
}

/**
 * Fills a prompt's {placeholders} from the masked context: amounts and digits spoken one by one.
 * Each value is worked out only when the prompt names it: most prompts name none, and speaking an
 * amount goes through Intl on every webhook otherwise.
 */
function fill(text: string, state: StoredState, notice?: Notice): string {
  if (!text.includes('{')) return text;
  const c = state.context;
  const value = (name: string): string => {
    switch (name) {
      case 'amount':
        return c.payment ? speakAmount(c.payment.amount, c.payment.currency, c.locale) : '';
      case 'description':
        return c.payment?.description ? `, ${c.payment.description}` : '';
      case 'brand': {
        const brand = notice?.brand ?? c.card?.brand;
        return brand ? brandDisplayName(brand) : '';
      }
      case 'last4': {
        // A card's, or a bank debit's account's: the only digits of either a caller ever hears.
        const last4 = c.card?.last4 ?? c.bankAccount?.last4;
        return last4 ? speakDigits(last4) : '';
      }
      case 'accountType':
        return c.bankAccount?.accountType ? accountTypeWord(c.bankAccount.accountType, c.locale) : '';
      case 'length':
        return String(c.securityCodeLength || 3);
      case 'reference':
        return c.reference ? speakReference(c.reference) : '';
      default:
        return '';
    }
  };
  return text.replace(/\{(\w+)\}/g, (_, name: string) => value(name));
}

/** The account type in the caller's language (English and Spanish; English otherwise). */
function accountTypeWord(type: 'checking' | 'savings', locale: string): string {
  if (locale.startsWith('es')) return type === 'checking' ? 'corriente' : 'de ahorros';
  return type;
}
