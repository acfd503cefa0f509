// After a find has matched: get the user's PAT, then register one PeI per matched record
// (pdp-protocol §2 steps 4–5, §5.3), "immediately" (REG23, pdp-protocol §3.1).
//
//   - No match: no C&A call at all (there is nothing to register, so no PAT is needed).
//   - No PAT: NEVER register (pitfall P10).
//   - name = urn:pei:<holdernameGuid>:<assetGuid>; description = the scheme name the view data will
//     carry as pensionProviderSchemeName (pitfall P6); inbound_request_id = the find's X-Request-ID.
//   - 201 and 200 both succeed; keep resource_id (opaque) with the owning user.
import { peiNameOf } from '../testdata/records.js';
import type { CaClient, PeiRegistration } from './ca-client.js';
import type { Faults } from './faults.js';
import type { Match } from './matching.js';
import type { PatKeeper } from './pats.js';
import type { ProviderStore } from './store.js';

export interface RegistrationDeps {
  ca: CaClient;
  pats: PatKeeper;
  store: ProviderStore;
  faults: Faults;
  now: () => number;
  log: (line: string) => void;
}

export interface MatchedFind {
  /** The find's X-Request-ID. */
  requestId: string | undefined;
  userToken: string;
  sub: string;
  /** A label for log lines. */
  what: string;
}

function registrationFor(deps: RegistrationDeps, find: MatchedFind, m: Match): PeiRegistration {
  let description = m.record.schemeName;
  // FAULT (for cda-sim's own tests): a description that is not the scheme name the view data carries.
  if (deps.faults.has('wrong-description')) description = `${m.record.schemeName} (FORMER NAME)`;
  const pei: PeiRegistration = {
    name: peiNameOf(m.record),
    description,
    match_status: m.status,
    ...(find.requestId ? { inbound_request_id: find.requestId } : {}),
    // The scopes the rreguri spec example registers (pdp-protocol §5.7).
    resource_scopes: ['owner', 'value', 'delegate'],
  };
  // FAULT (for cda-sim's own tests): forget to echo the find's X-Request-ID.
  if (deps.faults.has('no-inbound-request-id')) delete pei.inbound_request_id;
  // FAULT (for cda-sim's own tests): a field of an earlier draft, which only cda-sim's own rule refuses.
  if (deps.faults.has('register-extra-field')) pei.registration_reason = 'find-request';
  return pei;
}

export async function registerMatches(deps: RegistrationDeps, find: MatchedFind, matches: Match[]): Promise<void> {
  if (matches.length === 0) {
    deps.log(`${find.what}: no match; nothing to register, the C&A is not called`);
    return;
  }
  // FAULT (for cda-sim's own tests): treat every possible match as a definite one.
  if (deps.faults.has('register-possible-as-definite')) matches = matches.map((m) => ({ ...m, status: 'match-yes' }));
  for (const m of matches) deps.log(`${find.what}: record ${m.record.recordId} → ${m.status} (${m.rule})`);

  let pat = await deps.pats.get(find.sub, find.userToken, find.what);
  // FAULT (for cda-sim's own tests): carry on without a PAT.
  if (!pat && deps.faults.has('register-without-pat')) pat = { token: 'no-pat', reused: false };
  if (!pat) return; // pitfall P10: never register without a PAT
  let renewed = false;

  for (const m of matches) {
    const pei = registrationFor(deps, find, m);
    const what = `${find.what} ${pei.name}`;
    let out = await deps.ca.registerPei(pat.token, pei, what);
    // A stored PAT the C&A now refuses (401) may have been revoked, or the C&A reset: exchange the
    // user token once more and try once again. A PAT obtained just now that gets 401: stop.
    if (!out.ok && out.answer?.status === 401 && pat.reused && !renewed) {
      renewed = true;
      deps.log(`${what}: the stored PAT was refused (401); exchanging the user token for a new one`);
      const fresh = await deps.pats.renew(find.sub, pat.token, find.userToken, find.what);
      if (!fresh) return;
      pat = fresh;
      out = await deps.ca.registerPei(pat.token, pei, what);
    }
    if (!out.ok || !out.resourceId) {
      deps.log(`${what}: NOT registered (${out.why ?? 'unknown reason'})`);
      continue;
    }
    const known = deps.store.pei(m.record.assetGuid);
    if (out.answer?.status === 200 && known?.resourceId === out.resourceId) {
      // Already registered (idempotent on name): the C&A keeps the first registration as it was.
      deps.log(`${what}: already registered as resource ${out.resourceId} (200); kept as ${known.matchStatus}`);
      continue;
    }
    deps.store.putPei({
      name: pei.name,
      holdernameGuid: m.record.holdernameGuid,
      assetGuid: m.record.assetGuid,
      recordId: m.record.recordId,
      resourceId: out.resourceId,
      owner: find.sub,
      matchStatus: m.status,
      description: pei.description,
      ...(pei.inbound_request_id ? { inboundRequestId: pei.inbound_request_id } : {}),
      registeredAt: new Date(deps.now()).toISOString(),
    });
    deps.log(`${what}: registered ${m.status} as resource ${out.resourceId} (${out.answer?.status})`);
  }
}
