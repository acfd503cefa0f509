// The checks integration Stage 1 and Stage 2 add (test-phases §3.5–3.7). As in checks.ts, each
// collects every violation, says in plain words what passed, and names the exchanges it judged.
import { CALL_FOR, type UpdateInstruction, type UpdateRound } from './update-file.js';
import type { JournalEntry } from '../store/journal.js';
import { at, bearerOf, bodyOf, caCalls, describe, registrations, tokenParams } from './correlation.js';
import { duringCall, outcome, patOf, viewEntries, whyNoData, type Check } from './check-kit.js';
import { expectationFor, expectedPei, findByName, recordById, viewByName, type RunContext } from './context.js';
import { updateCallsOn } from './stage-actions.js';
import type { StageExpectSpec } from './types.js';

type Spec<K extends StageExpectSpec['check']> = Extract<StageExpectSpec, { check: K }>;

/** A find repeated for a user already matched registers nothing new: the C&A keeps one PeI per pension. */
const noDuplicatePei: Check<Spec<'no-duplicate-pei'>> = (ctx, spec) => {
  const o = outcome();
  const f = findByName(ctx, spec.find);
  const names = expectationFor(ctx, f.user.id).records.map((id) => expectedPei(ctx, recordById(ctx, id)));
  const pat = patOf(ctx, f.user.sub);
  const after = registrations(ctx.entries).filter((e) => at(e) >= f.sentAt && ((pat && bearerOf(e) === pat) || bodyOf(e).inbound_request_id === f.request.requestId));
  o.exchanges.push(...after);
  o.culprit = after.find((x) => x.status === 201);
  for (const e of after.filter((x) => x.status === 201)) o.violations.push(`the repeated find created a new PeI: ${String(bodyOf(e).name)} (${describe(e)})`);
  const live = ctx.sim.store.resources().filter((r) => !r.deleted_at && r.owner === f.user.sub);
  for (const name of names) {
    const held = live.filter((r) => r.name === name).length;
    if (held !== 1) o.violations.push(`the C&A holds ${held} live PeI(s) named ${name} for ${f.user.id}; exactly one is expected`);
  }
  const extra = live.filter((r) => !names.includes(r.name));
  for (const r of extra) o.violations.push(`${f.user.id} has a PeI the test data does not expect: ${r.name}`);
  if (!o.violations.length) {
    o.notes.push(after.length ? `the repeated find re-registered ${after.length} time(s), each answered 200 with the existing resource; still one PeI per pension` : 'the provider registered nothing for the repeated find; still one PeI per pension');
  }
  return o;
};

/** A view that must give no data: every status in `statuses` is acceptable, 200 never. */
const viewRefused: Check<Spec<'view-refused'>> = (ctx, spec) => {
  const o = outcome();
  const v = viewByName(ctx, spec.view);
  const withRpt = viewEntries(ctx, v).find((e) => (e.requestHeaders.authorization ?? '').length > 7);
  const intro = duringCall(ctx, withRpt, '/introspect', v.user.sub).filter((e) => tokenParams(e).token === v.rpt);
  o.exchanges.push(...viewEntries(ctx, v), ...intro);
  o.culprit = withRpt ?? o.exchanges[o.exchanges.length - 1];
  const final = v.final;
  if (!final) return { ...o, violations: [`the view call failed: ${v.errors.join('; ')}`] };
  if (!v.rpt) return { ...o, violations: [`the view never got as far as presenting an RPT (answered ${final.status}); see the challenge`] };
  const due = spec.statuses.join(' or ');
  if (v.viewDataToken || final.status === 200) o.violations.push(`the view of ${v.pei} (${spec.view}) was answered ${final.status} with view data; no data was due, ${due}: ${whyNoData(ctx, v, intro)}`);
  else if (!spec.statuses.includes(final.status)) o.violations.push(`the view of ${v.pei} (${spec.view}) was answered ${final.status}; no data is right, but ${due} was due: ${whyNoData(ctx, v, intro)}`);
  if (spec.introspected && !intro.length) o.violations.push('the provider did not introspect the RPT at the C&A before answering');
  if (!o.violations.length) o.notes.push(`no data: answered ${final.status}${intro.length ? ` after introspection answered ${intro.map((e) => e.status).join(', ')}` : ''}`);
  return o;
};

/** A view for an asset the provider does not hold: 404, no challenge, no data. */
const viewNotFound: Check<Spec<'view-not-found'>> = (ctx, spec) => {
  const o = outcome();
  const v = viewByName(ctx, spec.view);
  o.exchanges.push(...viewEntries(ctx, v));
  o.culprit = o.exchanges[0];
  if (!v.first) return { ...o, violations: [`the view call failed: ${v.errors.join('; ')}`] };
  if (v.viewDataToken) o.violations.push('the provider returned view data for an asset it does not hold');
  if (v.first.status !== 404) o.violations.push(`a view for an unknown asset was answered ${v.first.status}; it must be 404`);
  else o.notes.push(`404 for the unknown asset ${v.assetGuid}`);
  return o;
};

