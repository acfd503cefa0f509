// The integration window's phases, in the order PDP plays them (test-phases §3.4–3.8) and every
// rehearsal plays them: a run plays those of the list its options choose (each phase's gate says),
// a paused run resumes from the update file, and a replay plays the same list again.
import type { ScenarioFile } from '../../scenarios/types.js';
import { CLEAR_DOWN } from './clear-down.js';
import { REPORTING } from './reporting.js';
import { SOAK } from './soak.js';
import { phaseOf, scenarioPhase } from './scenario-phase.js';
import { PLAY, type PhaseId, type PhaseRun, type WindowPhase } from './types.js';
import { UPDATE_FILE } from './update-file.js';

export type { PhaseId, PhaseRun, WindowPhase } from './types.js';

/** The command that resumes a run paused after Stage 1. */
export const resumeCommand = (runId: string) => `cda-sim stage2 --run ${runId}`;

/** Stage 2 judges what the provider did with the update file: without it applied, the run pauses. */
function updatesApplied(p: PhaseRun) {
  if (p.updatesApplied) return PLAY;
  return { play: false as const, pause: `not played: the run paused after Stage 1, waiting for the update file to be applied (${resumeCommand(p.run.runId)} plays it)` };
}

export const WINDOW_PHASES: readonly WindowPhase[] = [
  CLEAR_DOWN,
  scenarioPhase('connection-proving', 'connection proving'),
  scenarioPhase('stage1', 'Stage 1'),
  UPDATE_FILE,
  scenarioPhase('stage2', 'Stage 2', updatesApplied),
  scenarioPhase('system-test', 'system test'),
  scenarioPhase('oat', 'OAT'),
  // A scenario file of the user's own whose phase the window does not name.
  scenarioPhase('other-scenarios', 'other scenarios'),
  // After every scenario (its finds would change what the system test meets), before reporting,
  // which then judges a day that includes the soak's traffic.
  SOAK,
  REPORTING,
];

/** The window from one phase on (a paused run resumes from the update file). */
export function phasesFrom(id: PhaseId): readonly WindowPhase[] {
  const i = WINDOW_PHASES.findIndex((p) => p.id === id);
  if (i < 0) throw new Error(`no phase "${id}" in the window`);
  return WINDOW_PHASES.slice(i);
}

/** The scenarios in the order the window plays them (the order they were given in, within a phase). */
export function inWindowOrder(scenarios: ScenarioFile[]): ScenarioFile[] {
  const at = (s: ScenarioFile) => WINDOW_PHASES.findIndex((p) => p.id === phaseOf(s));
  return scenarios.map((s, i) => ({ s, i })).sort((a, b) => at(a.s) - at(b.s) || a.i - b.i).map(({ s }) => s);
}
