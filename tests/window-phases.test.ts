// The integration window as one ordered list of phases (rehearsal/phases/index.ts): a rehearsal plays
// them in the list's order whatever order the scenarios were named in, each phase emits only the run
// events it declares, each gate says why a phase does not play, and a phase left out of the list a
// run is given leaves its cases NOT RUN rather than missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rehearse } from './helpers/rehearse.js';
import { inWindowOrder, phasesFrom, WINDOW_PHASES, type PhaseRun, type WindowPhase } from '../simulator/rehearsal/phases/index.js';
import { loadScenario } from '../simulator/scenarios/engine.js';
import type { ScenarioFile } from '../simulator/scenarios/types.js';
import type { RunEvent } from '../simulator/scenarios/events.js';
import { runVerdict } from '../simulator/reports/results.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

const phase = (id: string): WindowPhase => WINDOW_PHASES.find((p) => p.id === id)!;

/** A run as a gate sees it: only what the gates read. */
function gateRun(scenarios: ScenarioFile[], more: { done?: string[]; paused?: boolean; withReporting?: boolean; updatesApplied?: boolean; soak?: boolean } = {}): PhaseRun {
  const soak = more.soak ? { load: { durationMs: 3000, rate: { kind: 'constant', perSecond: 5 } }, thresholds: [] } : undefined;
  const run = { runId: 'R1', opts: { soak }, scenarios, done: new Set(more.done ?? []), paused: more.paused ? {} : undefined, withReporting: more.withReporting ?? false };
  return { run, sim: {}, referenceStateFile: '', updatesApplied: more.updatesApplied } as unknown as PhaseRun;
}

test('Stage 2 needs the update file applied: without it the run pauses, naming the command that resumes it', () => {
  const stage2 = loadScenario('stage2');
  assert.equal(phase('stage2').gate(gateRun([stage2], { updatesApplied: true })), { play: true });
  const gate = phase('stage2').gate(gateRun([stage2], { updatesApplied: false }));
  assert.ok('pause' in gate, JSON.stringify(gate));
  assert.match((gate as { pause: string }).pause, /paused after Stage 1, waiting for the update file to be applied \(cda-sim stage2 --run R1 plays it\)/);
  // Nothing of Stage 2 chosen, or already played: it is skipped, and so is the update file.
  for (const p of [gateRun([loadScenario('stage1')]), gateRun([stage2], { done: ['stage2'] })]) {
    assert.ok('skip' in phase('stage2').gate(p));
    assert.ok('skip' in phase('update-file').gate(p));
  }
});

test('each gate says why its phase does not play', () => {
  const cp = loadScenario('connection-proving');
  assert.match((phase('clear-down').gate(gateRun([cp], { paused: true })) as { skip: string }).skip, /resumed run keeps what Stage 1 left/);
  assert.equal(phase('clear-down').gate(gateRun([cp])), { play: true });
  assert.match((phase('reporting').gate(gateRun([cp])) as { skip: string }).skip, /not part of this run/);
  assert.equal(phase('reporting').gate(gateRun([cp], { withReporting: true })), { play: true });
  assert.match((phase('oat').gate(gateRun([cp])) as { skip: string }).skip, /no OAT scenario chosen/);
  assert.equal(phase('connection-proving').gate(gateRun([cp])), { play: true });
  // The soak plays only when asked for; skipped, the window records why, so the reports say NOT RUN.
  assert.match((phase('soak').gate(gateRun([cp])) as { skip: string }).skip, /no soak was asked for; `cda-sim rehearse --soak 30s` plays one/);
  assert.ok(phase('soak').saysWhenSkipped);
  assert.equal(phase('soak').gate(gateRun([cp], { soak: true })), { play: true });
});

test("scenarios play in the window's order; a scenario of a phase the window does not name plays after the others, before reporting", () => {
  const own: ScenarioFile = { ...loadScenario('oat'), id: 'my-own', phase: 'my-own-phase' };
  const given = ['stage2', 'oat', 'stage1', 'connection-proving', 'system-test'].map(loadScenario);
  assert.equal(inWindowOrder([own, ...given]).map((s) => s.id), ['connection-proving', 'stage1', 'stage2', 'system-test', 'oat', 'my-own']);
  assert.equal(phasesFrom('update-file').map((p) => p.id), ['update-file', 'stage2', 'system-test', 'oat', 'other-scenarios', 'soak', 'reporting']);
  assert.throws(() => phasesFrom('no-such' as never), /no phase "no-such"/);
});

test("a rehearsal plays its phases in the window's order, each emitting only the events it declares", async () => {
  const { dir } = await sharedMaterial();
  const events: RunEvent[] = [];
  // Named out of order: the window still proves the connection before the OAT check.
  const { results, exitCode } = await rehearse({ stateDir: tempDir(), certsDir: dir, scenarios: ['oat', 'connection-proving'], progress: () => {}, onEvent: (e) => events.push(e) });
  assert.is(exitCode, 0, JSON.stringify(results.testCases.filter((t) => t.verdict !== 'pass')));
  // The run announces its scenarios in the order it will play them (a display counts down by them).
  const start = events.find((e): e is Extract<RunEvent, { type: 'run-start' }> => e.type === 'run-start');
  assert.equal(start?.scenarios, ['connection-proving', 'oat']);
  const starts = events.filter((e): e is Extract<RunEvent, { type: 'phase-start' }> => e.type === 'phase-start');
  assert.equal(starts.map((e) => e.phase), ['clear-down', 'connection-proving', 'oat', 'reporting']);
  let playing: WindowPhase | undefined;
  for (const e of events) {
    if (e.type === 'phase-start') playing = WINDOW_PHASES.find((p) => p.id === e.phase || p.name === e.phase);
    if (e.type === 'run-start' || e.type === 'run-end') continue;
    assert.ok(playing, `${e.type} outside any phase`);
    assert.ok(playing.events.includes(e.type), `${playing.id} emitted ${e.type}, which it does not declare`);
    if (e.type === 'phase-end') playing = undefined;
  }
  assert.equal(results.run.scenarios, ['connection-proving', 'oat', 'reporting']);
});

test('a phase left out of the list a run is given leaves its cases NOT RUN, saying so, and the run INCOMPLETE', async () => {
  const { dir } = await sharedMaterial();
  const withoutReporting = WINDOW_PHASES.filter((p) => p.id !== 'reporting');
  const { results, exitCode } = await rehearse({ stateDir: tempDir(), certsDir: dir, scenarios: ['connection-proving'], only: ['CP-01'], progress: () => {} }, withoutReporting);
  assert.is(results.testCases.find((t) => t.id === 'CP-01')?.verdict, 'pass');
  const reporting = results.testCases.filter((t) => t.phase === 'reporting');
  assert.ok(reporting.length >= 7, `reporting cases: ${reporting.map((t) => t.id)}`);
  for (const t of reporting) {
    assert.is(t.verdict, 'not-run', t.id);
    assert.match(t.reasons.join(), /its phase was not among the phases this run was given/);
  }
  assert.is(runVerdict(results.run, results.testCases), 'INCOMPLETE');
  assert.is(exitCode, 1);
});

test.run();
