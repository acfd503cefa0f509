// `--compat maps-harness` on the reporting endpoints: where MaPS's harness v2.0.x judges a
// submission differently from the reporting API v2.1 document (reporting-api.md §2.2, §7.3).
// Each difference is a row of scenarios/maps-harness.json.
import type { ReportingEndpoint, RuleViolation } from '../wire/reporting-api.js';

/** The harness's unavail_reason pattern: the spec's `^[a-zA-Z0-9_ .-]*$` without the '-'. */
const HARNESS_UNAVAIL_REASON = /^[a-zA-Z0-9_ .]*$/;

/** The harness names the accrued PPF counter from its field, not the spec's INVALID_UNAVAIL_PPF_COUNT. */
const HARNESS_CODES: Record<string, string> = { INVALID_UNAVAIL_PPF_COUNT: 'INVALID_ACCRUED_UNAVAIL_PPF_COUNT' };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Periods whose unavail_reason the spec allows and the harness refuses (a '-'). */
function hyphenatedReasons(body: unknown): RuleViolation[] {
  const items = isObj(body) && Array.isArray(body.items) ? body.items : [];
  const out: RuleViolation[] = [];
  items.forEach((item, i) => {
    if (!isObj(item)) return;
    for (const [guid, periods] of Object.entries(item)) {
      if (!Array.isArray(periods)) continue;
      periods.forEach((p, j) => {
        const r = isObj(p) ? p.unavail_reason : undefined;
        if (typeof r === 'string' && !HARNESS_UNAVAIL_REASON.test(r) && /^[a-zA-Z0-9_ .-]*$/.test(r)) {
          out.push({ code: 'INVALID_UNAVAIL_REASON', field: `items[${i}].${guid}[${j}].unavail_reason`, detail: 'contains "-", which MaPS\'s harness refuses (its pattern is ^[a-zA-Z0-9_ .]*$; the spec allows "-")' });
        }
      });
    }
  });
  return out;
}

/** The violations as the harness reports them: its own codes, and what it refuses beyond the spec. */
export function harnessViolations(endpoint: ReportingEndpoint, body: unknown, found: RuleViolation[]): RuleViolation[] {
  const extra = endpoint.startsWith('service-availability/') ? hyphenatedReasons(body) : [];
  return [...found, ...extra].map((v) => (HARNESS_CODES[v.code] ? { ...v, code: HARNESS_CODES[v.code] } : v));
}
