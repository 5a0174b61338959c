import { SandboxProcessor } from '../../src/adapters/processors/sandboxProcessor';
import type { ChargeRequest, ChargeAnswer, ChargeResult } from '../../src/ports/processor';
import type { GatewayOptions } from '../../src/app/server';
import type { TestGateway } from './harness';

/** The sandbox processor, counting the charges it is asked for. */
export class CountingSandbox extends SandboxProcessor {
  charges: string[] = [];
  override async charge(request: ChargeRequest): Promise<ChargeAnswer> {
    this.charges.push(request.idempotencyKey);
    return super.charge(request);
  }
}

/** A processor option for startTestGateway that keeps the counting processor at hand. */
export function countingProcessor(): { option: NonNullable<GatewayOptions['processor']>; get: () => CountingSandbox } {
  let made: CountingSandbox | null = null;
  return {
    option: ({ vault, store }) => (made = new CountingSandbox(vault, store)),
    get: () => {
      if (!made) throw new Error('gateway not started');
      return made;
    },
  };
}

/** A clock tests move by hand. */
export class ManualClock {
  constructor(private at = new Date()) {}
  now(): Date {
    return new Date(this.at);
  }
  advance(seconds: number): void {
    this.at = new Date(this.at.getTime() + seconds * 1000);
  }
}

/** The local path of a pay URL (the gateway's public URL may differ from the listening address). */
export function payPath(payUrl: string): string {
  return new URL(payUrl).pathname;
}

/** The CSRF field of a rendered page. */
export function csrfOf(html: string): string {
  const found = /name="csrf" value="([^"]+)"/.exec(html);
  if (!found) throw new Error('no csrf field in the page');
  return found[1]!;
}

export interface PageAnswer {
  status: number;
  html: string;
  headers: Headers;
}

/** Opens a pay page the way a browser without script does. */
export async function openPage(tg: TestGateway, payUrl: string, headers: Record<string, string> = {}): Promise<PageAnswer> {
  const res = await fetch(tg.gateway.url + payPath(payUrl), { headers });
  const html = await res.text();
  tg.responses.push(html);
  return { status: res.status, html, headers: res.headers };
}

/** Posts the form as a browser without script would. */
export async function postForm(tg: TestGateway, payUrl: string, fields: Record<string, string>): Promise<PageAnswer> {
  const res = await fetch(tg.gateway.url + payPath(payUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const html = await res.text();
  tg.responses.push(html);
  return { status: res.status, html, headers: res.headers };
}

/** Opens the page and pays with one card in one submission. */
export async function payWith(
  tg: TestGateway,
  payUrl: string,
  card: { cardNumber: string; expiry?: string; securityCode?: string; postalCode?: string },
  csrf?: string,
): Promise<PageAnswer> {
  const token = csrf ?? csrfOf((await openPage(tg, payUrl)).html);
  return postForm(tg, payUrl, { csrf: token, expiry: '12/30', securityCode: '123', ...card });
}

/** The text of a page without its tags, for readable assertions. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, ' ')
    .trim();
}
