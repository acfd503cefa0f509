// The daily reporting pipeline, as PDP runs it in reporting integration testing: take only the
// submissions received on one UTC day, check every endpoint got at least one valid submission,
// check each is internally consistent, and, where cda-sim itself sent the view traffic that day,
// cross-check the counts. One REP-* test case per endpoint, plus one on submission timing.
// (reporting-api.md §10–12; the day boundary and the deadline are settings, as the reference marks them unknown.)
import { decodeUnverified } from '../crypto/jose.js';
import type { JournalEntry } from '../store/journal.js';
import type { ExchangeSummary, TestCaseResult } from './types.js';
import { validateSubmission } from '../reporting/rules.js';
import { receivedOnUtcDay, type StoredSubmission } from '../reporting/submissions.js';
import type { ReportingEndpoint } from '../wire/reporting-api.js';

export interface PipelineOptions {
  /** The UTC day, YYYY-MM-DD. */
  day: string;
  /** Every stored submission; the pipeline keeps only those received on `day`. */
  submissions: StoredSubmission[];
  /** The journal, for cross-checks against the view traffic cda-sim sent that day. */
  journal?: JournalEntry[];
  /** Which holdername an asset GUID belongs to (for the cross-checks). */
  holdernameOfAsset?: (assetGuid: string) => string | undefined;
  /** Holdername GUIDs that must each be reported on (request-number, unavailable, …). */
  holdernameGuids?: string[];
  /** A submission for period P is late after P + 1 day + this many hours (unknown publicly; default 24). */
  lateAfterHours?: number;
  /** False when the run accepted submissions breaking only cda-sim's own rules (--strict=false). */
  strict?: boolean;
}

const SLOW_MS = 10_000;
const DAY_MS = 86_400_000;

interface Case {
  id: string;
  title: string;
  rule: string;
  reference: string;
  endpoint?: ReportingEndpoint;
}

const CASES: Case[] = [
  { id: 'REP-01', endpoint: 'service-availability/find', title: 'Find service availability reported', rule: 'At least one valid submission to /service-availability/find on the day (a null submission naming the holdernames when there was no downtime); every period inside the reporting day, ending after it starts', reference: 'PDP reporting API v2.1 (reporting-api-v2_1.yaml, published in github.com/moneyadviceservice/pdp-test-harness, specs/V1.1/), POST /service-availability/find; PDP reporting standards, https://www.pensionsdashboardsprogramme.org.uk/standards/reporting-standards-draft (null submissions, reporting periods)' },
  { id: 'REP-02', endpoint: 'service-availability/view', title: 'View service availability reported', rule: 'At least one valid submission to /service-availability/view on the day; every period inside the reporting day, ending after it starts', reference: 'PDP reporting API v2.1 (reporting-api-v2_1.yaml, published in github.com/moneyadviceservice/pdp-test-harness, specs/V1.1/), POST /service-availability/view; PDP reporting standards, https://www.pensionsdashboardsprogramme.org.uk/standards/reporting-standards-draft (null submissions, reporting periods)' },
  { id: 'REP-03', endpoint: 'view-response/request-number', title: 'Number of view requests reported', rule: 'A valid request-number submission for every holdername; req_count equals the view requests cda-sim sent that day, with or without those answered 404 for PeIs deleted in Stage 2 (the counting basis is inferred: either reading passes)', reference: 'PDP reporting API v2.1 (reporting-api-v2_1.yaml, published in github.com/moneyadviceservice/pdp-test-harness, specs/V1.1/), POST /view-response/request-number; PDP reporting standards, https://www.pensionsdashboardsprogramme.org.uk/standards/reporting-standards-draft' },
  { id: 'REP-04', endpoint: 'view-response/response-time', title: 'Slow view responses reported', rule: 'A valid response-time submission for every holdername; every item really over 10 s and inside the day; every view cda-sim saw take over 10 s is reported', reference: 'PDP reporting API v2.1 (reporting-api-v2_1.yaml, published in github.com/moneyadviceservice/pdp-test-harness, specs/V1.1/), POST /view-response/response-time; PDP reporting standards, https://www.pensionsdashboardsprogramme.org.uk/standards/reporting-standards-draft' },
  { id: 'REP-05', endpoint: 'view-response/calculations', title: 'Calculations reported', rule: 'A valid calculations submission for every holdername; every calculation ends after it starts', reference: 'PDP reporting API v2.1 (reporting-api-v2_1.yaml, published in github.com/moneyadviceservice/pdp-test-harness, specs/V1.1/), POST /view-response/calculations' },
  { id: 'REP-06', endpoint: 'view-response/unavailable', title: 'Unavailable and contact indicators reported', rule: 'A valid unavailable submission for every holdername; its counters cover at least the flags in the view data cda-sim received that day', reference: 'PDP reporting API v2.1 (reporting-api-v2_1.yaml, published in github.com/moneyadviceservice/pdp-test-harness, specs/V1.1/), POST /view-response/unavailable; PDP reporting standards, https://www.pensionsdashboardsprogramme.org.uk/standards/reporting-standards-draft; PDP data standards, https://www.pensionsdashboardsprogramme.org.uk/standards/data-standards (contactScheme, administrativeDetailsNotAvailable, temporarySystemError)' },
  { id: 'REP-07', title: 'Submission status matches timing', rule: 'reporting_period_start is a UTC midnight; "on time" only before the deadline, "late" only after it; "correction" only with a resubmission or null submission', reference: 'PDP reporting standards, https://www.pensionsdashboardsprogramme.org.uk/standards/reporting-standards-draft (reporting periods and submission status)' },
];

