// Reporting submissions on disk: appended before the 202, kept across restarts (a torn last line
// from a crash is ignored), grouped by UTC receipt day.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { ManualClock } from '../simulator/core/clock.js';
import { Journal } from '../simulator/store/journal.js';
import { createReportingApp, REPORTING_SPEC } from '../simulator/reporting/reporting-app.js';
import { loadApi } from '../simulator/http/spec-app.js';
import { SUBMISSIONS_FILE, SubmissionStore } from '../simulator/reporting/submissions.js';
import { REPORTING_ENDPOINTS } from '../simulator/wire/reporting-api.js';
import { ContractChecker } from './helpers/contract.js';
import { tempDir } from './helpers/fixtures.js';

const H = 'd70f7b57-5fbc-46a9-8cf4-a97cb7cd67d3';
const body = (n: number) => ({ record_id: randomUUID(), submission_status: 'on time', reporting_period_start: '2026-05-01T00:00:00.000Z', submission_id: null, submission_reason: 'initial submission', holdernameGuid: H, req_count: n });
const add2 = (s: SubmissionStore, b: Record<string, unknown>) => s.add({ receivedAt: '2026-05-01T10:00:00.000Z', endpoint: 'view-response/request-number', requestId: randomUUID(), body: b });
const add = (s: SubmissionStore, receivedAt: string, n = 1) => s.add({ receivedAt, endpoint: 'view-response/request-number', requestId: randomUUID(), body: body(n) });

test('REPORTING_ENDPOINTS lists the six endpoints', () => {
  assert.equal(REPORTING_ENDPOINTS.length, 6);
  assert.equal(new Set(REPORTING_ENDPOINTS).size, 6);
});

test('a 202 means the submission is already in the file; reopening keeps everything', async () => {
  const dir = tempDir('cda-sim-reporting-');
  const clock = new ManualClock(Date.parse('2026-05-01T12:00:00.000Z'));
  const journal = new Journal(dir, () => clock.now());
  const submissions = SubmissionStore.open(dir);
  const api = await loadApi(REPORTING_SPEC);
  const contract = new ContractChecker(api).watch(journal);
  const app = await createReportingApp({ clock, journal, submissions, api });
  const file = path.join(dir, SUBMISSIONS_FILE);
  for (let i = 0; i < 3; i++) {
    const res = await supertest(app).post('/view-response/request-number').set('X-Request-ID', randomUUID()).send(body(i));
    assert.is(res.status, 202);
    assert.is(fs.readFileSync(file, 'utf8').trim().split('\n').length, i + 1, 'on disk when the 202 arrives');
    clock.advance(1000);
  }
  const before = submissions.all();
  submissions.close();
  journal.close();
  const reopened = SubmissionStore.open(dir);
  assert.equal(reopened.all(), before);
  assert.equal(reopened.all().map((s) => s.seq), [1, 2, 3]);
  assert.is(add(reopened, '2026-05-01T13:00:00.000Z').seq, 4, 'numbering continues');
  reopened.close();
  assert.equal(contract.violations, []);
});

test('a torn last line is ignored, and the next append starts on a fresh line', () => {
  const dir = tempDir('cda-sim-reporting-');
  const s = SubmissionStore.open(dir);
  add(s, '2026-05-01T10:00:00.000Z');
  add(s, '2026-05-01T11:00:00.000Z');
  s.close();
  const file = path.join(dir, SUBMISSIONS_FILE);
  fs.appendFileSync(file, '{"seq":3,"receivedAt":"2026-05-01T12:0'); // killed mid-write
  const r = SubmissionStore.open(dir);
  assert.is(r.all().length, 2);
  add(r, '2026-05-01T13:00:00.000Z', 9);
  r.close();
  const again = SubmissionStore.open(dir);
  assert.equal(again.all().map((x) => [x.seq, x.body.req_count]), [[1, 1], [2, 1], [3, 9]]);
  again.close();
});

test('each line on disk is its submission as JSON, whether or not the body\'s JSON was handed in', () => {
  const dir = tempDir('cda-sim-reporting-');
  const s = SubmissionStore.open(dir);
  const bodies = [body(1), { ...body(2), note: 'é 😀 \u2028 "quoted" \\' }, body(3)];
  const stored = bodies.map((b, i) => s.add({ receivedAt: `2026-05-01T1${i}:00:00.000Z`, endpoint: 'view-response/request-number', requestId: randomUUID(), body: b }, i === 1 ? undefined : Buffer.from(JSON.stringify(b))));
  const lines = fs.readFileSync(path.join(dir, SUBMISSIONS_FILE), 'utf8').split('\n');
  assert.equal(lines, [...stored.map((x) => JSON.stringify(x)), '']);
  assert.is(s.count, 3);
  assert.equal(s.all(), stored);
  s.close();
});

test('bodies are not kept in memory: 40 submissions of 1 MiB leave the heap about as it was, and read back whole', () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const s = SubmissionStore.open(tempDir('cda-sim-reporting-'));
  const big = () => ({ ...body(1), note: randomUUID().repeat(29_000) }); // about 1 MiB of JSON
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 40; i++) add2(s, big());
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 8 * 1024 * 1024, `the heap grew by ${(grown / 1048576).toFixed(1)} MiB for 40 MiB of submissions`);
  const all = s.all();
  assert.is(all.length, 40);
  assert.is(JSON.stringify(all[39].body).length, JSON.stringify(big()).length);
  s.close();
});

test('onUtcDay: [00:00:00.000Z, next 00:00:00.000Z), whatever order they arrived in', () => {
  const s = SubmissionStore.open(tempDir('cda-sim-reporting-'));
  add(s, '2026-05-02T00:00:00.000Z');
  add(s, '2026-05-01T23:59:59.999Z');
  add(s, '2026-05-01T00:00:00.000Z');
  add(s, '2026-04-30T23:59:59.999Z');
  assert.equal(s.onUtcDay('2026-05-01').map((x) => x.receivedAt), ['2026-05-01T23:59:59.999Z', '2026-05-01T00:00:00.000Z']);
  assert.equal(s.onUtcDay('2026-05-02').map((x) => x.receivedAt), ['2026-05-02T00:00:00.000Z']);
  assert.throws(() => s.onUtcDay('May 1'));
  s.close();
});

test('clear empties the store and the file', () => {
  const dir = tempDir('cda-sim-reporting-');
  const s = SubmissionStore.open(dir);
  add(s, '2026-05-01T10:00:00.000Z');
  s.clear();
  assert.equal(s.all(), []);
  assert.is(add(s, '2026-05-01T11:00:00.000Z').seq, 1);
  s.close();
  assert.is(SubmissionStore.open(dir).all().length, 1);
});

test.run();
