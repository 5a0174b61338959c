import { createHash } from 'node:crypto';
import type { Flow } from './schema';

/**
 * A validated flow as one canonical JSON text: object keys sorted at every level, so the same
 * flow gives the same text, and the same hash, on every process whatever the file's key order.
 */
export function canonicalFlowText(flow: Flow): string {
  return JSON.stringify(sortKeys(flow));
}

/** The content hash that names a flow's text: hex SHA-256. */
export function flowTextHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}
