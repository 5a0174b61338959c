import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { CallerAudioFilter } from '../../../src/relay/audio/toneMasker';
import { createLogger } from '../../../src/observability/logger';
import { RelayedCall } from '../../../src/relay/relayedCall';

/** A socket that keeps what is sent to it, and whether its connection was corked at the time. */
class FakeSocket extends EventEmitter {
  readonly readyState = WebSocket.OPEN;
  readonly bufferedAmount = 0;
  readonly sent: string[] = [];
  readonly sentCorked: boolean[] = [];
  private corks = 0;
  readonly transport = {
    cork: () => {
      this.corks += 1;
    },
    uncork: () => {
      this.corks -= 1;
    },
  };
  send(text: string): void {
    this.sent.push(text);
    this.sentCorked.push(this.corks > 0);
  }
  get corked(): boolean {
    return this.corks > 0;
  }
  close(): void {
    this.emit('close');
  }
}

/** A one-frame delay that replaces every third frame leaving it with a new Buffer, as the tone masker does. */
function maskingFilter(): CallerAudioFilter & { out: Buffer[] } {
  let held: Buffer | null = null;
  let count = 0;
  const out: Buffer[] = [];
  return {
    out,
    delayMs: 20,
    push(frame) {
      const leaving = held;
      held = frame;
      if (!leaving) return null;
      count += 1;
      const sent = count % 3 === 0 ? Buffer.alloc(160, 0xff) : leaving;
      out.push(sent);
      return sent;
    },
    noteDtmfEvent() {},
    onKey() {},
    flush() {
      return [];
    },
  };
}

function relayedCall(filter: CallerAudioFilter): RelayedCall {
  return new RelayedCall({
    bridgeId: 'b1',
    filter,
    capture: null,
    recording: null,
    logger: createLogger({ silent: true }),
    metrics: { relayFrameDropped: () => undefined },
    maxBufferedBytes: 64 * 1024,
    lost: () => undefined,
    ended: () => undefined,
  });
}

function payloadsSent(socket: FakeSocket): string[] {
  return socket.sent.map((text) => JSON.parse(text) as { event: string; media?: { payload: string } }).flatMap((m) => (m.event === 'media' ? [m.media!.payload] : []));
}

it('sends the agent the base64 of exactly the frames the filter let out, whatever form the caller sent them in', () => {
  const filter = maskingFilter();
  const call = relayedCall(filter);
  const caller = new FakeSocket();
  const agent = new FakeSocket();
  call.attach('caller', caller as unknown as WebSocket, 'MZ' + '1'.repeat(32));
  call.attach('agent', agent as unknown as WebSocket, 'MZ' + '2'.repeat(32));
  for (let index = 0; index < 60; index += 1) {
    const canonical = randomBytes(160).toString('base64');
    // Every other frame arrives with stray bits in its last character (the same bytes decoded, a different text).
    const payload = index % 2 === 0 ? canonical : canonical.slice(0, 213) + String.fromCharCode(canonical.charCodeAt(213) + 1) + '==';
    call.message('caller', { event: 'media', payload });
  }
  expect(filter.out).toHaveLength(59);
  expect(payloadsSent(agent)).toEqual(filter.out.map((frame) => frame.toString('base64')));
});

it('sends each mark with its frame in one write: the connection is corked around the two, and only then', () => {
  const call = relayedCall(maskingFilter());
  const caller = new FakeSocket();
  const agent = new FakeSocket();
  call.attach('caller', caller as unknown as WebSocket, 'MZ' + '1'.repeat(32), caller.transport);
  call.attach('agent', agent as unknown as WebSocket, 'MZ' + '2'.repeat(32), agent.transport);
  const payload = randomBytes(160).toString('base64');
  for (let index = 0; index < 60; index += 1) call.message('agent', { event: 'media', payload });
  const events = caller.sent.map((text) => (JSON.parse(text) as { event: string }).event);
  expect(events.filter((event) => event === 'mark')).toHaveLength(2);
  events.forEach((event, index) => {
    const withMark = event === 'mark' || events[index + 1] === 'mark';
    expect([index, event, caller.sentCorked[index]]).toEqual([index, event, withMark]);
  });
  expect(caller.corked).toBe(false);
});
