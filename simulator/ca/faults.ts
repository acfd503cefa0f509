// C&A fault responses: the error scenarios and negative introspection fixtures of MaPS's harness
// (test-phases §2.9–2.10), driven by rules set over the admin API instead of special tokens, so a
// provider's own users and tokens can be made to meet a failure. Test use only.
import type { Clock } from '../core/clock.js';
import { decodeUnverified } from '../crypto/jose.js';
import type { Violation } from '../http/problems.js';
import { titleCase } from '../reporting/injection.js';

export const FAULT_ENDPOINTS = ['token', 'rreguri-post', 'rreguri-patch', 'rreguri-delete', 'perm', 'introspect'] as const;
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];

export const FAULT_STATUSES = [400, 401, 404, 429, 500, 502, 503, 504] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

export const INTROSPECTION_FIXTURES = ['inactive', 'wrong-token-type', 'empty-permissions', 'no-owner-scope', 'expired-token-active', 'expired-permission'] as const;
export type IntrospectionFixture = (typeof INTROSPECTION_FIXTURES)[number];

/** The OAuth error codes /token may answer (openapi/ca.yaml OAuthError). */
export const OAUTH_ERROR_CODES = ['invalid_request', 'invalid_grant', 'invalid_scope', 'unauthorised_client', 'unsupported_grant_type', 'invalid_client', 'server_error', 'temporarily_unavailable', 'request_denied'];

interface RuleScope {
  /** Answer the next N matching calls (default 1). */
  count?: number;
  /** Answer every matching call until this ISO time instead (with count too, whichever ends first). */
  until?: string;
  /** Only calls by this user (a `sub`): the PAT's owner, or on /token the assertion's subject. */
  user?: string;
}

export interface ErrorFault extends RuleScope {
  endpoint: FaultEndpoint;
  status: FaultStatus;
  /** 429 only; by default 2–10 s, drawn per answer as MaPS's harness does. */
  retryAfterSeconds?: number;
  /** The OAuth `error` on /token, the problem code elsewhere. */
  code?: string;
  /** The problem's errors (not /token, whose answer is the OAuth shape). */
  errors?: { code: string; detail: string }[];
}

export interface FixtureFault extends RuleScope {
  endpoint: 'introspect';
  fixture: IntrospectionFixture;
}

export type FaultRule = ErrorFault | FixtureFault;

