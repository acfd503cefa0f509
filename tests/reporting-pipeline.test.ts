// The daily reporting pipeline: only the UTC day's submissions count; every endpoint needs a valid
// one; the counts are cross-checked against the view traffic cda-sim sent. Each check can fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { ManualClock } from '../simulator/core/clock.js';
import { Journal, type JournalEntry } from '../simulator/store/journal.js';
import { createReportingApp } from '../simulator/reporting/reporting-app.js';
import { SubmissionStore, type StoredSubmission } from '../simulator/reporting/submissions.js';
import { runReportingPipeline } from '../simulator/scenarios/reporting-pipeline.js';
import { listRuns } from '../simulator/runs/run-store.js';
import { tempDir } from './helpers/fixtures.js';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI } from './helpers/spawn-sim.js';

const H = 'd70f7b57-5fbc-46a9-8cf4-a97cb7cd67d3';
const DAY = '2026-03-10';

function common(reason: string, day = DAY) {
  return { record_id: randomUUID(), submission_status: 'on time', reporting_period_start: `${day}T00:00:00.000Z`, submission_id: null, submission_reason: reason };
}

/** A full, valid day of reporting for one holdername. */
function goodDay(day = DAY, reqCount = 2, extra: Partial<Record<string, Record<string, unknown>>> = {}): { endpoint: StoredSubmission['endpoint']; body: Record<string, unknown> }[] {
  const zero = { contact_count: 0, missingadmin_count: 0, temperror_count: 0, eri_unavail_ano_count: 0, eri_unavail_ppf_count: 0, eri_unavail_trn_count: 0, accrued_unavail_ano_count: 0, accrued_unavail_ppf_count: 0, accrued_unavail_trn_count: 0 };
  return [
    { endpoint: 'service-availability/find', body: { ...common('null submission', day), items: [H] } },
    { endpoint: 'service-availability/view', body: { ...common('null submission', day), items: [H] } },
    { endpoint: 'view-response/request-number', body: { ...common('initial submission', day), holdernameGuid: H, req_count: reqCount, ...extra['view-response/request-number'] } },
    { endpoint: 'view-response/response-time', body: { ...common('null submission', day), holdernameGuid: H, ...extra['view-response/response-time'] } },
    { endpoint: 'view-response/calculations', body: { ...common('null submission', day), holdernameGuid: H } },
    { endpoint: 'view-response/unavailable', body: { ...common('initial submission', day), holdernameGuid: H, ...zero, ...extra['view-response/unavailable'] } },
  ];
}

function stored(list: ReturnType<typeof goodDay>, receivedAt = `${DAY}T18:00:00.000Z`): StoredSubmission[] {
  return list.map((s, i) => ({ seq: i + 1, receivedAt, requestId: randomUUID(), ...s }));
}

function dashboardView(asset: string, durationMs: number, viewData?: unknown): JournalEntry {
  const token = viewData ? `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ view_data: viewData })).toString('base64url')}.c2ln` : undefined;
  return {
    seq: 1, time: `${DAY}T12:00:00.000Z`, direction: 'out', role: 'dashboard', method: 'GET', url: `https://p/view-data/${asset}?scope=owner`, path: `/view-data/${asset}`,
    requestHeaders: {}, status: token ? 200 : 401, responseHeaders: {}, responseBody: token ? { view_data_token: token } : undefined, durationMs,
  };
}

const verdicts = (cases: ReturnType<typeof runReportingPipeline>) => Object.fromEntries(cases.map((c) => [c.id, c.verdict]));

test('a full, valid day passes every REP test case', () => {
  const cases = runReportingPipeline({ day: DAY, submissions: stored(goodDay()), holdernameGuids: [H] });
  assert.equal(verdicts(cases), { 'REP-01': 'pass', 'REP-02': 'pass', 'REP-03': 'pass', 'REP-04': 'pass', 'REP-05': 'pass', 'REP-06': 'pass', 'REP-07': 'pass' });
});

test('submissions received on another UTC day are not counted', () => {
  const cases = runReportingPipeline({ day: DAY, submissions: stored(goodDay(), '2026-03-11T00:00:00.000Z'), holdernameGuids: [H] });
  for (const c of cases) assert.is(c.verdict, 'fail', c.id);
  assert.match(cases[0].reasons.join(), /no valid submission to \/service-availability\/find was received on 2026-03-10/);
});

