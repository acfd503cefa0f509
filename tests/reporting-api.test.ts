// The reporting API (reporting-api.md): every INVALID_* code and null-submission rule reached
// through the real app, with at least one valid and one invalid case per field; unknown fields,
// 413, 415, the validation order, error injection and receipt times. Every answer is checked
// against openapi/reporting.yaml through the journal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import type { OpenAPIBackend } from 'openapi-backend';
import { ManualClock } from '../simulator/core/clock.js';
import { loadApi } from '../simulator/http/spec-app.js';
import { Journal } from '../simulator/store/journal.js';
import { createReportingApp, REPORTING_SPEC } from '../simulator/reporting/reporting-app.js';
import { validateSubmission } from '../simulator/reporting/rules.js';
import { SubmissionStore } from '../simulator/reporting/submissions.js';
import type { ReportingEndpoint } from '../simulator/wire/reporting-api.js';
import { ContractChecker } from './helpers/contract.js';
import { tempDir } from './helpers/fixtures.js';

let apiOnce: Promise<OpenAPIBackend> | undefined;
const reportingApi = () => (apiOnce ??= loadApi(REPORTING_SPEC));

async function harness(start = Date.parse('2026-05-02T09:15:04.123Z')) {
  const dir = tempDir('cda-sim-reporting-');
  const clock = new ManualClock(start);
  const journal = new Journal(dir, () => clock.now());
  const submissions = SubmissionStore.open(dir);
  const api = await reportingApi();
  const contract = new ContractChecker(api).watch(journal);
  const app = await createReportingApp({ clock, journal, submissions, api });
  const request = supertest(app);
  return {
    dir,
    clock,
    journal,
    submissions,
    contract,
    request,
    post(endpoint: string, body: unknown, headers: Record<string, string> = { 'X-Request-ID': randomUUID() }) {
      const r = request.post(`/${endpoint}`).set(headers);
      return typeof body === 'string' ? r.set('Content-Type', 'application/json').send(body) : r.send(body as object);
    },
    configure(list: unknown) {
      return request.post('/configuration').send(list as object);
    },
    done() {
      assert.equal(contract.violations, [], 'every answer matches openapi/reporting.yaml');
      assert.ok(contract.checked > 0, 'answers were checked');
      submissions.close();
      journal.close();
    },
  };
}

// ---------------------------------------------------------------- valid bodies

const H = 'd70f7b57-5fbc-46a9-8cf4-a97cb7cd67d3';
const H2 = '0b9a3c1e-2f44-4d1a-9c55-7e3f1a2b4c6d';
const DAY = '2026-05-01';
const common = (reason = 'initial submission') => ({
  record_id: randomUUID(),
  submission_status: 'on time',
  reporting_period_start: `${DAY}T00:00:00.000Z`,
  submission_id: null as string | null,
  submission_reason: reason,
});
const period = () => ({ start_date_ts: `${DAY}T02:00:00.000Z`, end_date_ts: `${DAY}T02:30:00.000Z`, unavail_scheduled: true, unavail_reason: 'planned maintenance' });
const calc = (value_code = 'DBC') => ({ value_code, calculation_start_date: `${DAY}T10:00:00.000Z`, calculation_end_date: `${DAY}T11:00:00.000Z` });
const ZERO = {
  contact_count: 0,
  missingadmin_count: 0,
  temperror_count: 0,
  eri_unavail_ano_count: 0,
  eri_unavail_ppf_count: 0,
  eri_unavail_trn_count: 0,
  accrued_unavail_ano_count: 0,
  accrued_unavail_ppf_count: 0,
  accrued_unavail_trn_count: 0,
};

type Body = Record<string, any>;
const valid: Record<ReportingEndpoint, () => Body> = {
  'service-availability/find': () => ({ ...common(), items: [{ [H]: [period()] }] }),
  'service-availability/view': () => ({ ...common(), items: [{ [H]: [period()] }] }),
  'view-response/request-number': () => ({ ...common(), holdernameGuid: H, req_count: 3 }),
  'view-response/response-time': () => ({ ...common(), holdernameGuid: H, items: [{ req_date_ts: `${DAY}T10:00:00.000Z`, resp_date_ts: `${DAY}T10:00:11.500Z` }] }),
  'view-response/calculations': () => ({ ...common(), holdernameGuid: H, calculation_type: 'single', single_calculation: { items: [calc()] } }),
  'view-response/unavailable': () => ({ ...common(), holdernameGuid: H, ...ZERO, contact_count: 2 }),
};
const nullSub: Partial<Record<ReportingEndpoint, () => Body>> = {
  'service-availability/find': () => ({ ...common('null submission'), items: [H, H2] }),
  'service-availability/view': () => ({ ...common('null submission'), items: [H] }),
  'view-response/response-time': () => ({ ...common('null submission'), holdernameGuid: H }),
  'view-response/calculations': () => ({ ...common('null submission'), holdernameGuid: H }),
};
const SA = ['service-availability/find', 'service-availability/view'] as const;
const VR = ['view-response/request-number', 'view-response/response-time', 'view-response/calculations', 'view-response/unavailable'] as const;
const ALL = [...SA, ...VR];

/** A copy with changes: `undefined` deletes the key. */
function edit(b: Body, changes: Body): Body {
  const out = { ...b };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}
const saPeriod = (changes: Body) => ({ ...common(), items: [{ [H]: [edit(period(), changes)] }] });
const rtItem = (changes: Body) => ({ ...valid['view-response/response-time'](), items: [edit({ req_date_ts: `${DAY}T10:00:00.000Z`, resp_date_ts: `${DAY}T10:00:11.000Z` }, changes)] });
const calcEntry = (changes: Body) => ({ ...valid['view-response/calculations'](), single_calculation: { items: [edit(calc(), changes)] } });
const many = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
const guid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

// ---------------------------------------------------------------- accepted

