// What every evidence report (JUnit, HTML, PDF) is drawn from: the run results made safe to print.
// Results files are read back from disk and later phases add test cases, so nothing here trusts the
// shape of its input: a missing field becomes an empty one, never an exception in a report writer.
import { outcomeLine, runNotes, runVerdict, verdictLabel, warningsSuffix } from './results.js';
import type { OwnRuleWarningRecord, RunResults, RunVerdict } from '../scenarios/run-results.js';

export { outcomeLine };
import type { ExchangeSummary, Verdict } from '../scenarios/types.js';
import { decisionLine, sameExchange } from '../scenarios/decision.js';

export interface ReportExchange {
  time: string;
  direction: string;
  role: string;
  method: string;
  path: string;
  /** Empty when the exchange has no status (no answer). */
  status: string;
  durationMs: number | undefined;
  requestId: string;
  /** The exchange that decided a failure (the one that broke the rule): reports mark it. */
  decisive: boolean;
}

export interface ReportDecision {
  check: string;
  reason: string;
  exchange?: ReportExchange;
  /** The reason and its exchange in one line, as the summary table prints it. */
  line: string;
}

export interface ReportCase {
  id: string;
  title: string;
  rule: string;
  reference: string;
  scenario: string;
  /** The phase as every people's report names it (Integration Stage 1). */
  phase: string;
  /** The phase as the results record it (stage1): JUnit keeps it, as CI history is keyed on it. */
  phaseId: string;
  verdict: Verdict;
  /** Set when the results carried a verdict this version does not know (reported as an error). */
  unknownVerdict?: string;
  /** On the run's expected-failures list: 'failure' when it failed as expected, 'now-passing' when it passed. */
  expected?: 'failure' | 'now-passing';
  reasons: string[];
  /** The reason that decided the verdict. */
  decision: ReportDecision;
  exchanges: ReportExchange[];
  startedAt: string;
  durationMs: number | undefined;
}

export interface ReportPhase {
  name: string;
  /** The recorded phase id (JUnit's suite name). */
  id: string;
  cases: ReportCase[];
  summary: RunResults['summary'];
  /** Response times (ms) of cda-sim's own calls to the provider (find and view) in this phase. */
  providerTimes: number[];
}

export interface ReportWindow {
  budgetMs: number | undefined;
  elapsedMs: number | undefined;
  overBudget: boolean;
  phases: { name: string; startedAt: string; finishedAt: string; elapsedMs: number | undefined; skipped?: string }[];
}

export interface ReportModel {
  /** The run metadata of RunResults, plus the wall-clock run time in seconds when both ends parse. */
  run: Omit<RunResults['run'], 'window' | 'spec'> & {
    durationS: number | undefined;
    window: ReportWindow | undefined;
    /** With --spec-dir: one line per file (title, version, sha256), and one per thing not honoured. */
    specFiles: string[];
    specNotHonoured: string[];
  };
  summary: RunResults['summary'];
  phases: ReportPhase[];
}

export function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return String(v);
  }
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function exchange(v: unknown): ReportExchange {
  const e = obj(v);
  const status = num(e.status);
  return {
    time: str(e.time),
    direction: str(e.direction),
    role: str(e.role),
    method: str(e.method),
    path: str(e.path),
    status: status === undefined ? '' : String(status),
    durationMs: num(e.durationMs),
    requestId: str(e.requestId),
    decisive: false,
  };
}

/** The recorded decision (or, for results of older versions, the first reason), its exchange marked among the case's. */
function decisionFrom(t: Record<string, unknown>, verdict: ReportCase['verdict'], reasons: string[], exchanges: ReportExchange[]): ReportDecision {
  const d = obj(t.decision);
  const reason = str(d.reason) || reasons[0] || '';
  const recorded = d.exchange === undefined ? undefined : exchange(d.exchange);
  const judged = { verdict, reasons, decision: { check: str(d.check), reason, ...(recorded ? { exchange: recorded } : {}) } };
  const failed = verdict === 'fail' || verdict === 'error';
  if (recorded && failed) for (const e of exchanges) if (sameExchange(e, recorded)) e.decisive = true;
  return { check: str(d.check), reason, ...(recorded ? { exchange: { ...recorded, decisive: failed } } : {}), line: decisionLine(judged) };
}

