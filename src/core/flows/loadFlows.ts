import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { flowSchema, type Flow } from './schema';

export class FlowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowError';
  }
}

/** Parses one flow document; a mistake names the file, the JSON path and the reason. */
export function parseFlow(source: string, file: string): Flow {
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (error) {
    throw new FlowError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const result = flowSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${file}: ${formatPath(issue.path)}: ${issue.message}`);
    throw new FlowError(lines.join('\n'));
  }
  return result.data;
}

/** Reads and validates one flow file. */
export function loadFlowFile(path: string): Flow {
  return parseFlow(readFileSync(path, 'utf8'), path);
}

/** Loads every `*.json` flow in a folder, keyed by id; a bad file stops the start with its reason. */
export function loadFlows(dir: string): Map<string, Flow> {
  const folder = resolve(dir);
  const flows = new Map<string, Flow>();
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const errors: string[] = [];
  for (const file of files) {
    const path = join(folder, file);
    try {
      const flow = loadFlowFile(path);
      if (flow.id !== basename(file, '.json')) {
        throw new FlowError(`${path}: id: "${flow.id}" must match the file name "${basename(file, '.json')}"`);
      }
      flows.set(flow.id, flow);
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  if (errors.length > 0) throw new FlowError(errors.join('\n'));
  if (flows.size === 0) throw new FlowError(`${folder}: no flow files (*.json)`);
  return flows;
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}
