// The one fault registry of the simulated CDA. Every way of injecting a fault feeds it: the admin
// API (/admin/faults), the harness-compatible POST /configuration (C&A and reporting endpoints),
// and scenario steps. The C&A and the reporting service both read it. Test use only.
import type { Clock } from '../core/clock.js';
import type { Violation } from '../http/problems.js';
import { REPORTING_ENDPOINTS, type ReportingEndpoint } from '../wire/reporting-api.js';

export const CA_FAULT_ENDPOINTS = ['token', 'rreguri-post', 'rreguri-get', 'rreguri-patch', 'rreguri-delete', 'perm', 'introspect'] as const;
export type CaFaultEndpoint = (typeof CA_FAULT_ENDPOINTS)[number];
/** A C&A operation, or a reporting endpoint path without its leading slash. */
export type FaultTarget = CaFaultEndpoint | ReportingEndpoint;

/**
 * The statuses the C&A's OpenAPI document declares, so an injected answer stays inside the contract.
 * 403 is listed by every official C&A document (on /token it is UMA's claims-gathering answer).
 */
export const FAULT_STATUSES = [400, 401, 403, 404, 429, 500, 502, 503, 504] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

/** The problem code of an error rule that names none. */
export const PROBLEM_DEFAULT: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/** The OAuth error codes /token may answer (openapi/ca.yaml OAuthError). */
export const OAUTH_ERROR_CODES = ['invalid_request', 'invalid_grant', 'invalid_scope', 'unauthorised_client', 'unsupported_grant_type', 'invalid_client', 'server_error', 'temporarily_unavailable', 'request_denied', 'need_info'];

/**
 * Statuses an injected reporting answer may carry: configuration v1_1 allows 100–599, but HTTP
 * cannot end an exchange with a 1xx (an informational answer), so cda-sim starts at 200.
 */
export const REPORTING_STATUS_RANGE = { min: 200, max: 599 };

export const INTROSPECTION_FIXTURES = ['inactive', 'wrong-token-type', 'empty-permissions', 'no-owner-scope', 'expired-token-active', 'expired-permission'] as const;
export type IntrospectionFixture = (typeof INTROSPECTION_FIXTURES)[number];

/** MaPS's harness sends a random Retry-After of 2–10 s with a 429 (test-phases §2.14, v1.1.4). */
export const DEFAULT_RETRY_AFTER = { min: 2, max: 10 };
/** A slow answer is held at most this long, so a forgotten rule cannot hang a provider for ever. */
export const MAX_DELAY_MS = 60_000;

interface RuleScope {
  /** Answer the next N matching calls (default 1). */
  count?: number;
  /** Answer every matching call until this ISO time instead (with count too, whichever ends first). */
  until?: string;
  /** Only calls by this user (a `sub`): the PAT's owner, or on /token the assertion's subject. */
  user?: string;
}

export interface ErrorFault extends RuleScope {
  endpoint: FaultTarget;
  status: number;
  /** 429 only; by default drawn per answer from 2–10 s. */
  retryAfterSeconds?: number;
  /** The OAuth `error` on /token, the problem code elsewhere. */
  code?: string;
  /** The problem's errors (not /token, whose answer is the OAuth shape). */
  errors?: { code: string; detail?: string }[];
}

export interface FixtureFault extends RuleScope {
  endpoint: 'introspect';
  fixture: IntrospectionFixture;
}

/** Answer normally, but only after `delayMs` (a slow C&A). */
export interface SlowFault extends RuleScope {
  endpoint: FaultTarget;
  delayMs: number;
}

export type FaultRule = ErrorFault | FixtureFault | SlowFault;

export const isError = (r: FaultRule): r is ErrorFault => 'status' in r;
export const isFixture = (r: FaultRule): r is FixtureFault => 'fixture' in r;
export const isSlow = (r: FaultRule): r is SlowFault => 'delayMs' in r;

const KEYS = new Set(['endpoint', 'status', 'fixture', 'delayMs', 'count', 'until', 'user', 'retryAfterSeconds', 'code', 'errors']);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const bad = (field: string, detail: string): Violation => ({ code: 'INVALID_FAULT_RULE', field, detail });
const isCa = (e: unknown): e is CaFaultEndpoint => CA_FAULT_ENDPOINTS.includes(e as CaFaultEndpoint);

