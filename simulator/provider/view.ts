// The view endpoint: GET /view-data/{assetGuid}?scope=owner (pdp-protocol §7; DESIGN §3 "View request").
//
//   400  X-Request-ID not a UUID, asset GUID not a GUID, scope missing or not owner (§7.3)
//   404  no PeI registered for this asset (§7.3)
//   401  no usable bearer: ask /perm for a ticket with the OWNING user's PAT (flow step 9) and
//        answer WWW-Authenticate: UMA realm, as_uri, ticket (§7.2); the dashboard swaps the
//        ticket for an RPT and calls again (§7.1)
//   200  the bearer is an RPT the C&A vouches for: introspect it with the owning PAT (flow
//        step 13), apply every check of §8 (introspection.ts), then answer the signed view data
//   401 / 403 / 503  any check failed, or the C&A could not be asked: never any view data
import type { Request, Response } from 'express';
import type { CaClient } from './ca-client.js';
import { SLOW_VIEW_DELAY_MS, type Faults } from './faults.js';
import { isGuid, isUuid, sendProblem, type ProblemItem } from './http.js';
import { judgeIntrospection } from './introspection.js';
import type { RecordBook } from './records.js';
import type { ProviderStore, StoredPei } from './store.js';
import type { ViewTokenIssuer } from './view-token.js';

export const UMA_REALM = 'pensions-dashboards';

export interface ViewDeps {
  ca: CaClient;
  store: ProviderStore;
  records: RecordBook;
  issuer: ViewTokenIssuer;
  faults: Faults;
  /** The C&A issuer, sent as as_uri in the challenge. */
  asUri: string;
  now: () => number;
  log: (line: string) => void;
}

/**
 * The RPT from `Authorization: Bearer <RPT>`, or undefined for "no usable bearer": no header, another
 * scheme, or "Bearer" with nothing after it (which is what MaPS's dashboard sends on its first try, §7.1).
 */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^\s*Bearer(?:\s+(\S+))?\s*$/i.exec(header ?? '');
  return m?.[1];
}

/** FAULT (for cda-sim's own tests): the careless readings of an Authorization header that carries no RPT. */
function carelessBearer(header: string | undefined, faults: Faults): string | undefined {
  if (header === undefined) return undefined;
  if (faults.has('introspect-empty-bearer') && /^\s*Bearer\b/i.test(header)) return header.trim().slice('Bearer'.length).trim();
  if (faults.has('introspect-any-scheme')) return header.trim().split(/\s+/)[1];
  return undefined;
}

function checkRequest(req: Request): ProblemItem[] {
  const errors: ProblemItem[] = [];
  const requestId = req.get('x-request-id');
  if (!isUuid(requestId)) errors.push({ code: 'INVALID_X_REQUEST_ID', field: 'X-Request-ID', detail: requestId ? `"${requestId}" is not a UUID` : 'every view request carries a UUID X-Request-ID header' });
  const assetGuid = String(req.params.assetGuid);
  if (!isGuid(assetGuid)) errors.push({ code: 'INVALID_ASSET_GUID', field: 'assetGuid', detail: `"${assetGuid}" is not a GUID (8-4-4-4-12 hex)` });
  const scope = req.query.scope;
  if (scope === undefined) errors.push({ code: 'MISSING_SCOPE', field: 'scope', detail: 'the query parameter scope=owner is required' });
  else if (scope !== 'owner') errors.push({ code: 'INVALID_SCOPE', field: 'scope', detail: `must be owner, not ${JSON.stringify(scope)}` });
  return errors;
}

