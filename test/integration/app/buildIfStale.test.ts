import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '../../../scripts/build-if-stale.js');

/** A project of two small sources with the same tsconfig pair as the gateway's. */
function makeProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'ccg-build-'));
  mkdirSync(join(root, 'src', 'nested'), { recursive: true });
  writeFileSync(join(root, 'src', 'a.ts'), "export const a: string = 'a';\n");
  writeFileSync(join(root, 'src', 'nested', 'b.ts'), "export const b: number = 1;\n");
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, outDir: 'dist', rootDir: '.', types: [], lib: ['ES2022'], skipLibCheck: true }, include: ['src'] }));
  writeFileSync(join(root, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', include: ['src'] }));
  return root;
}

function run(root: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8', timeout: 90_000 });
  return { status: result.status, stderr: result.stderr };
}

/** Sets a file's modification time to `secondsAgo` before now. */
function age(path: string, secondsAgo: number): void {
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, when, when);
}

/** Every input well before the last build: nothing is stale. */
function settle(root: string): void {
  for (const file of ['src/a.ts', 'src/nested/b.ts', 'tsconfig.json', 'tsconfig.build.json']) age(join(root, file), 120);
  age(join(root, 'dist', '.build-stamp'), 60);
}

describe('scripts/build-if-stale.js', () => {
  let root: string;
  beforeEach(() => {
    root = makeProject();
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('builds when there is no build yet, and then not again while nothing changed', () => {
    const first = run(root);
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('building… (no build yet)');
    expect(existsSync(join(root, 'dist', 'src', 'nested', 'b.js'))).toBe(true);

    const second = run(root);
    expect(second).toEqual({ status: 0, stderr: '' });
  }, 120_000);

  it('builds again when a file under src/ is newer than the build, however deep, or a tsconfig is', () => {
    expect(run(root).status).toBe(0);
    settle(root);
    expect(run(root)).toEqual({ status: 0, stderr: '' });

    writeFileSync(join(root, 'src', 'nested', 'b.ts'), 'export const b: number = 2;\n');
    const afterSource = run(root);
    expect(afterSource.status).toBe(0);
    expect(afterSource.stderr).toContain('building… (src/nested/b.ts changed since the last build)');

    settle(root);
    age(join(root, 'tsconfig.build.json'), 30);
    const afterTsconfig = run(root);
    expect(afterTsconfig.status).toBe(0);
    expect(afterTsconfig.stderr).toContain('building… (tsconfig.build.json changed since the last build)');
    expect(run(root)).toEqual({ status: 0, stderr: '' });
  }, 180_000);

  it('fails the start on a compile error, and tries again next time', () => {
    writeFileSync(join(root, 'src', 'a.ts'), "export const a: number = 'not a number';\n");
    const failed = run(root);
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain('build failed');
    // No stamp: the next start compiles again rather than running a half-built dist/.
    expect(existsSync(join(root, 'dist', '.build-stamp'))).toBe(false);
  }, 120_000);

  it('has nothing to do where only the compiled output ships', () => {
    rmSync(join(root, 'src'), { recursive: true });
    expect(run(root)).toEqual({ status: 0, stderr: '' });
  });
});
