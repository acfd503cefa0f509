// Clear-down, the window's first phase: an empty CDA and, when the config says how, a provider whose
// test data has been cleared too (rehearsal/clear-down.ts does it).
import { clearDown } from '../clear-down.js';
import { providerTls } from '../provider-setup.js';
import { PLAY, type PhaseRun, type WindowPhase } from './types.js';

async function play({ run, sim, referenceStateFile }: PhaseRun): Promise<void> {
  const { opts, userConfig } = run;
  const target = {
    ...userConfig?.provider.clearDown,
    tls: userConfig ? providerTls(userConfig, sim) : undefined,
    referenceStateFile: userConfig ? undefined : referenceStateFile,
    keepSubmissions: !!userConfig && !!opts.reporting,
  };
  await run.window.phase('clear-down', () => clearDown(sim, target, run.progress, { waiting: run.waiting, signal: opts.signal }));
}

export const CLEAR_DOWN: WindowPhase = {
  id: 'clear-down',
  name: 'clear-down',
  needsProvider: false,
  events: ['phase-start', 'phase-end'],
  // A resumed run keeps everything Stage 1 left: that is what Stage 2 judges.
  gate: ({ run }) => (run.paused ? { play: false, skip: 'a resumed run keeps what Stage 1 left' } : PLAY),
  run: play,
};