const accepted: [string, ReportingEndpoint, () => Body][] = [
  ...ALL.map((e) => [`a valid initial submission to /${e}`, e, valid[e]] as [string, ReportingEndpoint, () => Body]),
  ...Object.entries(nullSub).map(([e, f]) => [`a null submission to /${e}`, e as ReportingEndpoint, f!] as [string, ReportingEndpoint, () => Body]),
  ['a resubmission marked correction', 'view-response/request-number', () => ({ ...valid['view-response/request-number'](), submission_reason: 'resubmission', submission_status: 'correction' })],
  ['a late submission', 'view-response/unavailable', () => ({ ...valid['view-response/unavailable'](), submission_status: 'late' })],
  ['a null submission marked correction', 'service-availability/view', () => ({ ...nullSub['service-availability/view']!(), submission_status: 'correction' })],
  ['a batch submission_id (UUID)', 'view-response/request-number', () => ({ ...valid['view-response/request-number'](), submission_id: randomUUID() })],
  ['reporting_period_start with an offset and no fraction', 'view-response/request-number', () => ({ ...valid['view-response/request-number'](), reporting_period_start: '2026-05-01T01:00:00+01:00' })],
  ['req_count 0 (a quiet day: request-number has no null submission)', 'view-response/request-number', () => ({ ...valid['view-response/request-number'](), req_count: 0 })],
  ['req_count at the int32 maximum', 'view-response/request-number', () => ({ ...valid['view-response/request-number'](), req_count: 2147483647 })],
  ['an unplanned period with a hyphen in its reason (the spec allows -)', 'service-availability/find', () => saPeriod({ unavail_scheduled: false, unavail_reason: 'un-planned outage_1.2' })],
  ['several holdernames in one map and across maps', 'service-availability/find', () => ({ ...common(), items: [{ [H]: [period(), period()], [H2]: [period()] }, { [guid(3)]: [period()] }] })],
  ['667 holdername maps of 1 period (the item limit)', 'service-availability/view', () => ({ ...common(), items: many(667, (i) => ({ [guid(i)]: [period()] })) })],
  ['100 periods under one holdername (the period limit)', 'service-availability/find', () => ({ ...common(), items: [{ [H]: many(100, period) }] })],
  ['a null submission naming 667 holdernames', 'service-availability/find', () => ({ ...common('null submission'), items: many(667, guid) })],
  ['1,400 response-time items (the limit)', 'view-response/response-time', () => ({ ...valid['view-response/response-time'](), items: many(1400, () => ({ req_date_ts: `${DAY}T10:00:00Z`, resp_date_ts: `${DAY}T10:00:12Z` })) })],
  ['a single calculation with no items (0 allowed)', 'view-response/calculations', () => ({ ...valid['view-response/calculations'](), single_calculation: { items: [] } })],
  ['a single calculation of 1,300 items (the limit)', 'view-response/calculations', () => ({ ...valid['view-response/calculations'](), single_calculation: { items: many(1300, () => calc('DCC')) } })],
  ['a multiple calculation', 'view-response/calculations', () => ({ ...common(), holdernameGuid: H, calculation_type: 'multiple', multiple_calculation: { eriCalculationData: { items: [calc('DBC')] }, accruedCalculationData: { items: [calc('DCC')] } } })],
  ['a calculations null submission that names its calculation_type', 'view-response/calculations', () => ({ ...nullSub['view-response/calculations']!(), calculation_type: 'single' })],
  ['every unavailable counter non-zero', 'view-response/unavailable', () => ({ ...valid['view-response/unavailable'](), ...Object.fromEntries(Object.keys(ZERO).map((k, i) => [k, i + 1])) })],
];

for (const [title, endpoint, body] of accepted) {
  test(`202: ${title}`, async () => {
    const h = await harness();
    const b = body();
    assert.equal(validateSubmission(endpoint, b), [], 'the rules module agrees');
    const res = await h.post(endpoint, b);
    assert.is(res.status, 202, JSON.stringify(res.body).slice(0, 600));
    assert.equal(res.body, { message: 'ACCEPTED', datetimestamp: '2026-05-02T09:15:04.123Z' });
    assert.is(h.submissions.all().length, 1);
    assert.equal(h.submissions.all()[0].body, b);
    h.done();
  });
}

// ---------------------------------------------------------------- rejected: [title, endpoint, body, expected codes (errors[0] first)]

type Bad = [string, ReportingEndpoint, () => Body, string[]];
const rejected: Bad[] = [];
const bad = (title: string, endpoint: ReportingEndpoint, body: () => Body, ...codes: string[]) => rejected.push([title, endpoint, body, codes]);