/** Views slower than the reporting threshold are not a failure, but the provider must report them. */
const slowViewsReportable: Check<Spec<'slow-views-reportable'>> = (ctx) => {
  const o = outcome();
  const limit = ctx.config.budgets.viewResponseMs;
  const calls = [...ctx.views.values()].flatMap((v) => viewEntries(ctx, v).filter((e) => e.role === 'dashboard' && e.method === 'GET'));
  if (!calls.length) return { ...o, violations: ['no view was made, so no response time could be judged'] };
  const slow = calls.filter((e) => e.durationMs > limit);
  o.exchanges.push(...slow);
  for (const e of slow) o.notes.push(`REPORTABLE: ${e.method} ${e.path} took ${e.durationMs.toFixed(0)} ms, over ${limit} ms: it must be reported on /view-response/response-time`);
  if (!slow.length) o.notes.push(`none of ${calls.length} view responses took over ${limit} ms: nothing to report on /view-response/response-time`);
  return o;
};

function roundOf(ctx: RunContext): UpdateRound {
  if (!ctx.updates) throw new Error('no update file has been issued in this run (Stage 1 must end first)');
  return ctx.updates;
}

function instructionFor(round: UpdateRound, user: string): UpdateInstruction {
  const i = round.file.instructions.find((x) => x.user === user);
  if (!i) throw new Error(`the update file has no instruction for ${user}`);
  return i;
}

const reasonOf = (e: JournalEntry) => new URLSearchParams(e.url.split('?')[1] ?? '').get('deletion_reason') ?? undefined;

/** Which statuses each call may start from (the C&A's state machine, pitfall P5). */
const VALID_FROM: Record<string, string[]> = { 'match-yes': ['match-possible'], 'match-no': ['match-possible'], 'match-timeout': ['match-possible'], 'match-withdrawn': ['match-yes'], 'asset-removed': ['match-yes', 'match-possible'] };

/** The call the file asked for arrived: right method and reason, from the owning PAT, a valid transition, accepted. */
const updateApplied: Check<Spec<'update-applied'>> = (ctx, spec) => {
  const o = outcome();
  const round = roundOf(ctx);
  const ins = instructionFor(round, spec.user);
  if (!ins.resource_id) return { ...o, violations: [`${ins.pei} was not registered in Stage 1, so "${ins.action}" could not be carried out`] };
  const want = CALL_FOR[ins.action];
  const before = round.snapshot.find((r) => r.resource_id === ins.resource_id);
  const calls = updateCallsOn(ctx, ins.resource_id, round.issuedAtMs);
  o.exchanges.push(...calls);
  if (!calls.length) {
    o.violations.push(
      round.applyFailed
        ? `no ${ins.expected_call} reached the C&A (${ins.action}): ${round.applyFailed}, so Stage 2 did not wait for it`
        : `no ${ins.expected_call} reached the C&A within ${ctx.config.budgets.updateWindowMs / 1000} s of the update file (${ins.action})`,
    );
    return o;
  }
  const owner = before ? patOf(ctx, before.owner) : undefined;
  for (const e of calls) {
    const what = describe(e);
    const wrong = e.method !== want.method || (want.method === 'PATCH' && String(bodyOf(e).match_status) !== 'match-yes') || (want.method === 'DELETE' && reasonOf(e) !== want.deletionReason) || (!!owner && bearerOf(e) !== owner) || e.status >= 300;
    if (wrong) o.culprit ??= e;
    const target = e.method === 'PATCH' ? String(bodyOf(e).match_status) : reasonOf(e);
    if (e.method !== want.method) o.violations.push(`${what}: the file asked for ${ins.expected_call} (${ins.action})`);
    else if (want.method === 'PATCH' && target !== 'match-yes') o.violations.push(`${what}: match_status ${target}; confirming a possible match is a PATCH to match-yes`);
    else if (want.method === 'DELETE' && target !== want.deletionReason) o.violations.push(`${what}: deletion_reason ${target ?? '(none)'}; "${ins.action}" needs deletion_reason=${want.deletionReason}`);
    if (owner && bearerOf(e) !== owner) o.violations.push(`${what}: made with a PAT that is not the owning user's (${spec.user})`);
    if (e.status >= 300) o.violations.push(`${what}: the C&A refused it`);
  }
  if (calls.filter((e) => e.status < 300).length > 1) o.violations.push(`the update was made ${calls.filter((e) => e.status < 300).length} times; once is expected`);
  const wantTarget = want.method === 'PATCH' ? 'match-yes' : want.deletionReason!;
  if (before && !VALID_FROM[wantTarget].includes(before.match_status)) {
    o.violations.push(`${ins.pei} was ${before.match_status} at the end of Stage 1; ${wantTarget} is a valid transition only from ${VALID_FROM[wantTarget].join(' or ')} (it should have been registered as the test data expects)`);
  }
  const now = ctx.sim.store.resource(ins.resource_id);
  if (want.method === 'PATCH' && (now?.deleted_at || now?.match_status !== 'match-yes')) o.violations.push(`the C&A now holds ${ins.pei} as ${now?.deleted_at ? 'deleted' : now?.match_status}; match-yes is expected`);
  if (want.method === 'DELETE' && (!now?.deleted_at || now.deletion_reason !== want.deletionReason)) {
    o.violations.push(`the C&A now holds ${ins.pei} as ${now?.deleted_at ? `deleted (${now.deletion_reason})` : `live (${now?.match_status})`}; deleted with ${want.deletionReason} is expected`);
  }
  if (!o.violations.length) o.notes.push(`${ins.expected_call} arrived with the owning PAT and was accepted: ${before?.match_status} → ${wantTarget}`);
  return o;
};

