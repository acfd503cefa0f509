// `cda-sim soak`: sustained signed traffic against a provider, measured like a load tool and judged
// like PDP. Finds are sent on an open-model schedule (whether or not earlier ones have answered), so
// a slow provider shows as latency, not as a lower rate; each find's registrations at the C&A start
// a complete UMA view dance for that PeI. Every figure lands in the run's results.json (`soak`), and
// each threshold (`--slo`) is a test case of the run, so JUnit, HTML and PDF carry them as any run's.
import path from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { interruptedBy } from '../core/interruption.js';
import { outputPathProblem, packageVersion } from '../core/paths.js';
import { asUsageError, CliError, EXIT } from '../core/exit-codes.js';
import { configDigest, DEFAULT_BUDGETS, loadProviderConfig, type ProviderConfig } from '../config/provider-config.js';
import type { SimulatorOptions, StartSimulator } from '../rehearsal/simulated-cda.js';
import { builtInProfile, profileRecord } from '../http/spec-profile.js';
import { loadTestData, type TestDataPack } from '../testdata/records.js';
import { startReferenceProvider, type ProviderFault, type ReferenceProvider } from '../provider/reference-provider.js';
import { checkStateDir, type StateDirError } from '../store/disk.js';
import { journalCapFromMiB } from '../store/journal.js';
import { assertReachable, dashboardDriverFor, pfsDriverFor, providerTls, referenceProviderConfig, referenceProviderOptions } from '../rehearsal/provider-setup.js';
import { newRunId, runDir } from '../runs/run-store.js';
import { startRunRecord } from '../runs/run-record.js';
import { runResults, failsTheRun } from '../reports/results.js';
import type { RunResults, RunStatus } from '../scenarios/run-results.js';
import { copyReports, writeReports } from '../reports/write-all.js';
import type { SoakFigures } from '../scenarios/soak-figures.js';
import type { LoadProfile } from './load-profile.js';
import type { FaultShare } from './fault-mix.js';
import { judgeThresholds, type Threshold } from './thresholds.js';
import { SoakDriver, type SoakStatus } from './driver.js';
import { judgeSoakReporting } from './reporting-check.js';
import { mergeFigures, readSoakParts } from './merge.js';
import { utcDay } from '../scenarios/reporting-pipeline.js';
import type { TestCaseResult } from '../scenarios/types.js';

export { AVAILABILITY_TARGET, matchedUsers, type SoakStatus } from './driver.js';

export interface SoakOptions {
  /** Starts the simulated CDA (server/simulator.ts's startSimulator): the caller hands it in. */
  startSimulator: StartSimulator;
  stateDir: string;
  certsDir: string;
  /** The provider under test; without it, the built-in reference provider. */
  configFile?: string;
  load: LoadProfile;
  thresholds: Threshold[];
  faultMix?: { asked: string; shares: FaultShare[] };
  /** Finds and view dances in flight at most; what the bound refuses is counted as an error (default 1000). */
  maxInFlight?: number;
  /** Deliberate defects for the built-in reference provider (cda-sim's own tests). */
  referenceFaults?: ProviderFault[];
  ports?: { https?: number | null; http?: number | null; admin?: number | null };
  /** Over the config's budgets: findAckMs and viewResponseMs decide "in time"; registrationWindowMs, requestTimeoutMs. */
  budgets?: Partial<ProviderConfig['budgets']>;
  reportsDir?: string;
  /**
   * With --config: a command that has your provider submit its daily reports once the soak is over
   * (over the config's provider.submitReporting.command); the reference provider submits by itself.
   * Either way the reports are judged against what the soak saw.
   */
  submitReporting?: string;
  clock?: Clock;
  progress?: (line: string) => void;
  /** Told every second how the soak is going (the live line). */
  onStatus?: (s: SoakStatus) => void;
  /** Aborted (Ctrl+C): no more finds are sent; what was sent is awaited briefly and kept. */
  signal?: AbortSignal;
}

export interface SoakOutcome {
  results: RunResults;
  figures: SoakFigures;
  reports: { json: string; junit: string; html: string; pdf: string };
  exitCode: number;
}

