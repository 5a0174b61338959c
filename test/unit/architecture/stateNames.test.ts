import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { STATE } from '../../../src/core/capture/machine';

const SRC = path.resolve(__dirname, '../../../src');
/** The capture core: the machine names its states, and `meaning.ts` turns them into what they mean. */
const CORE = new Set(['core/capture/machine.ts', 'core/capture/meaning.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

// Names that are also payment statuses, outcomes or Twilio words ("succeeded", "failed", "completed",
// "start") legitimately appear elsewhere; the ones below exist only as states of the capture machine.
const ONLY_STATE_NAMES = Object.values(STATE).filter((name) => /[A-Z]/.test(name) || ['confirming', 'deferred', 'abandoned', 'refused'].includes(name));

describe('state names stay inside the capture core', () => {
  it('no module outside it imports STATE or quotes a state name', () => {
    const found: string[] = [];
    for (const file of sources(SRC)) {
      const relative = path.relative(SRC, file).split(path.sep).join('/');
      if (CORE.has(relative)) continue;
      const text = readFileSync(file, 'utf8');
      if (/\bSTATE\b/.test(text)) found.push(`${relative}: STATE`);
      for (const name of ONLY_STATE_NAMES) if (new RegExp(`['"\`]${name}['"\`]`).test(text)) found.push(`${relative}: '${name}'`);
    }
    expect(found).toEqual([]);
  });
});
