// The scenarios shipped in scenarios/, by name: what `--scenario` takes besides a file path.
// Kept apart from the engine so `--help` can list them without loading any step or check.
import fs from 'node:fs';
import path from 'node:path';
import { scenariosDir } from '../core/paths.js';

/** The names of the shipped scenario files (test users, the test data pack and the compat table sit beside them). */
export function scenarioNames(): string[] {
  return fs
    .readdirSync(scenariosDir)
    .filter((f) => f.endsWith('.json') && fs.readFileSync(path.join(scenariosDir, f), 'utf8').includes('"testCases"'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}
