// Connecting a rehearsal to its provider: the simulator started for the run, the built-in reference
// provider (or the user's own, from the config), the drivers that talk to it, and the check that
// its find endpoint answers at all before anything is judged.
import path from 'node:path';
import type { ProviderConfig } from '../config/provider-config.js';
import type { RunSimulator as Simulator, SimulatorOptions } from './simulated-cda.js';
import { profileRecord } from '../http/spec-profile.js';
import { checkAgainstSchema } from '../dashboard/view-data-check.js';
import { startReferenceProvider, type ReferenceProvider } from '../provider/reference-provider.js';
import type { RunContext } from '../scenarios/context.js';
import { assertReachable, dashboardDriverFor, pfsDriverFor, providerTls, referenceProviderConfig, referenceProviderOptions } from './provider-setup.js';
import type { JournalEntry } from '../store/journal.js';
import type { OwnRuleWarningRecord } from '../scenarios/run-results.js';
import { at } from '../scenarios/correlation.js';
import { journalCapFromMiB, readJournal } from '../store/journal.js';
import { installDriverFaults } from './system-options.js';
import { DEFAULT_SYSTEM_TIMING } from '../scenarios/system-timing.js';
import { startRunRecord } from '../runs/run-record.js';
import { watched } from '../core/waiting.js';
import { updateByCommand } from './update-phase.js';
import type { RunSetup } from './run-setup.js';
import type { PhaseRun } from './phases/types.js';

function simulatorOptions(run: RunSetup): SimulatorOptions {
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
  sim.journal.on('entry', (e: JournalEntry) => {
    const kept = run.keepEntry ? run.keepEntry(e) : e;
    if (kept) entries.push(kept);
  });
  // The run keeps its own journal and inputs beside its reports, for export and replay.
  // A resumed run first catches up on what was journalled while it was paused.
  startRunRecord(run.folder, { journal: sim.journal, scenarios: run.scenarios, users: sim.users, testData, config, referenceFaults: provider ? (opts.referenceFaults ?? []) : undefined, options: { driverFaults: opts.driverFaults, ...(opts.caseConcurrency ? { caseConcurrency: opts.caseConcurrency } : {}), compat: opts.compat, ...(run.strict ? {} : { strict: false }), systemTest: opts.systemTest, ...(opts.soak ? { soak: opts.soak.asked } : {}) }, profile: profileRecord(run.profile), earlier: paused ? [...entries] : undefined });
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
    caseConcurrency: opts.caseConcurrency,
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

/**
 * The simulator for this run, followed by the run: the web console sees its events, and every
 * own-rule violation an exchange was accepted with is kept for the reports.
 */
export async function startRunSimulator(run: RunSetup): Promise<Simulator> {
  const sim = await run.opts.startSimulator(simulatorOptions(run));
  noteFindDataOutsideProfile(run, sim);
  run.consoleListener = (e) => sim.console.runEvent(e);
  sim.journal.on('entry', (e: JournalEntry) => run.ownRuleWarnings.push(...ownRuleWarningsOf(e)));
  return sim;
}

/** Where the built-in reference provider keeps its PATs and PeIs in a state directory. */
export function referenceStateFileIn(stateDir: string): string {
  return path.join(stateDir, 'reference-provider.json');
}

/**
 * Connect the run to its provider (once clear-down is done, as that clears the reference
 * provider's state): start the reference provider or take the user's config, set up the drivers,
 * and make sure the find endpoint answers. Sets `p.provider` and `p.ctx`.
 */
export async function connectProvider(p: PhaseRun): Promise<RunContext> {
  const { run, sim } = p;
  let config: ProviderConfig;
  if (run.userConfig) {
    config = { ...run.userConfig, budgets: run.budgets, matchingPolicy: run.matchingPolicy };
  } else {
    p.provider = await startReferenceProvider(referenceProviderOptions(sim, run.testData, run.opts.referenceFaults, p.referenceStateFile));
    config = referenceProviderConfig(p.provider, run.testData, run.budgets, run.matchingPolicy);
    run.progress(`reference provider: find ${p.provider.findUrl}, view ${p.provider.viewUrl}`);
  }
  run.progress(`C&A: ${sim.endpoints.issuer}${sim.endpoints.http ? ` (also ${sim.endpoints.http})` : ''}`);
  if (!run.strict) run.progress("strictness: off (--strict=false): requests breaking only cda-sim's own rules are accepted, each violation a warning in the reports");
  const ctx = (p.ctx = await runContext(run, sim, config, p.provider));
  // Checked once the run's record is started, so a run that stops here still keeps its inputs and journal.
  await watched(run.waiting, `the provider's find endpoint ${config.provider.findUrl} to answer`, 10000, () => assertReachable(config.provider.findUrl, ctx.providerTls!));
  installDriverFaults(ctx, run.driverFaults);
  return ctx;
}
