// The soak, a phase of the window when asked for (`rehearse --soak 30s`): sustained signed finds and a
// view dance for every PeI they register (soak/driver.ts, as `cda-sim soak` sends them), after the
// last scenario and before reporting, so the reporting phase judges a day that includes its traffic.
// Its figures are the run's `soak`; each threshold is a test case, and a breach fails the run.
import { SoakDriver } from '../../soak/driver.js';
import { judgeThresholds } from '../../soak/thresholds.js';
import { figuresTable, statusLinesEvery10s } from '../../soak/summary-text.js';
import { isDashboardView, slimViewEntry } from '../../soak/reporting-check.js';
import { contextOf, PLAY, type PhaseRun, type WindowPhase } from './types.js';

/** Why the soak does not play when it was not asked for: the reports say so, never a pass. */
export const SOAK_NOT_ASKED = 'no soak was asked for; `cda-sim rehearse --soak 30s` plays one before reporting';

async function play(p: PhaseRun): Promise<void> {
  const { run } = p;
  const ctx = contextOf(p);
  const shape = run.opts.soak!;
  const setup = { opts: { ...shape, onStatus: statusLinesEvery10s(run.progress), signal: run.opts.signal }, clock: run.clock, progress: run.progress, runId: run.runId, testData: run.testData, budgets: run.budgets };
  // The reporting phase judges only the views of the day: of the soak's many exchanges the run keeps
  // those alone, slimmed, so a long soak does not hold every exchange in memory.
  run.keepEntry = (e) => (isDashboardView(e) ? slimViewEntry(e) : undefined);
  try {
    const startedAt = new Date(run.clock.now()).toISOString();
    const { figures, interrupted } = await new SoakDriver(setup, p.sim, ctx.config, ctx.pfs, ctx.dashboard, false).run();
    // Ctrl+C: the window's loop has already kept the run as interrupted; nothing is added behind it.
    if (interrupted) return;
    run.soakFigures = figures;
    for (const line of figuresTable(figures)) run.progress(line);
    const judged = judgeThresholds(shape.thresholds, figures, startedAt);
    for (const t of judged) run.progress(`  ${t.id}: ${t.verdict.toUpperCase()}: ${t.reasons.join(' | ')}`);
    run.played.push(...judged);
  } finally {
    run.keepEntry = undefined;
  }
}

export const SOAK: WindowPhase = {
  id: 'soak',
  name: 'soak',
  needsProvider: true,
  events: ['phase-start', 'phase-end'],
  saysWhenSkipped: true,
  gate: ({ run }) => (run.opts.soak ? PLAY : { play: false, skip: SOAK_NOT_ASKED }),
  run: async (p) => {
    await p.run.window.phase('soak', () => play(p));
    p.run.done.add('soak');
  },
};
