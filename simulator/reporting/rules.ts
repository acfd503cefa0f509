// The reporting API's body rules (reporting-api.md §2–5, §7.3, §8), in one place. Pure: the HTTP
// service and the daily pipeline both call validateSubmission. Every violation is collected, then
// ordered by the MaPS harness's validation steps, so errors[0] is the error the harness (which
// stops at the first) would return:
//   2 empty body · 3 null-submission rules · 4 required top-level fields · 5 formats (UUIDs, enums,
//   date-times, types) · 6 unexpected fields · 7 required fields inside items · 8 remaining limits.
import { isCalendarDateTime } from '../core/date-time.js';
import { UNAVAILABLE_COUNTERS, type ReportingEndpoint, type RuleViolation } from '../wire/reporting-api.js';

/**
 * Where these rules are stricter than the reporting API v2.1 document: why, as
 * openapi/reporting.yaml tags them (x-cda-sim-own-rule; a test checks the two agree).
 */
export const REPORTING_OWN_RULES = {
  recordIdV4:
    "the reporting API v2.1 schema takes a UUID of any version, while its text says record_id must be UUID v4; cda-sim enforces the text",
  emptyHoldernameMap: 'the schema does not forbid an empty holdernameGuid map in items; cda-sim refuses it, as it reports nothing for any holdername',
} as const;

type Step = 2 | 3 | 4 | 5 | 6 | 7 | 8;
type Obj = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The spec says record_id "must be UUID v4".
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
// The spec's pattern; MaPS's harness leaves out '-', the spec allows it.
const UNAVAIL_REASON = /^[a-zA-Z0-9_ .-]*$/;
const INT32_MAX = 2_147_483_647;

export const SUBMISSION_STATUSES = ['on time', 'correction', 'late'] as const;
export const SUBMISSION_REASONS = ['initial submission', 'resubmission', 'null submission'] as const;
const COMMON_FIELDS = ['record_id', 'submission_status', 'reporting_period_start', 'submission_reason', 'submission_id'];

/** The top-level keys each endpoint accepts (the harness's allow-lists). */
export const ALLOWED_FIELDS: Record<ReportingEndpoint, string[]> = {
  'service-availability/find': [...COMMON_FIELDS, 'items'],
  'service-availability/view': [...COMMON_FIELDS, 'items'],
  'view-response/request-number': [...COMMON_FIELDS, 'holdernameGuid', 'req_count'],
  'view-response/response-time': [...COMMON_FIELDS, 'holdernameGuid', 'items'],
  'view-response/calculations': [...COMMON_FIELDS, 'holdernameGuid', 'calculation_type', 'single_calculation', 'multiple_calculation'],
  'view-response/unavailable': [...COMMON_FIELDS, 'holdernameGuid', ...Object.keys(UNAVAILABLE_COUNTERS)],
};

/** Endpoints whose discriminator has a "null submission" shape. */
export const NULL_SUBMISSION_ALLOWED: Record<ReportingEndpoint, boolean> = {
  'service-availability/find': true,
  'service-availability/view': true,
  'view-response/request-number': false, // report a quiet day as req_count: 0
  'view-response/response-time': true,
  'view-response/calculations': true,
  'view-response/unavailable': false,
};

export const LIMITS = { holdernameItems: 667, periodsPerHoldername: 100, responseTimeItems: 1400, calculationItems: 1300, stringMax: 255 } as const;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const has = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const show = (x: unknown) => (x === undefined ? 'undefined' : JSON.stringify(x)?.slice(0, 80));

/** The harness's pattern, and a real calendar date and time (no Feb 30, no hour 25). Hot: one call per timestamp. */
export function isDateTime(x: unknown): boolean {
  return typeof x === 'string' && x.length <= LIMITS.stringMax && isCalendarDateTime(x);
}

const isInt32 = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

