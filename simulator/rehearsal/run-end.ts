// How a run ends when it did not play everything it was asked to: the cases left unplayed, listed
// as not-run with why, and the exit code its results come to (DESIGN section 4).
import { EXIT } from '../core/exit-codes.js';
import { failsTheRun, runVerdict } from '../reports/results.js';
import type { RunResults } from '../scenarios/run-results.js';
import { reportingTestCases } from '../scenarios/reporting-pipeline.js';
import type { ScenarioFile, TestCaseResult } from '../scenarios/types.js';

/** The test cases of these scenarios (and of reporting, when the run plays it), each not-run for `reason`. */
export function notRunCases(scenarios: ScenarioFile[], withReporting: boolean, reason: string): TestCaseResult[] {
  const unplayed = (tc: { id: string; title: string; rule: string; reference: string }, scenario: string, phase: string): TestCaseResult => ({
    id: tc.id,
    title: tc.title,
    rule: tc.rule,
    reference: tc.reference,
    scenario,
    phase,
    verdict: 'not-run',
    reasons: [reason],
    exchanges: [],
    startedAt: '',
    durationMs: 0,
  });
  return [
    ...scenarios.flatMap((s) => s.testCases.map((tc) => unplayed(tc, s.id, s.phase))),
    ...(withReporting ? reportingTestCases().map((tc) => unplayed(tc, 'reporting', 'reporting')) : []),
  ];
}

/**
 * 0 passed; 1 a check failed (also in a run that then paused or stopped); 4 paused with nothing
 * failed so far; 3 the environment stopped the run; 130 Ctrl+C stopped it.
 */
export function exitCodeFor(results: RunResults): number {
  const failed = results.testCases.some((t) => failsTheRun(results.run, t));
  switch (runVerdict(results.run, results.testCases)) {
    case 'PASSED':
      return EXIT.ok;
    case 'FAILED':
      return EXIT.checkFailed;
    case 'PAUSED':
      return failed ? EXIT.checkFailed : EXIT.paused;
    case 'INTERRUPTED':
      return EXIT.interrupted;
    case 'INCOMPLETE':
      return results.run.status === 'aborted' ? EXIT.environment : EXIT.checkFailed;
  }
}

/** Said at the start of a run that will pause after Stage 1 because nobody applies the update file. */
export const WILL_PAUSE =
  'Stage 2 will not run: no --apply-updates command applies the update file (and there is no terminal to ask at), so the run pauses after Stage 1 and exits 4. Give --apply-updates "<command>" to play the whole window, or --stage1-only to ask for Stage 1 alone.';