/** The reporting test cases the pipeline judges, for a run that lists them before (or without) judging them. */
export function reportingTestCases(): { id: string; title: string; rule: string; reference: string }[] {
  return CASES.map(({ id, title, rule, reference }) => ({ id, title, rule, reference }));
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const summary = (s: StoredSubmission): ExchangeSummary => ({ time: s.receivedAt, direction: 'in', role: 'reporting', method: 'POST', path: `/${s.endpoint}`, status: 202, durationMs: 0, requestId: s.requestId });

function within(ts: unknown, start: number): boolean {
  const t = Date.parse(String(ts));
  return Number.isFinite(t) && t >= start && t < start + DAY_MS;
}

/** The latest valid submission per holdername (resubmissions and corrections supersede earlier ones). */
function latestByHoldername(subs: StoredSubmission[]): Map<string, StoredSubmission> {
  const out = new Map<string, StoredSubmission>();
  for (const s of subs) out.set(String(s.body.holdernameGuid), s);
  return out;
}

interface ViewSeen {
  holdername: string;
  status: number;
  durationMs: number;
  viewData?: { arrangements?: Record<string, unknown>[] };
}

/** Views cda-sim (as a dashboard) made that day, with what came back. */
function viewsSeen(opts: PipelineOptions, dayStart: number): ViewSeen[] {
  const out: ViewSeen[] = [];
  for (const e of opts.journal ?? []) {
    if (e.direction !== 'out' || e.role !== 'dashboard' || e.method !== 'GET' || !within(e.time, dayStart)) continue;
    const asset = decodeURIComponent(e.path.split('/').pop() ?? '');
    const holdername = opts.holdernameOfAsset?.(asset);
    if (!holdername) continue;
    const token = (e.responseBody as { view_data_token?: string } | undefined)?.view_data_token;
    const viewData = token ? (decodeUnverified(token)?.payload.view_data as ViewSeen['viewData']) : undefined;
    out.push({ holdername, status: e.status, durationMs: e.durationMs, viewData });
  }
  return out;
}

function flagCounts(views: ViewSeen[]): Record<string, number> {
  const c: Record<string, number> = { contact_count: 0, missingadmin_count: 0, temperror_count: 0 };
  for (const v of views) {
    for (const a of v.viewData?.arrangements ?? []) {
      if (a.possibleMatch === true) continue;
      if (a.contactScheme === true) c.contact_count++;
      if (a.administrativeDetailsNotAvailable === true) c.missingadmin_count++;
      if (a.temporarySystemError === true) c.temperror_count++;
    }
  }
  return c;
}

/**
 * req_count against the view requests cda-sim sent for the holdername that day. Whether a request
 * answered 404 (the view of a PeI that Stage 2 deleted) is a "view request received" is not public
 * (reporting-api.md §11.1 marks the counting basis inferred), so both readings pass; the reason
 * says which one matched. Any other count fails: in a rehearsal cda-sim sends the day's view traffic.
 */
export function judgeRequestCount(reported: number, sent: ViewSeen[]): { ok: boolean; why: string } {
  const all = sent.length;
  const notFound = sent.filter((v) => v.status === 404).length;
  // cda-sim sent none: it knows nothing of that day's view traffic, so it has nothing to compare.
  if (all === 0) return { ok: true, why: `req_count ${reported}; cda-sim sent no view request for it that day, so the count is not cross-checked` };
  if (reported === all && notFound === 0) return { ok: true, why: `req_count ${reported} equals the view requests cda-sim sent (none answered 404)` };
  if (reported === all) return { ok: true, why: `req_count ${reported} equals the view requests cda-sim sent, counting the ${notFound} answered 404 (PeIs deleted in Stage 2): the reading that counts every request received` };
  if (reported === all - notFound) return { ok: true, why: `req_count ${reported} equals the view requests cda-sim sent without the ${notFound} answered 404 (PeIs deleted in Stage 2): the reading that counts only requests for pensions it holds` };
  const readings = notFound ? `${all} counting the ${notFound} answered 404 (PeIs deleted in Stage 2), or ${all - notFound} without them; the counting basis is inferred, so either passes` : `${all}`;
  return { ok: false, why: `req_count ${reported}, but cda-sim sent ${readings}` };
}

/** What one REP case is judged with: the day's submissions, what cda-sim saw, and where the findings go. */
interface CaseJudging {
  opts: PipelineOptions;
  /** Every submission received that day, and the valid ones to this case's endpoint. */
  todays: StoredSubmission[];
  valid: StoredSubmission[];
  views: ViewSeen[];
  holders: string[];
  lateAfterMs: number;
  reasons: string[];
  notes: string[];
}

/** The latest valid submission per holdername; a holdername with none is a reason. */
function perHolder(j: CaseJudging, what: string): Map<string, StoredSubmission> {
  const latest = latestByHoldername(j.valid);
  for (const h of j.holders) if (!latest.has(h)) j.reasons.push(`no valid ${what} submission for holdername ${h} on ${j.opts.day}`);
  return latest;
}

function judgeAvailability(j: CaseJudging): void {
  for (const s of j.valid) {
    const periodStart = Date.parse(String(s.body.reporting_period_start));
    for (const item of (s.body.items as unknown[]) ?? []) {
      if (typeof item === 'string') continue; // a null submission names the holdername only
      for (const [holder, periods] of Object.entries(item as Record<string, Record<string, unknown>[]>)) {
        for (const p of periods) {
          if (Date.parse(String(p.end_date_ts)) < Date.parse(String(p.start_date_ts))) j.reasons.push(`${holder}: an unavailability period ends (${p.end_date_ts}) before it starts (${p.start_date_ts})`);
          if (!within(p.start_date_ts, periodStart)) j.reasons.push(`${holder}: a period starting ${p.start_date_ts} lies outside the reporting day starting ${s.body.reporting_period_start}`);
        }
      }
    }
  }
  if (j.valid.length) j.notes.push(`${j.valid.length} valid submission(s) on ${j.opts.day}${j.valid.every((s) => s.body.submission_reason === 'null submission') ? ' (null: no downtime)' : ''}`);
}

function judgeRequestNumber(j: CaseJudging): void {
  const latest = perHolder(j, 'request-number');
  for (const h of j.holders) {
    if (!latest.has(h) || !j.opts.journal) continue;
    const judged = judgeRequestCount(Number(latest.get(h)!.body.req_count), j.views.filter((v) => v.holdername === h));
    (judged.ok ? j.notes : j.reasons).push(`holdername ${h}: ${judged.why}`);
  }
}

function judgeResponseTime(j: CaseJudging): void {
  const latest = perHolder(j, 'response-time');
  for (const s of j.valid) {
    for (const item of (s.body.items as Record<string, unknown>[] | undefined) ?? []) {
      const ms = Date.parse(String(item.resp_date_ts)) - Date.parse(String(item.req_date_ts));
      if (!(ms > SLOW_MS)) j.reasons.push(`an item took ${ms} ms, which is not over 10 s: only responses over 10 s are reported (${item.req_date_ts} → ${item.resp_date_ts})`);
      if (!within(item.req_date_ts, Date.parse(String(s.body.reporting_period_start)))) j.reasons.push(`an item at ${item.req_date_ts} lies outside its reporting day`);
    }
  }
  for (const h of j.holders) {
    const slow = j.views.filter((v) => v.holdername === h && v.durationMs > SLOW_MS).length;
    const reported = ((latest.get(h)?.body.items as unknown[] | undefined) ?? []).length;
    if (reported < slow) j.reasons.push(`holdername ${h}: cda-sim saw ${slow} view(s) take over 10 s, but ${reported} were reported`);
    else if (latest.has(h)) j.notes.push(`${h}: ${reported} slow view(s) reported (cda-sim saw ${slow})`);
  }
}

function judgeCalculations(j: CaseJudging): void {
  perHolder(j, 'calculations');
  for (const s of j.valid) {
    const lists = [(s.body.single_calculation as { items?: unknown[] } | undefined)?.items, ...Object.values((s.body.multiple_calculation as Record<string, { items?: unknown[] }> | undefined) ?? {}).map((x) => x.items)];
    for (const item of lists.flat().filter(Boolean) as Record<string, unknown>[]) {
      if (Date.parse(String(item.calculation_end_date)) < Date.parse(String(item.calculation_start_date))) j.reasons.push(`a ${item.value_code} calculation ends (${item.calculation_end_date}) before it starts (${item.calculation_start_date})`);
    }
  }
  if (!j.reasons.length) j.notes.push(`${j.valid.length} valid calculations submission(s)`);
}

function judgeUnavailable(j: CaseJudging): void {
  const latest = perHolder(j, 'unavailable');
  for (const h of j.holders) {
    const seen = flagCounts(j.views.filter((v) => v.holdername === h));
    const body = latest.get(h)?.body;
    if (!body) continue;
    for (const [counter, n] of Object.entries(seen)) {
      if (Number(body[counter]) < n) j.reasons.push(`holdername ${h}: ${counter} is ${body[counter]}, but the view data cda-sim received that day carried the flag ${n} time(s)`);
    }
    j.notes.push(`${h}: contact ${body.contact_count}, missing admin ${body.missingadmin_count}, temporary error ${body.temperror_count}`);
  }
}

/** REP-07: each submission's status agrees with when it arrived. */
function judgeTiming(j: CaseJudging): void {
  for (const s of j.valid) {
    const period = Date.parse(String(s.body.reporting_period_start));
    const received = Date.parse(s.receivedAt);
    const status = String(s.body.submission_status);
    const which = `${s.endpoint} (X-Request-ID ${s.requestId})`;
    if (new Date(period).toISOString().slice(11) !== '00:00:00.000Z') j.reasons.push(`${which}: reporting_period_start ${s.body.reporting_period_start} is not a UTC midnight`);
    const late = received > period + DAY_MS + j.lateAfterMs;
    if (status === 'on time' && late) j.reasons.push(`${which}: "on time" for the period starting ${s.body.reporting_period_start}, but received ${s.receivedAt}, after the deadline`);
    if (status === 'late' && !late) j.reasons.push(`${which}: "late", but received ${s.receivedAt}, before the deadline`);
    if (status === 'correction' && !['resubmission', 'null submission'].includes(String(s.body.submission_reason))) j.reasons.push(`${which}: "correction" with submission_reason "${s.body.submission_reason}"`);
  }
  if (!j.todays.length) j.reasons.push(`no submission at all was received on ${j.opts.day}`);
  else if (!j.reasons.length) j.notes.push(`${j.valid.length} submission(s): status consistent with their timing`);
}

/** What each endpoint's case checks beyond the submissions' own validity. */
const ENDPOINT_JUDGES: Partial<Record<string, (j: CaseJudging) => void>> = {
  'service-availability/find': judgeAvailability,
  'service-availability/view': judgeAvailability,
  'view-response/request-number': judgeRequestNumber,
  'view-response/response-time': judgeResponseTime,
  'view-response/calculations': judgeCalculations,
  'view-response/unavailable': judgeUnavailable,
};

type PipelineCase = (typeof CASES)[number];

function judgeCase(c: PipelineCase, opts: PipelineOptions, todays: StoredSubmission[], views: ViewSeen[], started: string): TestCaseResult {
  const reasons: string[] = [];
  const notes: string[] = [];
  const subs = c.endpoint ? todays.filter((s) => s.endpoint === c.endpoint) : todays;
  // Without --strict, breaking only cda-sim's own rules does not make a submission invalid (it was accepted with a warning).
  const broken = (s: StoredSubmission) => validateSubmission(s.endpoint, s.body).filter((v) => opts.strict !== false || !v.ownRule);
  const valid = subs.filter((s) => broken(s).length === 0);
  for (const s of subs.filter((x) => !valid.includes(x))) {
    reasons.push(`a stored ${s.endpoint} submission (X-Request-ID ${s.requestId}) breaks the rules: ${broken(s).map((v) => v.code).join(', ')}`);
  }
  if (c.endpoint && valid.length === 0) reasons.push(`no valid submission to /${c.endpoint} was received on ${opts.day} (UTC): the pipeline counts only that day's submissions`);
  const holders = opts.holdernameGuids ?? [...new Set(valid.map((s) => String(s.body.holdernameGuid)))];
  const j: CaseJudging = { opts, todays, valid, views, holders, lateAfterMs: (opts.lateAfterHours ?? 24) * 3_600_000, reasons, notes };
  (c.id === 'REP-07' ? judgeTiming : c.endpoint ? ENDPOINT_JUDGES[c.endpoint] : undefined)?.(j);

  // The submission the first violation names decided it (else the latest one judged).
  const blamed = reasons.length ? (subs.find((x) => x.requestId && reasons[0].includes(x.requestId)) ?? subs[subs.length - 1]) : undefined;
  return {
    id: c.id,
    title: c.title,
    rule: c.rule,
    reference: c.reference,
    scenario: 'reporting',
    phase: 'reporting',
    verdict: reasons.length ? 'fail' : 'pass',
    reasons: reasons.length ? reasons : notes,
    decision: { check: c.endpoint ?? 'reporting', reason: reasons[0] ?? notes[0] ?? '', ...(blamed ? { exchange: summary(blamed) } : {}) },
    exchanges: subs.map(summary),
    startedAt: started,
    durationMs: 0,
  } satisfies TestCaseResult;
}

export function runReportingPipeline(opts: PipelineOptions): TestCaseResult[] {
  const dayStart = Date.parse(`${opts.day}T00:00:00.000Z`);
  const todays = receivedOnUtcDay(opts.submissions, opts.day);
  const views = viewsSeen(opts, dayStart);
  const started = new Date().toISOString();
  return CASES.map((c) => judgeCase(c, opts, todays, views, started));
}