class Collector {
  private list: { step: Step; n: number; v: RuleViolation }[] = [];
  add(step: Step, code: string, field: string | undefined, detail: string): void {
    this.list.push({ step, n: this.list.length, v: field === undefined ? { code, detail } : { code, field, detail } });
  }
  /** A violation of one of cda-sim's own rules, with why (its note is added where the outcome is known: withOwnRuleNotes). */
  addOwn(step: Step, code: string, field: string, detail: string, why: string): void {
    this.list.push({ step, n: this.list.length, v: { code, field, detail, ownRule: why } });
  }
  sorted(): RuleViolation[] {
    return this.list.sort((a, b) => a.step - b.step || a.n - b.n).map((x) => x.v);
  }
}

const DT_RULE = 'an RFC 3339 date-time, e.g. 2026-05-01T00:00:00.000Z (any offset), at most 255 characters';

/**
 * Check one reporting body. An empty list means valid. Codes are the spec's INVALID_<FIELD> codes,
 * with the harness's structural codes INVALID_REQUEST_BODY and INVALID_UNEXPECTED_FIELD. An own
 * rule's violation carries `ownRule`; its note is added where the outcome is known (withOwnRuleNotes).
 */
export function validateSubmission(endpoint: ReportingEndpoint, body: unknown): RuleViolation[] {
  if (!isObj(body)) return [{ code: 'INVALID_REQUEST_BODY', field: 'body', detail: `the body must be a JSON object, not ${Array.isArray(body) ? 'an array' : show(body)}` }];
  if (Object.keys(body).length === 0) return [{ code: 'INVALID_REQUEST_BODY', field: 'body', detail: 'the body is an empty object' }];
  const c = new Collector();
  const reason = body.submission_reason;
  const nullAllowed = NULL_SUBMISSION_ALLOWED[endpoint];
  const reasonValid = typeof reason === 'string' && (SUBMISSION_REASONS as readonly string[]).includes(reason) && (nullAllowed || reason !== 'null submission');
  const declaredNull = nullAllowed && reason === 'null submission';
  // With no usable reason, judge the body by the shape it has, so one bad field is one error.
  const nullShape = reasonValid ? declaredNull : nullAllowed && inferNullShape(endpoint, body);

  // Step 3: null-submission rules.
  let submissionIdReported = false;
  if (declaredNull) {
    if (!has(body, 'submission_id') || body.submission_id !== null) {
      c.add(3, 'INVALID_SUBMISSION_ID', 'submission_id', `must be null on a null submission${has(body, 'submission_id') ? `, not ${show(body.submission_id)}` : ' (the key is required)'}`);
      submissionIdReported = true;
    }
    if ((endpoint === 'service-availability/find' || endpoint === 'service-availability/view') && Array.isArray(body.items)) {
      body.items.forEach((x, i) => {
        if (typeof x !== 'string') c.add(3, 'INVALID_UNEXPECTED_FIELD', `items[${i}]`, 'a null submission lists holdernameGuid strings only, no unavailability periods');
      });
    }
    if (endpoint === 'view-response/response-time' && has(body, 'items')) c.add(3, 'INVALID_UNEXPECTED_FIELD', 'items', 'a null submission carries no items');
    if (endpoint === 'view-response/calculations') {
      for (const k of ['single_calculation', 'multiple_calculation']) if (has(body, k)) c.add(3, 'INVALID_UNEXPECTED_FIELD', k, 'a null submission carries no calculation data');
    }
  }

  // Steps 4 and 5: common fields.
  const required = (field: string, code: string, what: string): boolean => {
    if (has(body, field)) return true;
    c.add(4, code, field, `is required: ${what}`);
    return false;
  };
  if (required('record_id', 'INVALID_RECORD_ID', 'a UUID v4') && !(typeof body.record_id === 'string' && UUID_V4.test(body.record_id))) {
    if (typeof body.record_id === 'string' && UUID.test(body.record_id)) c.addOwn(5, 'INVALID_RECORD_ID', 'record_id', `must be a UUID v4, not ${show(body.record_id)}`, REPORTING_OWN_RULES.recordIdV4);
    else c.add(5, 'INVALID_RECORD_ID', 'record_id', `must be a UUID v4, not ${show(body.record_id)}`);
  }
  if (required('submission_status', 'INVALID_SUBMISSION_STATUS', 'on time, correction or late') && !(SUBMISSION_STATUSES as readonly unknown[]).includes(body.submission_status)) {
    c.add(5, 'INVALID_SUBMISSION_STATUS', 'submission_status', `must be one of: ${SUBMISSION_STATUSES.join(', ')}; not ${show(body.submission_status)}`);
  }
  if (required('reporting_period_start', 'INVALID_REPORTING_PERIOD_START', DT_RULE) && !isDateTime(body.reporting_period_start)) {
    c.add(5, 'INVALID_REPORTING_PERIOD_START', 'reporting_period_start', `must be ${DT_RULE}; not ${show(body.reporting_period_start)}`);
  }
  const reasons = nullAllowed ? SUBMISSION_REASONS : SUBMISSION_REASONS.filter((r) => r !== 'null submission');
  if (required('submission_reason', 'INVALID_SUBMISSION_REASON', reasons.join(', ')) && !reasonValid) {
    c.add(5, 'INVALID_SUBMISSION_REASON', 'submission_reason', `must be one of: ${reasons.join(', ')}${nullAllowed ? '' : ` (/${endpoint} has no null submission)`}; not ${show(reason)}`);
  }
  if (!submissionIdReported && required('submission_id', 'INVALID_SUBMISSION_ID', 'the key must be present; its value is a UUID or null')) {
    const id = body.submission_id;
    if (id !== null && !(typeof id === 'string' && UUID.test(id))) c.add(5, 'INVALID_SUBMISSION_ID', 'submission_id', `must be a UUID or null, not ${show(id)}`);
  }
  if (endpoint.startsWith('view-response/') && required('holdernameGuid', 'INVALID_HOLDERNAMEGUID', 'a UUID (camelCase key)')) {
    if (!(typeof body.holdernameGuid === 'string' && UUID.test(body.holdernameGuid))) c.add(5, 'INVALID_HOLDERNAMEGUID', 'holdernameGuid', `must be a UUID, not ${show(body.holdernameGuid)}`);
  }

  // Step 6: unexpected top-level fields (null-only exclusions were reported in step 3).
  const allowed = new Set(ALLOWED_FIELDS[endpoint]);
  for (const k of Object.keys(body)) if (!allowed.has(k)) c.add(6, 'INVALID_UNEXPECTED_FIELD', k, `is not a field of /${endpoint}`);

  switch (endpoint) {
    case 'service-availability/find':
    case 'service-availability/view':
      if (nullShape) holdernameList(body, c);
      else availabilityItems(body, c);
      break;
    case 'view-response/request-number':
      counter(body, 'req_count', 'INVALID_REQ_COUNT', c);
      break;
    case 'view-response/response-time':
      if (!nullShape) responseTimes(body, c);
      break;
    case 'view-response/calculations':
      calculations(body, nullShape, c);
      break;
    case 'view-response/unavailable':
      for (const [field, code] of Object.entries(UNAVAILABLE_COUNTERS)) counter(body, field, code, c);
      break;
  }
  return c.sorted();
}