// Common fields, on every endpoint.
for (const e of ALL) {
  bad('record_id missing', e, () => edit(valid[e](), { record_id: undefined }), 'INVALID_RECORD_ID');
  bad('record_id not a UUID', e, () => edit(valid[e](), { record_id: 'abc' }), 'INVALID_RECORD_ID');
  bad('submission_status not in the enum', e, () => edit(valid[e](), { submission_status: 'early' }), 'INVALID_SUBMISSION_STATUS');
  bad('reporting_period_start not a date-time', e, () => edit(valid[e](), { reporting_period_start: '2026-05-01' }), 'INVALID_REPORTING_PERIOD_START');
  bad('submission_reason not in the enum', e, () => edit(valid[e](), { submission_reason: 'first' }), 'INVALID_SUBMISSION_REASON');
  bad('submission_id key missing', e, () => edit(valid[e](), { submission_id: undefined }), 'INVALID_SUBMISSION_ID');
  bad('submission_id not a UUID', e, () => edit(valid[e](), { submission_id: 'batch-1' }), 'INVALID_SUBMISSION_ID');
  bad('an unknown top-level field', e, () => edit(valid[e](), { comment: 'hello' }), 'INVALID_UNEXPECTED_FIELD');
}
for (const e of VR) {
  bad('holdernameGuid missing', e, () => edit(valid[e](), { holdernameGuid: undefined }), 'INVALID_HOLDERNAMEGUID');
  bad('holdernameGuid not a UUID', e, () => edit(valid[e](), { holdernameGuid: 'HOLDER-1' }), 'INVALID_HOLDERNAMEGUID');
  bad('holdername_guid (snake_case) instead of holdernameGuid', e, () => edit(valid[e](), { holdernameGuid: undefined, holdername_guid: H }), 'INVALID_HOLDERNAMEGUID', 'INVALID_UNEXPECTED_FIELD');
}
bad('record_id a UUID but not v4 (the spec says v4)', 'view-response/request-number', () => edit(valid['view-response/request-number'](), { record_id: 'a8098c1a-f86e-11da-bd1a-00112444be1e' }), 'INVALID_RECORD_ID');
bad('record_id a number', 'service-availability/find', () => edit(valid['service-availability/find'](), { record_id: 42 }), 'INVALID_RECORD_ID');
bad('submission_status missing', 'view-response/unavailable', () => edit(valid['view-response/unavailable'](), { submission_status: undefined }), 'INVALID_SUBMISSION_STATUS');
bad('submission_status in the wrong case', 'view-response/unavailable', () => edit(valid['view-response/unavailable'](), { submission_status: 'On Time' }), 'INVALID_SUBMISSION_STATUS');
bad('reporting_period_start missing', 'view-response/calculations', () => edit(valid['view-response/calculations'](), { reporting_period_start: undefined }), 'INVALID_REPORTING_PERIOD_START');
bad('reporting_period_start an impossible date', 'view-response/calculations', () => edit(valid['view-response/calculations'](), { reporting_period_start: '2026-02-30T00:00:00.000Z' }), 'INVALID_REPORTING_PERIOD_START');
bad('reporting_period_start with no offset', 'view-response/calculations', () => edit(valid['view-response/calculations'](), { reporting_period_start: '2026-05-01T00:00:00' }), 'INVALID_REPORTING_PERIOD_START');
bad('submission_reason missing', 'view-response/response-time', () => edit(valid['view-response/response-time'](), { submission_reason: undefined }), 'INVALID_SUBMISSION_REASON');

// Null-submission rules (reporting-api.md §5).
for (const e of SA) {
  bad('null submission with a non-null submission_id', e, () => edit(nullSub[e]!(), { submission_id: randomUUID() }), 'INVALID_SUBMISSION_ID');
  bad('null submission with no submission_id key', e, () => edit(nullSub[e]!(), { submission_id: undefined }), 'INVALID_SUBMISSION_ID');
  bad('null submission whose items are periods, not strings', e, () => edit(nullSub[e]!(), { items: [{ [H]: [period()] }] }), 'INVALID_UNEXPECTED_FIELD');
  bad('null submission with no items', e, () => edit(nullSub[e]!(), { items: undefined }), 'INVALID_HOLDERNAMEGUID');
  bad('null submission naming a non-UUID holdername', e, () => edit(nullSub[e]!(), { items: ['not-a-guid'] }), 'INVALID_HOLDERNAMEGUID');
  bad('null submission with empty items', e, () => edit(nullSub[e]!(), { items: [] }), 'INVALID_HOLDERNAMEGUID');
  bad('null submission naming 668 holdernames', e, () => edit(nullSub[e]!(), { items: many(668, guid) }), 'INVALID_HOLDERNAMEGUID');
}
bad('response-time null submission with a non-null submission_id', 'view-response/response-time', () => edit(nullSub['view-response/response-time']!(), { submission_id: randomUUID() }), 'INVALID_SUBMISSION_ID');
bad('response-time null submission with items', 'view-response/response-time', () => edit(nullSub['view-response/response-time']!(), { items: [] }), 'INVALID_UNEXPECTED_FIELD');
bad('calculations null submission with a non-null submission_id', 'view-response/calculations', () => edit(nullSub['view-response/calculations']!(), { submission_id: randomUUID() }), 'INVALID_SUBMISSION_ID');
bad('calculations null submission with single_calculation', 'view-response/calculations', () => edit(nullSub['view-response/calculations']!(), { single_calculation: { items: [] } }), 'INVALID_UNEXPECTED_FIELD');
bad('calculations null submission with multiple_calculation', 'view-response/calculations', () => edit(nullSub['view-response/calculations']!(), { multiple_calculation: { eriCalculationData: { items: [] }, accruedCalculationData: { items: [] } } }), 'INVALID_UNEXPECTED_FIELD');
bad('calculations null submission with a bad calculation_type', 'view-response/calculations', () => edit(nullSub['view-response/calculations']!(), { calculation_type: 'none' }), 'INVALID_CALCULATION_TYPE');
bad('a null submission to /view-response/unavailable (not allowed)', 'view-response/unavailable', () => edit(valid['view-response/unavailable'](), { submission_reason: 'null submission' }), 'INVALID_SUBMISSION_REASON');
bad('a null submission to /view-response/request-number (not in the discriminator)', 'view-response/request-number', () => ({ ...common('null submission'), holdernameGuid: H, req_count: 0 }), 'INVALID_SUBMISSION_REASON');

