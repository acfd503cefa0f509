// Runs are kept under the state directory, one folder a run: <state-dir>/runs/<run-id>/ holds
// results.json and the reports drawn from it (and whatever else belongs to the run). The id sorts
// by start time, so a plain listing is already in order.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { RunResults } from '../scenarios/run-results.js';

export function runsDir(stateDir: string): string {
  return path.join(stateDir, 'runs');
}

export function runDir(stateDir: string, runId: string): string {
  if (!/^[\w.-]+$/.test(runId)) throw new Error(`"${runId}" is not a run id (letters, digits, '-', '_' and '.' only)`);
  return path.join(runsDir(stateDir), runId);
}

/** A new run id: the UTC start time to the second, then a random suffix (e.g. 20261124T101500Z-1a2b3c4d). */
export function newRunId(clock: Clock): string {
  const stamp = new Date(clock.now()).toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z');
  return `${stamp}-${randomUUID().slice(0, 8)}`;
}

export interface RunListing {
  id: string;
  dir: string;
  /**
   * 'complete' once results.json exists; before that the run is under way or was cut short; 'paused'
   * after Stage 1 (`cda-sim stage2` resumes it); 'aborted' when the environment stopped it (its results say why);
   * 'interrupted' when Ctrl+C stopped it.
   */
  state: 'complete' | 'incomplete' | 'paused' | 'aborted' | 'interrupted';
  results?: RunResults;
}

/** Every kept run, newest first. */
export function listRuns(stateDir: string): RunListing[] {
  const root = runsDir(stateDir);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = path.join(root, d.name);
      const results = readResults(dir);
      const state = !results ? 'incomplete' : results.run.status === 'paused' || results.run.status === 'aborted' || results.run.status === 'interrupted' ? results.run.status : 'complete';
      return { id: d.name, dir, state, results } as RunListing;
    })
    .sort((a, b) => b.id.localeCompare(a.id));
}

/** The newest run that left results (complete, paused or stopped by the environment): the evidence of the last run. */
export function latestRunWithResults(stateDir: string): RunListing | undefined {
  return listRuns(stateDir).find((r) => r.results);
}

export function readResults(dir: string): RunResults | undefined {
  const file = path.join(dir, 'results.json');
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunResults;
}

/** One run's results, by id; an unknown id is an error that says where runs are looked for. */
export function readRun(stateDir: string, runId: string): RunResults {
  const results = readResults(runDir(stateDir, runId));
  if (!results) throw new Error(`no complete run "${runId}" in ${runsDir(stateDir)}`);
  return results;
}