function inferNullShape(endpoint: ReportingEndpoint, body: Obj): boolean {
  if (endpoint === 'view-response/response-time') return !has(body, 'items');
  if (endpoint === 'view-response/calculations') return !has(body, 'calculation_type') && !has(body, 'single_calculation') && !has(body, 'multiple_calculation');
  return Array.isArray(body.items) && body.items.length > 0 && body.items.every((x) => typeof x === 'string');
}

function counter(body: Obj, field: string, code: string, c: Collector): void {
  if (!has(body, field)) return c.add(4, code, field, 'is required: an integer ≥ 0');
  const v = body[field];
  if (!isInt32(v)) return c.add(5, code, field, `must be an integer ≥ 0, not ${show(v)}`);
  if (v < 0 || v > INT32_MAX) c.add(8, code, field, `must be between 0 and ${INT32_MAX} (int32), not ${v}`);
}

/** Null submission: items is 1–667 holdernameGuid strings (non-strings were reported in step 3). */
function holdernameList(body: Obj, c: Collector): void {
  if (!has(body, 'items')) return c.add(4, 'INVALID_HOLDERNAMEGUID', 'items', 'is required: the 1–667 holdernameGuids with nothing to report');
  const items = body.items;
  if (!Array.isArray(items)) return c.add(5, 'INVALID_HOLDERNAMEGUID', 'items', 'must be an array of 1–667 holdernameGuid strings');
  if (items.length < 1 || items.length > LIMITS.holdernameItems) c.add(8, 'INVALID_HOLDERNAMEGUID', 'items', `must hold 1–${LIMITS.holdernameItems} holdernameGuids, not ${items.length}`);
  items.forEach((x, i) => {
    if (typeof x === 'string' && !UUID.test(x)) c.add(5, 'INVALID_HOLDERNAMEGUID', `items[${i}]`, `must be a UUID, not ${show(x)}`);
  });
}