/** What the C&A sends for an injected error. */
export interface FaultAnswer {
  status: number;
  contentType: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export interface IntrospectionBody {
  active: boolean;
  token_type?: string;
  exp?: number;
  iss?: string;
  permissions?: { resource_id: string; resource_scopes: string[]; exp?: number }[];
}

const OAUTH_DEFAULT: Record<FaultStatus, string> = {
  400: 'invalid_request',
  401: 'invalid_client',
  404: 'invalid_request',
  429: 'temporarily_unavailable',
  500: 'server_error',
  502: 'temporarily_unavailable',
  503: 'temporarily_unavailable',
  504: 'temporarily_unavailable',
};

const PROBLEM_DEFAULT: Record<FaultStatus, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

const INJECTED = 'injected by a C&A fault rule (admin API /admin/faults)';
/** How far in the past an "expired" fixture puts its exp. */
const EXPIRED_BY_SECONDS = 60;

const KEYS = new Set(['endpoint', 'status', 'fixture', 'count', 'until', 'user', 'retryAfterSeconds', 'code', 'errors']);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const bad = (field: string, detail: string): Violation => ({ code: 'INVALID_FAULT_RULE', field, detail });

/** Check one rule; an empty list means `add` will take it. */
export function validateFaultRule(rule: unknown, now: number): Violation[] {
  if (!isObj(rule)) return [bad('body', 'must be a JSON object {endpoint, status | fixture, count?, until?, user?, …}')];
  const out: Violation[] = [];
  for (const k of Object.keys(rule)) if (!KEYS.has(k)) out.push({ code: 'UNKNOWN_FIELD', field: k, detail: 'is not a field of a fault rule' });
  const { endpoint, status, fixture } = rule;
  if (!FAULT_ENDPOINTS.includes(endpoint as FaultEndpoint)) out.push(bad('endpoint', `must be one of: ${FAULT_ENDPOINTS.join(', ')}`));
  if (status === undefined && fixture === undefined) out.push(bad('status', 'is required (or fixture, for an introspection fixture)'));
  if (status !== undefined && fixture !== undefined) out.push(bad('fixture', 'a rule gives either status (an error) or fixture (a 200 body), not both'));
  if (status !== undefined && !FAULT_STATUSES.includes(status as FaultStatus)) out.push(bad('status', `must be one of: ${FAULT_STATUSES.join(', ')}`));
  if (fixture !== undefined) {
    if (!INTROSPECTION_FIXTURES.includes(fixture as IntrospectionFixture)) out.push(bad('fixture', `must be one of: ${INTROSPECTION_FIXTURES.join(', ')}`));
    if (endpoint !== 'introspect') out.push(bad('fixture', 'applies to the introspect endpoint only'));
    for (const k of ['retryAfterSeconds', 'code', 'errors']) if (rule[k] !== undefined) out.push(bad(k, 'applies to an error rule (status), not to a fixture'));
  }
  if (rule.count !== undefined && !(Number.isInteger(rule.count) && (rule.count as number) >= 1)) out.push(bad('count', 'must be an integer ≥ 1: how many matching calls to answer'));
  if (rule.until !== undefined) {
    const t = typeof rule.until === 'string' ? Date.parse(rule.until) : NaN;
    if (Number.isNaN(t)) out.push(bad('until', 'must be an ISO date-time, e.g. 2026-01-15T12:05:00Z'));
    else if (t <= now) out.push(bad('until', `must be later than the simulator's clock (${new Date(now).toISOString()})`));
  }
  if (rule.user !== undefined && !(typeof rule.user === 'string' && rule.user.length > 0)) out.push(bad('user', 'must be a user sub (non-empty string)'));
  if (rule.retryAfterSeconds !== undefined) {
    if (status !== 429) out.push(bad('retryAfterSeconds', 'applies to a 429 rule only'));
    else if (!(Number.isInteger(rule.retryAfterSeconds) && (rule.retryAfterSeconds as number) >= 0 && (rule.retryAfterSeconds as number) <= 86400)) {
      out.push(bad('retryAfterSeconds', 'must be an integer of seconds, 0–86400'));
    }
  }
  if (rule.code !== undefined) {
    if (typeof rule.code !== 'string' || rule.code.length < 1 || rule.code.length > 100) out.push(bad('code', 'must be a code of 1–100 characters'));
    else if (endpoint === 'token' && !OAUTH_ERROR_CODES.includes(rule.code)) out.push(bad('code', `on /token must be an OAuth error: ${OAUTH_ERROR_CODES.join(', ')}`));
  }
  if (rule.errors !== undefined) {
    if (endpoint === 'token') out.push(bad('errors', '/token answers the OAuth shape {error, error_description}: use code'));
    else if (!(Array.isArray(rule.errors) && rule.errors.length <= 100 && rule.errors.every((e) => isObj(e) && typeof e.code === 'string' && typeof e.detail === 'string'))) {
      out.push(bad('errors', 'must be an array of at most 100 {code, detail} objects (strings)'));
    }
  }
  return out;
}

/** The subject of a user token, unverified: only used to decide whether a user-scoped rule applies. */
export function assertionSub(assertion: unknown): string | undefined {
  const sub = typeof assertion === 'string' ? decodeUnverified(assertion)?.payload.sub : undefined;
  return typeof sub === 'string' ? sub : undefined;
}

interface Entry {
  rule: FaultRule;
  /** Calls still to answer; undefined for a rule bounded only by `until`. */
  remaining?: number;
  untilMs?: number;
}

export class CaFaults {
  private entries: Entry[] = [];
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(opts: { clock: Clock; random?: () => number }) {
    this.clock = opts.clock;
    this.random = opts.random ?? Math.random;
  }