function testCase(v: unknown, index: number): ReportCase {
  const t = obj(v);
  const raw = str(t.verdict);
  const known = raw === 'pass' || raw === 'fail' || raw === 'error' || raw === 'not-run' || raw === 'not-applicable';
  const verdict: ReportCase['verdict'] = known ? raw : 'error';
  const reasons = [...(known ? [] : [`the results carry the verdict "${raw || '(none)'}", which this version of cda-sim does not know`]), ...arr(t.reasons).map(str)];
  const exchanges = arr(t.exchanges).map(exchange);
  return {
    id: str(t.id) || `#${index + 1}`,
    title: str(t.title),
    rule: str(t.rule),
    reference: str(t.reference),
    scenario: str(t.scenario),
    phase: phaseName(str(t.phase)) || 'unspecified phase',
    phaseId: str(t.phase) || 'unspecified phase',
    verdict,
    ...(known ? {} : { unknownVerdict: raw || '(none)' }),
    reasons,
    decision: decisionFrom(t, verdict, reasons, exchanges),
    exchanges,
    startedAt: str(t.startedAt),
    durationMs: num(t.durationMs),
  };
}

/**
 * One name per phase in every section of every report: scenario phase ids (stage1) and the window's
 * phase titles (Integration Stage 1) both read as the window calls them.
 */
const PHASE_NAMES: Record<string, string> = {
  'clear-down': 'Clear-down',
  'connection-proving': 'Connection proving',
  stage1: 'Integration Stage 1',
  'update file': 'Update file',
  'update file (resumed)': 'Update file (resumed)',
  stage2: 'Integration Stage 2',
  reporting: 'Reporting',
  'system-test': 'System test',
  oat: 'Operational acceptance',
};

export function phaseName(raw: string): string {
  if (PHASE_NAMES[raw]) return PHASE_NAMES[raw];
  // Scenario titles with a subtitle ("System test: the C&A's error scenarios…") keep the title.
  const head = raw.split(':')[0].trim();
  return Object.values(PHASE_NAMES).find((n) => n === head) ?? raw;
}

function count(cases: ReportCase[]): ReportPhase['summary'] {
  return {
    total: cases.length,
    passed: cases.filter((c) => c.verdict === 'pass').length,
    failed: cases.filter((c) => c.verdict === 'fail').length,
    errors: cases.filter((c) => c.verdict === 'error').length,
    notRun: cases.filter((c) => c.verdict === 'not-run').length,
    notApplicable: cases.filter((c) => c.verdict === 'not-applicable').length,
  };
}

/**
 * A call cda-sim made to the provider (the PFS's find, the dashboard's view). Calls to cda-sim's own
 * /token are the C&A's response times, not the provider's, so they are left out.
 */
export function isProviderCall(e: Pick<ExchangeSummary, 'direction' | 'role' | 'path'> | ReportExchange): boolean {
  const p = str(e.path).split('?')[0];
  return e.direction === 'out' && (e.role === 'pfs' || e.role === 'dashboard') && !/\/token$/.test(p);
}