const PERIOD_FIELDS: [string, string][] = [
  ['start_date_ts', 'INVALID_START_DATE_TS'],
  ['end_date_ts', 'INVALID_END_DATE_TS'],
  ['unavail_scheduled', 'INVALID_UNAVAIL_SCHEDULED'],
  ['unavail_reason', 'INVALID_UNAVAIL_REASON'],
];
const PERIOD_KEYS = new Set(PERIOD_FIELDS.map(([f]) => f));

/** Initial submission or resubmission: items is 1–667 maps, holdernameGuid → 1–100 periods. */
function availabilityItems(body: Obj, c: Collector): void {
  if (!has(body, 'items')) return c.add(4, 'INVALID_HOLDERNAMEGUID', 'items', 'is required: 1–667 objects, each mapping a holdernameGuid to its unavailability periods');
  const items = body.items;
  if (!Array.isArray(items)) return c.add(5, 'INVALID_HOLDERNAMEGUID', 'items', 'must be an array of 1–667 objects, each mapping a holdernameGuid to its unavailability periods');
  if (items.length < 1 || items.length > LIMITS.holdernameItems) c.add(8, 'INVALID_HOLDERNAMEGUID', 'items', `must hold 1–${LIMITS.holdernameItems} holdernameGuid maps, not ${items.length}`);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isObj(item)) {
      c.add(6, 'INVALID_UNEXPECTED_FIELD', `items[${i}]`, `must be an object mapping a holdernameGuid to its periods, not ${show(item)} (a list of strings is the null-submission shape)`);
      continue;
    }
    const keys = Object.keys(item);
    if (keys.length === 0) c.addOwn(8, 'INVALID_HOLDERNAMEGUID', `items[${i}]`, 'must map at least one holdernameGuid to its periods', REPORTING_OWN_RULES.emptyHoldernameMap);
    for (const guid of keys) {
      const at = `items[${i}].${guid}`;
      if (!UUID.test(guid)) c.add(5, 'INVALID_HOLDERNAMEGUID', at, `the key must be a holdernameGuid (a UUID), not ${show(guid)}`);
      const periods = item[guid];
      if (!Array.isArray(periods)) {
        c.add(8, 'INVALID_HOLDERNAMEGUID', at, `must be an array of 1–${LIMITS.periodsPerHoldername} unavailability periods`);
        continue;
      }
      if (periods.length < 1 || periods.length > LIMITS.periodsPerHoldername) c.add(8, 'INVALID_HOLDERNAMEGUID', at, `must hold 1–${LIMITS.periodsPerHoldername} periods, not ${periods.length}`);
      for (let j = 0; j < periods.length; j++) period(periods[j], at, j, c);
    }
  }
}

