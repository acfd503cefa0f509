// C&A fault responses: the error scenarios and negative introspection fixtures of MaPS's harness
// (test-phases §2.9–2.10), driven by rules in the simulator's one fault registry
// (simulator/faults/registry.ts) instead of special tokens, so a provider's own users and tokens can
// be made to meet a failure. This file renders what the C&A sends for a rule. Test use only.
import { decodeUnverified } from '../crypto/jose.js';
import { PROBLEM_DEFAULT, type ErrorFault, type FaultRegistry, type FaultStatus, type IntrospectionFixture } from '../faults/registry.js';
import { titleCase } from '../faults/problem-title.js';

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
  // UMA 2.0 §3.3.6: the authorization server needs claims gathered (PDP's consent redirect).
  403: 'need_info',
  404: 'invalid_request',
  429: 'temporarily_unavailable',
  500: 'server_error',
  502: 'temporarily_unavailable',
  503: 'temporarily_unavailable',
  504: 'temporarily_unavailable',
};

export const INJECTED = 'injected by a C&A fault rule (admin API /admin/faults)';
/** How far in the past an "expired" fixture puts its exp. */
const EXPIRED_BY_SECONDS = 60;

/** The subject of a user token, unverified: only used to decide whether a user-scoped rule applies. */
export function assertionSub(assertion: unknown): string | undefined {
  const sub = typeof assertion === 'string' ? decodeUnverified(assertion)?.payload.sub : undefined;
  return typeof sub === 'string' ? sub : undefined;
}

/** The answer for an error rule: the OAuth shape on /token, problem+json elsewhere. */
export function caFaultAnswer(faults: FaultRegistry, rule: ErrorFault, requestId?: string, ticket?: string): FaultAnswer {
  const status = rule.status as FaultStatus;
  const headers: Record<string, string> = {};
  if (status === 429) headers['Retry-After'] = String(faults.retryAfterSeconds(rule));
  if (rule.endpoint === 'token') {
    headers['Cache-Control'] = 'no-store';
    const error = rule.code ?? OAUTH_DEFAULT[status];
    // need_info sends the ticket back with redirect_user, so the dashboard can start claims gathering.
    const claims = error === 'need_info' && ticket ? { ticket, redirect_user: true } : {};
    return { status, contentType: 'application/json', headers, body: { error, error_description: INJECTED, ...claims } };
  }
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="cda-sim C&A"';
  const code = rule.code ?? PROBLEM_DEFAULT[status];
  const errors = (rule.errors ?? [{ code }]).map((e) => ({ code: e.code, detail: e.detail ?? INJECTED }));
  return {
    status,
    contentType: 'application/problem+json',
    headers,
    body: { type: 'urn:cda-sim:problem:injected-fault', title: titleCase(code), status, detail: INJECTED, ...(requestId ? { request_id: requestId } : {}), errors },
  };
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
