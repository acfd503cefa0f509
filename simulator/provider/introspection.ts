// Judging what /introspect said about the RPT a dashboard presented. Introspection is the C&A's
// answer, but not blindly trusted: MaPS's harness has a fixture for each way it can be
// inconsistent, and a provider must refuse every one (pdp-protocol §8; test-phases §2.9; pitfall P8).
// View data is returned only if ALL of these hold:
//
//   §8 check 1  active is true
//   §8 check 2  the top-level exp is in the future, even when active is true
//   §8 check 3  token_type is pension_dashboard_rpt (not, say, a permission ticket's type)
//   §8 check 4  permissions is non-empty and holds the resource_id registered for THIS asset
//               (an RPT for another of the user's PeIs must not open this one)
//   §8 check 5  that permission's resource_scopes include owner
//   §8 check 6  that permission's own exp is in the future
//   §8 check 7  the introspection call itself succeeded (view.ts: any failure → 503, no data)
//
// Statuses (PDP has not published them, pdp-protocol §7.3 and §8): an inactive or expired RPT is
// "no usable bearer", so 401 with a fresh UMA challenge lets the dashboard get a new RPT; any
// other failed check is 403: the RPT is current but does not grant this view.
import type { IntrospectionResult } from './ca-client.js';
import type { Faults } from './faults.js';

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; code: string; detail: string };

interface Permission {
  resource_id?: unknown;
  resource_scopes?: unknown;
  exp?: unknown;
}

const refuse = (status: 401 | 403, code: string, detail: string): Verdict => ({ ok: false, status, code, detail });

export function judgeIntrospection(result: IntrospectionResult, resourceId: string, nowSeconds: number, faults: Faults): Verdict {
  // §8 check 1
  if (result.active !== true) return refuse(401, 'RPT_INACTIVE', 'introspection says the RPT is not active');
  // §8 check 2
  if (typeof result.exp !== 'number') return refuse(403, 'RPT_NO_EXPIRY', 'introspection gives no numeric exp for the RPT');
  if (result.exp <= nowSeconds) return refuse(401, 'RPT_EXPIRED', `the RPT expired at ${new Date(result.exp * 1000).toISOString()}, although introspection says it is active`);
  // §8 check 3
  if (result.token_type !== 'pension_dashboard_rpt') return refuse(403, 'NOT_AN_RPT', `introspection says the token is "${String(result.token_type)}", not pension_dashboard_rpt`);
  // §8 check 4
  const permissions = Array.isArray(result.permissions) ? (result.permissions as Permission[]).filter((p) => p !== null && typeof p === 'object') : [];
  if (permissions.length === 0) return refuse(403, 'NO_PERMISSIONS', 'the RPT grants no permissions');
  let permission = permissions.find((p) => p.resource_id === resourceId);
  // FAULT (for cda-sim's own tests): take whatever permission comes first, for whichever PeI it is.
  if (faults.has('ignore-permission-resource')) permission = permissions[0];
  if (!permission) return refuse(403, 'WRONG_RESOURCE', 'the RPT grants no permission for this pension (its permissions are for other PeIs)');
  // §8 check 5
  const scopes = Array.isArray(permission.resource_scopes) ? permission.resource_scopes : [];
  if (!scopes.includes('owner')) return refuse(403, 'NO_OWNER_SCOPE', `the permission's scopes are ${JSON.stringify(scopes)}; viewing needs owner`);
  // §8 check 6
  // FAULT (for cda-sim's own tests): trust a permission whatever its own exp says.
  if (faults.has('ignore-permission-expiry')) return { ok: true };
  if (typeof permission.exp !== 'number' || permission.exp <= nowSeconds) {
    return refuse(403, 'PERMISSION_EXPIRED', typeof permission.exp === 'number' ? `the permission expired at ${new Date(permission.exp * 1000).toISOString()}` : 'the permission has no numeric exp');
  }
  return { ok: true };
}
