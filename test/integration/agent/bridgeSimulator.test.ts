import { PassThrough } from 'node:stream';
import { runBridgeSimulation } from '../../../src/cli/bridgeSimulation';
import { scriptedKeys } from '../../../src/cli/keySources';
import type { RunningGateway } from '../../../src/app/server';
import { AUTH_TOKEN, API_KEY, VAULT_KEY } from '../../support/harness';
import { eventually } from '../../support/eventually';

jest.setTimeout(30_000);

describe('simulator --bridge', () => {
  it('plays the caller leg through the fake call control while the agent starts, confirms and sees the result', async () => {
    const lines: string[] = [];
    let finish!: () => void;
    const until = new Promise<void>((resolve) => (finish = resolve));
    let paymentId = '';
    let outcome = '';
    const agent = async (gateway: RunningGateway, bridgeId: string) => {
      await eventually(async () => (await gateway.bridges.get(bridgeId))?.state === 'connected', 3000, 'the agent to join');
      const started = await gateway.bridges.startSecureCapture(bridgeId, { amount: '9.99', currency: 'USD' });
      if (!started.ok) throw new Error(started.message);
      paymentId = started.paymentId!;
      await eventually(async () => (await gateway.bridges.agentAction(bridgeId, 'confirmed')).ok, 5000, 'the card number to wait for the agent');
      await eventually(async () => (await gateway.bridges.get(bridgeId))?.state === 'connected' && lines.includes('(the caller is talking with the agent)'), 10_000, 'the caller back with the agent');
      outcome = (await gateway.bridges.snapshot()).payments.at(-1)?.status ?? '';
      finish();
    };
    const code = await runBridgeSimulation({
      out: (line) => lines.push(line),
      keys: scriptedKeys(['4242424242424242#', '1230', '123', '1', '-']),
      env: { NODE_ENV: 'test', API_KEY, VAULT_KEY, TWILIO_AUTH_TOKEN: AUTH_TOKEN, LOG_LEVEL: 'error', FLOWS_DIR: 'flows' },
      port: 0,
      logStream: new PassThrough(),
      onBridge: (gateway, bridgeId) => void agent(gateway, bridgeId).catch((error: unknown) => {
        lines.push(`agent failed: ${String(error)}`);
        finish();
      }),
      until,
    });
    expect(code).toBe(0);
    expect(lines.filter((l) => l.startsWith('agent failed'))).toEqual([]);
    expect(paymentId).toMatch(/^pay_/);
    expect(outcome).toBe('succeeded');
    expect(lines.some((l) => l.includes('reference'))).toBe(true);
    expect(lines.join('\n')).not.toContain('4242424242424242');
  });
});
