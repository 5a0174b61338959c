import { existsSync } from 'node:fs';

/**
 * Reads a dotenv file into process.env when it exists. Variables already in the environment keep
 * their value, even a blank one, so a deployment's real settings always win over a forgotten file.
 * Returns whether a file was read.
 */
export function loadEnvFile(path: string): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}
