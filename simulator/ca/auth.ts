// PAT authentication for /rreguri, /perm and /introspect. A PAT belongs to one user; the C&A
// answers 401 for a missing, unknown or expired one, and for one that does not own the resource.
import type { ApiRequest as Request } from '../http/lean-app.js';
import { epochSeconds, type Clock } from '../core/clock.js';
import { HttpProblem } from '../http/problems.js';
import type { PatRecord, Resource, Store } from '../store/state.js';

const challenge = { 'WWW-Authenticate': 'Bearer realm="cda-sim C&A"' };

export function requirePat(req: Request, store: Store, clock: Clock): PatRecord {
  const header = req.get('authorization');
  if (!header) {
    throw new HttpProblem('unauthorized', [{ code: 'MISSING_BEARER', field: 'Authorization', detail: 'is required: send "Bearer <PAT>", the PAT the C&A issued for this user' }], challenge);
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) {
    throw new HttpProblem('unauthorized', [{ code: 'INVALID_AUTHORIZATION', field: 'Authorization', detail: 'must be "Bearer <PAT>" with a non-empty token' }], challenge);
  }
  const pat = store.patByToken(m[1]);
  if (!pat) {
    throw new HttpProblem('unauthorized', [{ code: 'UNKNOWN_PAT', field: 'Authorization', detail: 'the bearer token is not a PAT issued by this C&A (or state was reset since)' }], challenge);
  }
  if (pat.exp <= epochSeconds(clock)) {
    throw new HttpProblem('unauthorized', [{ code: 'EXPIRED_PAT', field: 'Authorization', detail: `the PAT expired at ${new Date(pat.exp * 1000).toISOString()}` }], challenge);
  }
  return pat;
}

/** The live resource the PAT owns, or the problem the C&A answers. */
export function ownedResource(store: Store, pat: PatRecord, resourceId: string, field = 'resource_id'): Resource {
  const r = store.resource(resourceId);
  if (!r || r.deleted_at) {
    throw new HttpProblem('not-found', [{ code: 'UNKNOWN_RESOURCE', field, detail: `no registered PeI has resource_id "${resourceId}"${r ? ' (it was deleted)' : ''}` }]);
  }
  if (r.owner !== pat.sub) {
    throw new HttpProblem('not-owner', [{ code: 'NOT_OWNER', field: 'Authorization', detail: 'the resource is not associated with the PAT: use the PAT of the user who registered it' }], challenge);
  }
  return r;
}
