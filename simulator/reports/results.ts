// Run results as JSON (the machine-readable record every other report is made from), and the
// summary table printed at the end of a run.
import fs from 'node:fs';
import path from 'node:path';
import type { TestCaseResult } from '../scenarios/types.js';
import type { WindowSummary } from '../rehearsal/window.js';

export interface RunResults {
  run: {
    id: string;
    cdaSimVersion: string;
    profile: string;
    provider: string;
    configDigest: string;
    startedAt: string;
    finishedAt: string;
    scenarios: string[];
    /** 'paused' when the run stopped after Stage 1, waiting for the update file to be applied. */
    status?: 'complete' | 'paused';
    /** The integration window: each phase's elapsed time against the budget. */
    window?: WindowSummary;
  };
  summary: { total: number; passed: number; failed: number; errors: number; notRun: number; notApplicable: number };
  testCases: TestCaseResult[];
}

/** A run's results: its metadata, the test cases, and the summary counted from them. */
export function runResults(run: RunResults['run'], testCases: TestCaseResult[]): RunResults {
  return { run, summary: summarise(testCases), testCases };
}

/**
 * A run passes when it played at least one test case and every one it was asked to play was played
 * and passed (a case the provider's config marks not applicable is neither): a run of nothing, or a
 * run that stopped before it played everything, is never a pass.
 */
export function runPassed(s: RunResults['summary']): boolean {
  return s.passed > 0 && s.passed + s.notApplicable === s.total;
}

export function summarise(testCases: TestCaseResult[]): RunResults['summary'] {
  return {
    total: testCases.length,
    passed: testCases.filter((t) => t.verdict === 'pass').length,
    failed: testCases.filter((t) => t.verdict === 'fail').length,
    errors: testCases.filter((t) => t.verdict === 'error').length,
    notRun: testCases.filter((t) => t.verdict === 'not-run').length,
    notApplicable: testCases.filter((t) => t.verdict === 'not-applicable').length,
  };
}

export function writeResults(dir: string, results: RunResults): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'results.json');
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return file;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** A plain-text table: test id, title, verdict, reason. */
export function summaryTable(results: RunResults, width = 120): string {
  const rows = results.testCases.map((t) => [t.id, t.title, t.verdict.toUpperCase(), t.verdict === 'pass' ? (t.reasons[0] ?? '') : t.reasons.join(' | ')]);
  const idW = Math.max(4, ...rows.map((r) => r[0].length));
  const titleW = Math.min(48, Math.max(5, ...rows.map((r) => r[1].length)));
  const reasonW = Math.max(30, width - idW - titleW - 6 - 6);
  const line = (r: string[]) => `${r[0].padEnd(idW)}  ${clip(r[1], titleW).padEnd(titleW)}  ${r[2].padEnd(5)}  ${clip(r[3], reasonW)}`;
  const s = results.summary;
  return [
    line(['test', 'title', 'verdict', 'reason']),
    line(['-'.repeat(idW), '-'.repeat(titleW), '-----', '-'.repeat(Math.min(reasonW, 40))]),
    ...rows.map(line),
    '',
    `${s.passed} passed, ${s.failed + s.errors} failed (${s.total} test cases${s.errors ? `, ${s.errors} could not run` : ''})`,
  ].join('\n');
}
