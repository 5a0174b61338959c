import { attributesOf, elementsOf, gatherAttributes, methodAttr, numberAttr, responseVerbs, tagOf, textOf, type GatherAttributes, type OrderedNode } from './twimlTree';

/** A `<Gather>` with Twilio's defaults filled in, and the `<Say>`s nested in it as its prompts. */
export interface GatherVerb extends GatherAttributes {
  verb: 'gather';
  prompts: string[];
}

/** One TwiML verb the simulator knows how to play; anything else is kept by name so it can be reported. */
export type TwimlVerb =
  | { verb: 'say'; text: string; language?: string; voice?: string }
  | { verb: 'pause'; seconds: number }
  | GatherVerb
  | { verb: 'redirect'; url: string; method: 'GET' | 'POST' }
  | { verb: 'hangup' }
  | { verb: 'unknown'; name: string };

/** Raised when a gateway answer is not a TwiML `<Response>` document. */
export class TwimlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TwimlError';
  }
}

/** Parses a TwiML document into its verbs, in order, with the `<Say>`s nested in a `<Gather>` as its prompts. */
export function parseTwiml(xml: string): TwimlVerb[] {
  return responseVerbs(xml, (problem) => new TwimlError(problem === 'not a single <Response> element' ? 'the document is not a single <Response> element' : problem)).map(toVerb);
}

function toVerb(node: OrderedNode): TwimlVerb {
  const name = tagOf(node) ?? '';
  const attrs = attributesOf(node);
  switch (name) {
    case 'Say':
      return {
        verb: 'say',
        text: textOf(node),
        ...(attrs.language !== undefined && { language: attrs.language }),
        ...(attrs.voice !== undefined && { voice: attrs.voice }),
      };
    case 'Pause':
      return { verb: 'pause', seconds: numberAttr(attrs.length) ?? 1 };
    case 'Gather':
      return {
        verb: 'gather',
        ...gatherAttributes(node),
        prompts: elementsOf(node)
          .filter((child) => tagOf(child) === 'Say')
          .map(textOf),
      };
    case 'Redirect':
      return { verb: 'redirect', url: textOf(node), method: methodAttr(attrs.method) };
    case 'Hangup':
      return { verb: 'hangup' };
    default:
      return { verb: 'unknown', name };
  }
}
