// The rehearsal: start the CDA-side servers, point them at a provider (the built-in reference
// provider, or the user's own from a config file), play the scenarios, write the results.
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { systemClock, type Clock } from '../core/clock.js';
import { packageVersion } from '../core/paths.js';
import { CliError, EXIT } from '../cli/exit-codes.js';
import { createSigner } from '../crypto/jose.js';
import { configDigest, DEFAULT_BUDGETS, loadProviderConfig, type ProviderConfig } from '../config/provider-config.js';
import { call, type CallFailed, type TlsClientOptions } from '../http/client.js';
import { startSimulator, PROFILE, type Simulator } from '../server/simulator.js';
import { tokenEndpoint } from '../ca/config.js';
import { loadTestData } from '../testdata/records.js';
import { PfsDriver } from '../pfs/pfs-driver.js';
import { DashboardDriver } from '../dashboard/dashboard-driver.js';
import { startReferenceProvider, type ProviderFault, type ReferenceProvider } from '../provider/reference-provider.js';
import { loadScenario, runScenario } from '../scenarios/engine.js';
import { checkMatchingPolicy } from '../scenarios/matching-policy.js';
import { viewTokenVerifier, type RunContext } from '../scenarios/context.js';
import type { JournalEntry } from '../store/journal.js';
import type { TestCaseResult } from '../scenarios/types.js';
import { runPassed, runResults, summarise, type RunResults } from '../reports/results.js';
import { copyReports, writeReports } from '../reports/write-all.js';
import { runReportingPipeline, utcDay } from '../reporting/pipeline.js';
import { expectedPei } from '../scenarios/context.js';
import { at } from '../scenarios/correlation.js';
import { journalCapFromMiB, readJournal } from '../store/journal.js';
import { installDriverFaults, parseDriverFaults, selectTestCases } from './system-options.js';
import { DEFAULT_SYSTEM_TIMING, type SystemTestTiming } from '../scenarios/system-timing.js';
import type { CompatMode } from '../ca/compat.js';
import { emitter, type RunEventListener } from '../scenarios/events.js';
import { newRunId, runDir } from '../runs/run-store.js';
import { IntegrationWindow } from './window.js';
import { clearDown } from './clear-down.js';
import { applyModeFor, updateByCommand, updateFilePhase } from './update-phase.js';
import { finishPausedRun, loadPausedRun, savePausedRun, type PausedRun } from './paused-run.js';
import { startRunRecord } from '../runs/run-record.js';

/** The integration window's scenarios, in the order PDP plays them. */
export const DEFAULT_SCENARIOS = ['connection-proving', 'stage1', 'stage2'];
export const DASHBOARD_ISSUER = 'https://dashboard.cda-sim.localhost';

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
  /** Deliberate defects for the built-in reference provider (cda-sim's own tests). */
  referenceFaults?: ProviderFault[];
  /** Judge the day's reporting submissions too (always with the reference provider, which submits them). */
  reporting?: boolean;
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
}

export interface RehearsalOutcome {
  results: RunResults;
  resultsFile: string;
  reports: { json: string; junit: string; html: string; pdf: string };
  exitCode: number;
  /** Set when the run paused after Stage 1: resume it with `cda-sim stage2 --run <id>`. */
  paused?: { runId: string; updateFile: { json: string; csv: string } };
}

function resultsOf(r: {
  runId: string;
  startedAt: string;
  clock: Clock;
  config: ProviderConfig;
  configDigest: string;
  scenarios: string[];
  testCases: TestCaseResult[];
  window: IntegrationWindow;
  status: 'complete' | 'paused';
}): RunResults {
  return runResults(
    {
      id: r.runId,
      cdaSimVersion: packageVersion(),
      profile: PROFILE,
      provider: r.config.provider.name ?? r.config.provider.findUrl,
      configDigest: r.configDigest,
      startedAt: r.startedAt,
      finishedAt: new Date(r.clock.now()).toISOString(),
      scenarios: r.scenarios,
      status: r.status,
      window: r.window.summary(),
    },
    r.testCases,
  );
}

