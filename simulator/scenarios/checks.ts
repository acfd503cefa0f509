// The checks a scenario can expect. Each collects EVERY violation it finds (never just the first),
// says in plain words what passed, and names the exchanges it judged, for the evidence report.
import { epochSeconds } from '../core/clock.js';
import { checkAgainstSchema, checkViewData } from '../dashboard/view-data-check.js';
import { describeFirstLeg } from '../dashboard/dashboard-driver.js';
import { describeVariant } from '../pfs/find-request.js';
import type { JournalEntry } from '../store/journal.js';
import { at, bearerOf, bodyOf, caCalls, describe, endOf, patExchanges, registrations, responseOf, tokenParams, UMA_TICKET, within } from './correlation.js';
import { expectationFor, expectedPei, findByName, recordById, viewByName, type RunContext } from './context.js';
import type { ExpectSpec } from './types.js';
import { duringCall, duringLeg, outbound, outcome, patOf, viewEntries, whyNoData, type Check } from './check-kit.js';
import { STAGE_CHECKS } from './stage-checks.js';
import { SYSTEM_CHECKS } from './system-checks.js';

const findAcknowledged: Check<{ find: string }> = (ctx, spec) => {
  const o = outcome();
  const f = findByName(ctx, spec.find);
  o.exchanges.push(...outbound(ctx, [f.request.requestId]));
  o.culprit = o.exchanges[0];
  const budget = ctx.config.budgets.findAckMs;
  // The acknowledgement the spec profile defines (202 Accepted as built in).
  const ack = ctx.sim.profile.find;
  const expected = ack.ackStatuses.join(' or ');
  if (f.error) o.violations.push(`the find request failed: ${f.error.message}`);
  else if (!ack.ackStatuses.includes(f.response!.status)) o.violations.push(`the find was answered ${f.response!.status}; a valid find must be acknowledged with ${expected === '202' ? '202 Accepted' : `${expected} (${ack.source})`}, and matching done afterwards`);
  else o.notes.push(`acknowledged with ${f.response!.status} in ${f.ackMs.toFixed(0)} ms`);
  if (!f.error && f.ackMs > budget) o.violations.push(`the acknowledgement took ${f.ackMs.toFixed(0)} ms; the budget is ${budget} ms`);
  return o;
};

const findRefused: Check<{ find: string }> = (ctx, spec) => {
  const o = outcome();
  const f = findByName(ctx, spec.find);
  o.exchanges.push(...outbound(ctx, [f.request.requestId]));
  o.culprit = o.exchanges[0];
  if (f.error) o.notes.push(`the provider refused the connection (${f.error.code})`);
  else if (f.response!.status >= 400 && f.response!.status < 500) o.notes.push(`${describeVariant(f.request.variant)}: refused with ${f.response!.status}`);
  else o.violations.push(`${describeVariant(f.request.variant)} was answered ${f.response!.status}; an untrustworthy or malformed find must get a 4xx`);
  return o;
};

/**
 * The provider made no C&A call at all because of this find: no /token with its user token, and no
 * call carrying its X-Request-ID or its token's request_id (as its own X-Request-ID or as inbound_request_id).
 */
const noCaCall: Check<{ find: string }> = (ctx, spec) => {
  const o = outcome();
  const f = findByName(ctx, spec.find);
  const ids = new Set([f.request.requestId, f.request.tokenRequestId].filter((id): id is string => !!id));
  const caused = caCalls(ctx.entries).filter(
    (e) =>
      at(e) >= f.sentAt &&
      ((e.path === '/token' && tokenParams(e).assertion === f.request.userToken) || ids.has(String(bodyOf(e).inbound_request_id)) || (!!e.requestId && ids.has(e.requestId))),
  );
  o.exchanges.push(...caused, ...outbound(ctx, [f.request.requestId]));
  o.culprit = caused[0];
  if (caused.length) o.violations.push(`the provider called the C&A because of ${describeVariant(f.request.variant)}, which it must refuse before any C&A call: ${caused.map(describe).join('; ')}`);
  else o.notes.push('no C&A call was made because of it');
  return o;
};