export function viewHandler(deps: ViewDeps) {
  /** 401 with a fresh permission ticket; 503 when the C&A will not give one. */
  async function challenge(res: Response, pei: StoredPei, pat: string, what: string, reason?: ProblemItem): Promise<void> {
    const why = reason ?? { code: 'RPT_REQUIRED', field: 'Authorization', detail: `present an RPT for this pension: exchange the ticket at ${deps.asUri}` };
    // FAULT (for cda-sim's own tests): a bare 401, with no /perm ticket and no challenge.
    if (deps.faults.has('no-uma-challenge')) return sendProblem(res, 401, [why]);
    const ticket = await deps.ca.requestPermission(pat, pei.resourceId);
    if (!ticket.ok) {
      deps.log(`${what}: no permission ticket (${ticket.why}); 503, no data`);
      sendProblem(res, 503, [{ code: 'PERMISSION_TICKET_UNAVAILABLE', detail: `the C&A did not issue a permission ticket: ${ticket.why}` }]);
      return;
    }
    deps.log(`${what}: 401 with a permission ticket${reason ? ` (${reason.detail})` : ''}`);
    const header = `UMA realm="${UMA_REALM}", as_uri="${deps.asUri}", ticket="${ticket.value}"`;
    sendProblem(res, 401, [why], { 'WWW-Authenticate': header });
  }

  return async (req: Request, res: Response): Promise<void> => {
    const errors = checkRequest(req);
    if (errors.length) {
      sendProblem(res, 400, errors);
      return;
    }
    const assetGuid = String(req.params.assetGuid);
    const what = `view ${assetGuid}`;
    const pei = deps.store.pei(assetGuid);
    const record = deps.records.byAssetGuid(assetGuid);
    if (!pei || !record) {
      sendProblem(res, 404, [{ code: 'UNKNOWN_ASSET', field: 'assetGuid', detail: 'no pension identifier is registered for this asset' }]);
      return;
    }
    // /perm and /introspect must use the PAT of the user who registered the PeI (pitfall P7).
    const pat = deps.store.pat(pei.owner)?.token;
    if (!pat) {
      deps.log(`${what}: the owner's PAT is not on file; 503, no data`);
      sendProblem(res, 503, [{ code: 'PAT_UNAVAILABLE', detail: 'the provider no longer holds the protection API token for this pension’s owner' }]);
      return;
    }

    const authorization = req.get('authorization');
    const rpt = bearerToken(authorization) ?? carelessBearer(authorization, deps.faults);
    if (rpt === undefined) {
      await challenge(res, pei, pat, what);
      return;
    }

    // FAULT (for cda-sim's own tests): trust any bearer without asking the C&A.
    if (!deps.faults.has('skip-introspection')) {
      const result = await deps.ca.introspect(pat, rpt);
      // FAULT (for cda-sim's own tests): a failed introspection is not treated as a refusal.
      const failOpen = !result.ok && deps.faults.has('data-when-introspection-fails');
      if (!result.ok && !failOpen) {
        // §8 check 7: fail safe.
        deps.log(`${what}: introspection failed (${result.why}); 503, no data`);
        sendProblem(res, 503, [{ code: 'INTROSPECTION_FAILED', detail: `the RPT could not be introspected: ${result.why}` }]);
        return;
      }
      const verdict = result.ok ? judgeIntrospection(result.value, pei.resourceId, Math.floor(deps.now() / 1000), deps.faults) : { ok: true as const };
      if (!verdict.ok) {
        const reason = { code: verdict.code, field: 'Authorization', detail: verdict.detail };
        if (verdict.status === 401) {
          await challenge(res, pei, pat, what, reason);
        } else {
          deps.log(`${what}: 403, no data (${verdict.detail})`);
          sendProblem(res, 403, [reason]);
        }
        return;
      }
    }

    // FAULT (for cda-sim's own tests): view data over PDP's 10 s, every time.
    if (deps.faults.has('slow-view-data')) await new Promise((r) => setTimeout(r, SLOW_VIEW_DELAY_MS));
    const token = await deps.issuer.issue(record, pei.matchStatus);
    deps.log(`${what}: 200 with ${pei.matchStatus === 'match-yes' ? 'full' : 'possible-match (limited)'} view data`);
    res.status(200).set('Cache-Control', 'no-store').json({ view_data_token: token });
  };
}
