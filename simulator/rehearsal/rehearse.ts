// The rehearsal: start the CDA-side servers, point them at a provider (the built-in reference
// provider, or the user's own from a config file), play the scenarios, write the results.
import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { outputPathProblem, packageVersion } from '../core/paths.js';
import { asUsageError, CliError, EXIT } from '../cli/exit-codes.js';
import { configDigest, DEFAULT_BUDGETS, loadProviderConfig, type ProviderConfig } from '../config/provider-config.js';
import { startSimulator, type Simulator } from '../server/simulator.js';
import { builtInProfile, describeProfile, loadSpecProfile, profileRecord, BUILT_IN_PROFILE, SpecDirError, type SpecProfile } from '../http/spec-profile.js';
import { loadTestData, type TestDataPack } from '../testdata/records.js';
import { checkAgainstSchema } from '../dashboard/view-data-check.js';
import { startReferenceProvider, type ProviderFault, type ReferenceProvider } from '../provider/reference-provider.js';
import { loadScenario, runScenario, untilAborted } from '../scenarios/engine.js';
import { checkMatchingPolicy } from '../scenarios/matching-policy.js';
import type { RunContext } from '../scenarios/context.js';
import type { JournalEntry } from '../store/journal.js';
import type { ScenarioFile, TestCaseResult } from '../scenarios/types.js';
import { runResults, type OwnRuleWarningRecord, type RunResults, type RunStatus } from '../reports/results.js';
import { exitCodeFor, notRunCases, WILL_PAUSE } from './run-end.js';
import type { DriverFault } from '../pfs/driver-faults.js';
import { copyReports, writeReports } from '../reports/write-all.js';
import { runReportingPipeline, utcDay } from '../reporting/pipeline.js';
import { expectedPei } from '../scenarios/context.js';
import { at } from '../scenarios/correlation.js';
import { journalCapFromMiB, readJournal } from '../store/journal.js';
import { checkStateDir, type StateDirError } from '../store/disk.js';
import { assertReachable, dashboardDriverFor, pfsDriverFor, providerTls, referenceProviderConfig, referenceProviderOptions } from './provider-setup.js';
import { installDriverFaults, parseDriverFaults, selectTestCases } from './system-options.js';
import { DEFAULT_SYSTEM_TIMING, type SystemTestTiming } from '../scenarios/system-timing.js';
import type { CompatMode } from '../ca/compat.js';
import { emitter, type RunEvent, type RunEventListener } from '../scenarios/events.js';
import { newRunId, runDir } from '../runs/run-store.js';
import { IntegrationWindow } from './window.js';
import { clearDown } from './clear-down.js';
import { applyModeFor, updateByCommand, updateFilePhase, type ApplyMode } from './update-phase.js';
import { finishPausedRun, loadPausedRun, savePausedRun, type PausedRun } from './paused-run.js';
import { startRunRecord } from '../runs/run-record.js';
import { waitLines, watched, type WaitListener } from '../core/waiting.js';
import { runReportingHook, submissionsLine } from './reporting-hook.js';
import { receivedOnUtcDay } from '../reporting/submissions.js';

/** The integration window's scenarios, in the order PDP plays them. */
export const DEFAULT_SCENARIOS = ['connection-proving', 'stage1', 'stage2'];
export { DASHBOARD_ISSUER } from './provider-setup.js';

