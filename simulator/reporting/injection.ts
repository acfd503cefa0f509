// Error injection, as MaPS's harness offers it with POST /configuration (reporting-api.md §9): the
// next `count` valid calls to an endpoint get a configured problem instead of 202. Test use only.
import { REPORTING_ENDPOINTS, type ReportingEndpoint } from './submissions.js';
import type { RuleViolation } from './rules.js';

export interface InjectedError {
  endpoint: ReportingEndpoint;
  status: number;
  code: string;
  /** Calls still to answer this way. */
  count: number;
  errors: { code: string; [k: string]: unknown }[];
}

export const MAX_INJECTIONS = 6;
const ENTRY_KEYS = new Set(['endpoint', 'status', 'code', 'count', 'errors']);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** "TOO_MANY_REQUESTS" → "Too Many Requests", the harness's title for an injected problem. */
export function titleCase(code: string): string {
  return code
    .toLowerCase()
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

/** Check a configuration body; an empty list of violations means it can be applied. */
export function validateConfiguration(body: unknown): RuleViolation[] {
  if (!Array.isArray(body)) return [{ code: 'INVALID_REQUEST_BODY', field: 'body', detail: 'must be a JSON array of 0–6 {endpoint, status, code, count, errors}' }];
  const out: RuleViolation[] = [];
  if (body.length > MAX_INJECTIONS) out.push({ code: 'INVALID_REQUEST_BODY', field: 'body', detail: `holds at most ${MAX_INJECTIONS} entries, not ${body.length}` });
  body.forEach((e, i) => {
    const at = `[${i}]`;
    if (!isObj(e)) return out.push({ code: 'INVALID_REQUEST_BODY', field: at, detail: 'must be an object {endpoint, status, code, count, errors}' });
    for (const k of Object.keys(e)) if (!ENTRY_KEYS.has(k)) out.push({ code: 'INVALID_UNEXPECTED_FIELD', field: `${at}.${k}`, detail: 'is not a field of a configuration entry' });
    if (typeof e.endpoint !== 'string' || !REPORTING_ENDPOINTS.includes(e.endpoint.replace(/^\//, '') as ReportingEndpoint) || !e.endpoint.startsWith('/')) {
      out.push({ code: 'INVALID_ENDPOINT', field: `${at}.endpoint`, detail: `must be one of: ${REPORTING_ENDPOINTS.map((p) => `/${p}`).join(', ')}` });
    }
    if (!Number.isInteger(e.status) || (e.status as number) < 400 || (e.status as number) > 599) out.push({ code: 'INVALID_STATUS', field: `${at}.status`, detail: 'must be an HTTP error status, 400–599' });
    if (typeof e.code !== 'string' || e.code.length < 1 || e.code.length > 100) out.push({ code: 'INVALID_CODE', field: `${at}.code`, detail: 'must be a problem code of 1–100 characters' });
    if (!Number.isInteger(e.count) || (e.count as number) < 1) out.push({ code: 'INVALID_COUNT', field: `${at}.count`, detail: 'must be an integer ≥ 1: how many calls to answer this way' });
    if (e.errors !== undefined && !(Array.isArray(e.errors) && e.errors.length <= 1000 && e.errors.every((x) => isObj(x) && typeof x.code === 'string' && x.code.length <= 100))) {
      out.push({ code: 'INVALID_ERRORS', field: `${at}.errors`, detail: 'must be an array of {code} objects' });
    }
  });
  return out;
}

export class ErrorInjector {
  private entries: InjectedError[] = [];

  /** Replace the configuration (an empty list clears it). The body must have passed validateConfiguration. */
  configure(body: unknown[]): void {
    this.entries = (body as Record<string, unknown>[]).map((e) => ({
      endpoint: String(e.endpoint).replace(/^\//, '') as ReportingEndpoint,
      status: e.status as number,
      code: e.code as string,
      count: e.count as number,
      errors: (e.errors as InjectedError['errors'] | undefined) ?? [{ code: e.code as string }],
    }));
  }

  /** The injected answer for this call, if one is due (using it up). */
  take(endpoint: ReportingEndpoint): InjectedError | undefined {
    const e = this.entries.find((x) => x.endpoint === endpoint && x.count > 0);
    if (e) e.count--;
    return e;
  }

  pending(): InjectedError[] {
    return this.entries.filter((e) => e.count > 0).map((e) => ({ ...e }));
  }
}
