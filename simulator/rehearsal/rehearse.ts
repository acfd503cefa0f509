// The rehearsal: start the CDA-side servers, point them at a provider (the built-in reference
// provider, or the user's own from a config file), play the integration window's phases in order
// (phases/index.ts), and keep the run with its results and reports.
import { CliError, EXIT } from '../core/exit-codes.js';
import { untilAborted } from '../scenarios/engine.js';
import { WILL_PAUSE } from './run-end.js';
import { prepareRun, willPause, type RehearsalOutcome, type RehearseOptions, type RunSetup } from './run-setup.js';
import { connectProvider, referenceStateFileIn, startRunSimulator } from './connection.js';
import { completeRun, keepInterruptedRun, keepStoppedRun, pauseRun } from './run-outcome.js';
import { inWindowOrder, phasesFrom, WINDOW_PHASES, type PhaseRun, type WindowPhase } from './phases/index.js';

export type { RehearsalOutcome, RehearseOptions } from './run-setup.js';

/**
 * Play a rehearsal: by default the whole window (a resumed run, from the update file on). `phases`
 * narrows it to part of the window's list, in the list's order.
 */
export async function rehearse(options: RehearseOptions, phases?: readonly WindowPhase[]): Promise<RehearsalOutcome> {
  const run = prepareRun(options);
  run.scenarios = inWindowOrder(run.scenarios);
  if (willPause(run)) run.progress(WILL_PAUSE);
  try {
    return await playRun(run, phases ?? (run.paused ? phasesFrom('update-file') : WINDOW_PHASES));
  } catch (err) {
    if (options.signal?.aborted) return keepInterruptedRun(run);
    // The environment failed (the provider unreachable, a port in use…): the run is still kept, as evidence.
    if (err instanceof CliError && err.exitCode === EXIT.environment) return keepStoppedRun(run, err.message);
    throw err;
  }
}

async function playRun(run: RunSetup, phases: readonly WindowPhase[]): Promise<RehearsalOutcome> {
  const sim = await startRunSimulator(run);
  const p: PhaseRun = { run, sim, referenceStateFile: referenceStateFileIn(run.opts.stateDir) };
  try {
    await run.opts.onReady?.(sim);
    // The run starts before its first phase (clear-down), so a display's clock counts the whole window.
    run.emit({ type: 'run-start', runId: run.runId, runDir: run.folder, scenarios: run.scenarios.map((x) => x.id), testCases: run.scenarios.reduce((n, x) => n + x.testCases.length, 0), budgetMs: run.budgets.windowMs, time: new Date(run.clock.now()).toISOString() });
    return await playPhases(p, phases);
  } finally {
    await p.provider?.close();
    await sim.close();
  }
}

/**
 * The window's loop: each phase in turn, if its gate lets it play; the provider is connected before
 * the first phase that plays against it; a gate that pauses ends the run there (kept for `stage2`).
 * Ctrl+C ends the run at once, whatever a phase is waiting on; what it played is kept (keepInterruptedRun).
 */
async function playPhases(p: PhaseRun, phases: readonly WindowPhase[]): Promise<RehearsalOutcome> {
  const { signal } = p.run.opts;
  for (const phase of phases) {
    const gate = phase.gate(p);
    if ('pause' in gate) return untilAborted(pauseRun(p, gate.pause), signal);
    if (!gate.play) {
      if (phase.saysWhenSkipped && 'skip' in gate) p.run.window.skipped(phase.name, gate.skip);
      continue;
    }
    if (phase.needsProvider && !p.ctx) await connectProvider(p);
    await untilAborted(phase.run(p), signal);
  }
  return untilAborted(completeRun(p), signal);
}
