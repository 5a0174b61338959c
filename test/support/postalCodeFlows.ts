import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cards from '../fixtures/test-cards.json';

/** The sandbox's documented billing postal codes: one that passes its address check, one that fails it. */
export const POSTAL_CODES = { passes: cards.postalCodes.passes, fails: cards.postalCodes.fails };

const SHIPPED = join(__dirname, '../../flows');

/**
 * A copy of the shipped flows folder in which the keypad and web flows ask for a postal code (the
 * shipped files carry its prompts; the option is the one change an operator makes). Returns the
 * folder, for FLOWS_DIR, and a function that removes it.
 */
export function postalCodeFlowsDir(rule: unknown = { country: 'US' }): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'postal-flows-'));
  for (const file of readdirSync(SHIPPED).filter((f) => f.endsWith('.json'))) {
    const flow = JSON.parse(readFileSync(join(SHIPPED, file), 'utf8')) as Record<string, unknown>;
    if (file === 'default.json' || file === 'web.json') flow.postalCode = rule;
    writeFileSync(join(dir, file), JSON.stringify(flow, null, 2));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
