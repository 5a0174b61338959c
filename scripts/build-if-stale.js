#!/usr/bin/env node
// Compiles the gateway only when its sources changed since the last build, so `npm start` answers
// in a second or two instead of recompiling everything every time.
//
//   node scripts/build-if-stale.js [project root]     (default: the folder above this script)
//
// Stale means: no build stamp in dist/, or a file under src/ or a tsconfig*.json newer than it.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(process.argv[2] ?? join(__dirname, '..'));
const stamp = join(root, 'dist', '.build-stamp');

/** The newest modification time (ms) under a folder, and the file that has it. */
function newest(dir) {
  let best = { mtimeMs: 0, path: null };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const candidate = entry.isDirectory() ? newest(path) : { mtimeMs: statSync(path).mtimeMs, path };
    if (candidate.mtimeMs > best.mtimeMs) best = candidate;
  }
  return best;
}

function staleReason() {
  // An image that ships only dist/ (no sources) has nothing to compile.
  if (!existsSync(join(root, 'src'))) return null;
  if (!existsSync(stamp)) return 'no build yet';
  const builtAt = statSync(stamp).mtimeMs;
  const sources = [newest(join(root, 'src'))];
  for (const name of readdirSync(root)) {
    if (/^tsconfig.*\.json$/.test(name)) sources.push({ mtimeMs: statSync(join(root, name)).mtimeMs, path: join(root, name) });
  }
  const changed = sources.filter((s) => s.mtimeMs > builtAt).map((s) => s.path.slice(root.length + 1));
  return changed.length > 0 ? `${changed[0]} changed since the last build` : null;
}

const reason = staleReason();
if (reason === null) process.exit(0);

process.stderr.write(`building… (${reason})\n`);
const startedAt = Date.now();
const tsc = require.resolve('typescript/bin/tsc', { paths: [root, __dirname] });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write('build failed: fix the errors above and start again\n');
  process.exit(result.status ?? 1);
}
mkdirSync(join(root, 'dist'), { recursive: true });
// The stamp's time is taken before compiling began, so a source saved during the build still counts as newer.
writeFileSync(stamp, `${new Date(startedAt).toISOString()}\n`);
utimesSync(stamp, new Date(startedAt), new Date(startedAt));
process.stderr.write(`built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