// Service availability: items, maps and periods.
for (const e of SA) {
  bad('items missing (harness: INVALID_HOLDERNAMEGUID)', e, () => edit(valid[e](), { items: undefined }), 'INVALID_HOLDERNAMEGUID');
  bad('items empty', e, () => edit(valid[e](), { items: [] }), 'INVALID_HOLDERNAMEGUID');
  bad('a map keyed by a non-UUID', e, () => edit(valid[e](), { items: [{ 'holder-1': [period()] }] }), 'INVALID_HOLDERNAMEGUID');
  bad('a period with an unknown key', e, () => saPeriod({ duration: 30 }), 'INVALID_UNEXPECTED_FIELD');
  bad('start_date_ts missing', e, () => saPeriod({ start_date_ts: undefined }), 'INVALID_START_DATE_TS');
  bad('end_date_ts missing', e, () => saPeriod({ end_date_ts: undefined }), 'INVALID_END_DATE_TS');
  bad('unavail_scheduled missing', e, () => saPeriod({ unavail_scheduled: undefined }), 'INVALID_UNAVAIL_SCHEDULED');
  bad('unavail_reason missing', e, () => saPeriod({ unavail_reason: undefined }), 'INVALID_UNAVAIL_REASON');
}
bad('items a string', 'service-availability/find', () => edit(valid['service-availability/find'](), { items: H }), 'INVALID_HOLDERNAMEGUID');
bad('668 holdername maps', 'service-availability/find', () => edit(valid['service-availability/find'](), { items: many(668, (i) => ({ [guid(i)]: [period()] })) }), 'INVALID_HOLDERNAMEGUID');
bad('an empty map', 'service-availability/find', () => edit(valid['service-availability/find'](), { items: [{}] }), 'INVALID_HOLDERNAMEGUID');
bad('a holdername with no periods', 'service-availability/view', () => edit(valid['service-availability/view'](), { items: [{ [H]: [] }] }), 'INVALID_HOLDERNAMEGUID');
bad('a holdername with 101 periods', 'service-availability/view', () => edit(valid['service-availability/view'](), { items: [{ [H]: many(101, period) }] }), 'INVALID_HOLDERNAMEGUID');
bad('a holdername mapped to an object, not a list', 'service-availability/view', () => edit(valid['service-availability/view'](), { items: [{ [H]: period() }] }), 'INVALID_HOLDERNAMEGUID');
bad('an initial submission listing holdername strings (the null shape)', 'service-availability/find', () => edit(valid['service-availability/find'](), { items: [H] }), 'INVALID_UNEXPECTED_FIELD');
bad('a period that is not an object', 'service-availability/find', () => edit(valid['service-availability/find'](), { items: [{ [H]: ['02:00-02:30'] }] }), 'INVALID_UNEXPECTED_FIELD');
bad('start_date_ts not a date-time', 'service-availability/find', () => saPeriod({ start_date_ts: '01/05/2026 02:00' }), 'INVALID_START_DATE_TS');
bad('end_date_ts not a date-time', 'service-availability/view', () => saPeriod({ end_date_ts: '2026-05-01T25:00:00Z' }), 'INVALID_END_DATE_TS');
bad('end_date_ts longer than 255', 'service-availability/view', () => saPeriod({ end_date_ts: `2026-05-01T02:30:00.${'0'.repeat(250)}Z` }), 'INVALID_END_DATE_TS');
bad('unavail_scheduled a string', 'service-availability/find', () => saPeriod({ unavail_scheduled: 'true' }), 'INVALID_UNAVAIL_SCHEDULED');
bad('unavail_reason empty', 'service-availability/find', () => saPeriod({ unavail_reason: '' }), 'INVALID_UNAVAIL_REASON');
bad('unavail_reason with a character outside the pattern', 'service-availability/find', () => saPeriod({ unavail_reason: 'db/upgrade' }), 'INVALID_UNAVAIL_REASON');
bad('unavail_reason of 256 characters', 'service-availability/view', () => saPeriod({ unavail_reason: 'x'.repeat(256) }), 'INVALID_UNAVAIL_REASON');

// Request number.
const rn = valid['view-response/request-number'];
bad('req_count missing', 'view-response/request-number', () => edit(rn(), { req_count: undefined }), 'INVALID_REQ_COUNT');
bad('req_count negative', 'view-response/request-number', () => edit(rn(), { req_count: -1 }), 'INVALID_REQ_COUNT');
bad('req_count a fraction', 'view-response/request-number', () => edit(rn(), { req_count: 1.5 }), 'INVALID_REQ_COUNT');
bad('req_count a string', 'view-response/request-number', () => edit(rn(), { req_count: '3' }), 'INVALID_REQ_COUNT');
bad('req_count beyond int32', 'view-response/request-number', () => edit(rn(), { req_count: 2147483648 }), 'INVALID_REQ_COUNT');

// Response time.
const rt = valid['view-response/response-time'];
bad('items missing on a non-null submission (harness: INVALID_REQ_DATE_TS)', 'view-response/response-time', () => edit(rt(), { items: undefined }), 'INVALID_REQ_DATE_TS');
bad('items empty on a non-null submission', 'view-response/response-time', () => edit(rt(), { items: [] }), 'INVALID_REQ_DATE_TS');
bad('1,401 items', 'view-response/response-time', () => edit(rt(), { items: many(1401, () => ({ req_date_ts: `${DAY}T10:00:00Z`, resp_date_ts: `${DAY}T10:00:12Z` })) }), 'INVALID_REQ_DATE_TS');
bad('req_date_ts missing', 'view-response/response-time', () => rtItem({ req_date_ts: undefined }), 'INVALID_REQ_DATE_TS');
bad('req_date_ts not a date-time', 'view-response/response-time', () => rtItem({ req_date_ts: 'yesterday' }), 'INVALID_REQ_DATE_TS');
bad('resp_date_ts missing', 'view-response/response-time', () => rtItem({ resp_date_ts: undefined }), 'INVALID_RESP_DATE_TS');
bad('resp_date_ts not a date-time', 'view-response/response-time', () => rtItem({ resp_date_ts: 1746093611000 }), 'INVALID_RESP_DATE_TS');
bad('an item with an unknown key (closed object)', 'view-response/response-time', () => rtItem({ duration_ms: 11000 }), 'INVALID_UNEXPECTED_FIELD');

