// A rehearsal as set up before any server starts: its options (a resumed run's merged with what
// `stage2` is told), every input read and checked, so every bad option is refused before anything is
// touched; and what the run's end needs of it (its results, its reports kept).
import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { outputPathProblem, packageVersion } from '../core/paths.js';
import { asUsageError, CliError, EXIT } from '../core/exit-codes.js';
import { configDigest, DEFAULT_BUDGETS, loadProviderConfig, type ProviderConfig } from '../config/provider-config.js';
import type { RunSimulator as Simulator, StartSimulator } from './simulated-cda.js';
import { builtInProfile, describeProfile, loadSpecProfile, profileRecord, BUILT_IN_PROFILE, SpecDirError, type SpecProfile } from '../http/spec-profile.js';
import { loadTestData, type TestDataPack } from '../testdata/records.js';
import type { ProviderFault } from '../provider/reference-provider.js';
import { loadScenario } from '../scenarios/engine.js';
import { checkMatchingPolicy } from '../scenarios/matching-policy.js';
import type { ScenarioFile, TestCaseResult } from '../scenarios/types.js';
import { runResults } from '../reports/results.js';
import type { OwnRuleWarningRecord, RunResults, RunStatus } from '../scenarios/run-results.js';
import type { DriverFault } from '../pfs/driver-faults.js';
import { copyReports, writeReports } from '../reports/write-all.js';
import { checkStateDir, type StateDirError } from '../store/disk.js';
import { parseDriverFaults, selectTestCases } from './system-options.js';
import type { SystemTestTiming } from '../scenarios/system-timing.js';
import type { CompatMode } from '../ca/compat.js';
import { emitter, type RunEvent, type RunEventListener } from '../scenarios/events.js';
import { newRunId, runDir } from '../runs/run-store.js';
import { IntegrationWindow } from './window.js';
import { loadPausedRun, type PausedRun } from './paused-run.js';
import { waitLines, type WaitListener } from '../core/waiting.js';
import type { SoakShape } from '../soak/shape.js';
import type { SoakFigures } from '../scenarios/soak-figures.js';
import type { JournalEntry } from '../store/journal.js';
/** The integration window's scenarios, in the order PDP plays them. */
export const DEFAULT_SCENARIOS = ['connection-proving', 'stage1', 'stage2'];

export interface RehearseOptions {
  /** Starts the simulated CDA (server/simulator.ts's startSimulator): the caller hands it in. */
  startSimulator: StartSimulator;
  stateDir: string;
  certsDir: string;
  /** The provider under test; without it, the built-in reference provider. */
  configFile?: string;
  scenarios?: string[];
  /** The run is always kept in <stateDir>/runs/<run id>/; with this, its reports are copied to <reportsDir>/<run id>/ too. */
  reportsDir?: string;
  /** Follow the run live: lifecycle events (run, phase, test case). */
  onEvent?: RunEventListener;
  clock?: Clock;
  progress?: (line: string) => void;
  /** Told of every wait over 5 s as it goes (a terminal's in-place line); by default a progress line every 10 s. */
  onWait?: WaitListener;
  /** Deliberate defects for the built-in reference provider (cda-sim's own tests). */
  referenceFaults?: ProviderFault[];
  /** Judge the day's reporting submissions too (always with the reference provider, which submits them). */
  reporting?: boolean;
  /**
   * A command that has your provider submit its daily reports, run after the last view and before
   * the reporting phase (over the config's `provider.submitReporting.command`); implies `reporting`.
   */
  submitReporting?: string;
  /** Called once the simulator is up, before the first phase (the reference provider starts after clear-down): the web console is at `${sim.endpoints.admin}/console/`. */
  onReady?: (sim: Simulator) => void | Promise<void>;
  /** Awaited after the run, before the simulator stops: keeps it, and its console, up until it resolves. */
  beforeClose?: (sim: Simulator, outcome: RehearsalOutcome) => Promise<void>;
  /** Ports for the simulator when rehearsing with the reference provider (default: free ports). */
  ports?: { https?: number | null; http?: number | null; admin?: number | null };
  /** Only the test cases with these ids (or id prefixes). */
  only?: string[];
  /** Groups of test cases played at once (`--concurrency`; over each scenario's own `concurrency`). */
  caseConcurrency?: number;
  /** Driver faults played on every find (`--fault NAME[=VALUE]`). */
  driverFaults?: string[];
  /** System-test timings (cda-sim's own tests shorten them). */
  systemTest?: Partial<SystemTestTiming>;
  /** Answer as MaPS's C&A test harness does where it differs. */
  compat?: CompatMode;
  /** A folder of OpenAPI files validation follows (`--spec-dir`; over the config's `specDir`). */
  specDir?: string;
  /** Refuse requests that break cda-sim's own rules (default: the config's `simulator.strict`, else true); false accepts them with a warning. */
  strict?: boolean;
  /** The journal's cap on disk, in bytes (over the config's `simulator.journalCapMiB`). */
  journalCapBytes?: number;
  /** Budgets over the config's (tests use a short Stage 2 update window; the CLI sets the window). */
  budgets?: Partial<ProviderConfig['budgets']>;
  /**
   * How your own provider gets the update file applied: a command run with the file's path, a
   * prompt (a terminal), or neither: the run pauses for `cda-sim stage2`. With the reference
   * provider, it applies the file itself unless `stop` is set.
   */
  applyUpdates?: { command?: string; interactive?: boolean; stop?: boolean };
  /** Resume the run paused after Stage 1 with this id (`cda-sim stage2`). */
  resumeRunId?: string;
  /** Test users and test data pack files that win over the config's (a replay uses the recorded ones). */
  inputs?: { usersFile?: string; testDataFile?: string };
  /** Cases not applicable to the provider's matching policy, over the config's (the reference provider has no config file). */
  matchingPolicy?: ProviderConfig['matchingPolicy'];
  /** Ask for connection proving and Stage 1 alone: the update file is written, Stage 2 and reporting are not part of the run. */
  stage1Only?: boolean;
  /** Test ids known to fail (`--expected-failures`): reported, but not failing the run. */
  expectedFailures?: { file: string; ids: string[] };
  /** Aborted to interrupt the run (Ctrl+C): it stops at once, keeps what was played and its reports, status interrupted. */
  signal?: AbortSignal;
  /** Play the soak phase (`--soak 30s`): its load, thresholds, fault mix and in-flight bound. */
  soak?: SoakShape;
}