test('a missing endpoint fails only its own test case', () => {
  const cases = runReportingPipeline({ day: DAY, submissions: stored(goodDay().filter((s) => s.endpoint !== 'view-response/calculations')), holdernameGuids: [H] });
  assert.is(verdicts(cases)['REP-05'], 'fail');
  assert.equal(cases.filter((c) => c.verdict === 'fail').map((c) => c.id), ['REP-05']);
});

test('req_count below the view requests cda-sim sent fails REP-03', () => {
  const journal = [dashboardView('a1', 50), dashboardView('a1', 40), dashboardView('a1', 30)];
  const cases = runReportingPipeline({ day: DAY, submissions: stored(goodDay(DAY, 2)), journal, holdernameGuids: [H], holdernameOfAsset: () => H });
  assert.is(verdicts(cases)['REP-03'], 'fail');
  assert.match(cases.find((c) => c.id === 'REP-03')!.reasons.join(), /req_count 2, but cda-sim sent 3/);
});

test('REP-03 accepts either counting basis for views answered 404 (PeIs deleted in Stage 2), says which matched, and fails any other count', () => {
  const gone = (asset: string): JournalEntry => ({ ...dashboardView(asset, 20), status: 404 });
  const journal = [dashboardView('a1', 50), dashboardView('a1', 40), gone('a2'), gone('a3')];
  const rep03 = (reqCount: number) => runReportingPipeline({ day: DAY, submissions: stored(goodDay(DAY, reqCount)), journal, holdernameGuids: [H], holdernameOfAsset: () => H }).find((c) => c.id === 'REP-03')!;
  const counting = rep03(4);
  assert.is(counting.verdict, 'pass');
  assert.match(counting.reasons.join(), /req_count 4 equals .* counting the 2 answered 404 .*every request received/);
  const notCounting = rep03(2);
  assert.is(notCounting.verdict, 'pass');
  assert.match(notCounting.reasons.join(), /req_count 2 equals .* without the 2 answered 404 .*only requests for pensions it holds/);
  for (const wrong of [1, 3, 5]) {
    const c = rep03(wrong);
    assert.is(c.verdict, 'fail', `req_count ${wrong}`);
    assert.match(c.reasons.join(), new RegExp(`req_count ${wrong}, but cda-sim sent 4 counting the 2 answered 404 .*, or 2 without them`));
  }
});

test('a slow view cda-sim saw but nobody reported fails REP-04; a reported "slow" item under 10 s fails too', () => {
  const journal = [dashboardView('a1', 10_500)];
  let cases = runReportingPipeline({ day: DAY, submissions: stored(goodDay(DAY, 1)), journal, holdernameGuids: [H], holdernameOfAsset: () => H });
  assert.match(cases.find((c) => c.id === 'REP-04')!.reasons.join(), /saw 1 view\(s\) take over 10 s, but 0 were reported/);
  const fast = { ...common('initial submission'), holdernameGuid: H, items: [{ req_date_ts: `${DAY}T10:00:00.000Z`, resp_date_ts: `${DAY}T10:00:03.000Z` }] };
  cases = runReportingPipeline({ day: DAY, submissions: stored(goodDay(DAY, 1, { 'view-response/response-time': fast })), holdernameGuids: [H] });
  assert.match(cases.find((c) => c.id === 'REP-04')!.reasons.join(), /took 3000 ms, which is not over 10 s/);
});

test('flags in view data cda-sim received but not counted fail REP-06', () => {
  const journal = [dashboardView('a1', 20, { arrangements: [{ possibleMatch: false, contactScheme: true, pensionProviderSchemeName: 'X' }] })];
  const cases = runReportingPipeline({ day: DAY, submissions: stored(goodDay(DAY, 1)), journal, holdernameGuids: [H], holdernameOfAsset: () => H });
  assert.match(cases.find((c) => c.id === 'REP-06')!.reasons.join(), /contact_count is 0, but .* carried the flag 1 time/);
});

