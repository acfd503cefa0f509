// The live progress display, rendered to a string from run lifecycle events at a given time: no
// terminal, no timers, no timing asserts.
import { test } from 'uvu';
import { EventEmitter } from 'node:events';
import * as assert from 'uvu/assert';
import { clock, DEFAULT_BUDGET_MS, initialProgress, LiveProgress, nextProgress, renderProgress, type ProgressState } from '../simulator/cli/progress.js';
import type { RunEvent } from '../simulator/scenarios/events.js';
import type { TestCaseResult } from '../simulator/scenarios/types.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const result = (id: string, verdict: TestCaseResult['verdict']): TestCaseResult => ({ id, title: id, rule: '', reference: '', scenario: 'connection-proving', phase: 'connection-proving', verdict, reasons: [], exchanges: [], startedAt: at(0), durationMs: 1 });

function fold(events: RunEvent[], budgetMs?: number): ProgressState {
  return events.reduce(nextProgress, initialProgress(budgetMs));
}

const start: RunEvent[] = [
  { type: 'run-start', runId: 'r', runDir: 'd', scenarios: ['connection-proving'], testCases: 9, time: at(0) },
  { type: 'phase-start', phase: 'connection-proving', title: 'Connection proving', testCases: 9, time: at(1) },
  { type: 'test-start', id: 'CP-01', title: 'A valid find request is acknowledged with 202', scenario: 'connection-proving', phase: 'connection-proving', index: 1, total: 9, time: at(1) },
  { type: 'test-end', result: result('CP-01', 'pass'), index: 1, total: 9, time: at(2) },
  { type: 'test-start', id: 'CP-02', title: 'The user token is exchanged for the user’s PAT', scenario: 'connection-proving', phase: 'connection-proving', index: 2, total: 9, time: at(2) },
  { type: 'test-end', result: result('CP-02', 'fail'), index: 2, total: 9, time: at(3) },
  { type: 'test-start', id: 'CP-03', title: 'The matched pension is registered as a PeI within the window', scenario: 'connection-proving', phase: 'connection-proving', index: 3, total: 9, time: at(3) },
];

test('phase, test case n of N, the current test, elapsed and budget left (3 h by default)', () => {
  const s = fold(start);
  assert.is(renderProgress(s, T0 + 75_000, 200), 'connection-proving · test case 3 of 9 · CP-03 The matched pension is registered as a PeI within the window · elapsed 0:01:15 · budget left 2:58:45 · 1 passed, 1 failed');
  assert.is(s.budgetMs, DEFAULT_BUDGET_MS);
});

test('a window budget carried by run-start wins over the display default; past it, the line says so', () => {
  const withBudget: RunEvent[] = [{ ...(start[0] as Extract<RunEvent, { type: 'run-start' }>), budgetMs: 60 * 60 * 1000 }, ...start.slice(1)];
  const s = fold(withBudget, 2 * 3600_000);
  assert.match(renderProgress(s, T0 + 30 * 60_000, 200), /elapsed 0:30:00 · budget left 0:30:00/);
  assert.match(renderProgress(s, T0 + 61 * 60_000, 200), /elapsed 1:01:00 · OVER BUDGET by 0:01:00/);
  // Without one, the display's own budget counts.
  assert.match(renderProgress(fold(start, 90 * 60_000), T0 + 60_000, 200), /budget left 1:29:00/);
});

test('between test cases and before the first, the line still says where the run is', () => {
  assert.match(renderProgress(initialProgress(), T0, 200), /^starting · elapsed 0:00:00 · budget left 3:00:00 · 0 passed, 0 failed$/);
  const afterEnd = fold(start.slice(0, 4));
  assert.is(renderProgress(afterEnd, T0 + 2000, 200), 'connection-proving · test case 1 of 9 · elapsed 0:00:02 · budget left 2:59:58 · 1 passed, 0 failed');
  const nextPhase = fold([...start, { type: 'phase-end', phase: 'connection-proving', elapsedMs: 5, time: at(5) }, { type: 'phase-start', phase: 'stage-1', title: 'Stage 1', testCases: 40, time: at(5) }]);
  assert.match(renderProgress(nextPhase, T0 + 5000, 200), /^stage-1 · test case 0 of 40 · elapsed/);
});

