// The harness-compatible error-injection configuration: POST /configuration with a JSON list of
// {endpoint, status, code, count, errors} (reporting-api.md §9). MaPS's harness takes the six
// reporting endpoints; cda-sim takes the C&A endpoints too, in the same shape, and feeds the one
// fault registry. Posting a list replaces every rule; an empty list clears them all.
import { REPORTING_ENDPOINTS, type ReportingEndpoint } from '../reporting/submissions.js';
import type { RuleViolation } from '../reporting/rules.js';
import { FAULT_STATUSES, type CaFaultEndpoint, type ErrorFault, type FaultStatus, type FaultTarget } from './registry.js';

/** How the C&A endpoints are named in a configuration entry (POST is the default for /rreguri). */
export const CA_CONFIGURATION_ENDPOINTS: Record<string, CaFaultEndpoint> = {
  '/token': 'token',
  '/rreguri': 'rreguri-post',
  'POST /rreguri': 'rreguri-post',
  'PATCH /rreguri': 'rreguri-patch',
  'DELETE /rreguri': 'rreguri-delete',
  '/perm': 'perm',
  '/introspect': 'introspect',
};

/** The harness holds at most 6 entries for the reporting endpoints; C&A entries are bounded too. */
export const MAX_REPORTING_ENTRIES = 6;
export const MAX_ENTRIES = 50;
const ENTRY_KEYS = new Set(['endpoint', 'status', 'code', 'count', 'errors']);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function targetOf(endpoint: unknown): FaultTarget | undefined {
  if (typeof endpoint !== 'string') return undefined;
  const ca = CA_CONFIGURATION_ENDPOINTS[endpoint];
  if (ca) return ca;
  const path = endpoint.replace(/^\//, '') as ReportingEndpoint;
  return endpoint.startsWith('/') && REPORTING_ENDPOINTS.includes(path) ? path : undefined;
}

const isCaTarget = (t: FaultTarget | undefined): boolean => t !== undefined && Object.values(CA_CONFIGURATION_ENDPOINTS).includes(t as CaFaultEndpoint);

/** Check a configuration body; an empty list of violations means it can be applied. */
export function validateConfiguration(body: unknown): RuleViolation[] {
  if (!Array.isArray(body)) return [{ code: 'INVALID_REQUEST_BODY', field: 'body', detail: `must be a JSON array of {endpoint, status, code, count, errors} (at most ${MAX_REPORTING_ENTRIES} for the reporting endpoints)` }];
  const out: RuleViolation[] = [];
  if (body.length > MAX_ENTRIES) out.push({ code: 'INVALID_REQUEST_BODY', field: 'body', detail: `holds at most ${MAX_ENTRIES} entries, not ${body.length}` });
  const reporting = body.filter((e) => isObj(e) && targetOf(e.endpoint) !== undefined && !isCaTarget(targetOf(e.endpoint))).length;
  if (reporting > MAX_REPORTING_ENTRIES) out.push({ code: 'INVALID_REQUEST_BODY', field: 'body', detail: `holds at most ${MAX_REPORTING_ENTRIES} entries for the reporting endpoints, not ${reporting}` });
  body.forEach((e, i) => {
    const at = `[${i}]`;
    if (!isObj(e)) return out.push({ code: 'INVALID_REQUEST_BODY', field: at, detail: 'must be an object {endpoint, status, code, count, errors}' });
    for (const k of Object.keys(e)) if (!ENTRY_KEYS.has(k)) out.push({ code: 'INVALID_UNEXPECTED_FIELD', field: `${at}.${k}`, detail: 'is not a field of a configuration entry' });
    const target = targetOf(e.endpoint);
    if (!target) {
      const names = [...REPORTING_ENDPOINTS.map((p) => `/${p}`), ...Object.keys(CA_CONFIGURATION_ENDPOINTS)];
      out.push({ code: 'INVALID_ENDPOINT', field: `${at}.endpoint`, detail: `must be one of: ${names.join(', ')}` });
    }
    if (!Number.isInteger(e.status) || (e.status as number) < 400 || (e.status as number) > 599) out.push({ code: 'INVALID_STATUS', field: `${at}.status`, detail: 'must be an HTTP error status, 400–599' });
    else if (isCaTarget(target) && !FAULT_STATUSES.includes(e.status as FaultStatus)) {
      out.push({ code: 'INVALID_STATUS', field: `${at}.status`, detail: `on a C&A endpoint must be one its contract declares: ${FAULT_STATUSES.join(', ')}` });
    }
    if (typeof e.code !== 'string' || e.code.length < 1 || e.code.length > 100) out.push({ code: 'INVALID_CODE', field: `${at}.code`, detail: 'must be a problem code of 1–100 characters' });
    if (!Number.isInteger(e.count) || (e.count as number) < 1) out.push({ code: 'INVALID_COUNT', field: `${at}.count`, detail: 'must be an integer ≥ 1: how many calls to answer this way' });
    if (e.errors !== undefined && !(Array.isArray(e.errors) && e.errors.length <= 1000 && e.errors.every((x) => isObj(x) && typeof x.code === 'string' && x.code.length <= 100))) {
      out.push({ code: 'INVALID_ERRORS', field: `${at}.errors`, detail: 'must be an array of {code} objects' });
    }
  });
  return out;
}

/**
 * The registry rules a valid configuration stands for. On /token the OAuth `error` is the code when
 * it is an OAuth code; otherwise the status's usual one (a harness code like TOO_MANY_REQUESTS is
 * not an OAuth error), so the answer stays in the OAuth shape.
 */
export function configurationRules(body: unknown[], oauthCodes: string[]): ErrorFault[] {
  return (body as Record<string, unknown>[]).map((e) => {
    const endpoint = targetOf(e.endpoint)!;
    const code = e.code as string;
    const errors = ((e.errors as { code: string }[] | undefined) ?? [{ code }]).map((x) => ({ code: x.code }));
    if (endpoint === 'token') return { endpoint, status: e.status as number, count: e.count as number, ...(oauthCodes.includes(code) ? { code } : {}) };
    return { endpoint, status: e.status as number, code, count: e.count as number, errors };
  });
}