test('"on time" received after the deadline fails REP-07', () => {
  const cases = runReportingPipeline({ day: '2026-03-13', submissions: stored(goodDay(DAY), '2026-03-13T09:00:00.000Z'), holdernameGuids: [H] });
  assert.is(verdicts(cases)['REP-07'], 'fail');
  assert.match(cases.find((c) => c.id === 'REP-07')!.reasons.join(), /"on time" for the period starting 2026-03-10.*after the deadline/);
});

test('an invalid stored submission is reported with its codes', () => {
  const bad = goodDay();
  bad[2] = { endpoint: 'view-response/request-number', body: { ...common('initial submission'), holdernameGuid: H, req_count: -1 } };
  const cases = runReportingPipeline({ day: DAY, submissions: stored(bad), holdernameGuids: [H] });
  assert.match(cases.find((c) => c.id === 'REP-03')!.reasons.join(), /INVALID_REQ_COUNT/);
});

test('just before and just after a UTC midnight count in the right day (ManualClock through the real app)', async () => {
  const dir = tempDir();
  const clock = new ManualClock(Date.parse(`${DAY}T23:59:59.999Z`));
  const submissions = SubmissionStore.open(dir);
  const journal = new Journal(dir, () => clock.now());
  const app = await createReportingApp({ clock, journal, submissions });
  const post = (s: { endpoint: string; body: Record<string, unknown> }) => supertest(app).post(`/${s.endpoint}`).set('X-Request-ID', randomUUID()).send(s.body);
  for (const s of goodDay(DAY, 0)) assert.is((await post(s)).status, 202);
  clock.advance(1); // 00:00:00.000 the next day
  const next = '2026-03-11';
  for (const s of goodDay(next, 0)) assert.is((await post(s)).status, 202);
  assert.is(submissions.onUtcDay(DAY).length, 6);
  assert.is(submissions.onUtcDay(next).length, 6);
  assert.is(submissions.all()[5].receivedAt, `${DAY}T23:59:59.999Z`);
  assert.is(submissions.all()[6].receivedAt, `${next}T00:00:00.000Z`);
  for (const day of [DAY, next]) {
    const cases = runReportingPipeline({ day, submissions: submissions.all(), holdernameGuids: [H] });
    assert.equal(cases.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}: ${c.reasons.join()}`), [], day);
  }
  submissions.close();
  journal.close();
});

test('`cda-sim reporting verify --date` judges that day from the state directory and writes the reports', () => {
  const stateDir = tempDir();
  const store = SubmissionStore.open(stateDir);
  for (const s of goodDay()) store.add({ receivedAt: `${DAY}T10:00:00.000Z`, requestId: randomUUID(), ...s });
  store.close();
  const reportsDir = tempDir();
  const run = (date: string) => spawnSync(process.execPath, [CLI, 'reporting', 'verify', '--state-dir', stateDir, '--date', date, '--reports-dir', reportsDir, '--holdername', H], { encoding: 'utf8', timeout: 60000 });
  const ok = run(DAY);
  assert.is(ok.status, 0, ok.stdout + ok.stderr);
  for (const id of ['REP-01', 'REP-02', 'REP-03', 'REP-04', 'REP-05', 'REP-06', 'REP-07']) assert.match(ok.stdout, new RegExp(`${id}\\s+.*PASS`));
  assert.match(ok.stdout, /6 submission\(s\) received that day/);
  // Kept in the run store like every run (so `cda-sim runs` lists it), and copied to --reports-dir.
  const [kept] = listRuns(stateDir);
  assert.is(kept.state, 'complete');
  assert.match(kept.results!.run.provider, new RegExp(DAY));
  for (const f of ['results.json', 'junit.xml', 'report.html', 'report.pdf']) {
    assert.ok(fs.existsSync(path.join(kept.dir, f)), f);
    assert.ok(fs.existsSync(path.join(reportsDir, kept.id, f)), f);
  }
  // The next day holds nothing: every endpoint fails, exit 1.
  const empty = run('2026-03-11');
  assert.is(empty.status, 1);
  assert.match(empty.stdout, /0 passed, 7 failed/);
  const bad = spawnSync(process.execPath, [CLI, 'reporting', 'verify', '--state-dir', stateDir, '--date', '10/03/2026'], { encoding: 'utf8' });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--date must be a UTC day as YYYY-MM-DD/);
});

test.run();