// Calculations.
const cl = valid['view-response/calculations'];
bad('calculation_type missing', 'view-response/calculations', () => edit(cl(), { calculation_type: undefined }), 'INVALID_CALCULATION_TYPE');
bad('calculation_type not single or multiple', 'view-response/calculations', () => edit(cl(), { calculation_type: 'double' }), 'INVALID_CALCULATION_TYPE');
bad('single with no single_calculation', 'view-response/calculations', () => edit(cl(), { single_calculation: undefined }), 'INVALID_CALCULATION_TYPE');
bad('multiple with only single_calculation', 'view-response/calculations', () => edit(cl(), { calculation_type: 'multiple' }), 'INVALID_CALCULATION_TYPE', 'INVALID_UNEXPECTED_FIELD');
bad('multiple without accruedCalculationData', 'view-response/calculations', () => ({ ...common(), holdernameGuid: H, calculation_type: 'multiple', multiple_calculation: { eriCalculationData: { items: [] } } }), 'INVALID_CALCULATION_TYPE');
bad('an unknown key in multiple_calculation', 'view-response/calculations', () => ({ ...common(), holdernameGuid: H, calculation_type: 'multiple', multiple_calculation: { eriCalculationData: { items: [] }, accruedCalculationData: { items: [] }, other: {} } }), 'INVALID_UNEXPECTED_FIELD');
bad('single_calculation with no items', 'view-response/calculations', () => edit(cl(), { single_calculation: {} }), 'INVALID_CALCULATION_TYPE');
bad('1,301 calculations', 'view-response/calculations', () => edit(cl(), { single_calculation: { items: many(1301, () => calc()) } }), 'INVALID_CALCULATION_TYPE');
bad('value_code missing', 'view-response/calculations', () => calcEntry({ value_code: undefined }), 'INVALID_VALUE_CODE');
bad('value_code not DBC or DCC', 'view-response/calculations', () => calcEntry({ value_code: 'DBX' }), 'INVALID_VALUE_CODE');
bad('calculation_start_date missing', 'view-response/calculations', () => calcEntry({ calculation_start_date: undefined }), 'INVALID_CALCULATION_START_DATE');
bad('calculation_start_date not a date-time', 'view-response/calculations', () => calcEntry({ calculation_start_date: '2026-05-01' }), 'INVALID_CALCULATION_START_DATE');
bad('calculation_end_date missing', 'view-response/calculations', () => calcEntry({ calculation_end_date: undefined }), 'INVALID_CALCULATION_END_DATE');
bad('calculation_end_date not a date-time', 'view-response/calculations', () => calcEntry({ calculation_end_date: 'soon' }), 'INVALID_CALCULATION_END_DATE');
bad('a calculation with an unknown key (closed object)', 'view-response/calculations', () => calcEntry({ duration_days: 3 }), 'INVALID_UNEXPECTED_FIELD');

// Unavailable: the nine counters, including the spec's INVALID_UNAVAIL_PPF_COUNT.
const COUNTER_CODES: Record<string, string> = {
  contact_count: 'INVALID_CONTACT_COUNT',
  missingadmin_count: 'INVALID_MISSINGADMIN_COUNT',
  temperror_count: 'INVALID_TEMPERROR_COUNT',
  eri_unavail_ano_count: 'INVALID_ERI_UNAVAIL_ANO_COUNT',
  eri_unavail_ppf_count: 'INVALID_ERI_UNAVAIL_PPF_COUNT',
  eri_unavail_trn_count: 'INVALID_ERI_UNAVAIL_TRN_COUNT',
  accrued_unavail_ano_count: 'INVALID_ACCRUED_UNAVAIL_ANO_COUNT',
  accrued_unavail_ppf_count: 'INVALID_UNAVAIL_PPF_COUNT',
  accrued_unavail_trn_count: 'INVALID_ACCRUED_UNAVAIL_TRN_COUNT',
};
const un = valid['view-response/unavailable'];
for (const [field, code] of Object.entries(COUNTER_CODES)) {
  bad(`${field} missing`, 'view-response/unavailable', () => edit(un(), { [field]: undefined }), code);
  bad(`${field} negative`, 'view-response/unavailable', () => edit(un(), { [field]: -1 }), code);
  bad(`${field} a string`, 'view-response/unavailable', () => edit(un(), { [field]: '0' }), code);
}

for (const [title, endpoint, body, codes] of rejected) {
  test(`400 ${codes[0]}: /${endpoint}: ${title}`, async () => {
    const h = await harness();
    const b = body();
    const res = await h.post(endpoint, b);
    assert.is(res.status, 400, JSON.stringify(res.body).slice(0, 400));
    assert.is(res.headers['content-type'].split(';')[0], 'application/problem+json');
    const got = (res.body.errors as { code: string; field?: string; detail: string }[]).map((e) => e.code);
    assert.equal(got.slice(0, codes.length), codes, JSON.stringify(res.body.errors).slice(0, 600));
    // The official ProblemDetails item is closed {code}; every rule broken is named in `detail`.
    for (const e of res.body.errors) assert.equal(Object.keys(e), ['code']);
    const rules = validateSubmission(endpoint, b);
    for (const v of rules) assert.ok(res.body.detail.includes(v.field ? `${v.field}: ${v.detail}` : v.detail), `detail names ${v.field}`);
    assert.is(res.body.title, 'Bad Request');
    assert.is(res.body.status, 400);
    assert.is(res.body.datetimestamp, '2026-05-02T09:15:04.123Z');
    assert.equal(validateSubmission(endpoint, b).map((v) => v.code), got, 'the app answers what the rules module finds');
    assert.is(h.submissions.all().length, 0, 'nothing stored');
    h.done();
  });
}

// ---------------------------------------------------------------- header, body, transport

for (const [title, headers] of [
  ['X-Request-ID missing', {}],
  ['X-Request-ID not a UUID', { 'X-Request-ID': 'req-1' }],
  ['X-Request-ID empty', { 'X-Request-ID': '' }],
] as [string, Record<string, string>][]) {
  for (const e of ALL) {
    test(`400 INVALID_X_REQUEST_ID: /${e}: ${title}`, async () => {
      const h = await harness();
      const res = await h.post(e, valid[e](), headers);
      assert.is(res.status, 400);
      assert.equal(res.body.errors.map((x: { code: string }) => x.code), ['INVALID_X_REQUEST_ID']);
      assert.is(h.submissions.all().length, 0);
      h.done();
    });
  }
}