test('a narrow terminal shortens the title first, then the line', () => {
  const s = fold(start);
  const line = renderProgress(s, T0 + 75_000, 140);
  assert.is(line.length, 140, line);
  assert.match(line, /^connection-proving · test case 3 of 9 · CP-03 The matched pension [^·]*… · elapsed 0:01:15 · budget left 2:58:45 · 1 passed, 1 failed$/);
  assert.ok(renderProgress(s, T0, 30).length <= 30);
});

test('elapsed and budget read in hours, minutes and seconds', () => {
  assert.is(clock(3 * 3600_000 + 61_000), '3:01:01');
  assert.is(clock(-5), '0:00:00');
});

test('the live display: progress lines scroll above a status line redrawn in place, cleared at the end', () => {
  let screen = '';
  let now = T0;
  const live = new LiveProgress({ write: (t: string) => (screen += t), columns: 200 }, DEFAULT_BUDGET_MS, () => now);
  for (const e of start.slice(0, 3)) live.onEvent(e);
  now = T0 + 10_000;
  live.log('    find f (CP01, valid) → 202 in 12 ms');
  live.onEvent({ type: 'run-end', results: {} as RunResults, exitCode: 0, time: at(20) });
  live.stop();
  // What a terminal shows: each \r\x1b[2K erases the status line before a log line or a redraw.
  const lines = screen.split('\n');
  assert.is(lines[0].split('\r\x1b[2K').at(-1), '    find f (CP01, valid) → 202 in 12 ms');
  assert.match(screen, /connection-proving · test case 1 of 9 · CP-01 A valid find request is acknowledged with 202 · elapsed 0:00:10/);
  assert.ok(screen.endsWith('\r\x1b[2K'), 'the status line is erased when the run ends');
});

test('on a terminal a long wait shows in the status line, in place, and goes when it ends', () => {
  let screen = '';
  const live = new LiveProgress({ write: (t: string) => (screen += t), columns: 300 }, DEFAULT_BUDGET_MS, () => T0 + 30_000);
  for (const e of start) live.onEvent(e);
  const what = "CP01's registration";
  live.onWait({ what, elapsedMs: 20_300, limitMs: 60_000 }, what);
  const redraws = () => screen.split('\r\x1b[2K');
  assert.match(redraws().at(-1)!, /CP-03 The matched pension is registered as a PeI within the window · waiting for CP01's registration: 20 s of 60 s · elapsed 0:00:30/);
  assert.not.match(screen, /\n/, 'no new line: the status line is redrawn in place');
  live.onWait({ what, elapsedMs: 21_300, limitMs: 60_000 }, what);
  assert.match(redraws().at(-1)!, /waiting for CP01's registration: 21 s of 60 s/);
  // Another wait ending leaves this one shown; its own end removes it.
  live.onWait(undefined, 'something else');
  assert.match(redraws().at(-1)!, /waiting for CP01's registration/);
  live.onWait(undefined, what);
  assert.not.match(redraws().at(-1)!, /waiting for/);
  live.stop();
});

test('while a prompt reads the terminal the status line keeps still, and comes back after', () => {
  let screen = '';
  const input = new EventEmitter();
  const live = new LiveProgress({ write: (t: string) => (screen += t), columns: 200 }, DEFAULT_BUDGET_MS, () => T0, input);
  live.onEvent(start[0]);
  input.emit('resume'); // readline asks its question
  const before = screen;
  for (const e of start.slice(1)) live.onEvent(e);
  assert.is(screen, before, 'nothing drawn over the question');
  input.emit('pause'); // answered
  assert.match(screen.slice(before.length), /^connection-proving · test case 3 of 9 · CP-03/);
  live.stop();
});

test.run();