export interface RehearsalOutcome {
  results: RunResults;
  resultsFile: string;
  reports: { json: string; junit: string; html: string; pdf: string };
  exitCode: number;
  /** Set when the run paused after Stage 1: resume it with `cda-sim stage2 --run <id>`. */
  paused?: { runId: string; updateFile: { json: string; csv: string } };
  /** Set when the environment stopped the run (exit 3): why. The run is kept all the same. */
  aborted?: { reason: string };
  /** Set when the run was interrupted (Ctrl+C, exit 130): how many test cases were played. The run is kept. */
  interrupted?: { played: number };
}

/** A run as set up before any server starts: every bad option has been refused by then. */
export interface RunSetup {
  opts: RehearseOptions;
  clock: Clock;
  progress: (line: string) => void;
  /** The paused run this one resumes. */
  paused?: PausedRun;
  runId: string;
  /** The run is kept here: reports, its journal and inputs, the update file, a paused run's state. */
  folder: string;
  startedAt: string;
  userConfig?: ProviderConfig;
  /** The spec profile the simulator validates with and the checks judge by. */
  profile: SpecProfile;
  /** The folder it was read from, when it is the user's. */
  specDir?: string;
  digest: string;
  scenarios: ScenarioFile[];
  driverFaults: DriverFault[];
  testData: TestDataPack;
  budgets: ProviderConfig['budgets'];
  window: IntegrationWindow;
  emit: RunEventListener;
  /** The web console follows the run once the simulator is up. */
  consoleListener?: RunEventListener;
  /** Whether the run plays reporting after the stages (always with the reference provider). */
  withReporting: boolean;
  providerName: string;
  /** Cases the provider's matching policy makes not applicable (checked against the scenarios before anything starts). */
  matchingPolicy?: ProviderConfig['matchingPolicy'];
  /** What has been played so far (a resumed run starts with Stage 1's), kept if the environment stops the run. */
  played: TestCaseResult[];
  done: Set<string>;
  /** Own rules enforced as errors (--strict, the config's simulator.strict, else true). */
  strict: boolean;
  /** With strict false: each own-rule violation the simulator accepted (a resumed run starts with Stage 1's). */
  ownRuleWarnings: OwnRuleWarningRecord[];
  /** Test cases finished in the scenario under way (its results join `played` when it ends), and the ones playing (several when groups of cases play at once). */
  finishing: TestCaseResult[];
  playing: Set<string>;
  /** Told of every wait over 5 s: the caller's display, or progress lines every 10 s. */
  waiting: WaitListener;
  /** The soak phase's figures, once it has played (the run's results carry them as `soak`). */
  soakFigures?: SoakFigures;
  /** While set, what the run keeps of each exchange journalled (undefined: nothing); the soak keeps only its views. */
  keepEntry?: (e: JournalEntry) => JournalEntry | undefined;
}

