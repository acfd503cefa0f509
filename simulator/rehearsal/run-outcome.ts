// How a rehearsal ends, each way kept as a run with its results and every report: complete (every
// phase it was asked for played), paused after Stage 1 (nobody applied the update file), stopped by
// the environment (exit 3), or interrupted by Ctrl+C.
import path from 'node:path';
import { EXIT } from '../core/exit-codes.js';
import { interruptedBy } from '../core/interruption.js';
import type { RunResults } from '../scenarios/run-results.js';
import type { RunSimulator as Simulator } from './simulated-cda.js';
import type { RunContext } from '../scenarios/context.js';
import { exitCodeFor, notRunCases } from './run-end.js';
import { finishPausedRun, savePausedRun } from './paused-run.js';
import { DEFAULT_SCENARIOS, keepReports, reportingExpected, resultsOf, type RehearsalOutcome, type RunSetup } from './run-setup.js';
import { resumeCommand } from './phases/index.js';
import { contextOf, type PhaseRun } from './phases/types.js';

/**
 * The phases given were played (with --stage1-only, reporting was not asked for). A case of a phase
 * left out of the list the run was given is NOT RUN, saying so: never silently missing.
 */
export async function completeRun({ run, sim }: PhaseRun): Promise<RehearsalOutcome> {
  const notAskedFor = run.opts.stage1Only && !run.paused && reportingExpected(run) ? ['reporting'] : [];
  const leftOut = run.scenarios.filter((s) => !run.done.has(s.id));
  const unplayed = notRunCases(leftOut, run.withReporting && !run.done.has('reporting'), 'not played: its phase was not among the phases this run was given');
  const results = resultsOf(run, { status: 'complete', notAskedFor, unplayed });
  const reports = await keepReports(run, results);
  if (run.paused) finishPausedRun(run.folder);
  return finishRun(run, sim, results, reports);
}

/** A run the environment stopped: what was played, every case left as not-run naming the cause, and every report. */
export async function keepStoppedRun(run: RunSetup, reason: string): Promise<RehearsalOutcome> {
  const remaining = run.scenarios.filter((s) => !run.done.has(s.id));
  const unplayed = notRunCases(remaining, run.withReporting && !run.done.has('reporting'), `not played: the run stopped: ${reason}`);
  const results = resultsOf(run, { status: 'aborted', stopReason: `Stopped before every test case was played: ${reason}`, unplayed });
  const reports = await keepReports(run, results);
  run.opts.onEvent?.({ type: 'run-end', results, exitCode: EXIT.environment, time: new Date(run.clock.now()).toISOString() });
  return { results, resultsFile: reports.json, reports, exitCode: EXIT.environment, aborted: { reason } };
}

/** A run interrupted by Ctrl+C or SIGTERM: what was played, every other case NOT RUN saying so, and every report. */
export async function keepInterruptedRun(run: RunSetup): Promise<RehearsalOutcome> {
  // In file order, as a finished scenario lists them (groups of cases playing at once end in any order).
  const order = new Map(run.scenarios.flatMap((s) => s.testCases.map((tc) => tc.id)).map((id, i) => [id, i]));
  const finished = run.finishing.filter((t) => !run.played.some((p) => p.id === t.id)).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const played = new Set([...run.played, ...finished].map((t) => t.id));
  run.played.push(...finished);
  const remaining = run.scenarios.filter((s) => !run.done.has(s.id));
  const by = interruptedBy(run.opts.signal);
  const unplayed = notRunCases(remaining, run.withReporting && !run.done.has('reporting'), `not played: the run was interrupted (${by}) before it was reached`)
    .filter((t) => !played.has(t.id))
    .map((t) => (run.playing.has(t.id) ? { ...t, reasons: [`not judged: the run was interrupted (${by}) while it was playing`] } : t));
  const results = resultsOf(run, { status: 'interrupted', stopReason: `INTERRUPTED (${by}) after ${run.played.length} test case(s): the rest were not played`, unplayed });
  const reports = await keepReports(run, results);
  run.opts.onEvent?.({ type: 'run-end', results, exitCode: EXIT.interrupted, time: new Date(run.clock.now()).toISOString() });
  return { results, resultsFile: reports.json, reports, exitCode: EXIT.interrupted, interrupted: { played: run.played.length } };
}

/** What `cda-sim stage2` needs to resume the run in a later process. */
function keepPausedRun(run: RunSetup, updates: NonNullable<RunContext['updates']>): void {
  const { opts } = run;
  savePausedRun(run.folder, {
    version: 1,
    runId: run.runId,
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
      caseConcurrency: opts.caseConcurrency,
      compat: opts.compat,
      specDir: run.specDir,
      strict: opts.strict,
      expectedFailures: opts.expectedFailures,
      soak: opts.soak,
    },
    done: [...run.done],
    testCases: run.played,
    phases: run.window.summary().phases,
    updates,
    configDigest: run.digest,
    provider: run.providerName,
    ...(run.ownRuleWarnings.length ? { ownRuleWarnings: run.ownRuleWarnings } : {}),
  });
}

/**
 * Nobody applied the update file (Stage 2's gate said why, `notPlayed`): the run is kept as paused
 * for `cda-sim stage2`, the cases not played are listed as not-run. With --stage1-only, Stage 2 and
 * reporting were never asked for.
 */
export async function pauseRun(p: PhaseRun, notPlayed: string): Promise<RehearsalOutcome> {
  const { run, sim } = p;
  const { opts, runId } = run;
  const ctx = contextOf(p);
  keepPausedRun(run, ctx.updates!);
  const resume = resumeCommand(runId);
  const updateFile = ctx.updates!.paths;
  const remaining = run.scenarios.filter((s) => !run.done.has(s.id));
  const later = [...remaining.map((s) => s.title), ...(reportingExpected(run) ? ['reporting'] : [])];
  const results = opts.stage1Only
    ? resultsOf(run, { status: 'complete', notAskedFor: later })
    : resultsOf(run, {
        status: 'paused',
        stopReason: `PAUSED after Stage 1: ${later.join(' and ')} not played yet. Apply the update file ${path.basename(updateFile.json)} on your system, then resume with: ${resume}`,
        unplayed: notRunCases(remaining, reportingExpected(run), notPlayed),
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