/** Several test cases cite the same exchange; each call counts once in a phase's response times. */
function providerTimes(cases: ReportCase[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  for (const c of cases) {
    for (const e of c.exchanges) {
      if (!isProviderCall(e) || e.durationMs === undefined) continue;
      const key = e.requestId ? `id:${e.requestId}` : `${e.time} ${e.method} ${e.path} ${e.status}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(e.durationMs);
    }
  }
  return out;
}

/**
 * A view slower than this is REPORTABLE on /view-response/response-time (PDP's reporting standard):
 * the charts draw a maximum red only past it; a slower-than-median call below it is harmless.
 */
export const SLOW_VIEW_MS = 10_000;

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Milliseconds as people read them: 0.8, 12.3, 1,204. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms >= 100 ? Math.round(ms).toLocaleString('en-GB') : String(Math.round(ms * 10) / 10);
}

/** The integration window's phase times, when the run recorded them. */
function windowOf(v: unknown): ReportWindow | undefined {
  if (v === undefined || v === null) return undefined;
  const w = obj(v);
  return {
    budgetMs: num(w.budgetMs),
    elapsedMs: num(w.elapsedMs),
    overBudget: w.overBudget === true,
    phases: arr(w.phases).map((p) => {
      const o = obj(p);
      return { name: phaseName(str(o.name)), startedAt: str(o.startedAt), finishedAt: str(o.finishedAt), elapsedMs: num(o.elapsedMs), ...(o.skipped !== undefined ? { skipped: str(o.skipped) } : {}) };
    }),
  };
}

/** A duration as h:mm:ss. */
export function fmtHms(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** One line on the window: used against the budget. */
export function windowLine(w: ReportWindow): string {
  return `${fmtHms(w.elapsedMs)} of the ${fmtHms(w.budgetMs)} window${w.overBudget ? ' - OVER BUDGET' : ''}`;
}

export function toModel(results: RunResults | unknown): ReportModel {
  const r = obj(results);
  const run = obj(r.run);
  const listed = obj(run.expectedFailures);
  const expectedFailures = Array.isArray(listed.ids) ? { file: str(listed.file), ids: arr(listed.ids).map(str) } : undefined;
  const cases = arr(r.testCases).map(testCase).map((c) => markExpected(c, new Set(expectedFailures?.ids ?? [])));
  // Phases in the order they first appear: the order the run played them.
  const byPhase = new Map<string, ReportCase[]>();
  for (const c of cases) {
    const list = byPhase.get(c.phase) ?? [];
    list.push(c);
    byPhase.set(c.phase, list);
  }
  const started = Date.parse(str(run.startedAt));
  const finished = Date.parse(str(run.finishedAt));
  return {
    run: {
      id: str(run.id),
      cdaSimVersion: str(run.cdaSimVersion),
      profile: str(run.profile),
      ...specLines(run.spec),
      provider: str(run.provider),
      configDigest: str(run.configDigest),
      startedAt: str(run.startedAt),
      finishedAt: str(run.finishedAt),
      scenarios: arr(run.scenarios).map(str),
      durationS: Number.isFinite(started) && Number.isFinite(finished) ? (finished - started) / 1000 : undefined,
      ...(str(run.status) ? { status: str(run.status) as RunResults['run']['status'] } : {}),
      ...(str(run.stopReason) ? { stopReason: str(run.stopReason) } : {}),
      ...(arr(run.notAskedFor).length ? { notAskedFor: arr(run.notAskedFor).map(str) } : {}),
      ...(expectedFailures ? { expectedFailures } : {}),
      ...(run.strict === false ? { strict: false, ownRuleWarnings: arr(run.ownRuleWarnings).map(ownRuleWarning) } : {}),
      window: windowOf(run.window),
    },
    // Counted from the test cases themselves, so a report never disagrees with its own rows.
    summary: count(cases),
    phases: [...byPhase].map(([name, list]) => ({ name, id: list[0].phaseId, cases: list, summary: count(list), providerTimes: providerTimes(list) })),
  };
}

/** A recorded spec profile as report lines (read defensively: results.json may come from elsewhere). */
function specLines(spec: unknown): { specFiles: string[]; specNotHonoured: string[] } {
  const s = obj(spec);
  return {
    specFiles: arr(s.files).map((f) => {
      const o = obj(f);
      return `${str(o.file)}: ${str(o.title) || '(no title)'}${str(o.version) ? `, version ${str(o.version)}` : ''}, sha256 ${str(o.sha256)}`;
    }),
    specNotHonoured: arr(s.notHonoured).map((n) => {
      const o = obj(n);
      return `${str(o.file)}: ${str(o.where)}: ${str(o.reason)}`;
    }),
  };
}

function ownRuleWarning(v: unknown): OwnRuleWarningRecord {
  const w = obj(v);
  return { time: str(w.time), role: str(w.role), method: str(w.method), path: str(w.path), requestId: str(w.requestId), status: num(w.status) ?? 0, code: str(w.code), field: str(w.field), detail: str(w.detail) };
}

function markExpected(c: ReportCase, listed: Set<string>): ReportCase {
  if (!listed.has(c.id)) return c;
  if (c.verdict === 'pass') return { ...c, expected: 'now-passing' };
  return c.verdict === 'fail' || c.verdict === 'error' ? { ...c, expected: 'failure' } : c;
}

/** Every report's headline: the run's verdict and its counts, then what the reader must know (why it stopped…). */
export function headline(m: ReportModel): { verdict: RunVerdict; line: string; notes: string[] } {
  const cases = m.phases.flatMap((p) => p.cases);
  const verdict = runVerdict(m.run, cases);
  const expected = cases.filter((c) => c.expected === 'failure').length;
  return { verdict, line: `${verdict}: ${outcomeLine(m.summary)}${expected ? `; ${expected} of the failures expected` : ''}${warningsSuffix(m.run)}`, notes: runNotes(m.run) };
}

/** The run's strictness, as the reports' run table says it. */
export function strictnessLabel(run: Pick<ReportModel['run'], 'strict'>): string {
  return run.strict === false ? "off (--strict=false): cda-sim's own rules were warnings, not errors" : "strict: cda-sim's own rules are errors (README \"Strictness\")";
}

/** A case's verdict as a report prints it (NOT RUN, FAIL (EXPECTED)…). */
export function verdictWord(c: ReportCase): string {
  return `${verdictLabel(c.verdict)}${c.expected === 'failure' ? ' (EXPECTED)' : c.expected === 'now-passing' ? ' (LISTED AS EXPECTED FAILURE)' : ''}`;
}

/** The heading over a case's reasons. */
export function reasonsHeading(c: ReportCase): string {
  const headings: Record<ReportCase['verdict'], string> = { pass: 'What passed', fail: 'Why it failed', error: 'Why it could not run', 'not-run': 'Why it was not run', 'not-applicable': 'Why it does not apply' };
  return headings[c.verdict];
}