test('X-Request-ID in upper-case hex is a UUID', async () => {
  const h = await harness();
  const res = await h.post('view-response/request-number', rn(), { 'X-Request-ID': randomUUID().toUpperCase() });
  assert.is(res.status, 202);
  h.done();
});

test('a bad header and a bad body are reported together, header first', async () => {
  const h = await harness();
  const res = await h.post('view-response/request-number', edit(rn(), { record_id: 'x', req_count: -5 }), { 'X-Request-ID': 'nope' });
  assert.is(res.status, 400);
  assert.equal(res.body.errors.map((x: { code: string }) => x.code), ['INVALID_X_REQUEST_ID', 'INVALID_RECORD_ID', 'INVALID_REQ_COUNT']);
  h.done();
});

for (const [title, body] of [
  ['an empty object {}', '{}'],
  ['a JSON array', '[]'],
  ['JSON null', 'null'],
  ['malformed JSON', '{"record_id": '],
  ['no body at all', ''],
] as [string, string][]) {
  test(`400 INVALID_REQUEST_BODY: ${title}`, async () => {
    const h = await harness();
    const res = await h.request.post('/service-availability/find').set('X-Request-ID', randomUUID()).set('Content-Type', 'application/json').send(body);
    assert.is(res.status, 400);
    assert.equal(res.body.errors.map((x: { code: string }) => x.code), ['INVALID_REQUEST_BODY']);
    h.done();
  });
}

for (const [title, type] of [
  ['text/plain', 'text/plain'],
  ['application/xml', 'application/xml'],
  ['a form body', 'application/x-www-form-urlencoded'],
  ['application/problem+json', 'application/problem+json'],
] as [string, string][]) {
  test(`415 INVALID_CONTENT_TYPE: ${title}`, async () => {
    const h = await harness();
    const res = await h.request.post('/view-response/request-number').set('X-Request-ID', randomUUID()).set('Content-Type', type).send(JSON.stringify(rn()));
    assert.is(res.status, 415);
    assert.equal(res.body.errors.map((x: { code: string }) => x.code), ['INVALID_CONTENT_TYPE']);
    assert.is(res.body.title, 'Unsupported Media Type');
    assert.is(h.submissions.all().length, 0);
    h.done();
  });
}

test('application/json with a charset parameter is application/json', async () => {
  const h = await harness();
  const res = await h.request.post('/view-response/request-number').set('X-Request-ID', randomUUID()).set('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify(rn()));
  assert.is(res.status, 202);
  h.done();
});

const MIB = 1_048_576;
/** A valid body padded with JSON whitespace to exactly `bytes` bytes. */
const padded = (bytes: number) => {
  const text = JSON.stringify(rn());
  return text + ' '.repeat(bytes - Buffer.byteLength(text));
};

test('413 CONTENT_TOO_LARGE: one byte over 1 MiB, refused before parsing (even if not JSON)', async () => {
  const h = await harness();
  const over = await h.post('view-response/request-number', padded(MIB + 1));
  assert.is(over.status, 413);
  assert.equal(over.body.errors.map((x: { code: string }) => x.code), ['CONTENT_TOO_LARGE']);
  assert.is(over.body.title, 'Content Too Large');
  // Size comes first: a huge body of the wrong type and with no X-Request-ID is still a 413.
  const junk = await h.request.post('/service-availability/find').set('Content-Type', 'text/plain').send('x'.repeat(MIB + 100));
  assert.is(junk.status, 413);
  assert.is(h.submissions.all().length, 0);
  h.done();
});

test('exactly 1 MiB is accepted', async () => {
  const h = await harness();
  const res = await h.post('view-response/request-number', padded(MIB));
  assert.is(res.status, 202, JSON.stringify(res.body));
  h.done();
});

test('404 INVALID_URL for an unknown path; 405 METHOD_NOT_ALLOWED for GET', async () => {
  const h = await harness();
  const nf = await h.post('view-response/slow', rn());
  assert.is(nf.status, 404);
  assert.is(nf.body.errors[0].code, 'INVALID_URL');
  const na = await h.request.get('/view-response/request-number').set('X-Request-ID', randomUUID());
  assert.is(na.status, 405);
  assert.is(na.body.errors[0].code, 'METHOD_NOT_ALLOWED');
  assert.is((await h.post('view-response/request-number', rn())).status, 202);
  h.done();
});

// ---------------------------------------------------------------- validation order (§8)

test('order: the null-submission rules come before required fields and formats', async () => {
  const h = await harness();
  const res = await h.post('service-availability/find', { ...nullSub['service-availability/find']!(), submission_id: randomUUID(), record_id: 'bad', items: [H, 7] });
  assert.equal(res.body.errors.map((x: { code: string }) => x.code), ['INVALID_SUBMISSION_ID', 'INVALID_UNEXPECTED_FIELD', 'INVALID_RECORD_ID']);
  h.done();
});

test('order: a missing field (step 4) before a bad format (step 5) before an unknown field (step 6)', async () => {
  const h = await harness();
  const res = await h.post('service-availability/view', { extra: 1, ...edit(valid['service-availability/view'](), { record_id: 'bad', items: undefined }) });
  assert.equal(res.body.errors.map((x: { code: string }) => x.code), ['INVALID_HOLDERNAMEGUID', 'INVALID_RECORD_ID', 'INVALID_UNEXPECTED_FIELD']);
  h.done();
});

test('order: an unknown period field (step 6) before a missing period field (step 7) before a bad one (step 8); every violation listed', async () => {
  const h = await harness();
  const res = await h.post('service-availability/find', saPeriod({ unavail_reason: undefined, unavail_scheduled: 'no', why: 'x' }));
  assert.equal(res.body.errors.map((x: { code: string }) => x.code), ['INVALID_UNEXPECTED_FIELD', 'INVALID_UNAVAIL_REASON', 'INVALID_UNAVAIL_SCHEDULED']);
  assert.match(res.body.detail, new RegExp(`^items\\[0\\]\\.${H}\\[0\\]\\.why: `), 'detail names the field first');
  h.done();
});

// ---------------------------------------------------------------- error injection (§9)

const inject = (endpoint: string, status: number, code: string, count: number) => ({ endpoint, status, code, count, errors: [{ code }] });

test('an injected 429 answers the next `count` valid calls, with Retry-After, then 202 again', async () => {
  const h = await harness();
  const conf = await h.configure([inject('/view-response/request-number', 429, 'TOO_MANY_REQUESTS', 2)]);
  assert.is(conf.status, 204);
  for (let i = 0; i < 2; i++) {
    const res = await h.post('view-response/request-number', rn());
    assert.is(res.status, 429);
    assert.is(res.headers['retry-after'], '1');
    assert.is(res.body.title, 'Too Many Requests');
    assert.equal(res.body.errors, [{ code: 'TOO_MANY_REQUESTS' }]);
  }
  assert.is((await h.post('view-response/request-number', rn())).status, 202);
  assert.is(h.submissions.all().length, 1, 'an injected answer stores nothing');
  h.done();
});

test('injection touches only its endpoint, and an invalid call neither gets nor uses it', async () => {
  const h = await harness();
  await h.configure([inject('/view-response/unavailable', 503, 'SERVICE_UNAVAILABLE', 1)]);
  assert.is((await h.post('view-response/request-number', rn())).status, 202);
  assert.is((await h.post('view-response/unavailable', edit(un(), { contact_count: -1 }))).status, 400);
  const res = await h.post('view-response/unavailable', un());
  assert.is(res.status, 503);
  assert.is(res.body.title, 'Service Unavailable');
  assert.is(res.headers['retry-after'], undefined);
  assert.is((await h.post('view-response/unavailable', un())).status, 202);
  h.done();
});

test('several entries, used in order; 500 answers as configured', async () => {
  const h = await harness();
  await h.configure([
    { endpoint: '/service-availability/find', status: 500, code: 'INTERNAL_SERVER_ERROR', count: 1, errors: [{ code: 'INTERNAL_SERVER_ERROR' }] },
    inject('/service-availability/find', 429, 'TOO_MANY_REQUESTS', 1),
    inject('/view-response/calculations', 503, 'SERVICE_UNAVAILABLE', 1),
  ]);
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await h.post('service-availability/find', nullSub['service-availability/find']!())).status);
  assert.equal(statuses, [500, 429, 202]);
  assert.is((await h.post('view-response/calculations', cl())).status, 503);
  h.done();
});

