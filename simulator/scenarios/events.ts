// Lifecycle events of a run, as values (MSW's lifecycle events are the model): the seam for
// anything that follows a run live — the terminal progress display, the web console, a journal of
// the run — without the engine knowing who listens.
import type { RunResults } from './run-results.js';
import type { TestCaseResult } from './types.js';

export type RunEvent =
  | { type: 'run-start'; runId: string; runDir: string; scenarios: string[]; testCases: number; budgetMs?: number; time: string }
  | { type: 'phase-start'; phase: string; title: string; testCases: number; time: string }
  | { type: 'phase-end'; phase: string; elapsedMs: number; time: string }
  | { type: 'test-start'; id: string; title: string; scenario: string; phase: string; index: number; total: number; time: string }
  | { type: 'test-end'; result: TestCaseResult; index: number; total: number; time: string }
  | { type: 'run-end'; results: RunResults; exitCode: number; time: string };

export type RunEventListener = (e: RunEvent) => void;

/** Fan an event out to listeners; a listener that throws must not break the run. */
export function emitter(listeners: (RunEventListener | undefined)[]): RunEventListener {
  const live = listeners.filter((l): l is RunEventListener => !!l);
  return (e) => {
    for (const l of live) {
      try {
        l(e);
      } catch {
        // A display or console failing is not a test failure; the run goes on.
      }
    }
  };
}
