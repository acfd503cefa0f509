// A run paused after Stage 1 (the update file is out; the provider applies it in its own time), kept
// in its run folder (runs/run-store.ts says where) so `cda-sim stage2` can resume it in a later process. Written atomically (temporary file,
// then rename): a crash never leaves half a file, and what was written is never lost.
import fs from 'node:fs';
import path from 'node:path';
import { CliError, EXIT } from '../core/exit-codes.js';
import type { ProviderFault } from '../provider/faults.js';
import type { CompatMode } from '../ca/compat.js';
import type { TestCaseResult } from '../scenarios/types.js';
import type { OwnRuleWarningRecord } from '../scenarios/run-results.js';
import type { UpdateRound } from '../scenarios/update-file.js';
import type { PhaseTiming } from '../scenarios/run-results.js';
import { runsDir } from '../runs/run-store.js';
import type { SoakShape } from '../soak/shape.js';

export interface PausedRun {
  version: 1;
  runId: string;
  startedAt: string;
  /** What the run was started with, so the resumed part runs the same way. */
  options: {
    configFile?: string;
    reportsDir?: string;
    scenarios: string[];
    only?: string[];
    reporting?: boolean;
    submitReporting?: string;
    /** The simulator's ports the run was started on: your provider calls the C&A there. */
    ports?: { https?: number | null; http?: number | null; admin?: number | null };
    budgets?: Record<string, number>;
    referenceFaults?: ProviderFault[];
    driverFaults?: string[];
    /** `--concurrency`: a resumed run plays its groups of cases as the run was started. */
    caseConcurrency?: number;
    compat?: CompatMode;
    /** The spec folder the run validates with (a resumed run follows the same profile). */
    specDir?: string;
    strict?: boolean;
    /** The expected-failures list the run was started with (`cda-sim stage2 --expected-failures` replaces it). */
    expectedFailures?: { file: string; ids: string[] };
    /** The soak phase asked for (`--soak`): a resumed run plays it before reporting. */
    soak?: SoakShape;
  };
  /** Scenario ids already played. */
  done: string[];
  testCases: TestCaseResult[];
  phases: PhaseTiming[];
  updates: UpdateRound;
  configDigest: string;
  provider: string;
  /** Own-rule warnings recorded before the pause (--strict=false). */
  ownRuleWarnings?: OwnRuleWarningRecord[];
}

const FILE = 'paused.json';

export function savePausedRun(folder: string, run: PausedRun): string {
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const file = path.join(folder, FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(run, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return file;
}

export function loadPausedRun(folder: string): PausedRun {
  const file = path.join(folder, FILE);
  if (!fs.existsSync(file)) throw new CliError(`no paused run in ${folder} (a run pauses after Stage 1 when nobody applies the update file)`, EXIT.usage);
  try {
    const run = JSON.parse(fs.readFileSync(file, 'utf8')) as PausedRun;
    if (run.version !== 1 || !run.runId || !run.updates) throw new Error('it is not a paused run of this version of cda-sim');
    return run;
  } catch (err) {
    throw new CliError(`the paused run ${file} cannot be read: ${(err as Error).message}`, EXIT.usage);
  }
}

/** Resumed: the run is no longer paused (its results are in its reports). */
export function finishPausedRun(folder: string): void {
  fs.rmSync(path.join(folder, FILE), { force: true });
}

/** The most recently paused run in a state directory, if any. */
export function latestPausedRun(stateDir: string): string | undefined {
  const root = runsDir(stateDir);
  if (!fs.existsSync(root)) return undefined;
  const paused = fs
    .readdirSync(root)
    .filter((id) => fs.existsSync(path.join(root, id, FILE)))
    .map((id) => ({ id, at: fs.statSync(path.join(root, id, FILE)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  return paused[0]?.id;
}