test('configuration v1_1 accepts count 0 (answers nothing), a status below 400, a 403, long codes and extra fields', async () => {
  const h = await harness();
  const long = 'X'.repeat(150);
  const conf = await h.configure([
    { endpoint: '/view-response/request-number', status: 503, code: 'SERVICE_UNAVAILABLE', count: 0, errors: [{ code: 'SERVICE_UNAVAILABLE' }] },
    { endpoint: '/view-response/response-time', status: 299, code: long, count: 1, errors: [{ code: 'ODD', note: 'extra' }], note: 'extra' },
    inject('/view-response/calculations', 403, 'FORBIDDEN', 1),
  ]);
  assert.is(conf.status, 204, JSON.stringify(conf.body));
  assert.is((await h.post('view-response/request-number', rn())).status, 202, 'count 0 answers no call');
  const odd = await h.post('view-response/response-time', rt());
  assert.is(odd.status, 299);
  assert.equal(odd.body.errors, [{ code: 'ODD' }]);
  assert.is((await h.post('view-response/response-time', rt())).status, 202);
  const forbidden = await h.post('view-response/calculations', cl());
  assert.is(forbidden.status, 403, 'the spec\'s 403 FORBIDDEN can be given');
  assert.is(forbidden.body.title, 'Forbidden');
  assert.equal(forbidden.body.errors, [{ code: 'FORBIDDEN' }]);
  h.done();
});

