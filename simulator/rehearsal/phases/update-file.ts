// The update file, between the stages: written at the end of Stage 1 and applied (by the reference
// provider, a command, or a person at a terminal) before Stage 2 judges it; with nobody to apply it,
// it is left unapplied and Stage 2's gate pauses the run.
import { applyModeFor, updateFilePhase, type ApplyMode } from '../update-phase.js';
import { contextOf, PLAY, type PhaseRun, type WindowPhase } from './types.js';
import { scenariosToPlay } from './scenario-phase.js';

/** How this run has the file applied; --stage1-only asks for no Stage 2, so nobody applies it. */
function applyMode({ run, provider }: PhaseRun): ApplyMode {
  const { opts } = run;
  if (opts.stage1Only && !run.paused) return { kind: 'stop' };
  return applyModeFor(provider && !opts.applyUpdates?.stop ? (file) => provider.applyUpdates(file) : undefined, opts.applyUpdates);
}

async function play(p: PhaseRun): Promise<void> {
  const { run } = p;
  const [stage2] = scenariosToPlay(p, 'stage2');
  const applied = await run.window.phase(run.paused ? 'update file (resumed)' : 'update file', () => updateFilePhase(contextOf(p), stage2, run.runId, run.folder, applyMode(p)));
  p.updatesApplied = applied === 'applied';
}

export const UPDATE_FILE: WindowPhase = {
  id: 'update-file',
  name: 'update file',
  needsProvider: true,
  events: ['phase-start', 'phase-end'],
  gate: (p) => (scenariosToPlay(p, 'stage2').length ? PLAY : { play: false, skip: 'no Stage 2 scenario chosen' }),
  run: play,
};
