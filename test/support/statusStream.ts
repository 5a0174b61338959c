/** Follows a payment's embed status stream the way the element does (fetch, bearer token in a header). */
export interface StatusStream {
  /** Every event so far, in order, with its JSON data parsed. */
  events: Array<{ name: string; data: any }>;
  /** The raw text received, for leak scans. */
  raw(): string;
  /** Resolves when the gateway ends the stream. */
  ended: Promise<void>;
  status: number;
  close(): void;
}

export async function openStatusStream(baseUrl: string, paymentId: string, token: string): Promise<StatusStream> {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}/embed/payments/${paymentId}/events`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  const events: StatusStream['events'] = [];
  let text = '';
  let buffer = '';
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const part = decoder.decode(chunk, { stream: true });
        text += part;
        buffer += part;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop()!;
        for (const block of blocks) {
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name && data) events.push({ name, data: JSON.parse(data) });
        }
      }
    } catch {
      // Closed by the test.
    }
  })();
  return { events, raw: () => text, ended, status: res.status, close: () => abort.abort() };
}
