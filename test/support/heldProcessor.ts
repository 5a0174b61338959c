import { SandboxProcessor } from '../../src/adapters/processors/sandboxProcessor';
import type { ChargeRequest, ChargeAnswer, ChargeResult } from '../../src/ports/processor';
import type { GatewayOptions } from '../../src/app/server';

/**
 * A sandbox processor whose charges wait until the test lets them through: a processor as slow as a
 * test needs, without the test waiting out a fixed latency. `held()` counts the charges waiting.
 */
export function heldProcessor(): { option: NonNullable<GatewayOptions['processor']>; held(): number; release(): void } {
  let waiting = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  class HeldSandbox extends SandboxProcessor {
    override async charge(request: ChargeRequest): Promise<ChargeAnswer> {
      waiting += 1;
      try {
        await gate;
      } finally {
        waiting -= 1;
      }
      return super.charge(request);
    }
  }
  return { option: ({ vault, store }) => new HeldSandbox(vault, store), held: () => waiting, release: () => release() };
}