/** Only the PeIs the file names changed, and only by the calls it asks for. */
const nothingElseChanged: Check<Spec<'nothing-else-changed'>> = (ctx) => {
  const o = outcome();
  const round = roundOf(ctx);
  const instructed = new Set(round.file.instructions.map((i) => i.resource_id).filter(Boolean));
  const writes = caCalls(ctx.entries).filter((e) => at(e) >= round.issuedAtMs && e.path.startsWith('/rreguri') && e.method !== 'GET');
  const stray = writes.filter((e) => !(e.method !== 'POST' && instructed.has(e.path.slice('/rreguri/'.length))));
  o.exchanges.push(...stray);
  o.culprit = stray[0];
  for (const e of stray) o.violations.push(`a registration change the update file does not ask for: ${describe(e)}`);
  let unchanged = 0;
  for (const before of round.snapshot.filter((r) => !instructed.has(r.resource_id))) {
    const now = ctx.sim.store.resource(before.resource_id);
    const was = before.deleted ? 'deleted' : before.match_status;
    const is = !now ? 'gone' : now.deleted_at ? 'deleted' : now.match_status;
    if (was !== is) o.violations.push(`${before.name} was ${was} at the end of Stage 1 and is now ${is}; the update file does not name it`);
    else unchanged++;
  }
  if (!o.violations.length) o.notes.push(`${writes.length} change(s), all asked for by the file; the other ${unchanged} PeI(s) are as Stage 1 left them`);
  return o;
};

/** A deleted PeI is gone: deleted at the C&A, and the provider's view answers 404 without a challenge. */
const peiGone: Check<Spec<'pei-gone'>> = (ctx, spec) => {
  const o = outcome();
  const round = roundOf(ctx);
  const ins = instructionFor(round, spec.user);
  const v = viewByName(ctx, spec.view);
  o.exchanges.push(...viewEntries(ctx, v));
  o.culprit = o.exchanges[0];
  const now = ins.resource_id ? ctx.sim.store.resource(ins.resource_id) : undefined;
  if (!now?.deleted_at) o.violations.push(`the C&A still holds ${ins.pei} as ${now ? now.match_status : 'never registered'}`);
  if (!v.first) o.violations.push(`the view call failed: ${v.errors.join('; ')}`);
  else if (v.viewDataToken) o.violations.push(`the provider still returns view data for ${ins.pei}`);
  else if (v.first.status !== 404) o.violations.push(`a view of the deleted PeI ${ins.pei} was answered ${v.first.status}${v.first.status === 401 ? ' with a challenge' : ''}; a pension that is no longer matched must answer 404`);
  if (!o.violations.length) o.notes.push(`${ins.pei} deleted (${now?.deletion_reason}) at the C&A; the view answers 404`);
  return o;
};

export const STAGE_CHECKS: Record<StageExpectSpec['check'], Check<never>> = {
  'no-duplicate-pei': noDuplicatePei as Check<never>,
  'view-refused': viewRefused as Check<never>,
  'view-not-found': viewNotFound as Check<never>,
  'slow-views-reportable': slowViewsReportable as Check<never>,
  'update-applied': updateApplied as Check<never>,
  'nothing-else-changed': nothingElseChanged as Check<never>,
  'pei-gone': peiGone as Check<never>,
};