/** A resumed run goes on as it was started (provider, scenarios, selection, budgets); what `stage2` is told explicitly wins. */
function resumedOptions(options: RehearseOptions): { opts: RehearseOptions; paused?: PausedRun } {
  if (!options.resumeRunId) return { opts: options };
  const paused = loadPausedRun(runDir(options.stateDir, options.resumeRunId));
  const told = {
    ...(options.reportsDir ? { reportsDir: options.reportsDir } : {}),
    ...(options.expectedFailures ? { expectedFailures: options.expectedFailures } : {}),
    ...(options.submitReporting ? { submitReporting: options.submitReporting } : {}),
    // Ports told now win, one by one, over those the paused run was started on.
    ports: { ...paused.options.ports, ...options.ports },
  };
  return { opts: { ...options, ...paused.options, ...told }, paused };
}

/** The folders the run writes to: an unusable one is refused before the simulator starts or anything is cleared down. */
function checkOutputFolders(opts: RehearseOptions): void {
  const certsProblem = outputPathProblem(opts.certsDir, 'dir');
  if (certsProblem) throw new CliError(`--certs-dir: ${certsProblem}`, EXIT.environment);
  const reportsProblem = opts.reportsDir ? outputPathProblem(opts.reportsDir, 'dir') : undefined;
  if (reportsProblem) throw new CliError(`--reports-dir: ${reportsProblem}`, EXIT.usage);
}

export function prepareRun(options: RehearseOptions): RunSetup {
  const clock = options.clock ?? systemClock;
  const progress = options.progress ?? ((l: string) => console.log(l));
  const { opts, paused } = resumedOptions(options);
  const runId = paused?.runId ?? newRunId(clock);
  const userConfig = opts.configFile ? loadProviderConfig(opts.configFile) : undefined;
  // Everything the run will write or read is checked now, before the simulator starts or anything is cleared down.
  checkOutputFolders(opts);
  const budgets = { ...DEFAULT_BUDGETS, ...userConfig?.budgets, ...opts.budgets };
  const matchingPolicy = opts.matchingPolicy ?? userConfig?.matchingPolicy;
  const specDir = opts.specDir ? path.resolve(opts.specDir) : userConfig?.specDir;
  // A spec file that cannot be parsed is a usage error, before anything starts.
  // Given by the config file's specDir, the error names that key, not an option the user did not type.
  const specDirSource = opts.specDir ? undefined : 'specDir (config file)';
  const profile = specDir ? asUsageError(() => loadSpecProfileNamed(specDir, specDirSource)) : builtInProfile();
  checkMatchingPolicy(matchingPolicy, [...new Set([...DEFAULT_SCENARIOS, ...(opts.scenarios ?? [])])].map(loadScenario));
  const run: RunSetup = {
    opts,
    clock,
    progress,
    paused,
    runId,
    folder: runDir(opts.stateDir, runId),
    startedAt: paused?.startedAt ?? new Date(clock.now()).toISOString(),
    userConfig,
    profile,
    specDir,
    digest: configDigest(userConfig ?? { referenceProvider: true, faults: opts.referenceFaults ?? [] }),
    scenarios: selectTestCases((opts.scenarios?.length ? opts.scenarios : DEFAULT_SCENARIOS).map(loadScenario), opts.only),
    driverFaults: parseDriverFaults(opts.driverFaults),
    testData: asUsageError(() => loadTestData(opts.inputs?.testDataFile ?? userConfig?.testData)),
    budgets,
    matchingPolicy,
    window: undefined as unknown as IntegrationWindow,
    emit: () => {},
    withReporting: false,
    providerName: userConfig ? (userConfig.provider.name ?? userConfig.provider.findUrl) : 'cda-sim reference provider',
    played: [...(paused?.testCases ?? [])],
    done: new Set(paused?.done ?? []),
    strict: opts.strict ?? userConfig?.simulator?.strict ?? true,
    ownRuleWarnings: [...(paused?.ownRuleWarnings ?? [])],
    finishing: [],
    playing: new Set(),
    waiting: opts.onWait ?? waitLines(progress),
  };
  // Last, as it may create the folder: an unusable state directory is the environment's fault (exit 3),
  // found before the simulator starts or anything is cleared down.
  usableStateDir(opts.stateDir);
  run.withReporting = reportingExpected(run) && !(opts.stage1Only && !paused);
  if (profile.id !== BUILT_IN_PROFILE) for (const line of describeProfile(profile)) progress(line);
  run.emit = emitter([opts.onEvent, (e) => run.consoleListener?.(e), (e) => followTestCases(run, e)]);
  run.window = new IntegrationWindow(budgets.windowMs, clock, progress, paused?.phases, run.emit);
  return run;
}