/** Period j of the map at `at`. Its path is only built for a violation: a 1 MiB body holds thousands of periods. */
function period(p: unknown, at: string, j: number, c: Collector): void {
  const where = (field?: string) => `${at}[${j}]${field === undefined ? '' : `.${field}`}`;
  if (!isObj(p)) return c.add(6, 'INVALID_UNEXPECTED_FIELD', where(), 'must be an object {start_date_ts, end_date_ts, unavail_scheduled, unavail_reason}');
  for (const k in p) if (!PERIOD_KEYS.has(k)) c.add(6, 'INVALID_UNEXPECTED_FIELD', where(k), 'is not a field of an unavailability period');
  for (const [f, code] of PERIOD_FIELDS) if (!has(p, f)) c.add(7, code, where(f), 'is required');
  if (has(p, 'start_date_ts') && !isDateTime(p.start_date_ts)) c.add(8, 'INVALID_START_DATE_TS', where('start_date_ts'), `must be ${DT_RULE}`);
  if (has(p, 'end_date_ts') && !isDateTime(p.end_date_ts)) c.add(8, 'INVALID_END_DATE_TS', where('end_date_ts'), `must be ${DT_RULE}`);
  if (has(p, 'unavail_scheduled') && typeof p.unavail_scheduled !== 'boolean') c.add(8, 'INVALID_UNAVAIL_SCHEDULED', where('unavail_scheduled'), 'must be a boolean: true planned, false unplanned');
  if (has(p, 'unavail_reason')) {
    const r = p.unavail_reason;
    if (typeof r !== 'string' || r.length < 1 || r.length > LIMITS.stringMax || !UNAVAIL_REASON.test(r)) {
      c.add(8, 'INVALID_UNAVAIL_REASON', where('unavail_reason'), 'must be 1–255 characters of letters, digits, space, _ . -');
    }
  }
}

/** Initial submission or resubmission: items is 1–1,400 closed {req_date_ts, resp_date_ts}. */
function responseTimes(body: Obj, c: Collector): void {
  // The harness answers a missing or empty items with INVALID_REQ_DATE_TS.
  if (!has(body, 'items')) return c.add(4, 'INVALID_REQ_DATE_TS', 'items', 'is required: 1–1,400 {req_date_ts, resp_date_ts} (send a null submission when no response took over 10 s)');
  const items = body.items;
  if (!Array.isArray(items)) return c.add(5, 'INVALID_REQ_DATE_TS', 'items', 'must be an array of 1–1,400 {req_date_ts, resp_date_ts}');
  if (items.length === 0) c.add(7, 'INVALID_REQ_DATE_TS', 'items', 'must not be empty (send a null submission when no response took over 10 s)');
  if (items.length > LIMITS.responseTimeItems) c.add(8, 'INVALID_REQ_DATE_TS', 'items', `must hold at most ${LIMITS.responseTimeItems} items, not ${items.length}`);
  items.forEach((it, i) => {
    const at = `items[${i}]`;
    if (!isObj(it)) return c.add(6, 'INVALID_UNEXPECTED_FIELD', at, 'must be an object {req_date_ts, resp_date_ts}');
    for (const k in it) if (k !== 'req_date_ts' && k !== 'resp_date_ts') c.add(6, 'INVALID_UNEXPECTED_FIELD', `${at}.${k}`, 'is not a field of a response-time item');
    for (const [f, code] of [['req_date_ts', 'INVALID_REQ_DATE_TS'], ['resp_date_ts', 'INVALID_RESP_DATE_TS']] as const) {
      if (!has(it, f)) c.add(7, code, `${at}.${f}`, 'is required');
      else if (!isDateTime(it[f])) c.add(8, code, `${at}.${f}`, `must be ${DT_RULE}`);
    }
  });
}

const CALC_ENTRY: [string, string][] = [
  ['value_code', 'INVALID_VALUE_CODE'],
  ['calculation_start_date', 'INVALID_CALCULATION_START_DATE'],
  ['calculation_end_date', 'INVALID_CALCULATION_END_DATE'],
];
const CALC_ENTRY_KEYS = new Set(CALC_ENTRY.map(([f]) => f));

