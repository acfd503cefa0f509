// Replay: play a bundle's run again against a provider, through the same window as any rehearsal,
// and say where the outcome differs from the recording (runs/replay.ts compares).
//
// The recorded scenario files, test users and test data pack are written out as inputs like any
// others, and the rehearsal options it was played with (driver faults, compatibility mode,
// strictness, system-test timings) are given again, so cda-sim sends the same finds and views.
import type { RehearseOptions } from './run-setup.js';
import type { StartSimulator } from './simulated-cda.js';
import fs from 'node:fs';
import { interruptedBy } from '../core/interruption.js';
import os from 'node:os';
import path from 'node:path';
import type { ProviderFault } from '../provider/reference-provider.js';
import type { CompatMode } from '../ca/compat.js';
import type { RunEventListener } from '../scenarios/events.js';
import { CliError, EXIT } from '../core/exit-codes.js';
import { runDir } from '../runs/run-store.js';
import type { Bundle } from '../runs/bundle.js';
import { assertReplayable, compareWithRecording, type ReplayReport } from '../runs/replay.js';
import { rehearse } from './rehearse.js';
import { WINDOW_PHASES } from './phases/index.js';
import { isCaseConcurrency, MAX_CONCURRENCY } from '../scenarios/case-groups.js';
import { recordedSoakShape } from '../soak/shape.js';

export interface ReplayOptions {
  /** Starts the simulated CDA (server/simulator.ts's startSimulator): the caller hands it in. */
  startSimulator: StartSimulator;
  stateDir: string;
  certsDir: string;
  /** The provider to replay against; without it, the built-in reference provider. */
  configFile?: string;
  /** Deliberate defects for the built-in reference provider (to reproduce a recording made against one). */
  referenceFaults?: ProviderFault[];
  /** With --config: the command that applies the Stage 2 update file to the provider (else Stage 2 is not replayed). */
  applyUpdatesCommand?: string;
  /** A folder of OpenAPI files to validate with (`--spec-dir`); without it, the built-in documents (or the config's specDir). */
  specDir?: string;
  /** Over the recording's strictness (`--strict`); by default the replay judges as the recording did. */
  strict?: boolean;
  /** Budgets over the provider config's (a test waits a short registration window for a refused registration). */
  budgets?: RehearseOptions['budgets'];
  progress?: (line: string) => void;
  onEvent?: RunEventListener;
  /** Aborted on Ctrl+C: the replay stops, is kept as an interrupted run, and nothing is compared. */
  signal?: AbortSignal;
}

/** The recorded inputs, as files rehearse reads like any others; the scenarios in the order they ran. */
function writeRecordedInputs(bundle: Bundle, work: string): { scenarioFiles: string[]; inputs: { usersFile?: string; testDataFile?: string } } {
  const ran = bundle.results.run.scenarios;
  const order = (id: string) => (ran.includes(id) ? ran.indexOf(id) : ran.length);
  const scenarioFiles = [...bundle.scenarios]
    .sort((a, b) => order(a.id) - order(b.id))
    .map((s) => {
      const file = path.join(work, `${s.id}.json`);
      fs.writeFileSync(file, JSON.stringify(s));
      return file;
    });
  const inputs: { usersFile?: string; testDataFile?: string } = {};
  if (bundle.users) fs.writeFileSync((inputs.usersFile = path.join(work, 'test-users.json')), JSON.stringify(bundle.users));
  if (bundle.testData) fs.writeFileSync((inputs.testDataFile = path.join(work, 'testdata.json')), JSON.stringify(bundle.testData));
  return { scenarioFiles, inputs };
}

/** The soak the recording played, if any; a bad one is refused naming the bundle. */
function recordedSoak(bundle: Bundle): RehearseOptions['soak'] {
  if (bundle.options?.soak === undefined) return undefined;
  try {
    return recordedSoakShape(bundle.options.soak);
  } catch (err) {
    throw new CliError(`${bundle.file}: options.json soak: ${(err as Error).message}`, EXIT.usage);
  }
}

export async function replayBundle(bundle: Bundle, opts: ReplayOptions): Promise<ReplayReport> {
  assertReplayable(bundle);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-replay-'));
  try {
    const { scenarioFiles, inputs } = writeRecordedInputs(bundle, work);
    const replay = {
      startSimulator: opts.startSimulator,
      stateDir: opts.stateDir,
      certsDir: opts.certsDir,
      configFile: opts.configFile,
      scenarios: scenarioFiles,
      referenceFaults: opts.referenceFaults,
      reporting: bundle.results.run.scenarios.includes('reporting'),
      inputs,
      // cda-sim sends and answers as it did in the recording: the same driver faults, the same C&A mode.
      driverFaults: bundle.options?.driverFaults,
      compat: bundle.options?.compat as CompatMode | undefined,
      strict: opts.strict ?? (bundle.options?.strict === false ? false : undefined),
      systemTest: bundle.options?.systemTest,
      caseConcurrency: recordedConcurrency(bundle.options?.caseConcurrency),
      // A soak the recording played is played again, its options parsed afresh (a bundle is untrusted input).
      soak: recordedSoak(bundle),
      // Never a prompt: a replay runs unattended. Without a command, your own provider's replay stops after Stage 1.
      applyUpdates: { command: opts.applyUpdatesCommand },
      specDir: opts.specDir,
      budgets: opts.budgets,
      progress: opts.progress ?? (() => {}),
      onEvent: opts.onEvent,
      signal: opts.signal,
    };
    // The whole window, as the recording was played: its phases' gates choose what the recorded scenarios ask for.
    const outcome = await rehearse(replay, WINDOW_PHASES);
    if (outcome.interrupted) throw new CliError(`the replay was interrupted (${interruptedBy(opts.signal)}); what it played is kept as run ${outcome.results.run.id}, and nothing was compared`, EXIT.interrupted);
    // The environment stopped the replay (the provider unreachable): kept as a run, but nothing to compare.
    if (outcome.aborted) throw new CliError(outcome.aborted.reason, EXIT.environment);
    return compareWithRecording(bundle, outcome.results, runDir(opts.stateDir, outcome.results.run.id), !!outcome.paused);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A bundle is untrusted: its concurrency is a whole number of groups within the bounds, or the replay is refused. */
function recordedConcurrency(n: unknown): number | undefined {
  if (n === undefined) return undefined;
  if (isCaseConcurrency(n)) return n;
  throw new CliError(`the bundle's options.json: caseConcurrency must be a whole number 1–${MAX_CONCURRENCY}, not ${JSON.stringify(n)}`, EXIT.usage);
}
