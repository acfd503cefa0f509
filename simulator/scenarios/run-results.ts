// What a run comes to, as data: its metadata, the integration window's timings and every test
// case's result. A rehearsal fills it; reports/ renders it (results.json, JUnit, HTML, PDF) and
// runs/ keeps it. Here, below both, so the run's events can carry it.
import type { ProfileRecord } from '../http/spec-profile.js';
import type { TestCaseResult } from './types.js';
import type { SoakFigures } from './soak-figures.js';

export interface PhaseTiming {
  name: string;
  startedAt: string;
  finishedAt: string;
  elapsedMs: number;
  /** A phase asked for by an option (the soak) that did not play, and why: reports say NOT RUN. */
  skipped?: string;
}

export interface WindowSummary {
  budgetMs: number;
  /** The sum of the phases' times (a pause between Stage 1 and a later `cda-sim stage2` is not counted). */
  elapsedMs: number;
  overBudget: boolean;
  phases: PhaseTiming[];
}

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
