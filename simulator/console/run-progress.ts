// A run as the console shows it: its test cases in order, each waiting, running or judged. Built
// from the run's lifecycle events while it is under way, or from its results.json once finished,
// so a page opened in the middle of a run and one opened on a recorded run look alike.
import { runVerdict } from '../reports/results.js';
import type { RunResults, RunVerdict } from '../scenarios/run-results.js';
import type { RunEvent } from '../scenarios/events.js';
import type { ExchangeSummary, Verdict } from '../scenarios/types.js';

export interface TestCaseProgress {
  id: string;
  title: string;
  scenario: string;
  phase: string;
  state: 'running' | 'done';
  verdict?: Verdict;
  rule?: string;
  reasons?: string[];
  /** The exchanges the test case's checks judged (time, method, path…), to find them in the timeline. */
  exchanges?: ExchangeSummary[];
  durationMs?: number;
}

export interface RunProgress {
  runId: string;
  state: 'running' | 'finished';
  startedAt: string;
  /** Test cases the run will play (known at run-start; reporting cases are judged at the end). */
  planned?: number;
  testCases: TestCaseProgress[];
  summary?: RunResults['summary'];
  /** Once judged: PASSED, FAILED, PAUSED (after Stage 1) or INCOMPLETE. */
  verdict?: RunVerdict;
  exitCode?: number;
}

function fromResult(t: RunResults['testCases'][number]): TestCaseProgress {
  return { id: t.id, title: t.title, scenario: t.scenario, phase: t.phase, state: 'done', verdict: t.verdict, rule: t.rule, reasons: t.reasons, exchanges: t.exchanges, durationMs: t.durationMs };
}

export function progressFromResults(results: RunResults, exitCode?: number): RunProgress {
  return {
    runId: results.run.id,
    state: 'finished',
    startedAt: results.run.startedAt,
    planned: results.testCases.length,
    testCases: results.testCases.map(fromResult),
    summary: results.summary,
    verdict: runVerdict(results.run, results.testCases),
    ...(exitCode !== undefined ? { exitCode } : {}),
  };
}

/** Fold one event into the progress of the run it belongs to (a run-start begins a new one). */
export function applyRunEvent(progress: RunProgress | undefined, e: RunEvent): RunProgress | undefined {
  if (e.type === 'run-start') return { runId: e.runId, state: 'running', startedAt: e.time, planned: e.testCases, testCases: [] };
  if (!progress) return undefined;
  if (e.type === 'test-start') {
    progress.testCases = progress.testCases.filter((t) => t.id !== e.id);
    progress.testCases.push({ id: e.id, title: e.title, scenario: e.scenario, phase: e.phase, state: 'running' });
  } else if (e.type === 'test-end') {
    const i = progress.testCases.findIndex((t) => t.id === e.result.id);
    if (i >= 0) progress.testCases[i] = fromResult(e.result);
    else progress.testCases.push(fromResult(e.result));
  } else if (e.type === 'run-end') {
    return progressFromResults(e.results, e.exitCode);
  }
  return progress;
}
