// rehearse() and replayBundle() as the command line calls them: with the simulated CDA's starter
// from server/ handed in (the rehearsal layer never imports the servers above it).
import { rehearse as rehearseWith, type RehearseOptions } from '../../simulator/rehearsal/rehearse.js';
import { replayBundle as replayWith, type ReplayOptions } from '../../simulator/rehearsal/replay.js';
import type { WindowPhase } from '../../simulator/rehearsal/phases/index.js';
import type { Bundle } from '../../simulator/runs/bundle.js';
import { startSimulator, type Simulator } from '../../simulator/server/simulator.js';

export type { RehearsalOutcome } from '../../simulator/rehearsal/rehearse.js';

/** The options without the starter; onReady and beforeClose see the full Simulator (its console included). */
type TestRehearseOptions = Omit<RehearseOptions, 'startSimulator' | 'onReady' | 'beforeClose'> & {
  onReady?: (sim: Simulator) => Promise<void> | void;
  beforeClose?: (sim: Simulator, outcome: import('../../simulator/rehearsal/rehearse.js').RehearsalOutcome) => Promise<void> | void;
};

export function rehearse(opts: TestRehearseOptions, phases?: readonly WindowPhase[]) {
  return rehearseWith({ startSimulator, ...(opts as Omit<RehearseOptions, 'startSimulator'>) }, phases);
}

export function replayBundle(bundle: Bundle, opts: Omit<ReplayOptions, 'startSimulator'>) {
  return replayWith(bundle, { startSimulator, ...opts });
}