function providerTls(cfg: ProviderConfig, sim: Simulator): TlsClientOptions {
  const t = cfg.provider.tls ?? {};
  const read = (f?: string) => (f ? fs.readFileSync(f, 'utf8') : undefined);
  // The system's trusted roots plus the cda-sim CA (which issues the reference provider's certificate).
  const ca = [...tls.rootCertificates, sim.material.ca.cert, ...(t.trustCaFile ? [read(t.trustCaFile)!] : [])];
  return {
    ca,
    cert: read(t.clientCertFile) ?? sim.material.cdaClient.cert,
    key: read(t.clientKeyFile) ?? sim.material.cdaClient.key,
    rejectUnauthorized: !t.insecureSkipVerify,
  };
}

/**
 * Before judging anything, make sure the provider answers at all: an unreachable endpoint or a TLS
 * failure is an environment problem (exit 3), not a failed test case.
 */
async function assertReachable(url: string, tls: TlsClientOptions): Promise<void> {
  try {
    await call({ method: 'HEAD', url, tls, timeoutMs: 10000, freshConnection: true });
  } catch (err) {
    const e = err as CallFailed;
    throw new CliError(`the provider's find endpoint ${url} cannot be reached (${e.code}): ${e.message}. Check that it is running, the URL, and the TLS settings (trustCaFile, client certificate) in your config`, EXIT.environment);
  }
}

