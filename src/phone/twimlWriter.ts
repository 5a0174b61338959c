/**
 * A minimal TwiML writer for the verbs the capture speaks (Say, Gather, Pause, Redirect, Play,
 * Hangup), writing byte for byte what the twilio library's VoiceResponse writes.
 *
 * Why not VoiceResponse itself: it builds an xmlbuilder document per verb (every child node's
 * constructor creates a whole new document it never uses), which made TwiML one of the larger
 * items of a webhook turn's CPU. The escaping below is xmlbuilder's own (XMLStringifier's
 * `textEscape`, `attEscape` and `assertLegalChar`, XML 1.0), and a unit test compares this writer's
 * output with VoiceResponse's for every verb, for hostile text and attribute values too.
 */

type AttributeValue = string | number | boolean | readonly string[] | null | undefined;
export type TwimlAttributes = Readonly<Record<string, AttributeValue>>;

/** Characters XML 1.0 does not allow, and lone surrogates: xmlbuilder refuses them with an error. */
const ILLEGAL_XML_CHAR = /[\0-\x08\x0B\f\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;
const TEXT_SPECIAL = /[&<>\r]/;
const ATTRIBUTE_SPECIAL = /[&<"\t\n\r]/;

function assertLegal(text: string): string {
  const found = ILLEGAL_XML_CHAR.exec(text);
  // The index only: the text may be what a caller or an API client wrote.
  if (found) throw new Error(`Invalid character in TwiML text at index ${found.index}`);
  return text;
}

function escapeText(text: string): string {
  if (!TEXT_SPECIAL.test(text)) return assertLegal(text);
  return assertLegal(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;'));
}

function escapeAttribute(text: string): string {
  if (!ATTRIBUTE_SPECIAL.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;');
}

/** ` name="value"` for each attribute with a value, in the order given; arrays as space-separated lists. */
function attributesOf(attributes: TwimlAttributes | undefined): string {
  if (!attributes) return '';
  let out = '';
  for (const name of Object.keys(attributes)) {
    const value = attributes[name];
    if (value === null || value === undefined) continue;
    out += ` ${name}="${escapeAttribute(Array.isArray(value) ? value.join(' ') : String(value))}"`;
  }
  return out;
}

/** One element: its opening tag's name and attributes, then text or child elements. */
export class TwimlElement {
  private readonly children: Array<TwimlElement | string> = [];

  constructor(
    private readonly name: string,
    private readonly attributes: string,
  ) {}

  protected add(name: string, attributes?: TwimlAttributes, text?: string): TwimlElement {
    const element = new TwimlElement(name, attributesOf(attributes));
    if (text !== undefined && text !== '') element.children.push(escapeText(text));
    this.children.push(element);
    return element;
  }

  say(attributes: TwimlAttributes, message: string): TwimlElement {
    return this.add('Say', attributes, message);
  }

  gather(attributes: TwimlAttributes): TwimlElement {
    return this.add('Gather', attributes);
  }

  pause(attributes: TwimlAttributes): TwimlElement {
    return this.add('Pause', attributes);
  }

  redirect(attributes: TwimlAttributes, url: string): TwimlElement {
    return this.add('Redirect', attributes, url);
  }

  play(attributes: TwimlAttributes, url: string): TwimlElement {
    return this.add('Play', attributes, url);
  }

  hangup(): TwimlElement {
    return this.add('Hangup');
  }

  /** The element as XML; without children it closes itself, as xmlbuilder writes it. */
  protected write(): string {
    if (this.children.length === 0) return `<${this.name}${this.attributes}/>`;
    let out = `<${this.name}${this.attributes}>`;
    for (const child of this.children) out += typeof child === 'string' ? child : child.write();
    return `${out}</${this.name}>`;
  }
}

/** The `<Response>` document. */
export class TwimlResponse extends TwimlElement {
  constructor() {
    super('Response', '');
  }

  override toString(): string {
    return `<?xml version="1.0" encoding="UTF-8"?>${this.write()}`;
  }
}
