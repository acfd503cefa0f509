// A phase that plays scenarios (connection proving, Stage 1, Stage 2, the system test, OAT): the
// chosen scenarios whose `phase` names it, each timed in the window, its test cases judged by the
// scenario engine. A scenario whose phase no phase of the window names plays in OTHER_SCENARIOS.
import { runScenario } from '../../scenarios/engine.js';
import type { ScenarioFile } from '../../scenarios/types.js';
import { contextOf, PLAY, type PhaseGate, type PhaseId, type PhaseRun, type WindowPhase } from './types.js';

/** The phases a scenario file can name. */
export const SCENARIO_PHASES: readonly PhaseId[] = ['connection-proving', 'stage1', 'stage2', 'system-test', 'oat'];

/** The phase of the window that plays this scenario. */
export function phaseOf(scenario: ScenarioFile): PhaseId {
  return SCENARIO_PHASES.find((id) => id === scenario.phase) ?? 'other-scenarios';
}

/** The chosen scenarios of this phase the run has not played yet. */
export function scenariosToPlay({ run }: PhaseRun, id: PhaseId): ScenarioFile[] {
  return run.scenarios.filter((s) => phaseOf(s) === id && !run.done.has(s.id));
}

/** Play each scenario of the phase (a scenario chosen twice plays once). */
async function playScenarios(p: PhaseRun, id: PhaseId): Promise<void> {
  const { run } = p;
  for (const scenario of scenariosToPlay(p, id)) {
    if (run.done.has(scenario.id)) continue;
    const played = await run.window.phase(scenario.title, () => runScenario(contextOf(p), scenario), { phase: scenario.phase, testCases: scenario.testCases.length });
    run.played.push(...played);
    run.done.add(scenario.id);
  }
}

/** A phase of scenarios; `needs` adds a precondition beyond having a scenario to play. */
export function scenarioPhase(id: PhaseId, name: string, needs: (p: PhaseRun) => PhaseGate = () => PLAY): WindowPhase {
  return {
    id,
    name,
    needsProvider: true,
    events: ['phase-start', 'test-start', 'test-end', 'phase-end'],
    gate: (p) => (scenariosToPlay(p, id).length ? needs(p) : { play: false, skip: `no ${name} scenario chosen` }),
    run: (p) => playScenarios(p, id),
  };
}
