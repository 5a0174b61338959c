import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A `<Gather>` with Twilio's defaults filled in; `action` is empty when the document gave none. */
export interface GatherVerb {
  verb: 'gather';
  action: string;
  method: 'GET' | 'POST';
  finishOnKey: string;
  timeout: number;
  numDigits?: number;
  actionOnEmptyResult: boolean;
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

// With preserveOrder every element is `{ [tag]: children[], ':@'?: attributes }`, which keeps verbs in document order.
type OrderedNode = Record<string, unknown>;

const ATTRIBUTES = ':@';
const TEXT = '#text';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Untrimmed, so the spaces around SSML inside a Say survive; textOf tidies whitespace afterwards.
  trimValues: false,
});

/** Parses a TwiML document into its verbs, in order, with the `<Say>`s nested in a `<Gather>` as its prompts. */
export function parseTwiml(xml: string): TwimlVerb[] {
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    throw new TwimlError(`not well-formed XML (line ${validation.err.line}: ${validation.err.msg})`);
  }
  const roots = (parser.parse(xml) as OrderedNode[]).filter((node) => tagOf(node) !== undefined);
  const root = roots[0];
  if (roots.length !== 1 || root === undefined || tagOf(root) !== 'Response') {
    throw new TwimlError('the document is not a single <Response> element');
  }
  return elementsOf(root).map(toVerb);
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
    case 'Gather': {
      const numDigits = numberAttr(attrs.numDigits);
      return {
        verb: 'gather',
        action: attrs.action?.trim() ?? '',
        method: methodAttr(attrs.method),
        // An explicit empty finishOnKey disables finishing by key, so only a missing attribute takes the default.
        finishOnKey: attrs.finishOnKey ?? '#',
        timeout: numberAttr(attrs.timeout) ?? 5,
        ...(numDigits !== undefined && { numDigits }),
        actionOnEmptyResult: attrs.actionOnEmptyResult === 'true',
        prompts: elementsOf(node)
          .filter((child) => tagOf(child) === 'Say')
          .map(textOf),
      };
    }
    case 'Redirect':
      return { verb: 'redirect', url: textOf(node), method: methodAttr(attrs.method) };
    case 'Hangup':
      return { verb: 'hangup' };
    default:
      return { verb: 'unknown', name };
  }
}

function tagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ATTRIBUTES && key !== TEXT);
}

function childrenOf(node: OrderedNode): OrderedNode[] {
  const tag = tagOf(node);
  const children = tag === undefined ? undefined : node[tag];
  return Array.isArray(children) ? (children as OrderedNode[]) : [];
}

function elementsOf(node: OrderedNode): OrderedNode[] {
  return childrenOf(node).filter((child) => tagOf(child) !== undefined);
}

function attributesOf(node: OrderedNode): Record<string, string | undefined> {
  const attrs = node[ATTRIBUTES];
  return typeof attrs === 'object' && attrs !== null ? (attrs as Record<string, string>) : {};
}

// Say may wrap SSML (<prosody>, <emphasis>, ...), whose words are still spoken.
function textOf(node: OrderedNode): string {
  const parts = childrenOf(node).map((child) => {
    const text = child[TEXT];
    return text !== undefined ? String(text) : textOf(child);
  });
  return parts.join('').replace(/\s+/g, ' ').trim();
}

function numberAttr(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function methodAttr(value: string | undefined): 'GET' | 'POST' {
  return value?.trim().toUpperCase() === 'GET' ? 'GET' : 'POST';
}