/** What an interrupted run has played: the scenario under way keeps its finished test cases. */
function followTestCases(run: RunSetup, e: RunEvent): void {
  if (e.type === 'phase-start') run.finishing = [];
  else if (e.type === 'test-start') run.playing.add(e.id);
  else if (e.type === 'test-end') {
    run.finishing.push(e.result);
    run.playing.delete(e.result.id);
  }
}

function usableStateDir(dir: string): void {
  try {
    checkStateDir(dir);
  } catch (err) {
    // checkStateDir throws only StateDirError: its message names the folder and the cause.
    throw new CliError((err as StateDirError).message, EXIT.environment);
  }
}

/** Whether a whole run plays reporting after the stages: always with the reference provider, which submits; with yours on --reporting or a reporting hook. */
export function reportingExpected(run: Pick<RunSetup, 'userConfig' | 'opts'>): boolean {
  return !run.userConfig || !!run.opts.reporting || !!reportingHookOf(run);
}

/** The command that has your provider submit its reports: the flag, else the config's. */
export function reportingHookOf(run: Pick<RunSetup, 'userConfig' | 'opts'>): string | undefined {
  return run.userConfig ? (run.opts.submitReporting ?? run.userConfig.provider.submitReporting?.command) : undefined;
}

/** Whether nobody will apply the update file, so the run pauses after Stage 1 (said at the start, in one line). */
export function willPause(run: RunSetup): boolean {
  const { opts } = run;
  if (run.paused || opts.stage1Only || !run.scenarios.some((s) => s.phase === 'stage2')) return false;
  return run.userConfig ? !opts.applyUpdates?.command && !opts.applyUpdates?.interactive : !!opts.applyUpdates?.stop;
}

export function resultsOf(run: RunSetup, end: { status: RunStatus; stopReason?: string; notAskedFor?: string[]; unplayed?: TestCaseResult[] }): RunResults {
  const results = runResults(
    {
      id: run.runId,
      cdaSimVersion: packageVersion(),
      profile: run.profile.label,
      ...(run.profile.id !== BUILT_IN_PROFILE ? { spec: profileRecord(run.profile) } : {}),
      provider: run.providerName,
      configDigest: run.digest,
      startedAt: run.startedAt,
      finishedAt: new Date(run.clock.now()).toISOString(),
      scenarios: [...run.done],
      status: end.status,
      ...(end.stopReason ? { stopReason: end.stopReason } : {}),
      ...(end.notAskedFor?.length ? { notAskedFor: end.notAskedFor } : {}),
      ...(run.opts.expectedFailures ? { expectedFailures: run.opts.expectedFailures } : {}),
      window: run.window.summary(),
      strict: run.strict,
      ...(run.strict ? {} : { ownRuleWarnings: run.ownRuleWarnings }),
    },
    [...run.played, ...(end.unplayed ?? [])],
  );
  return run.soakFigures ? { ...results, soak: run.soakFigures } : results;
}

/** The run is kept in its folder; --reports-dir gets a copy of every report, and the update file when there is one. */
export async function keepReports(run: RunSetup, results: RunResults): Promise<RehearsalOutcome['reports']> {
  const written = await writeReports(run.folder, results);
  const updateFiles = ['update-file.json', 'update-file.csv'].map((f) => path.join(run.folder, f)).filter((f) => fs.existsSync(f));
  if (run.opts.reportsDir) copyReports([...Object.values(written), ...updateFiles], path.join(run.opts.reportsDir, run.runId));
  return written;
}

/** Load a spec folder; its errors name where the folder was given (`--spec-dir` unless told otherwise). */
function loadSpecProfileNamed(dir: string, source?: string): SpecProfile {
  try {
    return loadSpecProfile(dir);
  } catch (err) {
    if (source && err instanceof SpecDirError) throw new SpecDirError(err.message.replace(/^--spec-dir/, source));
    throw err;
  }
}
