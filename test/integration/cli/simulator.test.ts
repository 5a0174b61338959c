import cards from '../../fixtures/test-cards.json';
import { runSimulation } from '../../../src/cli/simulate';
import { API_KEY, AUTH_TOKEN, STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';

/** The key script of a whole call with one card; a declined call chooses "2" to end. */
function script(card: { number: string; brand: string; outcome: string }): string {
  const code = card.brand === 'american-express' ? '1234' : '123';
  const tail = card.outcome === 'succeeded' ? '' : ' 2';
  return `PAYCODE ${card.number}# 1230 ${code} 1${tail}`;
}

describe.each(STORE_KINDS)('the flow simulator against a running gateway (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  it.each(cards.cards.map((c) => [c.number.slice(-4), c.brand, c.outcome, c] as const))(
    'completes a call with the card ending %s (%s) and the payment ends %s',
    async (_last4, _brand, outcome, card) => {
      const lines: string[] = [];
      const expected = outcome === 'succeeded' ? 'succeeded' : 'failed';
      const code = await runSimulation(
        ['--url', tg.gateway.url, '--api-key', API_KEY, '--auth-token', AUTH_TOKEN, '--keys', script(card), '--expect', expected],
        { out: (line) => lines.push(line) },
      );
      const transcript = lines.join('\n');
      expect(code).toBe(0);
      if (outcome !== 'succeeded') expect(transcript).toContain(outcome);
      // The transcript is a product surface too: only the last 4 digits may show.
      expect(transcript).not.toContain(card.number);
    },
  );
});

describe('the flow simulator with its own in-process gateway', () => {
  it('runs a scripted call through the voice URL and reports the expected status', async () => {
    const lines: string[] = [];
    const code = await runSimulation(['--entry', 'voice-url', '--keys', '5555555555554444# 1230 123 1', '--expect', 'succeeded'], {
      out: (line) => lines.push(line),
    });
    expect(code).toBe(0);
    expect(lines.join('\n')).toContain('Mastercard •••• 4444');
  });

  it('exits non-zero when the outcome differs from --expect', async () => {
    const code = await runSimulation(['--keys', 'PAYCODE 4000000000000002# 1230 123 1 2', '--expect', 'succeeded', '--quiet'], {
      out: () => undefined,
    });
    expect(code).toBe(1);
  });
});
