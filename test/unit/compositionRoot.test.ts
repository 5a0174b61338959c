import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports or re-exports, as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|\brequire\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** Imports that bring in values, not only types. */
function valueImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
}

const CAPABILITIES = ['bridge', 'links', 'capture', 'agent'];

describe('composition root', () => {
  it('no capability module imports the HTTP layer: the root hands routers their capabilities', () => {
    const offending = CAPABILITIES.flatMap((dir) =>
      sourceFiles(join(SRC, dir)).flatMap((file) =>
        importsOf(file)
          .filter((spec) => /(^|\/)http(\/|$)/.test(spec))
          .map((spec) => `${relative(SRC, file)} imports ${spec}`),
      ),
    );
    expect(offending).toEqual([]);
  });

  it('the call session repository is built once, by the root', () => {
    const builders = sourceFiles(SRC).flatMap((file) => {
      const count = readFileSync(file, 'utf8').match(/new CallSessionRepository\b/g)?.length ?? 0;
      return Array(count).fill(relative(SRC, file));
    });
    expect(builders).toEqual(['server.ts']);
  });

  it('concrete adapters are built only by the composition root (and the command-line tools, which are their own roots)', () => {
    const adapterClasses = /new (RedisStore|MemoryStore|AesGcmVault|TwilioCallControl|FakeCallControl|MemoryEventBus|ReceiptMailer|SandboxProcessor|StripeProcessor|HttpsConnector)\b/g;
    const roots = new Set(['server.ts', 'compositionRoot.ts']);
    const builders = sourceFiles(SRC)
      .map((file) => relative(SRC, file))
      .filter((file) => !roots.has(file) && !file.startsWith('cli/'))
      .flatMap((file) => (readFileSync(join(SRC, file), 'utf8').match(adapterClasses) ?? []).map((made) => `${file}: ${made}`));
    expect(builders).toEqual([]);
  });

  it('the capabilities are wired from adapters they receive: their composers build no concrete adapter', () => {
    const adapters = [
      /telephony\/twilioCallControl$/,
      /fakeCallControl$/,
      /memoryEventBus$/,
      /redisEventBus$/,
      /store\/redisClient$/,
      /store\/redisStore$/,
      /store\/memoryStore$/,
      /receiptMailer$/,
      /vault\/aesGcmVault$/,
      /processors\//,
    ];
    const offending = ['bridge/composeBridge.ts', 'links/composePayLinks.ts'].flatMap((file) =>
      valueImportsOf(join(SRC, file))
        .filter((spec) => adapters.some((adapter) => adapter.test(spec)))
        .map((spec) => `${file} imports ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});
