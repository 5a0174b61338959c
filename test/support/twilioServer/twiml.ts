/** TwiML as the Twilio-shaped server reads it: the verbs it follows, with Twilio's defaults filled in. */
import { attributesOf, elementsOf, gatherAttributes, methodAttr, numberAttr, responseVerbs, tagOf, textOf, type GatherAttributes, type OrderedNode } from '../../../src/cli/twimlTree';

export type Method = 'GET' | 'POST';

/** Something the called party hears: spoken text or an audio URL. */
export type Heard = { verb: 'say'; text: string } | { verb: 'play'; url: string };

/** `action` is empty when the document gave none: Twilio then posts to the document's own URL. */
export interface GatherVerb extends GatherAttributes {
  verb: 'gather';
  prompts: Heard[];
}

export interface StreamVerb {
  verb: 'connect-stream';
  url: string;
  /** `<Parameter name value>`s, passed on as the start message's customParameters. */
  parameters: Record<string, string>;
  /** `<Connect action>`: requested when the stream ends; without it the next verb runs. */
  action: string;
  method: Method;
}

export interface ConferenceVerb {
  verb: 'dial-conference';
  name: string;
  /** `<Dial action>`: requested when the call leaves the conference (also before a REST redirect). */
  action: string;
  method: Method;
  /** `record="record-from-start"`: the conference keeps a recording the REST API can pause. */
  record: boolean;
  /** When this participant leaves, the conference ends for everyone. */
  endConferenceOnExit: boolean;
}

export type TwimlVerb =
  | Heard
  | { verb: 'pause'; seconds: number }
  | GatherVerb
  | { verb: 'redirect'; url: string; method: Method }
  | { verb: 'hangup' }
  | StreamVerb
  | ConferenceVerb
  | { verb: 'unsupported'; name: string };

/** The verbs of a `<Response>`, in order; throws on anything else, as Twilio reports an application error. */
export function readTwiml(xml: string): TwimlVerb[] {
  return responseVerbs(xml, (problem) => new Error(problem === 'not a single <Response> element' ? 'TwiML is not a single <Response> element' : `TwiML is ${problem}`)).map(toVerb);
}

function toVerb(node: OrderedNode): TwimlVerb {
  const name = tagOf(node) ?? '';
  const attrs = attributesOf(node);
  switch (name) {
    case 'Say':
      return { verb: 'say', text: textOf(node) };
    case 'Play':
      return { verb: 'play', url: textOf(node) };
    case 'Pause':
      return { verb: 'pause', seconds: numberAttr(attrs.length) ?? 1 };
    case 'Gather':
      return {
        verb: 'gather',
        ...gatherAttributes(node),
        prompts: elementsOf(node).flatMap((child): Heard[] => {
          const verb = toVerb(child);
          return verb.verb === 'say' || verb.verb === 'play' ? [verb] : [];
        }),
      };
    case 'Redirect':
      return { verb: 'redirect', url: textOf(node), method: methodAttr(attrs.method) };
    case 'Hangup':
      return { verb: 'hangup' };
    case 'Connect': {
      const stream = elementsOf(node).find((child) => tagOf(child) === 'Stream');
      if (!stream) return { verb: 'unsupported', name: 'Connect' };
      const parameters: Record<string, string> = {};
      for (const child of elementsOf(stream)) {
        const p = attributesOf(child);
        if (tagOf(child) === 'Parameter' && p.name !== undefined) parameters[p.name] = p.value ?? '';
      }
      return { verb: 'connect-stream', url: attributesOf(stream).url ?? '', parameters, action: attrs.action?.trim() ?? '', method: methodAttr(attrs.method) };
    }
    case 'Dial': {
      const conference = elementsOf(node).find((child) => tagOf(child) === 'Conference');
      if (!conference) return { verb: 'unsupported', name: 'Dial' };
      return {
        verb: 'dial-conference',
        name: textOf(conference),
        action: attrs.action?.trim() ?? '',
        method: methodAttr(attrs.method),
        record: attributesOf(conference).record === 'record-from-start',
        endConferenceOnExit: attributesOf(conference).endConferenceOnExit === 'true',
      };
    }
    default:
      return { verb: 'unsupported', name };
  }
}

