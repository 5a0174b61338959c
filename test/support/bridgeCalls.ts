/** Helpers of the agent-bridge suites; jest runs only *.test.ts, so this file holds no tests. */
import { AgentAccounts, type AgentRole } from '../../src/agent/accounts/agentAccounts';
import type { AuditEntry } from '../../src/agent/auditTrail';
import { FakeCallControl, type CallControlOperation } from '../../src/adapters/callControl/fakeCallControl';
import type { GatewayEvent } from '../../src/ports/eventBus';
import { startTestGateway, VAULT_KEY, type StoreKind, type TestCall, type TestGateway } from './harness';
import { eventually } from './eventually';

export interface BridgeRig {
  tg: TestGateway;
  control: FakeCallControl;
  events: GatewayEvent[];
  /** Stops collecting events and closes the gateway. */
  close(): Promise<void>;
}

/** A gateway whose bridge dials a client agent, records, and acts on calls through the fake call control. */
export async function startBridgeRig(kind: StoreKind, env: Record<string, string> = {}): Promise<BridgeRig> {
  const control = new FakeCallControl();
  const tg = await startTestGateway(kind, { env: { AGENT_DIAL: 'client:agent-1', RECORD_BRIDGE: 'true', ...env }, callControl: control });
  const events: GatewayEvent[] = [];
  const stop = tg.gateway.events.subscribe((event) => events.push(event));
  return {
    tg,
    control,
    events,
    async close() {
      stop();
      await tg.close();
    },
  };
}

/** The caller dials the bridge number; resolves once the agent leg is in the conference. */
export async function openBridge(rig: BridgeRig, caller: TestCall): Promise<string> {
  await caller.start(`${rig.tg.baseUrl}/voice/bridge`);
  const bridge = await rig.tg.gateway.bridges.findByCall(caller.callSid);
  if (!bridge) throw new Error('no bridge stored');
  await eventually(async () => (await rig.tg.gateway.bridges.get(bridge.id))?.state === 'connected', 3000, 'the agent to join');
  return bridge.id;
}

/** The URL the fake last moved this leg to, as Twilio would then fetch it. */
export function lastRedirect(control: FakeCallControl, callSid: string): string {
  const moves = control.operations.filter((op): op is Extract<CallControlOperation, { op: 'redirect' }> => op.op === 'redirect' && op.callSid === callSid);
  if (moves.length === 0) throw new Error(`no redirect of ${callSid}`);
  return moves.at(-1)!.url;
}

/** How many times the caller's leg has been moved: wait for it to grow to see a new move. */
export function redirectCount(control: FakeCallControl, callSid: string): number {
  return control.operations.filter((op) => op.op === 'redirect' && op.callSid === callSid).length;
}

/** The operations as short labels, e.g. "recording:paused", "hold:on", "redirect:/voice/payments/…". */
export function opLabels(control: FakeCallControl): string[] {
  return control.operations.map((op) => {
    switch (op.op) {
      case 'redirect':
        return `redirect:${new URL(op.url).pathname}`;
      case 'dialAgent':
        return `dial:${op.dial.to}`;
      case 'recording':
        return `recording:${op.status}`;
      case 'hold':
        return `hold:${op.audio ? 'on' : 'off'}`;
      case 'createCall':
        return `call:${op.call.to}`;
      case 'endCall':
        return 'end-call';
    }
  });
}

/** Adds a panel agent straight in the gateway's store; answers the key it signs in with. */
export async function addAgent(rig: BridgeRig, name: string, role: AgentRole = 'agent'): Promise<string> {
  const agents = new AgentAccounts(rig.tg.gateway.store, Buffer.from(VAULT_KEY, 'base64'));
  return (await agents.add(name, role, new Date())).key;
}

/** Posts the sign-in form as a browser would; answers the response. */
export function postSignIn(rig: BridgeRig, key: string): Promise<Response> {
  return fetch(`${rig.tg.gateway.url}/panel/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: rig.tg.baseUrl },
    body: new URLSearchParams({ key }).toString(),
  });
}

export interface PanelClient {
  cookie: string;
  csrf: string;
  page: string;
  /** Posts a panel action with the session's cookie, CSRF token and origin. */
  post(path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** Signs in with an agent key over plain HTTP. */
export async function signInAgent(rig: BridgeRig, key: string): Promise<PanelClient> {
  const res = await postSignIn(rig, key);
  if (res.status !== 303) throw new Error(`sign-in: HTTP ${res.status}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const page = await (await fetch(`${rig.tg.gateway.url}/panel`, { headers: { cookie } })).text();
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error('no CSRF token on the panel page');
  return {
    cookie,
    csrf,
    page,
    async post(path, body = {}) {
      const answer = await fetch(`${rig.tg.gateway.url}/panel${path}`, {
        method: 'POST',
        headers: { cookie, origin: rig.tg.baseUrl, 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: answer.status, body: await answer.json().catch(() => null) };
    },
  };
}

export interface PanelStream {
  status: number;
  /** Every server-sent event so far, in order, with its parsed data. */
  events: Array<{ name: string; data: any }>;
  /** Every raw block the stream carried, for leak scans. */
  raw: string[];
  close(): void;
}

/** Follows /panel/events as the panel's EventSource does. */
export async function openPanelStream(rig: BridgeRig, cookie: string): Promise<PanelStream> {
  const abort = new AbortController();
  const res = await fetch(`${rig.tg.gateway.url}/panel/events`, { headers: { cookie }, signal: abort.signal });
  const stream: PanelStream = { status: res.status, events: [], raw: [], close: () => abort.abort() };
  if (res.status !== 200 || !res.body) return stream;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          stream.raw.push(block);
          const name = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (name && data) stream.events.push({ name, data: JSON.parse(data) });
        }
      }
    } catch {
      // Closed by the test.
    }
  })();
  return stream;
}

/** Every panel audit entry the gateway kept, oldest first. */
export async function auditEntries(rig: BridgeRig): Promise<AuditEntry[]> {
  return (await rig.tg.gateway.store.readLog('audit:panel')).map((e) => JSON.parse(e.value) as AuditEntry);
}
