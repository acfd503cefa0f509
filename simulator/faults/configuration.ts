// The harness-compatible error-injection configuration: POST /configuration with a JSON list of
// {endpoint, status, code, count, errors} (reporting-api.md §9), accepted exactly as the harness's
// `configuration v1_1` schema accepts it: 0–6 entries, every field required, status 100–599,
// count ≥ 0, errors at least one {code}, other fields allowed. MaPS's harness takes the six
// reporting endpoints; cda-sim takes the C&A endpoints too, in the same shape, and feeds the one
// fault registry. Posting a list replaces every rule; an empty list clears them all.
import { REPORTING_ENDPOINTS, type ReportingEndpoint, type RuleViolation } from '../wire/reporting-api.js';
import { FAULT_STATUSES, REPORTING_STATUS_RANGE, type CaFaultEndpoint, type ErrorFault, type FaultStatus, type FaultTarget } from './registry.js';

/** How the C&A endpoints are named in a configuration entry (POST is the default for /rreguri). */
export const CA_CONFIGURATION_ENDPOINTS: Record<string, CaFaultEndpoint> = {
  '/token': 'token',
  '/rreguri': 'rreguri-post',
  'POST /rreguri': 'rreguri-post',
  'GET /rreguri': 'rreguri-get',
  'PATCH /rreguri': 'rreguri-patch',
  'DELETE /rreguri': 'rreguri-delete',
  '/perm': 'perm',
  '/introspect': 'introspect',
};

/** configuration v1_1: the list holds 0–6 entries, whichever endpoints they name. */
export const MAX_ENTRIES = 6;
/** configuration v1_1's required fields; other fields are allowed (the schema does not close the object). */
const REQUIRED = ['endpoint', 'status', 'code', 'count', 'errors'] as const;
const INT32_MAX = 2 ** 31 - 1;
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt32 = (x: unknown): x is number => Number.isInteger(x) && (x as number) <= INT32_MAX;

function targetOf(endpoint: unknown): FaultTarget | undefined {
  if (typeof endpoint !== 'string') return undefined;
  const ca = CA_CONFIGURATION_ENDPOINTS[endpoint];
  if (ca) return ca;
  const path = endpoint.replace(/^\//, '') as ReportingEndpoint;
  return endpoint.startsWith('/') && REPORTING_ENDPOINTS.includes(path) ? path : undefined;
}

const isCaTarget = (t: FaultTarget | undefined): boolean => t !== undefined && Object.values(CA_CONFIGURATION_ENDPOINTS).includes(t as CaFaultEndpoint);

/** The status rules of one entry: v1_1's 100–599, then the two limits cda-sim adds (each says why). */
function statusViolations(status: unknown, target: FaultTarget | undefined, at: string): RuleViolation[] {
  const field = `${at}.status`;
  if (!isInt32(status) || status < 100 || status > 599) return [{ code: 'INVALID_STATUS', field, detail: 'must be an integer HTTP status, 100–599 (configuration v1_1)' }];
  if (status < REPORTING_STATUS_RANGE.min) return [{ code: 'INVALID_STATUS', field, detail: `${status} is a 1xx status, which cannot end an HTTP exchange (cda-sim's own rule: v1_1 allows it, HTTP does not)` }];
  if (isCaTarget(target) && !FAULT_STATUSES.includes(status as FaultStatus)) {
    return [{ code: 'INVALID_STATUS', field, detail: `on a C&A endpoint must be one the C&A documents declare: ${FAULT_STATUSES.join(', ')} (cda-sim's own rule: C&A entries are cda-sim's extension of v1_1)` }];
  }
  return [];
}

function entryViolations(e: unknown, i: number): RuleViolation[] {
  const at = `[${i}]`;
  if (!isObj(e)) return [{ code: 'INVALID_REQUEST_BODY', field: at, detail: 'must be an object {endpoint, status, code, count, errors}' }];
  const out: RuleViolation[] = [];
  for (const k of REQUIRED) if (e[k] === undefined || e[k] === null) out.push({ code: `INVALID_${k.toUpperCase()}`, field: `${at}.${k}`, detail: 'is required (configuration v1_1)' });
  const target = targetOf(e.endpoint);
  if (e.endpoint != null && !target) {
    const names = [...REPORTING_ENDPOINTS.map((p) => `/${p}`), ...Object.keys(CA_CONFIGURATION_ENDPOINTS)];
    out.push({ code: 'INVALID_ENDPOINT', field: `${at}.endpoint`, detail: `must be one of: ${names.join(', ')}` });
  }
  if (e.status != null) out.push(...statusViolations(e.status, target, at));
  if (e.code != null && typeof e.code !== 'string') out.push({ code: 'INVALID_CODE', field: `${at}.code`, detail: 'must be a string: the problem code' });
  if (e.count != null && !(isInt32(e.count) && e.count >= 0)) out.push({ code: 'INVALID_COUNT', field: `${at}.count`, detail: 'must be an integer ≥ 0: how many calls to answer this way (0 answers none)' });
  if (e.errors != null && !(Array.isArray(e.errors) && e.errors.length >= 1 && e.errors.every((x) => isObj(x) && typeof x.code === 'string'))) {
    out.push({ code: 'INVALID_ERRORS', field: `${at}.errors`, detail: 'must be an array of at least one {code} object, code a string' });
  }
  return out;
}

/** Check a configuration body against configuration v1_1; no violations means it can be applied. */
export function validateConfiguration(body: unknown): RuleViolation[] {
  if (!Array.isArray(body)) return [{ code: 'INVALID_REQUEST_BODY', field: 'body', detail: `must be a JSON array of {endpoint, status, code, count, errors}, at most ${MAX_ENTRIES}` }];
  const out: RuleViolation[] = [];
  if (body.length > MAX_ENTRIES) out.push({ code: 'INVALID_REQUEST_BODY', field: 'body', detail: `holds at most ${MAX_ENTRIES} entries (configuration v1_1), not ${body.length}` });
  body.forEach((e, i) => out.push(...entryViolations(e, i)));
  return out;
}

/**
 * The registry rules a valid configuration stands for. On /token the OAuth `error` is the code when
 * it is an OAuth code; otherwise the status's usual one (a harness code like TOO_MANY_REQUESTS is
 * not an OAuth error), so the answer stays in the OAuth shape.
 */
export function configurationRules(body: unknown[], oauthCodes: string[]): ErrorFault[] {
  // An entry with count 0 answers no call: it adds no rule.
  return (body as Record<string, unknown>[]).filter((e) => (e.count as number) > 0).map((e) => {
    const endpoint = targetOf(e.endpoint)!;
    // The admin API's code rule (1–100 characters) still holds in the registry: a code outside it
    // leaves the status's usual one, while the errors keep every code sent (up to ProblemDetails' 1000).
    const sent = e.code as string;
    const code = sent.length >= 1 && sent.length <= 100 ? sent : undefined;
    const errors = (e.errors as { code: string }[]).slice(0, 1000).map((x) => ({ code: x.code }));
    if (endpoint === 'token') return { endpoint, status: e.status as number, count: e.count as number, ...(code && oauthCodes.includes(code) ? { code } : {}) };
    return { endpoint, status: e.status as number, ...(code ? { code } : {}), count: e.count as number, errors };
  });
}