test('configuration v1_1 requires every field, errors with at least one {code}; a 1xx is refused as cda-sim\'s own rule', async () => {
  const h = await harness();
  const noErrors = await h.configure([{ endpoint: '/view-response/response-time', status: 429, code: 'TOO_MANY_REQUESTS', count: 1 }]);
  assert.is(noErrors.status, 400);
  assert.equal(noErrors.body.errors, [{ code: 'INVALID_ERRORS' }]);
  assert.match(noErrors.body.detail, /\[0\]\.errors: is required \(configuration v1_1\)/);
  const empty = await h.configure([{ ...inject('/view-response/response-time', 429, 'TOO_MANY_REQUESTS', 1), errors: [] }]);
  assert.equal(empty.body.errors, [{ code: 'INVALID_ERRORS' }]);
  const informational = await h.configure([inject('/view-response/response-time', 103, 'EARLY_HINTS', 1)]);
  assert.is(informational.status, 400);
  assert.match(informational.body.detail, /\[0\]\.status: 103 is a 1xx status.*cda-sim's own rule/);
  for (const status of [99, 600]) assert.match((await h.configure([inject('/view-response/response-time', status, 'X', 1)])).body.detail, /100–599 \(configuration v1_1\)/);
  assert.is((await h.post('view-response/response-time', rt())).status, 202, 'nothing was configured');
  h.done();
});

test('an empty list clears every injection', async () => {
  const h = await harness();
  await h.configure([inject('/view-response/request-number', 429, 'TOO_MANY_REQUESTS', 5)]);
  assert.is((await h.post('view-response/request-number', rn())).status, 429);
  assert.is((await h.configure([])).status, 204);
  assert.is((await h.post('view-response/request-number', rn())).status, 202);
  h.done();
});

test('a new configuration replaces the old one', async () => {
  const h = await harness();
  await h.configure([inject('/view-response/request-number', 429, 'TOO_MANY_REQUESTS', 5)]);
  await h.configure([inject('/view-response/unavailable', 500, 'INTERNAL_SERVER_ERROR', 1)]);
  assert.is((await h.post('view-response/request-number', rn())).status, 202);
  h.done();
});

test('at most 6 entries: 6 is accepted, 7 refused', async () => {
  const h = await harness();
  const six = many(6, (i) => inject(`/${ALL[i]}`, 429, 'TOO_MANY_REQUESTS', 1));
  assert.is((await h.configure(six)).status, 204);
  const seven = await h.configure([...six, inject('/view-response/request-number', 500, 'INTERNAL_SERVER_ERROR', 1)]);
  assert.is(seven.status, 400);
  assert.is(seven.body.errors[0].code, 'INVALID_REQUEST_BODY');
  h.done();
});

test('a bad configuration is refused, naming each bad field, and changes nothing', async () => {
  const h = await harness();
  const res = await h.configure([{ endpoint: '/view-response/nope', status: 600, code: 7, count: -1, errors: 'x', extra: true }]);
  assert.is(res.status, 400);
  assert.equal(res.body.errors.map((x: { code: string }) => x.code).sort(), ['INVALID_CODE', 'INVALID_COUNT', 'INVALID_ENDPOINT', 'INVALID_ERRORS', 'INVALID_STATUS']);
  for (const f of ['endpoint', 'status', 'code', 'count', 'errors']) assert.match(res.body.detail, new RegExp(`\\[0\\]\\.${f}: `), `detail names ${f}`);
  assert.is((await h.configure({ endpoint: '/view-response/request-number' })).status, 400);
  assert.is((await h.request.post('/configuration').set('Content-Type', 'text/plain').send('[]')).status, 415);
  assert.is((await h.post('view-response/request-number', rn())).status, 202);
  h.done();
});

// ---------------------------------------------------------------- receipt time and storage

test('receipt time comes from the Clock; resubmissions are kept, not overwritten', async () => {
  const h = await harness(Date.parse('2026-05-01T18:00:00.000Z'));
  const first = rn();
  const id = randomUUID();
  const a = await h.post('view-response/request-number', first, { 'X-Request-ID': id });
  h.clock.advance(90 * 60_000);
  const b = await h.post('view-response/request-number', { ...first, record_id: randomUUID(), submission_reason: 'resubmission', submission_status: 'correction', req_count: 4 });
  assert.is(a.body.datetimestamp, '2026-05-01T18:00:00.000Z');
  assert.is(b.body.datetimestamp, '2026-05-01T19:30:00.000Z');
  const all = h.submissions.all();
  assert.equal(all.map((s) => [s.seq, s.receivedAt, s.body.req_count]), [
    [1, '2026-05-01T18:00:00.000Z', 3],
    [2, '2026-05-01T19:30:00.000Z', 4],
  ]);
  assert.is(all[0].endpoint, 'view-response/request-number');
  assert.is(all[0].requestId, id);
  h.done();
});

test('23:59:59.999Z and 00:00:00.000Z land on different UTC days', async () => {
  const h = await harness(Date.parse('2026-05-01T23:59:59.999Z'));
  const id1 = randomUUID();
  await h.post('view-response/request-number', rn(), { 'X-Request-ID': id1 });
  h.clock.advance(1);
  const id2 = randomUUID();
  await h.post('view-response/request-number', rn(), { 'X-Request-ID': id2 });
  assert.equal(h.submissions.onUtcDay('2026-05-01').map((s) => [s.requestId, s.receivedAt]), [[id1, '2026-05-01T23:59:59.999Z']]);
  assert.equal(h.submissions.onUtcDay('2026-05-02').map((s) => [s.requestId, s.receivedAt]), [[id2, '2026-05-02T00:00:00.000Z']]);
  assert.equal(h.submissions.onUtcDay('2026-04-30'), []);
  h.done();
});

test('the journal records accepted and refused submissions', async () => {
  const h = await harness();
  const entries: { status: number; role: string; operationId?: string; requestBody?: unknown }[] = [];
  h.journal.on('entry', (e) => entries.push(e));
  await h.post('view-response/request-number', rn());
  await h.post('view-response/request-number', edit(rn(), { req_count: -1 }));
  assert.equal(entries.map((e) => [e.role, e.status, e.operationId]), [
    ['reporting', 202, 'viewResponseRequestNumberData'],
    ['reporting', 400, 'viewResponseRequestNumberData'],
  ]);
  assert.is((entries[1].requestBody as Body).req_count, -1);
  h.done();
});

test('each period violation names its own path: map, holdernameGuid, period index and field', () => {
  const H2 = guid(2);
  const b = { ...common(), items: [{ [H]: [period(), period()] }, { [H2]: [period(), 'x', edit(period(), { start_date_ts: 'soon', end_date_ts: undefined, extra: 1 })] }] };
  assert.equal(
    validateSubmission('service-availability/find', b).map((v) => `${v.code} ${v.field}`),
    [`INVALID_UNEXPECTED_FIELD items[1].${H2}[1]`, `INVALID_UNEXPECTED_FIELD items[1].${H2}[2].extra`, `INVALID_END_DATE_TS items[1].${H2}[2].end_date_ts`, `INVALID_START_DATE_TS items[1].${H2}[2].start_date_ts`],
  );
});

test('validateSubmission is pure and agrees on a body that is not an object', () => {
  assert.equal(validateSubmission('view-response/unavailable', 'x').map((v) => v.code), ['INVALID_REQUEST_BODY']);
  const b = rn();
  const copy = structuredClone(b);
  validateSubmission('view-response/request-number', b);
  assert.equal(b, copy);
});

test.run();