const patObtained: Check<{ find: string }> = (ctx, spec) => {
  const o = outcome();
  const f = findByName(ctx, spec.find);
  const userToken = JSON.parse(f.request.body).user_token as string;
  const exchanges = patExchanges(ctx.entries).filter((x) => x.assertion === userToken);
  o.exchanges.push(...exchanges.map((x) => x.entry));
  const ok = exchanges.find((x) => x.entry.status === 200);
  if (!exchanges.length) {
    const anyForUser = patExchanges(ctx.entries).filter((x) => x.sub === f.user.sub && at(x.entry) >= f.sentAt);
    if (!anyForUser.length && !ctx.sim.store.patForUser(f.user.sub)) o.violations.push(`no PAT was requested with the find's user token: the provider must exchange it, unchanged, at /token (jwt-bearer grant, scope uma_protection)`);
    else if (anyForUser.length) o.violations.push(`the provider exchanged a user token other than the one in the find (it must pass it on unchanged)`);
    else o.notes.push(`the provider reused the PAT it already held for this user`);
  } else if (!ok) {
    o.culprit = exchanges[exchanges.length - 1].entry;
    o.violations.push(`every PAT request with the find's user token was refused: ${exchanges.map((x) => describe(x.entry)).join('; ')}`);
  } else {
    o.notes.push(`PAT obtained with the find's user token (${describe(ok.entry)})`);
    const firstReg = registrations(ctx.entries).find((e) => at(e) >= f.sentAt && bearerOf(e) === ok.pat);
    if (firstReg && at(firstReg) < at(ok.entry)) o.violations.push('a registration was sent before the PAT was obtained');
  }
  return o;
};

/** A refused call and the C&A's words on why (e.g. that the rule broken is cda-sim's own, with why). */
function describeRefusal(e: JournalEntry): string {
  const detail = (e.responseBody as { detail?: unknown } | undefined)?.detail;
  return typeof detail === 'string' && detail ? `${describe(e)}: ${detail.length > 600 ? `${detail.slice(0, 599)}…` : detail}` : describe(e);
}

const registeredAsExpected: Check<{ find: string }> = (ctx, spec) => {
  const o = outcome();
  const f = findByName(ctx, spec.find);
  const expectation = expectationFor(ctx, f.user.id);
  const window = ctx.config.budgets.registrationWindowMs;
  const fromFind = registrations(ctx.entries).filter((e) => at(e) >= f.sentAt);
  const pat = patOf(ctx, f.user.sub);
  const mine = fromFind.filter((e) => (pat && bearerOf(e) === pat) || bodyOf(e).inbound_request_id === f.request.requestId);
  const findCall = outbound(ctx, [f.request.requestId]);
  o.exchanges.push(...findCall, ...mine);
  // A registration that never came is the find's failure: the find is the exchange left unanswered.
  const blame = (e: JournalEntry | undefined) => {
    o.culprit ??= e ?? findCall[0];
  };
  const seenRequestIds = new Set<string>();
  for (const recordId of expectation.records) {
    const record = recordById(ctx, recordId);
    const name = expectedPei(ctx, record);
    const attempts = mine.filter((e) => bodyOf(e).name === name);
    const ok = attempts.find((e) => e.status === 201 || e.status === 200);
    if (!ok) {
      blame(attempts[attempts.length - 1]);
      o.violations.push(
        attempts.length
          ? `the registration of ${name} was not accepted: ${attempts.map(describeRefusal).join('; ')}`
          : `${name} (${record.schemeName}) was not registered within ${window / 1000} s of the find`,
      );
      continue;
    }
    const b = bodyOf<{ match_status?: string; description?: string; inbound_request_id?: string }>(ok);
    const problems: string[] = [];
    const expectedStatus = expectation.outcome === 'match-possible' ? 'match-possible' : 'match-yes';
    if (b.match_status !== expectedStatus) problems.push(`match_status is ${b.match_status}; expected ${expectedStatus} (${expectation.reason})`);
    if (b.description !== record.schemeName) problems.push(`description is "${b.description}"; it must equal the scheme name the view data carries, "${record.schemeName}"`);
    if (b.inbound_request_id === undefined) problems.push(`inbound_request_id is missing; it must be the find request's X-Request-ID ${f.request.requestId}`);
    else if (b.inbound_request_id !== f.request.requestId) problems.push(`inbound_request_id is ${b.inbound_request_id}; it must be the find request's X-Request-ID ${f.request.requestId}`);
    if (ok.requestId && (ok.requestId === f.request.requestId || seenRequestIds.has(ok.requestId))) problems.push(`the registration reused X-Request-ID ${ok.requestId}; every call needs its own`);
    if (ok.requestId) seenRequestIds.add(ok.requestId);
    if (at(ok) - f.sentAt > window) problems.push(`registered ${((at(ok) - f.sentAt) / 1000).toFixed(1)} s after the find; the window is ${window / 1000} s`);
    if (pat && bearerOf(ok) !== pat) problems.push('registered with a PAT that is not the one the C&A issued to this user');
    if (problems.length) {
      blame(ok);
      o.violations.push(...problems.map((p) => `${name}: ${p}`));
    }
    else o.notes.push(`${name} registered ${b.match_status} ${((at(ok) - f.sentAt) / 1000).toFixed(2)} s after the find, description "${b.description}", inbound_request_id = the find's X-Request-ID`);
  }
  const expectedNames = new Set(expectation.records.map((id) => expectedPei(ctx, recordById(ctx, id))));
  for (const e of mine.filter((x) => x.status < 300 && !expectedNames.has(String(bodyOf(x).name)))) {
    blame(e);
    o.violations.push(`an unexpected PeI was registered for ${f.user.id}: ${String(bodyOf(e).name)} (${expectation.reason})`);
  }
  return o;
};