/** Check one rule; an empty list means the registry will take it. */
export function validateFaultRule(rule: unknown, now: number): Violation[] {
  if (!isObj(rule)) return [bad('body', 'must be a JSON object {endpoint, status | fixture | delayMs, count?, until?, user?, …}')];
  const out: Violation[] = [];
  for (const k of Object.keys(rule)) if (!KEYS.has(k)) out.push({ code: 'UNKNOWN_FIELD', field: k, detail: 'is not a field of a fault rule' });
  const { endpoint, status, fixture, delayMs } = rule;
  const reporting = REPORTING_ENDPOINTS.includes(endpoint as ReportingEndpoint);
  if (!isCa(endpoint) && !reporting) out.push(bad('endpoint', `must be one of: ${[...CA_FAULT_ENDPOINTS, ...REPORTING_ENDPOINTS].join(', ')}`));
  const kinds = [status, fixture, delayMs].filter((x) => x !== undefined).length;
  if (kinds === 0) out.push(bad('status', 'is required (or fixture, for an introspection fixture, or delayMs, for a slow answer)'));
  if (kinds > 1) out.push(bad(fixture !== undefined ? 'fixture' : 'delayMs', 'a rule gives one of status (an error), fixture (a 200 body) or delayMs (a slow answer)'));
  if (status !== undefined) {
    const { min, max } = REPORTING_STATUS_RANGE;
    if (reporting && !(Number.isInteger(status) && (status as number) >= min && (status as number) <= max)) out.push(bad('status', `must be an HTTP status, ${min}–${max}`));
    if (!reporting && !FAULT_STATUSES.includes(status as FaultStatus)) out.push(bad('status', `must be one of: ${FAULT_STATUSES.join(', ')}`));
  }
  if (fixture !== undefined) {
    if (!INTROSPECTION_FIXTURES.includes(fixture as IntrospectionFixture)) out.push(bad('fixture', `must be one of: ${INTROSPECTION_FIXTURES.join(', ')}`));
    if (endpoint !== 'introspect') out.push(bad('fixture', 'applies to the introspect endpoint only'));
  }
  if (delayMs !== undefined && !(Number.isInteger(delayMs) && (delayMs as number) >= 1 && (delayMs as number) <= MAX_DELAY_MS)) out.push(bad('delayMs', `must be an integer of milliseconds, 1–${MAX_DELAY_MS}`));
  if (status === undefined) for (const k of ['retryAfterSeconds', 'code', 'errors']) if (rule[k] !== undefined) out.push(bad(k, 'applies to an error rule (status) only'));
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
    else if (!(Array.isArray(rule.errors) && rule.errors.length <= 1000 && rule.errors.every((e) => isObj(e) && typeof e.code === 'string' && (e.detail === undefined || typeof e.detail === 'string')))) {
      out.push(bad('errors', 'must be an array of at most 1000 {code, detail?} objects (strings)'));
    }
  }
  return out;
}

interface Entry {
  rule: FaultRule;
  /** Calls still to answer; undefined for a rule bounded only by `until`. */
  remaining?: number;
  untilMs?: number;
}

export class FaultRegistry {
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

  /** Replace every rule (the harness's POST /configuration: an empty list clears). */
  replace(rules: FaultRule[]): void {
    this.entries = [];
    for (const r of rules) this.add(r);
  }

  clear(): number {
    const n = this.list().length;
    this.entries = [];
    return n;
  }

  /**
   * Clear the rules for these users (a system-test group's own, while other groups play on) and the
   * rules for everyone (only a group that plays alone sets those, or `--fault slow-ca` before the
   * first group, which a clear-down always ended): other users' rules stay.
   */
  clearFor(users: ReadonlySet<string>): number {
    this.prune();
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.rule.user !== undefined && !users.has(e.rule.user));
    return before - this.entries.length;
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
  take(endpoint: FaultTarget, call: { user?: string; fixtures?: boolean } = {}): FaultRule | undefined {
    this.prune();
    const e = this.entries.find((x) => x.rule.endpoint === endpoint && (x.rule.user === undefined || x.rule.user === call.user) && (!isFixture(x.rule) || call.fixtures === true));
    if (!e) return undefined;
    if (e.remaining !== undefined) e.remaining--;
    this.prune();
    return e.rule;
  }

  /** Seconds to send in Retry-After for a 429 rule. */
  retryAfterSeconds(rule: ErrorFault): number {
    const { min, max } = DEFAULT_RETRY_AFTER;
    return rule.retryAfterSeconds ?? min + Math.floor(this.random() * (max - min + 1));
  }

  private prune(): void {
    const now = this.clock.now();
    this.entries = this.entries.filter((e) => (e.remaining === undefined || e.remaining > 0) && (e.untilMs === undefined || now < e.untilMs));
  }
}
