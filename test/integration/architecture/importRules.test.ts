import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run lint:deps` passing on src proves nothing unless the rules bite: this runs them over a small tree
 * (test/fixtures/importRules) that breaks each rule once and keeps one allowed import.
 */
const ROOT = path.resolve(__dirname, '../../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/importRules');

function violations(): string[] {
  let output: string;
  try {
    output = execFileSync(path.join(ROOT, 'node_modules/.bin/depcruise'), ['src', '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'], {
      cwd: FIXTURE,
      encoding: 'utf8',
    });
  } catch (error) {
    // depcruise exits non-zero when it finds violations; its report is still on stdout.
    output = String((error as { stdout?: string }).stdout ?? '');
  }
  const report = JSON.parse(output) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

describe('import rules', () => {
  it('each rule catches its breach, and an import through a capability index passes', () => {
    const found = violations();
    expect(found).toEqual(
      expect.arrayContaining([
        'adapters-know-no-capability: src/adapters/store.ts -> src/links/index.ts',
        'capability-internals: src/api/routes.ts -> src/links/internal.ts',
        'core-knows-no-capability: src/core/a.ts -> src/adapters/store.ts',
        'no-circular: src/core/a.ts -> src/core/b.ts',
        'nothing-imports-the-cli: src/phone/voice.ts -> src/cli/tool.ts',
        'nothing-imports-the-shell: src/phone/voice.ts -> src/app/shell.ts',
        'only-the-root-picks-adapters: src/core/a.ts -> src/adapters/store.ts',
      ]),
    );
    expect(found.filter((v) => v.includes('src/agent/allowed.ts'))).toEqual([]);
  });
});