const noRegistration: Check<{ find: string }> = (ctx, spec) => {
  const o = outcome();
  const f = findByName(ctx, spec.find);
  const ids = new Set([f.request.requestId, f.request.tokenRequestId].filter(Boolean));
  const pat = patOf(ctx, f.user.sub);
  const regs = registrations(ctx.entries).filter((e) => at(e) >= f.sentAt && (ids.has(String(bodyOf(e).inbound_request_id)) || (pat && bearerOf(e) === pat)));
  o.exchanges.push(...regs, ...outbound(ctx, [f.request.requestId]));
  o.culprit = regs[0];
  if (regs.length) o.violations.push(`the provider registered after this find, which must register nothing: ${regs.map(describe).join('; ')}`);
  else o.notes.push('nothing was registered');
  return o;
};

function asUriAccepted(ctx: RunContext, asUri: string): boolean {
  const bases = [ctx.sim.endpoints.issuer, ctx.sim.endpoints.https, ctx.sim.endpoints.http].filter(Boolean).map((b) => b!.replace(/\/$/, ''));
  return bases.some((b) => asUri.replace(/\/$/, '') === b || asUri.replace(/\/$/, '') === `${b}/token`);
}

/**
 * The first leg of the dance, which carries no RPT (no Authorization header, "Bearer" with no token,
 * or another scheme): 401 with a UMA challenge and a ticket /perm issued for it, and no /introspect.
 */
const viewChallenged: Check<{ view: string }> = (ctx, spec) => {
  const o = outcome();
  const v = viewByName(ctx, spec.view);
  const [first] = viewEntries(ctx, v);
  const perms = duringLeg(ctx, first, '/perm', v.user.sub);
  const introspections = duringLeg(ctx, first, '/introspect', v.user.sub);
  o.exchanges.push(...(first ? [first] : []), ...perms, ...introspections);
  o.culprit = introspections[0] ?? first;
  const leg = `a first view leg with ${describeFirstLeg(v.firstLeg)}`;
  if (!v.first) return { ...o, violations: [`the view call failed: ${v.errors.join('; ')}`] };
  if (introspections.length) o.violations.push(`the provider called /introspect while answering ${leg}: there is no RPT to introspect, it must answer the UMA challenge (${introspections.map(describe).join('; ')})`);
  if (v.first.status !== 401) return { ...o, violations: [...o.violations, `${leg} was answered ${v.first.status}; it must be 401 with a UMA challenge`] };
  const c = v.challenge;
  if (!c) return { ...o, violations: [...o.violations, `${leg} got a 401 with no WWW-Authenticate header: it must carry as_uri and ticket`] };
  if (!c.asUri) o.violations.push(`the challenge has no as_uri: ${c.raw}`);
  else if (!asUriAccepted(ctx, c.asUri)) o.violations.push(`as_uri is ${c.asUri}; it must be the C&A issuer ${ctx.sim.endpoints.issuer} or its token endpoint`);
  if (!c.ticket) {
    o.violations.push(`the challenge has no ticket: ${c.raw}`);
    return o;
  }
  const issued = perms.find((e) => e.status === 201 && responseOf<{ ticket?: string }>(e).ticket === c.ticket);
  if (!issued) {
    o.violations.push('the ticket in the challenge was not issued by /perm while the view was being answered: the provider must ask /perm for a ticket for this PeI');
    return o;
  }
  const resource = ctx.sim.store.liveResourceByName(v.pei);
  const askedFor = bodyOf<{ resource_id?: string }>(issued).resource_id;
  if (!resource || askedFor !== resource.resource_id) o.violations.push(`/perm was asked for resource ${askedFor}; the viewed PeI ${v.pei} is ${resource?.resource_id ?? 'not registered'}`);
  const pat = patOf(ctx, v.user.sub);
  if (bearerOf(issued) !== pat) o.violations.push('/perm was called with a PAT that is not the owning user’s');
  if (!o.violations.length) o.notes.push(`${leg}: 401 with ${c.umaScheme ? 'a UMA' : 'an'} challenge (realm ${c.realm ?? 'none'}), as_uri ${c.asUri}, and a ticket /perm issued for ${v.pei}; no /introspect`);
  return o;
};

