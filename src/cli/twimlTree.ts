import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * TwiML as an ordered tree, for whatever plays Twilio's part: the flow simulator, and the tests' Twilio-shaped
 * server. With preserveOrder every element is `{ [tag]: children[], ':@'?: attributes }`, which keeps verbs in
 * document order.
 */
export type OrderedNode = Record<string, unknown>;

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

/** The verb elements of a document's single `<Response>`; `fail` names what is wrong otherwise. */
export function responseVerbs(xml: string, fail: (problem: string) => Error): OrderedNode[] {
  const validation = XMLValidator.validate(xml);
  if (validation !== true) throw fail(`not well-formed XML (line ${validation.err.line}: ${validation.err.msg})`);
  const roots = (parser.parse(xml) as OrderedNode[]).filter((node) => tagOf(node) !== undefined);
  const root = roots[0];
  if (roots.length !== 1 || root === undefined || tagOf(root) !== 'Response') throw fail('not a single <Response> element');
  return elementsOf(root);
}

export function tagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ATTRIBUTES && key !== TEXT);
}

function childrenOf(node: OrderedNode): OrderedNode[] {
  const tag = tagOf(node);
  const children = tag === undefined ? undefined : node[tag];
  return Array.isArray(children) ? (children as OrderedNode[]) : [];
}

export function elementsOf(node: OrderedNode): OrderedNode[] {
  return childrenOf(node).filter((child) => tagOf(child) !== undefined);
}

export function attributesOf(node: OrderedNode): Record<string, string | undefined> {
  const attrs = node[ATTRIBUTES];
  return typeof attrs === 'object' && attrs !== null ? (attrs as Record<string, string>) : {};
}

/** The words of an element; Say may wrap SSML (<prosody>, <emphasis>, ...), whose words are still spoken. */
export function textOf(node: OrderedNode): string {
  const parts = childrenOf(node).map((child) => {
    const text = child[TEXT];
    return text !== undefined ? String(text) : textOf(child);
  });
  return parts.join('').replace(/\s+/g, ' ').trim();
}

export function numberAttr(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function methodAttr(value: string | undefined): 'GET' | 'POST' {
  return value?.trim().toUpperCase() === 'GET' ? 'GET' : 'POST';
}

/** A `<Gather>`'s attributes with Twilio's defaults filled in; `action` is empty when the document gave none. */
export interface GatherAttributes {
  action: string;
  method: 'GET' | 'POST';
  finishOnKey: string;
  /** Seconds of silence before the gather ends. */
  timeout: number;
  numDigits?: number;
  actionOnEmptyResult: boolean;
}

export function gatherAttributes(node: OrderedNode): GatherAttributes {
  const attrs = attributesOf(node);
  const numDigits = numberAttr(attrs.numDigits);
  return {
    action: attrs.action?.trim() ?? '',
    method: methodAttr(attrs.method),
    // An explicit empty finishOnKey disables finishing by key, so only a missing attribute takes the default.
    finishOnKey: attrs.finishOnKey ?? '#',
    timeout: numberAttr(attrs.timeout) ?? 5,
    ...(numDigits !== undefined && { numDigits }),
    actionOnEmptyResult: attrs.actionOnEmptyResult === 'true',
  };
}
