import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// Which folder may import which is checked by dependency-cruiser (`npm run lint:deps`,
// test/integration/importRules.test.ts); these check what an import rule cannot see: where `new` is written.
describe('composition root', () => {
  it('the call session repository is built once, by the root', () => {
    const builders = sourceFiles(SRC).flatMap((file) => {
      const count = readFileSync(file, 'utf8').match(/new CallSessionRepository\b/g)?.length ?? 0;
      return Array(count).fill(relative(SRC, file));
    });
    expect(builders).toEqual(['app/server.ts']);
  });

  it('concrete adapters are built only by the composition root (and the command-line tools, which are their own roots)', () => {
    const adapterClasses = /new (RedisStore|MemoryStore|AesGcmVault|TwilioCallControl|FakeCallControl|MemoryEventBus|SmtpMailer|SandboxProcessor|StripeProcessor|HttpsConnector)\b/g;
    const roots = new Set(['app/server.ts', 'app/compositionRoot.ts']);
    const builders = sourceFiles(SRC)
      .map((file) => relative(SRC, file))
      .filter((file) => !roots.has(file) && !file.startsWith('cli/'))
      .flatMap((file) => (readFileSync(join(SRC, file), 'utf8').match(adapterClasses) ?? []).map((made) => `${file}: ${made}`));
    expect(builders).toEqual([]);
  });
});