  /** Append a rule; throws if it breaks validateFaultRule (call that first to name the fields). */
  add(rule: FaultRule): void {
    const problems = validateFaultRule(rule, this.clock.now());
    if (problems.length) throw new Error(`bad fault rule: ${problems.map((p) => `${p.field}: ${p.detail}`).join('; ')}`);
    const untilMs = rule.until ? Date.parse(rule.until) : undefined;
    // A time span alone answers every call in it; otherwise a count (default 1).
    const remaining = rule.count ?? (untilMs === undefined ? 1 : undefined);
    this.entries.push({ rule: { ...rule }, remaining, untilMs });
  }

  clear(): number {
    const n = this.list().length;
    this.entries = [];
    return n;
  }

  /** Rules still in force, with `count` the calls left. */
  list(): FaultRule[] {
    this.prune();
    return this.entries.map((e) => ({ ...e.rule, ...(e.remaining !== undefined ? { count: e.remaining } : {}) }));
  }

  /** Cheap test for the hot path: nothing configured means no matching work at all. */
  get empty(): boolean {
    return this.entries.length === 0;
  }

  /**
   * The first rule matching this call, used up. `fixtures: false` skips fixture rules (the call has
   * no RPT a fixture could describe), so they wait for one that has.
   */
  take(endpoint: FaultEndpoint, call: { user?: string; fixtures?: boolean } = {}): FaultRule | undefined {
    this.prune();
    const e = this.entries.find((x) => x.rule.endpoint === endpoint && (x.rule.user === undefined || x.rule.user === call.user) && (!('fixture' in x.rule) || call.fixtures === true));
    if (!e) return undefined;
    if (e.remaining !== undefined) e.remaining--;
    this.prune();
    return e.rule;
  }

  /** The answer for an error rule: the OAuth shape on /token, problem+json elsewhere. */
  answer(rule: ErrorFault, requestId?: string): FaultAnswer {
    const headers: Record<string, string> = {};
    if (rule.status === 429) headers['Retry-After'] = String(rule.retryAfterSeconds ?? 2 + Math.floor(this.random() * 9));
    if (rule.endpoint === 'token') {
      headers['Cache-Control'] = 'no-store';
      return { status: rule.status, contentType: 'application/json', headers, body: { error: rule.code ?? OAUTH_DEFAULT[rule.status], error_description: INJECTED } };
    }
    if (rule.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="cda-sim C&A"';
    const code = rule.code ?? PROBLEM_DEFAULT[rule.status];
    const errors = rule.errors ?? [{ code, detail: INJECTED }];
    return {
      status: rule.status,
      contentType: 'application/problem+json',
      headers,
      body: { type: 'urn:cda-sim:problem:injected-fault', title: titleCase(code), status: rule.status, detail: INJECTED, ...(requestId ? { request_id: requestId } : {}), errors },
    };
  }

  private prune(): void {
    const now = this.clock.now();
    this.entries = this.entries.filter((e) => (e.remaining === undefined || e.remaining > 0) && (e.untilMs === undefined || now < e.untilMs));
  }
}

/**
 * The deliberately inconsistent 200 body of a fixture (test-phases §2.9), from the consistent body
 * the C&A would give for the RPT. Each breaks exactly one of the checks of pdp-protocol §8.
 */
export function fixtureBody(fixture: IntrospectionFixture, consistent: Required<IntrospectionBody>, nowSeconds: number): IntrospectionBody {
  const past = nowSeconds - EXPIRED_BY_SECONDS;
  switch (fixture) {
    case 'inactive':
      return { active: false };
    case 'wrong-token-type':
      return { ...consistent, token_type: 'pension_dashboard_pmt' };
    case 'empty-permissions':
      return { ...consistent, permissions: [] };
    case 'no-owner-scope':
      return { ...consistent, permissions: consistent.permissions.map((p) => ({ ...p, resource_scopes: ['value'] })) };
    case 'expired-token-active':
      return { ...consistent, active: true, exp: past };
    case 'expired-permission':
      return { ...consistent, permissions: consistent.permissions.map((p) => ({ ...p, exp: past })) };
  }
}