const rptIssued: Check<{ view: string }> = (ctx, spec) => {
  const o = outcome();
  const v = viewByName(ctx, spec.view);
  const exchanges = ctx.entries.filter((e) => e.direction === 'in' && e.path === '/token' && tokenParams(e).grant_type === UMA_TICKET && tokenParams(e).ticket === v.challenge?.ticket);
  o.exchanges.push(...exchanges);
  if (!v.rptResponse) o.violations.push('no RPT could be requested: the challenge carried no usable ticket');
  else if (v.rptResponse.status !== 200) o.violations.push(`the C&A refused the ticket: ${v.rptResponse.status} ${v.rptResponse.text}`);
  else o.notes.push('the ticket was exchanged for an RPT at the C&A');
  return o;
};

const viewIntrospected: Check<{ view: string }> = (ctx, spec) => {
  const o = outcome();
  const v = viewByName(ctx, spec.view);
  const second = viewEntries(ctx, v).find((e) => (e.requestHeaders.authorization ?? '').length > 7);
  const intro = duringCall(ctx, second, '/introspect', v.user.sub).filter((e) => tokenParams(e).token === v.rpt);
  o.exchanges.push(...(second ? [second] : []), ...intro);
  o.culprit = intro.find((e) => e.status !== 200) ?? second;
  if (!v.second) return { ...o, violations: ['the view was never retried with an RPT (see the challenge and RPT checks)'] };
  if (!intro.length) {
    o.violations.push(`the provider answered the view (${v.second.status}) without introspecting the RPT at the C&A`);
    return o;
  }
  const pat = patOf(ctx, v.user.sub);
  const ok = intro.find((e) => e.status === 200);
  if (!ok) o.violations.push(`introspection did not succeed: ${intro.map(describe).join('; ')}`);
  else if (bearerOf(ok) !== pat) o.violations.push('the RPT was introspected with a PAT that is not the owning user’s');
  else if (at(ok) > at(second!) + second!.durationMs) o.violations.push('introspection happened after the view was answered');
  else o.notes.push(`RPT introspected with the owning PAT (${describe(ok)}) before the answer`);
  return o;
};