function calculations(body: Obj, nullShape: boolean, c: Collector): void {
  const type = body.calculation_type;
  if (!has(body, 'calculation_type')) {
    if (!nullShape) c.add(4, 'INVALID_CALCULATION_TYPE', 'calculation_type', 'is required: single or multiple');
  } else if (type !== 'single' && type !== 'multiple') {
    c.add(5, 'INVALID_CALCULATION_TYPE', 'calculation_type', `must be single or multiple, not ${show(type)}`);
  }
  if (nullShape) return; // calculation data on a null submission was reported in step 3
  const want = type === 'single' ? 'single_calculation' : type === 'multiple' ? 'multiple_calculation' : undefined;
  if (want) {
    const other = want === 'single_calculation' ? 'multiple_calculation' : 'single_calculation';
    if (!has(body, want)) c.add(4, 'INVALID_CALCULATION_TYPE', want, `is required when calculation_type is ${type}`);
    if (has(body, other)) c.add(6, 'INVALID_UNEXPECTED_FIELD', other, `is not allowed when calculation_type is ${type}`);
  }
  if (has(body, 'single_calculation')) calcItems(body.single_calculation, 'single_calculation', c);
  if (has(body, 'multiple_calculation')) {
    const m = body.multiple_calculation;
    if (!isObj(m)) return c.add(5, 'INVALID_CALCULATION_TYPE', 'multiple_calculation', 'must be an object {eriCalculationData, accruedCalculationData}');
    for (const k in m) if (k !== 'eriCalculationData' && k !== 'accruedCalculationData') c.add(6, 'INVALID_UNEXPECTED_FIELD', `multiple_calculation.${k}`, 'is not a field of multiple_calculation');
    for (const k of ['eriCalculationData', 'accruedCalculationData']) {
      if (!has(m, k)) c.add(7, 'INVALID_CALCULATION_TYPE', `multiple_calculation.${k}`, 'is required for a multiple calculation');
      else calcItems(m[k], `multiple_calculation.${k}`, c);
    }
  }
}

/** A {items: [0–1,300 entries]} holder. */
function calcItems(holder: unknown, at: string, c: Collector): void {
  if (!isObj(holder)) return c.add(5, 'INVALID_CALCULATION_TYPE', at, 'must be an object {items: [...]}');
  for (const k in holder) if (k !== 'items') c.add(6, 'INVALID_UNEXPECTED_FIELD', `${at}.${k}`, `is not a field of ${at}`);
  if (!has(holder, 'items')) return c.add(7, 'INVALID_CALCULATION_TYPE', `${at}.items`, 'is required (0–1,300 calculations)');
  const items = holder.items;
  if (!Array.isArray(items)) return c.add(7, 'INVALID_CALCULATION_TYPE', `${at}.items`, 'must be an array of 0–1,300 calculations');
  if (items.length > LIMITS.calculationItems) c.add(8, 'INVALID_CALCULATION_TYPE', `${at}.items`, `must hold at most ${LIMITS.calculationItems} calculations, not ${items.length}`);
  items.forEach((e, i) => {
    const where = `${at}.items[${i}]`;
    if (!isObj(e)) return c.add(6, 'INVALID_UNEXPECTED_FIELD', where, 'must be an object {value_code, calculation_start_date, calculation_end_date}');
    for (const k in e) if (!CALC_ENTRY_KEYS.has(k)) c.add(6, 'INVALID_UNEXPECTED_FIELD', `${where}.${k}`, 'is not a field of a calculation');
    for (const [f, code] of CALC_ENTRY) if (!has(e, f)) c.add(7, code, `${where}.${f}`, 'is required');
    if (has(e, 'value_code') && e.value_code !== 'DBC' && e.value_code !== 'DCC') c.add(8, 'INVALID_VALUE_CODE', `${where}.value_code`, `must be DBC or DCC, not ${show(e.value_code)}`);
    if (has(e, 'calculation_start_date') && !isDateTime(e.calculation_start_date)) c.add(8, 'INVALID_CALCULATION_START_DATE', `${where}.calculation_start_date`, `must be ${DT_RULE}`);
    if (has(e, 'calculation_end_date') && !isDateTime(e.calculation_end_date)) c.add(8, 'INVALID_CALCULATION_END_DATE', `${where}.calculation_end_date`, `must be ${DT_RULE}`);
  });
}
