// Run results as JSON (the machine-readable record every other report is made from), and the
// summary table printed at the end of a run.
import fs from 'node:fs';
import path from 'node:path';
import type { TestCaseResult } from '../scenarios/types.js';
import { decisionLine, decisionOf, exchangeLabel } from '../scenarios/decision.js';
import type { WindowSummary } from '../rehearsal/window.js';
import type { ProfileRecord } from '../http/spec-profile.js';
import type { SoakFigures } from './soak-model.js';

export type RunStatus = 'complete' | 'paused' | 'aborted' | 'interrupted';

/** A request the run's simulator accepted although it broke one of cda-sim's own rules (--strict=false). */
export interface OwnRuleWarningRecord {
  time: string;
  role: string;
  method: string;
  path: string;
  requestId?: string;
  status: number;
  code: string;
  field?: string;
  detail: string;
}

/** What a whole run comes to: every report's headline, `cda-sim runs` and the console say this. */
export type RunVerdict = 'PASSED' | 'FAILED' | 'PAUSED' | 'INCOMPLETE' | 'INTERRUPTED';

export interface RunResults {
  run: {
    id: string;
    cdaSimVersion: string;
    /** The spec profile's one-line label (the built-in 'pdp-v2.0-reconstructed…' or the user's files). */
    profile: string;
    /** With --spec-dir: the user's files (title, version, sha256), what was taken from them and what was not honoured. */
    spec?: ProfileRecord;
    provider: string;
    configDigest: string;
    startedAt: string;
    finishedAt: string;
    scenarios: string[];
    /**
     * 'paused': stopped after Stage 1, waiting for the update file to be applied (`cda-sim stage2`
     * resumes it); 'aborted': the environment failed (the provider unreachable, TLS) before every
     * test case asked for was played; 'interrupted': stopped by the user (Ctrl+C). Each way the cases
     * not played are listed as not-run.
     */
    status?: RunStatus;
    /** Why the run stopped before playing everything it was asked to play (paused or aborted). */
    stopReason?: string;
    /** Phases the run was not asked to play (`--stage1-only`): no test case of the run, but said in every report. */
    notAskedFor?: string[];
    /** The expected-failures list the run is judged with (`--expected-failures`). */
    expectedFailures?: { file: string; ids: string[] };
    /** The integration window: each phase's elapsed time against the budget. */
    window?: WindowSummary;
    /** False when the run's simulator accepted requests breaking only cda-sim's own rules (--strict=false). */
    strict?: boolean;
    /** With strict false: every own-rule violation accepted, with its exchange. */
    ownRuleWarnings?: OwnRuleWarningRecord[];
  };
  summary: { total: number; passed: number; failed: number; errors: number; notRun: number; notApplicable: number };
  testCases: TestCaseResult[];
  /** A soak's measurements (`cda-sim soak`); its test cases are the thresholds judged against them. */
  soak?: SoakFigures;
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

/**
 * The run's verdict. A paused run is PAUSED, one stopped by Ctrl+C INTERRUPTED, and one that stopped or left cases unplayed INCOMPLETE,
 * whatever passed so far; otherwise PASSED when something was played and every case passed, is not
 * applicable, or is a listed expected failure, and no listed case passed (the list must stay honest).
 */
export function runVerdict(run: Pick<RunResults['run'], 'status' | 'expectedFailures'>, testCases: Pick<TestCaseResult, 'id' | 'verdict'>[]): RunVerdict {
  if (run.status === 'paused') return 'PAUSED';
  if (run.status === 'interrupted') return 'INTERRUPTED';
  if (run.status === 'aborted' || testCases.some((t) => t.verdict === 'not-run')) return 'INCOMPLETE';
  const listed = new Set(run.expectedFailures?.ids ?? []);
  const played = testCases.filter((t) => t.verdict !== 'not-applicable');
  const ok = (t: Pick<TestCaseResult, 'id' | 'verdict'>) => (t.verdict === 'pass' ? !listed.has(t.id) : listed.has(t.id));
  return played.length > 0 && played.every(ok) ? 'PASSED' : 'FAILED';
}

/** Whether a played case failed in a way that fails the run: not passed, and not a listed expected failure. */
export function failsTheRun(run: Pick<RunResults['run'], 'expectedFailures'>, t: Pick<TestCaseResult, 'id' | 'verdict'>): boolean {
  const listed = new Set(run.expectedFailures?.ids ?? []);
  return t.verdict === 'pass' ? listed.has(t.id) : (t.verdict === 'fail' || t.verdict === 'error') && !listed.has(t.id);
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
  const rows = results.testCases.map((t) => [t.id, t.title, verdictLabel(t.verdict), decisionLine(t)]);
  const idW = Math.max(4, ...rows.map((r) => r[0].length));
  const titleW = Math.min(48, Math.max(5, ...rows.map((r) => r[1].length)));
  const reasonW = Math.max(30, width - idW - titleW - 6 - 6);
  const verdictW = Math.max(5, ...rows.map((r) => r[2].length));
  const line = (r: string[]) => `${r[0].padEnd(idW)}  ${clip(r[1], titleW).padEnd(titleW)}  ${r[2].padEnd(verdictW)}  ${clip(r[3], reasonW)}`;
  return [
    line(['test', 'title', 'verdict', 'reason']),
    line(['-'.repeat(idW), '-'.repeat(titleW), '-'.repeat(verdictW), '-'.repeat(Math.min(reasonW, 40))]),
    ...rows.map(line),
    ...failureBlocks(results),
    '',
    `${runVerdict(results.run, results.testCases)}: ${outcomeLine(results.summary)}${warningsSuffix(results.run)}`,
    ...runNotes(results.run),
  ].join('\n');
}

/** Under the table, each failure whole: the deciding reason, the exchange that broke the rule, the rule. */
function failureBlocks(results: RunResults): string[] {
  const failed = results.testCases.filter((t) => t.verdict === 'fail' || t.verdict === 'error');
  if (!failed.length) return [];
  return [
    '',
    'What decided each failure:',
    ...failed.flatMap((t) => {
      const d = decisionOf(t);
      return [
        `${t.id} ${verdictLabel(t.verdict)}: ${d.reason}`,
        ...(d.exchange ? [`    exchange: ${exchangeLabel(d.exchange)} (${d.exchange.time})`] : []),
        `    rule: ${t.rule}`,
      ];
    }),
  ];
}

/** A verdict as reports print it: PASS, FAIL, ERROR, NOT RUN, NOT APPLICABLE. */
export function verdictLabel(v: string): string {
  return v.replace(/-/g, ' ').toUpperCase();
}

/** The one-line count every report leads with. */
export function outcomeLine(s: RunResults['summary']): string {
  if (s.total === 0) return 'No test case ran: the run proves nothing.';
  const more = [
    ...(s.errors ? [`${s.errors} could not run`] : []),
    ...(s.notRun ? [`${s.notRun} not run`] : []),
    ...(s.notApplicable ? [`${s.notApplicable} not applicable`] : []),
  ];
  return `${s.passed} passed, ${s.failed + s.errors} failed (${s.total} test case${s.total === 1 ? '' : 's'}${more.map((m) => `, ${m}`).join('')})`;
}

/** After the verdict line's counts: how many own-rule warnings a non-strict run recorded. */
export function warningsSuffix(run: Pick<RunResults['run'], 'strict' | 'ownRuleWarnings'>): string {
  const n = run.ownRuleWarnings?.length ?? 0;
  return run.strict === false && n ? `; ${n} own-rule warning${n === 1 ? '' : 's'} (--strict=false)` : '';
}

/** Warnings listed one a line under the headline; the rest are in results.json. */
const WARNINGS_LISTED = 20;

/** A non-strict run: what that means, and each request accepted with a warning. */
function strictnessNotes(run: Pick<RunResults['run'], 'strict' | 'ownRuleWarnings'>): string[] {
  if (run.strict !== false) return [];
  const w = run.ownRuleWarnings ?? [];
  if (!w.length) return ["Strictness off (--strict=false): cda-sim's own rules were warnings, not errors; no request broke one."];
  return [
    `Strictness off (--strict=false): ${w.length} violation(s) of cda-sim's own rules were accepted as warnings; with --strict they are refused, and PDP may answer them either way:`,
    ...w.slice(0, WARNINGS_LISTED).map((x) => `WARNING ${x.method} ${x.path}${x.requestId ? ` (X-Request-ID ${x.requestId})` : ''} answered ${x.status}: ${x.field ? `${x.field}: ` : ''}${x.detail}`),
    ...(w.length > WARNINGS_LISTED ? [`… and ${w.length - WARNINGS_LISTED} more in results.json (run.ownRuleWarnings)`] : []),
  ];
}

/** What a report says under its headline: why the run stopped, what it was not asked to play, the expected failures, own-rule warnings. */
export function runNotes(run: Pick<RunResults['run'], 'stopReason' | 'notAskedFor' | 'expectedFailures' | 'strict' | 'ownRuleWarnings'>): string[] {
  return [
    ...(run.stopReason ? [run.stopReason] : []),
    ...(run.notAskedFor?.length ? [`Not asked for: ${run.notAskedFor.join(', ')} (--stage1-only); those test cases are not part of this run.`] : []),
    ...(run.expectedFailures?.ids.length ? [`Expected failures (${run.expectedFailures.file}): ${run.expectedFailures.ids.join(', ')}`] : []),
    ...strictnessNotes(run),
  ];
}