export interface RehearseOptions {
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
interface RunSetup {
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
  /** Test cases finished in the scenario under way (its results join `played` when it ends), and the one playing. */
  finishing: TestCaseResult[];
  playing?: string;
  /** Told of every wait over 5 s: the caller's display, or progress lines every 10 s. */
  waiting: WaitListener;
}

function prepareRun(options: RehearseOptions): RunSetup {
  const clock = options.clock ?? systemClock;
  const progress = options.progress ?? ((l: string) => console.log(l));
  // A resumed run goes on as it was started (provider, scenarios, selection, budgets); what `stage2` is told explicitly wins.
  const paused = options.resumeRunId ? loadPausedRun(runDir(options.stateDir, options.resumeRunId)) : undefined;
  const told = {
    ...(options.reportsDir ? { reportsDir: options.reportsDir } : {}),
    ...(options.expectedFailures ? { expectedFailures: options.expectedFailures } : {}),
    ...(options.submitReporting ? { submitReporting: options.submitReporting } : {}),
    // Ports told now win, one by one, over those the paused run was started on.
    ...(paused ? { ports: { ...paused.options.ports, ...options.ports } } : {}),
  };
  const opts: RehearseOptions = paused ? { ...options, ...paused.options, ...told } : options;
  const runId = paused?.runId ?? newRunId(clock);
  const userConfig = opts.configFile ? loadProviderConfig(opts.configFile) : undefined;
  // Everything the run will write or read is checked now, before the simulator starts or anything is cleared down.
  const certsProblem = outputPathProblem(opts.certsDir, 'dir');
  if (certsProblem) throw new CliError(`--certs-dir: ${certsProblem}`, EXIT.environment);
  const reportsProblem = opts.reportsDir ? outputPathProblem(opts.reportsDir, 'dir') : undefined;
  if (reportsProblem) throw new CliError(`--reports-dir: ${reportsProblem}`, EXIT.usage);
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
  else if (e.type === 'test-start') run.playing = e.id;
  else if (e.type === 'test-end') {
    run.finishing.push(e.result);
    run.playing = undefined;
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
function reportingExpected(run: Pick<RunSetup, 'userConfig' | 'opts'>): boolean {
  return !run.userConfig || !!run.opts.reporting || !!reportingHookOf(run);
}

/** The command that has your provider submit its reports: the flag, else the config's. */
function reportingHookOf(run: Pick<RunSetup, 'userConfig' | 'opts'>): string | undefined {
  return run.userConfig ? (run.opts.submitReporting ?? run.userConfig.provider.submitReporting?.command) : undefined;
}

/** Whether nobody will apply the update file, so the run pauses after Stage 1 (said at the start, in one line). */
function willPause(run: RunSetup): boolean {
  const { opts } = run;
  if (run.paused || opts.stage1Only || !run.scenarios.some((s) => s.phase === 'stage2')) return false;
  return run.userConfig ? !opts.applyUpdates?.command && !opts.applyUpdates?.interactive : !!opts.applyUpdates?.stop;
}

function resultsOf(run: RunSetup, end: { status: RunStatus; stopReason?: string; notAskedFor?: string[]; unplayed?: TestCaseResult[] }): RunResults {
  return runResults(
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
}

/** The run is kept in its folder; --reports-dir gets a copy of every report, and the update file when there is one. */
async function keepReports(run: RunSetup, results: RunResults): Promise<RehearsalOutcome['reports']> {
  const written = await writeReports(run.folder, results);
  const updateFiles = ['update-file.json', 'update-file.csv'].map((f) => path.join(run.folder, f)).filter((f) => fs.existsSync(f));
  if (run.opts.reportsDir) copyReports([...Object.values(written), ...updateFiles], path.join(run.opts.reportsDir, run.runId));
  return written;
}

export async function rehearse(options: RehearseOptions): Promise<RehearsalOutcome> {
  const run = prepareRun(options);
  if (willPause(run)) run.progress(WILL_PAUSE);
  try {
    return await playRun(run);
  } catch (err) {
    if (options.signal?.aborted) return keepInterruptedRun(run);
    // The environment failed (the provider unreachable, a port in use…): the run is still kept, as evidence.
    if (err instanceof CliError && err.exitCode === EXIT.environment) return keepStoppedRun(run, err.message);
    throw err;
  }
}

/** A run the environment stopped: what was played, every case left as not-run naming the cause, and every report. */
async function keepStoppedRun(run: RunSetup, reason: string): Promise<RehearsalOutcome> {
  const remaining = run.scenarios.filter((s) => !run.done.has(s.id));
  const unplayed = notRunCases(remaining, run.withReporting && !run.done.has('reporting'), `not played: the run stopped: ${reason}`);
  const results = resultsOf(run, { status: 'aborted', stopReason: `Stopped before every test case was played: ${reason}`, unplayed });
  const reports = await keepReports(run, results);
  run.opts.onEvent?.({ type: 'run-end', results, exitCode: EXIT.environment, time: new Date(run.clock.now()).toISOString() });
  return { results, resultsFile: reports.json, reports, exitCode: EXIT.environment, aborted: { reason } };
}

/** A run interrupted by Ctrl+C: what was played, every other case NOT RUN saying so, and every report. */
async function keepInterruptedRun(run: RunSetup): Promise<RehearsalOutcome> {
  const finished = run.finishing.filter((t) => !run.played.some((p) => p.id === t.id));
  const played = new Set([...run.played, ...finished].map((t) => t.id));
  run.played.push(...finished);
  const remaining = run.scenarios.filter((s) => !run.done.has(s.id));
  const unplayed = notRunCases(remaining, run.withReporting && !run.done.has('reporting'), 'not played: the run was interrupted (Ctrl+C) before it was reached')
    .filter((t) => !played.has(t.id))
    .map((t) => (t.id === run.playing ? { ...t, reasons: ['not judged: the run was interrupted (Ctrl+C) while it was playing'] } : t));
  const results = resultsOf(run, { status: 'interrupted', stopReason: `INTERRUPTED (Ctrl+C) after ${run.played.length} test case(s): the rest were not played`, unplayed });
  const reports = await keepReports(run, results);
  run.opts.onEvent?.({ type: 'run-end', results, exitCode: EXIT.interrupted, time: new Date(run.clock.now()).toISOString() });
  return { results, resultsFile: reports.json, reports, exitCode: EXIT.interrupted, interrupted: { played: run.played.length } };
}

function simulatorOptions(run: RunSetup): Parameters<typeof startSimulator>[0] {
  const { opts, userConfig } = run;
  const s = userConfig?.simulator ?? {};
  // The user's provider needs the C&A where its config says; the reference provider takes free ports.
  // -1 turns a listener off, in the config as on the command line.
  const port = (given: number | null | undefined, configured: number | undefined, fixed: number) =>
    given !== undefined ? given : configured === -1 ? null : (configured ?? (userConfig ? fixed : 0));
  return {
    stateDir: opts.stateDir,
    certsDir: opts.certsDir,
    host: s.host,
    httpsPort: port(opts.ports?.https, s.httpsPort, 8443),
    httpPort: port(opts.ports?.http, s.httpPort, 8081),
    adminPort: port(opts.ports?.admin, s.adminPort, 8088),
    mtls: s.mtls,
    issuer: s.issuer,
    journalCapBytes: opts.journalCapBytes ?? journalCapFromMiB(s.journalCapMiB),
    usersFile: opts.inputs?.usersFile ?? userConfig?.users,
    clock: run.clock,
    compat: opts.compat,
    profile: run.profile,
    strict: run.strict,
  };
}

async function playRun(run: RunSetup): Promise<RehearsalOutcome> {
  const { opts, progress, paused, userConfig } = run;
  const sim = await startSimulator(simulatorOptions(run));
  noteFindDataOutsideProfile(run, sim);
  run.consoleListener = (e) => sim.console.runEvent(e);
  sim.journal.on('entry', (e: JournalEntry) => run.ownRuleWarnings.push(...ownRuleWarningsOf(e)));
  const referenceStateFile = path.join(opts.stateDir, 'reference-provider.json');
  let provider: ReferenceProvider | undefined;
  try {
    await opts.onReady?.(sim);
    // The run starts before its first phase (clear-down), so a display's clock counts the whole window.
    run.emit({ type: 'run-start', runId: run.runId, runDir: run.folder, scenarios: run.scenarios.map((x) => x.id), testCases: run.scenarios.reduce((n, x) => n + x.testCases.length, 0), budgetMs: run.budgets.windowMs, time: new Date(run.clock.now()).toISOString() });
    // A resumed run keeps everything Stage 1 left: that is what Stage 2 judges.
    if (!paused) {
      const clearDownOpts = { ...userConfig?.provider.clearDown, tls: userConfig ? providerTls(userConfig, sim) : undefined, referenceStateFile: userConfig ? undefined : referenceStateFile, keepSubmissions: !!userConfig && !!opts.reporting };
      await untilAborted(run.window.phase('clear-down', () => clearDown(sim, clearDownOpts, progress, { waiting: run.waiting, signal: opts.signal })), opts.signal);
    }
    let config: ProviderConfig;
    if (userConfig) {
      config = { ...userConfig, budgets: run.budgets, matchingPolicy: run.matchingPolicy };
    } else {
      provider = await startReferenceProvider(referenceProviderOptions(sim, run.testData, run.opts.referenceFaults, referenceStateFile));
      config = referenceProviderConfig(provider, run.testData, run.budgets, run.matchingPolicy);
      progress(`reference provider: find ${provider.findUrl}, view ${provider.viewUrl}`);
    }
    progress(`C&A: ${sim.endpoints.issuer}${sim.endpoints.http ? ` (also ${sim.endpoints.http})` : ''}`);
    if (!run.strict) progress("strictness: off (--strict=false): requests breaking only cda-sim's own rules are accepted, each violation a warning in the reports");
    const ctx = await runContext(run, sim, config, provider);
    // Checked once the run's record is started, so a run that stops here still keeps its inputs and journal.
    await watched(run.waiting, `the provider's find endpoint ${config.provider.findUrl} to answer`, 10000, () => assertReachable(config.provider.findUrl, ctx.providerTls!));
    installDriverFaults(ctx, run.driverFaults);
    // Ctrl+C ends the run at once, whatever it is waiting on; what it played is kept (keepInterruptedRun).
    return await untilAborted(playPhases(run, ctx, sim, provider), opts.signal);
  } finally {
    await provider?.close();
    await sim.close();
  }
}

/**
 * cda-sim sends its test users' find data as the test data says; a find_data schema from the user's
 * files that refuses some of it is said at the start and kept with the profile, so a verdict on
 * those finds is read knowing it.
 */
function noteFindDataOutsideProfile(run: RunSetup, sim: Simulator): void {
  const schema = run.profile.findDataSchema;
  const from = run.profile.supplied.find((s) => s.api === 'find-data');
  if (!schema || !from) return;
  const refused = sim.users.map((user) => ({ user, problems: checkAgainstSchema(schema, user.findData) })).filter((r) => r.problems.length);
  if (!refused.length) return;
  const first = refused[0];
  const reason = `cda-sim sends the find data its test data gives; this find_data schema refuses that of ${refused.length} of ${sim.users.length} test users (${refused.map((r) => r.user.id).join(', ')}), e.g. ${first.user.id}'s: ${first.problems.slice(0, 3).join('; ')}`;
  run.profile.notHonoured.push({ file: from.file, where: from.what, reason });
  run.progress(`  NOT HONOURED ${from.file}: ${from.what}: ${reason}`);
}

/** One record per own-rule violation an exchange was accepted with. */
function ownRuleWarningsOf(e: JournalEntry): OwnRuleWarningRecord[] {
  return (e.ownRuleWarnings ?? []).map((w) => ({ time: e.time, role: e.role, method: e.method, path: e.path, ...(e.requestId ? { requestId: e.requestId } : {}), status: e.status, ...w }));
}

/** The drivers, the journal the checks read, and the run's own record (journal copy and inputs). */
async function runContext(run: RunSetup, sim: Simulator, config: ProviderConfig, provider: ReferenceProvider | undefined): Promise<RunContext> {
  const { opts, clock, progress, paused, testData } = run;
  run.providerName = config.provider.name ?? config.provider.findUrl;
  const toProvider = providerTls(config, sim);
  const entries: JournalEntry[] = [];
  // Resumed: what the provider did since the update file was issued is in the journal on disk.
  if (paused) entries.push(...(await readJournal(sim.journal.file)).filter((e) => at(e) >= paused.updates.issuedAtMs));
  sim.journal.on('entry', (e: JournalEntry) => entries.push(e));
  // The run keeps its own journal and inputs beside its reports, for export and replay.
  // A resumed run first catches up on what was journalled while it was paused.
  startRunRecord(run.folder, { journal: sim.journal, scenarios: run.scenarios, users: sim.users, testData, config, referenceFaults: provider ? (opts.referenceFaults ?? []) : undefined, options: { driverFaults: opts.driverFaults, compat: opts.compat, ...(run.strict ? {} : { strict: false }), systemTest: opts.systemTest }, profile: profileRecord(run.profile), earlier: paused ? [...entries] : undefined });
  const ctx: RunContext = {
    clock,
    sim,
    config,
    users: sim.users,
    testData,
    entries,
    finds: new Map(),
    views: new Map(),
    progress,
    providerTls: toProvider,
    systemTest: { ...DEFAULT_SYSTEM_TIMING, ...opts.systemTest },
    applyUpdate: provider
      ? (instruction) => provider.applyUpdate(instruction)
      : opts.applyUpdates?.command
        ? updateByCommand(() => ctx, opts.applyUpdates.command, run.runId, run.folder)
        : undefined,
    emit: run.emit,
    waiting: run.waiting,
    signal: opts.signal,
    pfs: await pfsDriverFor(sim, config, clock, toProvider),
    dashboard: await dashboardDriverFor(sim, config, clock, toProvider),
  };
  if (paused) ctx.updates = paused.updates;
  return ctx;
}

/** The phases in order; between the stages the update file (the run pauses there when nobody applies it). */
async function playPhases(run: RunSetup, ctx: RunContext, sim: Simulator, provider: ReferenceProvider | undefined): Promise<RehearsalOutcome> {
  const { opts, window } = run;
  const mode = applyModeFor(provider && !opts.applyUpdates?.stop ? (file) => provider.applyUpdates(file) : undefined, opts.applyUpdates);
  for (const [i, scenario] of run.scenarios.entries()) {
    if (run.done.has(scenario.id)) continue;
    if (scenario.phase === 'stage2') {
      // The update file: written at the end of Stage 1 and applied before Stage 2 judges it.
      const asked: ApplyMode = opts.stage1Only && !run.paused ? { kind: 'stop' } : mode;
      const applied = await window.phase(run.paused ? 'update file (resumed)' : 'update file', () => updateFilePhase(ctx, scenario, run.runId, run.folder, asked));
      if (applied === 'stop') return pauseAfterStage1(run, ctx, sim, run.scenarios.slice(i));
    }
    run.played.push(...(await window.phase(scenario.title, () => runScenario(ctx, scenario), { phase: scenario.phase, testCases: scenario.testCases.length })));
    run.done.add(scenario.id);
  }
  if (run.withReporting) {
    await window.phase('reporting', () => reportingPhase(run, ctx, provider));
    run.done.add('reporting');
  }
  const notAskedFor = opts.stage1Only && !run.paused && reportingExpected(run) ? ['reporting'] : [];
  const results = resultsOf(run, { status: 'complete', notAskedFor });
  const reports = await keepReports(run, results);
  if (run.paused) finishPausedRun(run.folder);
  return finishRun(run, sim, results, reports);
}

/** The reporting phase: the provider's daily submissions, judged as PDP's pipeline judges them. */
async function reportingPhase(run: RunSetup, ctx: RunContext, provider: ReferenceProvider | undefined): Promise<void> {
  const day = utcDay(run.clock.now());
  const hook = reportingHookOf(run);
  if (provider) {
    run.progress(`reporting: the reference provider submits its daily reports for ${day}`);
    await provider.submitDailyReporting(day);
  } else if (hook) {
    const reportingUrl = ctx.sim.endpoints.https ?? ctx.sim.endpoints.http!;
    const code = await runReportingHook(hook, { day, reportingUrl, runId: run.runId, runDir: run.folder }, ctx);
    if (code !== 0) run.progress(`the --submit-reporting command exited with ${code}; the reporting phase judges what was submitted`);
  }
  run.progress(submissionsLine(day, receivedOnUtcDay(ctx.sim.submissions.all(), day).length, provider ? 'reference' : hook ? 'command' : 'none'));
  const holderOf = new Map(run.testData.records.map((r) => [r.assetGuid, expectedPei(ctx, r).split(':')[2]]));
  const rep = runReportingPipeline({ day, submissions: ctx.sim.submissions.all(), journal: ctx.entries, holdernameGuids: ctx.config.provider.holdernameGuids, holdernameOfAsset: (a) => holderOf.get(a), strict: run.strict });
  for (const t of rep) run.progress(`  ${t.id} ${t.title}: ${t.verdict.toUpperCase()}${t.verdict === 'pass' ? '' : `: ${t.reasons.join(' | ')}`}`);
  run.played.push(...rep);
}

/**
 * Nobody applied the update file: the run is kept as paused for `cda-sim stage2`, the cases not
 * played are listed as not-run. With --stage1-only, Stage 2 and reporting were never asked for.
 */
async function pauseAfterStage1(run: RunSetup, ctx: RunContext, sim: Simulator, remaining: ScenarioFile[]): Promise<RehearsalOutcome> {
  const { opts, runId } = run;
  savePausedRun(run.folder, {
    version: 1,
    runId,
    startedAt: run.startedAt,
    options: {
      configFile: opts.configFile && path.resolve(opts.configFile),
      reportsDir: opts.reportsDir && path.resolve(opts.reportsDir),
      scenarios: opts.scenarios?.length ? opts.scenarios : DEFAULT_SCENARIOS,
      only: opts.only,
      reporting: opts.reporting,
      submitReporting: opts.submitReporting,
      ports: opts.ports,
      budgets: opts.budgets as Record<string, number> | undefined,
      referenceFaults: opts.referenceFaults,
      driverFaults: opts.driverFaults,
      compat: opts.compat,
      specDir: run.specDir,
      strict: opts.strict,
      expectedFailures: opts.expectedFailures,
    },
    done: [...run.done],
    testCases: run.played,
    phases: run.window.summary().phases,
    updates: ctx.updates!,
    configDigest: run.digest,
    provider: run.providerName,
    ...(run.ownRuleWarnings.length ? { ownRuleWarnings: run.ownRuleWarnings } : {}),
  });
  const resume = `cda-sim stage2 --run ${runId}`;
  const updateFile = ctx.updates!.paths;
  const later = [...remaining.map((s) => s.title), ...(reportingExpected(run) ? ['reporting'] : [])];
  const results = opts.stage1Only
    ? resultsOf(run, { status: 'complete', notAskedFor: later })
    : resultsOf(run, {
        status: 'paused',
        stopReason: `PAUSED after Stage 1: ${later.join(' and ')} not played yet. Apply the update file ${path.basename(updateFile.json)} on your system, then resume with: ${resume}`,
        unplayed: notRunCases(remaining, reportingExpected(run), `not played: the run paused after Stage 1, waiting for the update file to be applied (${resume} plays it)`),
      });
  run.progress(opts.stage1Only ? `\nStage 1 only, as asked: the update file is ${updateFile.json}; \`${resume}\` plays Stage 2 later if wanted` : `\nPAUSED after Stage 1. Apply ${updateFile.json} on your system, then resume with: ${resume}`);
  const reports = await keepReports(run, results);
  return finishRun(run, sim, results, reports, { runId, updateFile });
}

async function finishRun(run: RunSetup, sim: Simulator, results: RunResults, reports: RehearsalOutcome['reports'], paused?: RehearsalOutcome['paused']): Promise<RehearsalOutcome> {
  const exitCode = exitCodeFor(results);
  run.emit({ type: 'run-end', results, exitCode, time: new Date(run.clock.now()).toISOString() });
  const outcome: RehearsalOutcome = { results, resultsFile: reports.json, reports, exitCode, ...(paused ? { paused } : {}) };
  await run.opts.beforeClose?.(sim, outcome);
  return outcome;
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