/** A soak set up: every bad option refused before anything starts. */
interface SoakSetup {
  opts: SoakOptions;
  clock: Clock;
  progress: (line: string) => void;
  runId: string;
  folder: string;
  userConfig?: ProviderConfig;
  testData: TestDataPack;
  budgets: ProviderConfig['budgets'];
}

function prepare(opts: SoakOptions): SoakSetup {
  const clock = opts.clock ?? systemClock;
  const userConfig = opts.configFile ? loadProviderConfig(opts.configFile) : undefined;
  const certsProblem = outputPathProblem(opts.certsDir, 'dir');
  if (certsProblem) throw new CliError(`--certs-dir: ${certsProblem}`, EXIT.environment);
  const reportsProblem = opts.reportsDir ? outputPathProblem(opts.reportsDir, 'dir') : undefined;
  if (reportsProblem) throw new CliError(`--reports-dir: ${reportsProblem}`, EXIT.usage);
  const testData = asUsageError(() => loadTestData(userConfig?.testData));
  try {
    checkStateDir(opts.stateDir);
  } catch (err) {
    throw new CliError((err as StateDirError).message, EXIT.environment);
  }
  const runId = newRunId(clock);
  return { opts, clock, progress: opts.progress ?? ((l) => console.log(l)), runId, folder: runDir(opts.stateDir, runId), userConfig, testData, budgets: { ...DEFAULT_BUDGETS, ...userConfig?.budgets, ...opts.budgets } };
}

/** The C&A where the user's config says (8443, 8081, 8088 by default), or free ports for the reference provider. */
function simulatorOptions(s: SoakSetup): SimulatorOptions {
  const c = s.userConfig?.simulator ?? {};
  const port = (given: number | null | undefined, configured: number | undefined, fixed: number) => (given !== undefined ? given : configured === -1 ? null : (configured ?? (s.userConfig ? fixed : 0)));
  return {
    stateDir: s.opts.stateDir,
    certsDir: s.opts.certsDir,
    host: c.host,
    httpsPort: port(s.opts.ports?.https, c.httpsPort, 8443),
    httpPort: port(s.opts.ports?.http, c.httpPort, 8081),
    adminPort: port(s.opts.ports?.admin, c.adminPort, 8088),
    mtls: c.mtls,
    issuer: c.issuer,
    journalCapBytes: journalCapFromMiB(c.journalCapMiB),
    usersFile: s.userConfig?.users,
    clock: s.clock,
    profile: builtInProfile(),
  };
}

export async function soak(opts: SoakOptions): Promise<SoakOutcome> {
  const setup = prepare(opts);
  const sim = await opts.startSimulator(simulatorOptions(setup));
  let provider: ReferenceProvider | undefined;
  try {
    let config: ProviderConfig;
    if (setup.userConfig) {
      config = { ...setup.userConfig, budgets: setup.budgets };
    } else {
      provider = await startReferenceProvider(referenceProviderOptions(sim, setup.testData, opts.referenceFaults));
      config = referenceProviderConfig(provider, setup.testData, setup.budgets);
      setup.progress(`reference provider: find ${provider.findUrl}, view ${provider.viewUrl}`);
    }
    setup.progress(`C&A: ${sim.endpoints.issuer}`);
    const toProvider = providerTls(config, sim);
    await assertReachable(config.provider.findUrl, toProvider);
    startRunRecord(setup.folder, { journal: sim.journal, scenarios: [], users: sim.users, testData: setup.testData, config, referenceFaults: provider ? (opts.referenceFaults ?? []) : undefined, profile: profileRecord(sim.profile) });
    const hook = setup.userConfig ? (opts.submitReporting ?? setup.userConfig.provider.submitReporting?.command) : undefined;
    const withReporting = !!provider || !!hook;
    const driver = new SoakDriver(setup, sim, config, await pfsDriverFor(sim, config, setup.clock, toProvider), await dashboardDriverFor(sim, config, setup.clock, toProvider), withReporting);
    const startedAt = new Date(setup.clock.now()).toISOString();
    const { figures, interrupted } = await driver.run();
    if (!withReporting) setup.progress('reporting: not judged (give --submit-reporting "<command>" to have your provider submit its daily reports after the soak, and have them judged against what it saw)');
    const reporting = withReporting && !interrupted ? await judgeSoakReporting({ sim, config, testData: setup.testData, provider, hook, day: utcDay(setup.clock.now()), runId: setup.runId, folder: setup.folder, views: driver.views, progress: setup.progress, signal: opts.signal }) : [];
    return await finish(setup, config, startedAt, figures, interrupted, reporting);
  } finally {
    await provider?.close();
    await sim.close();
  }
}