const viewDataValid: Check<{ view: string }> = (ctx, spec) => {
  const o = outcome();
  const v = viewByName(ctx, spec.view);
  o.exchanges.push(...viewEntries(ctx, v));
  o.culprit = o.exchanges[o.exchanges.length - 1];
  const final = v.final;
  if (!final) return { ...o, violations: [`the view call failed: ${v.errors.join('; ')}`] };
  const contract = ctx.sim.profile.view;
  if (final.status !== contract.okStatus) return { ...o, violations: [`the view with a valid RPT was answered ${final.status}; expected ${contract.okStatus} {view_data_token}${contract.okBodySchema ? ` (${contract.source})` : ''}`] };
  if (!v.viewDataToken) return { ...o, violations: [`the ${final.status} body has no view_data_token string: ${final.text.slice(0, 200)}`] };
  if (contract.okBodySchema) for (const p of checkAgainstSchema(contract.okBodySchema, final.json)) o.violations.push(`the view response body ${p} (${contract.source})`);
  if (v.signatureError) o.violations.push(`the view_data_token signature does not verify against the provider's key: ${v.signatureError}`);
  const h = v.tokenHeader ?? {};
  if (h.alg !== 'RS256') o.violations.push(`the view_data_token is signed with alg ${String(h.alg)}; RS256 is expected`);
  const c = v.tokenClaims ?? {};
  const now = epochSeconds(ctx.clock);
  if (typeof c.exp !== 'number') o.violations.push('the view_data_token has no exp claim');
  else if (c.exp <= now) o.violations.push(`the view_data_token expired at ${new Date(c.exp * 1000).toISOString()}`);
  if (typeof c.iat === 'number' && c.iat > now + 60) o.violations.push('the view_data_token was issued in the future (iat)');
  if (ctx.config.provider.viewTokenIssuer && c.iss !== ctx.config.provider.viewTokenIssuer) o.violations.push(`the view_data_token iss is ${String(c.iss)}; configured ${ctx.config.provider.viewTokenIssuer}`);
  if (c.view_data === undefined) o.violations.push('the view_data_token has no view_data claim');
  const registered = ctx.sim.store.liveResourceByName(v.pei);
  const schemeName = registered?.description ?? v.record.schemeName;
  // Judged against the test data's expectation, not what the provider registered (which may be wrong).
  const possible = v.expectedStatus === 'match-possible';
  // When the C&A holds another status (an update that never arrived, a wrong registration), a match
  // violation says so: the expectation alone reads as if the C&A agreed with it.
  const heldAs = registered?.match_status && registered.match_status !== v.expectedStatus ? ` (the test data expects ${v.expectedStatus} here; the C&A holds the PeI as ${registered.match_status})` : '';
  if (c.view_data !== undefined) {
    for (const p of checkViewData(c.view_data, { schemeName, possibleMatch: possible }, undefined, ctx.sim.profile.viewDataSchema)) o.violations.push(`view_data ${p.path || '(root)'}: ${p.detail}${p.code.startsWith('POSSIBLE_MATCH_') ? heldAs : ''} [${p.code}]`);
  }
  const slowAfter = ctx.config.budgets.viewResponseMs;
  if (final.durationMs > slowAfter) o.notes.push(`REPORTABLE: the view took ${final.durationMs.toFixed(0)} ms, over ${slowAfter} ms: it must be reported on /view-response/response-time`);
  if (!o.violations.length) o.notes.push(`signed view data (kid ${String(h.kid)}), valid against the view data schema and cross-field rules, scheme name "${schemeName}"${possible ? ', possible-match arrangement only' : ''}`);
  return o;
};

const noViewData: Check<{ view: string }> = (ctx, spec) => {
  const o = outcome();
  const v = viewByName(ctx, spec.view);
  const calls = viewEntries(ctx, v);
  const withRpt = calls.find((e) => (e.requestHeaders.authorization ?? '').length > 7);
  const intro = duringCall(ctx, withRpt, '/introspect', v.user.sub).filter((e) => !v.rpt || tokenParams(e).token === v.rpt);
  o.exchanges.push(...calls, ...intro);
  o.culprit = calls[calls.length - 1];
  const final = v.final;
  if (!final) o.notes.push(`the provider refused the call (${v.errors.join('; ')})`);
  else if (v.viewDataToken || final.status === 200) {
    o.violations.push(`the view of ${v.pei} (${spec.view}) was answered ${final.status} with view data; no data was due, 401 or 403: ${whyNoData(ctx, v, intro)}`);
  } else if (final.status !== 401 && final.status !== 403) o.violations.push(`the view of ${v.pei} (${spec.view}) was answered ${final.status}; no data is right, but 401 or 403 was due: ${whyNoData(ctx, v, intro)}`);
  else o.notes.push(`no data: answered ${final.status}`);
  return o;
};