export async function rehearse(options: RehearseOptions): Promise<RehearsalOutcome> {
  const clock = options.clock ?? systemClock;
  const progress = options.progress ?? ((l: string) => console.log(l));
  // A resumed run goes on as it was started: the same provider, scenarios, selection and budgets.
  const paused = options.resumeRunId ? loadPausedRun(runDir(options.stateDir, options.resumeRunId)) : undefined;
  const opts: RehearseOptions = paused ? { ...options, ...paused.options } : options;
  const runId = paused?.runId ?? newRunId(clock);
  /** The run is kept here: reports, its journal and inputs, the update file, a paused run's state. */
  const folder = runDir(opts.stateDir, runId);
  // The web console follows the run too (sim is started below, before the first event).
  const emit = emitter([opts.onEvent, (e) => sim.console.runEvent(e)]);
  const startedAt = paused?.startedAt ?? new Date(clock.now()).toISOString();
  const userConfig = opts.configFile ? loadProviderConfig(opts.configFile) : undefined;
  const digest = configDigest(userConfig ?? { referenceProvider: true, faults: opts.referenceFaults ?? [] });
  const scenarios = selectTestCases((opts.scenarios?.length ? opts.scenarios : DEFAULT_SCENARIOS).map(loadScenario), opts.only);
  const matchingPolicy = opts.matchingPolicy ?? userConfig?.matchingPolicy;
  checkMatchingPolicy(matchingPolicy, [...new Set([...DEFAULT_SCENARIOS, ...(opts.scenarios ?? [])])].map(loadScenario));
  const driverFaults = parseDriverFaults(opts.driverFaults);
  const testData = loadTestData(opts.inputs?.testDataFile ?? userConfig?.testData);
  const budgets = { ...DEFAULT_BUDGETS, ...userConfig?.budgets, ...opts.budgets };
  const window = new IntegrationWindow(budgets.windowMs, clock, progress, paused?.phases, emit);
  const referenceStateFile = path.join(opts.stateDir, 'reference-provider.json');

  const s = userConfig?.simulator ?? {};
  const sim = await startSimulator({
    stateDir: opts.stateDir,
    certsDir: opts.certsDir,
    host: s.host,
    httpsPort: opts.ports?.https !== undefined ? opts.ports.https : (s.httpsPort ?? (userConfig ? 8443 : 0)),
    httpPort: opts.ports?.http !== undefined ? opts.ports.http : (s.httpPort ?? (userConfig ? 8081 : 0)),
    adminPort: opts.ports?.admin !== undefined ? opts.ports.admin : (s.adminPort ?? (userConfig ? 8088 : 0)),
    mtls: s.mtls,
    issuer: s.issuer,
    journalCapBytes: opts.journalCapBytes ?? journalCapFromMiB(s.journalCapMiB),
    usersFile: opts.inputs?.usersFile ?? userConfig?.users,
    clock,
    compat: opts.compat,
  });
  let provider: ReferenceProvider | undefined;
  try {
    await opts.onReady?.(sim);
    // The run starts before its first phase (clear-down), so a display's clock counts the whole window.
    emit({ type: 'run-start', runId, runDir: folder, scenarios: scenarios.map((x) => x.id), testCases: scenarios.reduce((n, x) => n + x.testCases.length, 0), budgetMs: budgets.windowMs, time: new Date(clock.now()).toISOString() });
    // A resumed run keeps everything Stage 1 left: that is what Stage 2 judges.
    if (!paused) {
      await window.phase('clear-down', () =>
        clearDown(
          sim,
          { ...userConfig?.provider.clearDown, tls: userConfig ? providerTls(userConfig, sim) : undefined, referenceStateFile: userConfig ? undefined : referenceStateFile, keepSubmissions: !!userConfig && !!opts.reporting },
          progress,
        ),
      );
    }

    let config: ProviderConfig;
    if (userConfig) {
      config = { ...userConfig, budgets, matchingPolicy };
    } else {
      const caUrl = sim.endpoints.https ?? sim.endpoints.http!;
      provider = await startReferenceProvider({
        tls: { cert: sim.material.server.cert, key: sim.material.server.key, clientCa: [sim.material.ca.cert], mtls: 'need' },
        ca: {
          baseUrl: caUrl,
          issuer: sim.endpoints.issuer,
          jwksUrl: `${caUrl}/jwk_uri`,
          tls: { ca: sim.material.ca.cert, cert: sim.material.providerClient.cert, key: sim.material.providerClient.key },
        },
        pfsIssuer: sim.config.pfsIssuer,
        testData,
        faults: opts.referenceFaults,
        stateFile: referenceStateFile,
      });
      config = {
        provider: {
          name: 'cda-sim reference provider',
          findUrl: provider.findUrl,
          viewUrl: provider.viewUrl,
          holdernameGuids: testData.holdernames.map((h) => h.holdernameGuid),
          viewTokenKey: { jwksUrl: provider.jwksUrl },
        },
        budgets,
        matchingPolicy,
      };
      progress(`reference provider: find ${provider.findUrl}, view ${provider.viewUrl}`);
    }
    progress(`C&A: ${sim.endpoints.issuer}${sim.endpoints.http ? ` (also ${sim.endpoints.http})` : ''}`);

    const toProvider = providerTls(config, sim);
    await assertReachable(config.provider.findUrl, toProvider);
    const entries: JournalEntry[] = [];
    // Resumed: what the provider did since the update file was issued is in the journal on disk.
    if (paused) entries.push(...(await readJournal(sim.journal.file)).filter((e) => at(e) >= paused.updates.issuedAtMs));
    sim.journal.on('entry', (e: JournalEntry) => entries.push(e));
    // The run keeps its own journal and inputs beside its reports, for export and replay.
    // A resumed run first catches up on what was journalled while it was paused.
    startRunRecord(folder, { journal: sim.journal, scenarios, users: sim.users, testData, config, referenceFaults: provider ? (opts.referenceFaults ?? []) : undefined, options: { driverFaults: opts.driverFaults, compat: opts.compat, systemTest: opts.systemTest }, earlier: paused ? [...entries] : undefined });
    // The dashboard reaches cda-sim's own /token over the network, so the exchange is journalled.
    const caTokenUrl = sim.endpoints.http ? `${sim.endpoints.http}/token` : `${sim.endpoints.https}/token`;
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
        ? (instruction) => provider!.applyUpdate(instruction)
        : opts.applyUpdates?.command
          ? updateByCommand(() => ctx, opts.applyUpdates.command, runId, folder)
          : undefined,
      emit,
      pfs: new PfsDriver({
        clock,
        journal: sim.journal,
        pfsSigner: await createSigner(sim.material.keys.pfs),
        rogueSigner: await createSigner(sim.material.keys.rogue),
        pfsIssuer: sim.config.pfsIssuer,
        caTokenEndpoint: () => tokenEndpoint(sim.endpoints.issuer),
        findUrl: config.provider.findUrl,
        tls: toProvider,
        timeoutMs: config.budgets.requestTimeoutMs,
      }),
      dashboard: new DashboardDriver({
        clock,
        journal: sim.journal,
        caTokenUrl: () => caTokenUrl,
        rqpAudience: () => tokenEndpoint(sim.endpoints.issuer),
        rqpSigner: await createSigner(sim.material.keys.dashboard),
        dashboardIssuer: DASHBOARD_ISSUER,
        viewTokenVerifier: viewTokenVerifier(config.provider.viewTokenKey, toProvider),
        tls: toProvider,
        timeoutMs: config.budgets.requestTimeoutMs,
      }),
    };

    installDriverFaults(ctx, driverFaults);
    const testCases: TestCaseResult[] = [...(paused?.testCases ?? [])];
    const done = new Set(paused?.done ?? []);
    if (paused) ctx.updates = paused.updates;
    /** The run is kept in its folder; --reports-dir gets a copy (the update file with the reports). */
    const keep = async (results: RunResults) => {
      const written = await writeReports(folder, results);
      if (opts.reportsDir) copyReports({ ...written, ...ctx.updates?.paths }, path.join(opts.reportsDir, runId));
      return written;
    };
    const mode = applyModeFor(provider && !opts.applyUpdates?.stop ? (file) => provider!.applyUpdates(file) : undefined, opts.applyUpdates);
    for (const scenario of scenarios) {
      if (done.has(scenario.id)) continue;
      if (scenario.phase === 'stage2') {
        // The update file: written at the end of Stage 1 and applied before Stage 2 judges it.
        const applied = await window.phase(paused ? 'update file (resumed)' : 'update file', () => updateFilePhase(ctx, scenario, runId, folder, mode));
        if (applied === 'stop') {
          const pausedRun: PausedRun = {
            version: 1,
            runId,
            startedAt,
            options: {
              configFile: opts.configFile && path.resolve(opts.configFile),
              reportsDir: opts.reportsDir && path.resolve(opts.reportsDir),
              scenarios: opts.scenarios?.length ? opts.scenarios : DEFAULT_SCENARIOS,
              only: opts.only,
              reporting: opts.reporting,
              budgets: opts.budgets as Record<string, number> | undefined,
              referenceFaults: opts.referenceFaults,
              driverFaults: opts.driverFaults,
              compat: opts.compat,
            },
            done: [...done],
            testCases,
            phases: window.summary().phases,
            updates: ctx.updates!,
            configDigest: digest,
            provider: config.provider.name ?? config.provider.findUrl,
          };
          savePausedRun(folder, pausedRun);
          progress(`\nPAUSED after Stage 1. Apply ${ctx.updates!.paths.json} on your system, then resume with: cda-sim stage2 --run ${runId}`);
          const results = resultsOf({ runId, startedAt, clock, config, configDigest: digest, scenarios: [...done], testCases, window, status: 'paused' });
          const reports = await keep(results);
          const stage1Ok = runPassed(summarise(testCases));
          const outcome: RehearsalOutcome = { results, resultsFile: reports.json, reports, exitCode: stage1Ok ? EXIT.ok : EXIT.checkFailed, paused: { runId, updateFile: ctx.updates!.paths } };
          await opts.beforeClose?.(sim, outcome);
          return outcome;
        }
      }
      testCases.push(...(await window.phase(scenario.title, () => runScenario(ctx, scenario), { phase: scenario.phase, testCases: scenario.testCases.length })));
      done.add(scenario.id);
    }

    // The reporting phase: the provider's daily submissions, judged as PDP's pipeline judges them.
    if (provider || opts.reporting) await window.phase('reporting', async () => {
      const day = utcDay(clock.now());
      if (provider) {
        progress(`reporting: the reference provider submits its daily reports for ${day}`);
        await provider.submitDailyReporting(day);
      }
      const holderOf = new Map(testData.records.map((r) => [r.assetGuid, expectedPei(ctx, r).split(':')[2]]));
      const rep = runReportingPipeline({ day, submissions: sim.submissions.all(), journal: entries, holdernameGuids: config.provider.holdernameGuids, holdernameOfAsset: (a) => holderOf.get(a) });
      for (const t of rep) progress(`  ${t.id} ${t.title}: ${t.verdict.toUpperCase()}${t.verdict === 'pass' ? '' : `: ${t.reasons.join(' | ')}`}`);
      testCases.push(...rep);
    });

    const played = [...scenarios.map((x) => x.id), ...(provider || opts.reporting ? ['reporting'] : [])];
    const results = resultsOf({ runId, startedAt, clock, config, configDigest: digest, scenarios: played, testCases, window, status: 'complete' });
    const reports = await keep(results);
    if (paused) finishPausedRun(folder);
    const exitCode = runPassed(results.summary) ? EXIT.ok : EXIT.checkFailed;
    emit({ type: 'run-end', results, exitCode, time: new Date(clock.now()).toISOString() });
    const outcome: RehearsalOutcome = { results, resultsFile: reports.json, reports, exitCode };
    await opts.beforeClose?.(sim, outcome);
    return outcome;
  } finally {
    await provider?.close();
    await sim.close();
  }
}