async function finish(setup: SoakSetup, config: ProviderConfig, startedAt: string, figures: SoakFigures, interrupted: boolean, reporting: TestCaseResult[]): Promise<SoakOutcome> {
  const { opts } = setup;
  return keepSoakRun({
    run: {
      id: setup.runId,
      provider: config.provider.name ?? config.provider.findUrl,
      configDigest: configDigest(setup.userConfig ?? { referenceProvider: true, faults: opts.referenceFaults ?? [] }),
      startedAt,
      finishedAt: new Date(setup.clock.now()).toISOString(),
      ...(interrupted ? { status: 'interrupted' as RunStatus, stopReason: `INTERRUPTED (${interruptedBy(opts.signal)}) after ${Math.round(figures.wallMs / 1000)} s of ${Math.round(figures.durationMs / 1000)} s: the figures are of what was sent` } : {}),
    },
    folder: setup.folder,
    figures,
    testCases: [...judgeThresholds(opts.thresholds, figures, startedAt), ...reporting],
    reportsDir: opts.reportsDir,
  });
}

/** Keep a soak as a run: results.json with its figures, JUnit, HTML and PDF; the exit code its test cases come to. */
async function keepSoakRun(k: { run: Pick<RunResults['run'], 'id' | 'provider' | 'configDigest' | 'startedAt' | 'finishedAt' | 'status' | 'stopReason'>; folder: string; figures: SoakFigures; testCases: TestCaseResult[]; reportsDir?: string }): Promise<SoakOutcome> {
  const scenarios = k.testCases.some((t) => t.phase === 'reporting') ? ['soak', 'reporting'] : ['soak'];
  const results: RunResults = {
    ...runResults({ ...k.run, status: k.run.status ?? 'complete', cdaSimVersion: packageVersion(), profile: builtInProfile().label, scenarios }, k.testCases),
    soak: k.figures,
  };
  const reports = await writeReports(k.folder, results);
  if (k.reportsDir) copyReports(reports, path.join(k.reportsDir, k.run.id));
  const exitCode = k.run.status === 'interrupted' ? EXIT.interrupted : k.testCases.some((t) => failsTheRun(results.run, t)) ? EXIT.checkFailed : EXIT.ok;
  return { results, figures: k.figures, reports, exitCode };
}

/**
 * Several soaks run apart (one per CI runner) kept as one run: their figures added up
 * (merge.ts) and judged against the thresholds. Each soak's own reporting check stays in its run.
 */
export async function mergeSoaks(opts: { stateDir: string; files: string[]; thresholds: Threshold[]; reportsDir?: string; clock?: Clock }): Promise<SoakOutcome> {
  const clock = opts.clock ?? systemClock;
  const parts = readSoakParts(opts.files);
  try {
    checkStateDir(opts.stateDir);
  } catch (err) {
    throw new CliError((err as StateDirError).message, EXIT.environment);
  }
  const runId = newRunId(clock);
  const figures = mergeFigures(parts.map((p) => p.results.soak), parts.map((p) => p.results.run.id));
  const startedAt = parts.map((p) => p.results.run.startedAt).sort()[0];
  return keepSoakRun({
    run: {
      id: runId,
      provider: [...new Set(parts.map((p) => p.results.run.provider))].join(', '),
      configDigest: [...new Set(parts.map((p) => p.results.run.configDigest))].join(','),
      startedAt,
      finishedAt: parts.map((p) => p.results.run.finishedAt).sort().at(-1)!,
    },
    folder: runDir(opts.stateDir, runId),
    figures,
    testCases: judgeThresholds(opts.thresholds, figures, startedAt),
    reportsDir: opts.reportsDir,
  });
}