/** Every C&A call during the scenario is explained by a find or a view of the run. */
const noUnexpectedCalls: Check<Record<string, never>> = (ctx) => {
  const o = outcome();
  const userTokens = new Set([...ctx.finds.values()].filter((f) => f.request.variant !== 'unparseable-body').map((f) => f.request.userToken));
  const findIds = new Set([...ctx.finds.values()].map((f) => f.request.requestId));
  const ownCalls = new Set(ctx.entries.filter((e) => e.direction === 'out').map((e) => e.requestId));
  const views = [...ctx.views.values()];
  const inView = (e: JournalEntry) => views.some((v) => viewEntries(ctx, v).some((c) => within(e, at(c) - 5, endOf(c) + 5)));
  for (const e of caCalls(ctx.entries)) {
    if (ownCalls.has(e.requestId)) continue; // the dashboard's own RPT exchanges
    if (e.path === '/token' && userTokens.has(tokenParams(e).assertion)) continue;
    if (e.path === '/rreguri' && e.method === 'POST' && findIds.has(String(bodyOf(e).inbound_request_id))) continue;
    if ((e.path === '/perm' || e.path === '/introspect') && inView(e)) continue;
    if (e.path === '/jwk_uri' || e.path === '/.well-known/jwks.json' || e.path === '/.well-known/uma2-configuration') continue;
    o.violations.push(`a C&A call no find or view of this scenario explains: ${describe(e)}`);
    o.exchanges.push(e);
    o.culprit ??= e;
  }
  if (!o.violations.length) o.notes.push(`every one of ${caCalls(ctx.entries).length} C&A calls is explained by a find or a view`);
  return o;
};

/** The C&A endpoints a provider calls, each of which must get a fresh X-Request-ID. */
const PROVIDER_ENDPOINTS = /^\/(token|rreguri(\/.*)?|perm|introspect)$/;

/**
 * Every call the provider made to the C&A (/token, /rreguri in every method, /perm, /introspect)
 * carried its own X-Request-ID: none missing, none used twice, none copied from a find or a view.
 * Judged from the journal, whatever the C&A answered (only POST /rreguri refuses a reused one).
 */
const freshRequestIds: Check<Record<string, never>> = (ctx) => {
  const o = outcome();
  // The uma-ticket grant is the dashboard's own RPT exchange, not the provider's.
  const calls = caCalls(ctx.entries).filter((e) => PROVIDER_ENDPOINTS.test(e.path) && !(e.path === '/token' && tokenParams(e).grant_type === UMA_TICKET));
  const findIds = new Set([...ctx.finds.values()].map((f) => f.request.requestId));
  const byId = new Map<string, JournalEntry[]>();
  for (const e of calls) {
    if (!e.requestId) {
      o.violations.push(`a C&A call without an X-Request-ID: ${describe(e)}`);
      o.exchanges.push(e);
      o.culprit ??= e;
    }
    else byId.set(e.requestId, [...(byId.get(e.requestId) ?? []), e]);
  }
  for (const [id, same] of byId) {
    if (same.length < 2) continue;
    o.violations.push(`X-Request-ID ${id} was sent on ${same.length} C&A calls (${[...new Set(same.map((e) => `${e.method} ${e.path.replace(/\/rreguri\/.+/, '/rreguri/{id}')}`))].join(', ')}); every call needs a new UUID`);
    o.exchanges.push(...same);
    o.culprit ??= same[1];
  }
  for (const e of calls.filter((c) => findIds.has(c.requestId))) {
    o.violations.push(`a C&A call reused the find's X-Request-ID (it belongs in inbound_request_id): ${describe(e)}`);
    o.exchanges.push(e);
    o.culprit ??= e;
  }
  if (!o.violations.length) o.notes.push(`each of ${calls.length} C&A calls by the provider carried its own X-Request-ID`);
  return o;
};

export const CHECKS: Record<ExpectSpec['check'], Check<never>> = {
  'fresh-request-ids': freshRequestIds as Check<never>,
  'find-acknowledged': findAcknowledged as Check<never>,
  'find-refused': findRefused as Check<never>,
  'pat-obtained': patObtained as Check<never>,
  'registered-as-expected': registeredAsExpected as Check<never>,
  'no-registration': noRegistration as Check<never>,
  'no-ca-call': noCaCall as Check<never>,
  'view-challenged': viewChallenged as Check<never>,
  'rpt-issued': rptIssued as Check<never>,
  'view-introspected': viewIntrospected as Check<never>,
  'view-data-valid': viewDataValid as Check<never>,
  'no-view-data': noViewData as Check<never>,
  'no-unexpected-calls': noUnexpectedCalls as Check<never>,
  ...STAGE_CHECKS,
  ...SYSTEM_CHECKS,
};
