// The checks of the system-test scenarios: how the provider reacted to a C&A fault, judged from
// the journal (every call it made, with its time and answer). Each states the observed timeline in
// its reason, so a failure shows what the provider actually did. Registered in CHECKS (checks.ts).
import type { JournalEntry } from '../store/journal.js';
import { retryAfterMs } from '../http/retry-after.js';
import { at, bearerOf, bodyOf, caCalls, describe, endOf, patExchanges, registrations, tokenParams, within } from './correlation.js';
import { expectationFor, expectedPei, findByName, recordById, viewByName, type RunContext } from './context.js';
import type { SentFind } from '../pfs/pfs-driver.js';
import { describeClientCert, probeByName, updateByName } from './system-actions.js';
import { madeFor, type CheckOutcome } from './check-kit.js';
import type { Cause, RetryEndpoint, SystemExpectSpec } from './types.js';

type Check<S> = (ctx: RunContext, spec: S) => CheckOutcome;
type Spec<K extends SystemExpectSpec['check']> = Extract<SystemExpectSpec, { check: K }>;

const outcome = (): CheckOutcome => ({ violations: [], notes: [], exchanges: [] });
/** Timers fire a little early or late; Retry-After is judged with this much slack. */
const TIMER_SLACK_MS = 50;
export const DEFAULT_MAX_ATTEMPTS = 10;
export const DEFAULT_MIN_GAP_MS = 100;
/** Over a series of three or more 5xx gaps, the last is at least this many times the first. */
export const GROWTH_OVER_SERIES = 1.8;

const LABEL: Record<RetryEndpoint, string> = { token: 'POST /token', 'rreguri-post': 'POST /rreguri', 'rreguri-patch': 'PATCH /rreguri', 'rreguri-delete': 'DELETE /rreguri' };

function userTokenOf(f: SentFind): string | undefined {
  if (f.request.variant === 'unparseable-body') return undefined;
  return (JSON.parse(f.request.body) as { user_token?: string }).user_token;
}

/** The calls a find or an update caused at an endpoint, with the user and when it began. */
function causedBy(ctx: RunContext, spec: Cause & { endpoint: RetryEndpoint }): { tl: JournalEntry[]; sub: string; since: number } {
  if (spec.find !== undefined) {
    const f = findByName(ctx, spec.find);
    return { tl: attemptsFor(ctx, f, spec.endpoint), sub: f.user.sub, since: f.sentAt };
  }
  const u = updateByName(ctx, spec.update);
  const ids = new Set(ctx.sim.store.resources().filter((r) => r.name === u.pei).map((r) => r.resource_id));
  const method = spec.endpoint === 'rreguri-patch' ? 'PATCH' : 'DELETE';
  const tl = caCalls(ctx.entries).filter((e) => e.method === method && at(e) >= u.sentAt && ids.has(decodeURIComponent(e.path.split('/').pop() ?? '')));
  return { tl, sub: u.user.sub, since: u.sentAt };
}

/** The provider's calls to an endpoint that this find caused, in order. */
export function attemptsFor(ctx: RunContext, f: SentFind, endpoint: RetryEndpoint): JournalEntry[] {
  if (endpoint === 'token') {
    const token = userTokenOf(f);
    return patExchanges(ctx.entries)
      .filter((x) => x.assertion === token && at(x.entry) >= f.sentAt)
      .map((x) => x.entry);
  }
  const names = new Set(expectationFor(ctx, f.user.id).records.map((id) => expectedPei(ctx, recordById(ctx, id))));
  const pats = new Set(patExchanges(ctx.entries).filter((x) => x.sub === f.user.sub && x.pat).map((x) => x.pat));
  return registrations(ctx.entries).filter(
    (e) => at(e) >= f.sentAt && (bodyOf(e).inbound_request_id === f.request.requestId || (pats.has(bearerOf(e)) && names.has(String(bodyOf(e).name)))),
  );
}

/** "+0 ms 503, +412 ms 503, +1240 ms 201": each attempt's start after the first, and its answer. */
export function timeline(attempts: JournalEntry[]): string {
  if (!attempts.length) return 'no attempt';
  const t0 = at(attempts[0]);
  return attempts
    .map((e) => {
      const ra = e.responseHeaders['retry-after'];
      return `+${at(e) - t0} ms ${e.status}${ra ? ` (Retry-After ${ra})` : ''}`;
    })
    .join(', ');
}

const retried: Check<Spec<'retried'>> = (ctx, spec) => {
  const o = outcome();
  const label = LABEL[spec.endpoint];
  const max = spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const minGap = spec.minGapMs ?? DEFAULT_MIN_GAP_MS;
  const { tl } = causedBy(ctx, spec);
  o.exchanges.push(...tl);
  const seen = `${label} timeline: ${timeline(tl)}`;
  if (!tl.length) return { ...o, violations: [`the provider never called ${label} after the ${spec.find !== undefined ? 'find' : 'update'}`] };
  if (tl[0].status !== spec.status) {
    return { ...o, violations: [`the first ${label} was answered ${tl[0].status}, not the injected ${spec.status}: the case did not exercise the fault (${seen})`] };
  }
  const okAt = tl.findIndex((e) => e.status >= 200 && e.status < 300);
  const tried = okAt < 0 ? tl : tl.slice(0, okAt + 1);
  // The attempt that broke the rule: the first one a violation below names.
  const blame = (e: JournalEntry | undefined) => {
    o.culprit ??= e;
  };
  if (okAt < 0) {
    blame(tl[tl.length - 1]);
    o.violations.push(
      tl.length === 1
        ? `gave up at once: one ${label} answered ${spec.status} and no retry; a ${spec.status} is transient, so retry with backoff (${seen})`
        : `gave up after ${tl.length} attempts without success while the C&A's failure was transient (${seen})`,
    );
  }
  if (tl.length > max) blame(tl[max]);
  if (tl.length > max) o.violations.push(`not bounded: ${tl.length} attempts, more than ${max} (${seen})`);
  const gaps5xx: number[] = [];
  for (let i = 1; i < tried.length; i++) {
    const prev = tried[i - 1];
    const gap = Math.round(at(tried[i]) - endOf(prev));
    // Every retry after an answer that carried Retry-After (a 429, or a 5xx that sends one) waits for it.
    const asked = retryAfterMs(prev.responseHeaders['retry-after'], at(prev));
    if (asked !== undefined && gap + TIMER_SLACK_MS < asked) {
      blame(tried[i]);
      o.violations.push(`Retry-After not honoured: attempt ${i + 1} came ${gap} ms after a ${prev.status} that asked for ${asked / 1000} s (${seen})`);
    }
    if (gap < minGap) blame(tried[i]);
    if (gap < minGap) o.violations.push(`tight loop: attempt ${i + 1} came ${gap} ms after a ${prev.status}; wait at least ${minGap} ms, growing (${seen})`);
    if (prev.status >= 500 && asked === undefined) gaps5xx.push(gap);
  }
  const backoff = backoffProblems(gaps5xx);
  if (backoff.length) blame(tried[tried.length - 1]);
  o.violations.push(...backoff.map((p) => `${p} (${seen})`));
  if (!o.violations.length) o.notes.push(`retried ${tried.length - 1} time(s) and succeeded; ${seen}`);
  return o;
};

/**
 * The whole series of 5xx retry gaps must grow: each gap at least the one before (within timer
 * slack), and over three or more gaps the last at least GROWTH_OVER_SERIES times the first.
 * Exponential backoff with "equal jitter" always passes (each doubling's least is the last one's
 * most, so three gaps grow at least 2×); a fixed interval with jitter (±20%: at most 1.5×) never
 * does, however its random draws fall. Full jitter (anywhere in [0, ceiling]) can shrink, and is
 * reported as such: PDP's guidance is not public, and this is cda-sim's stated default.
 */
export function backoffProblems(gaps: number[]): string[] {
  const problems: string[] = [];
  const shrank = gaps.findIndex((g, j) => j > 0 && g + TIMER_SLACK_MS < gaps[j - 1]);
  if (shrank > 0) problems.push(`the spacing between retries does not grow: gap ${shrank + 1} (${gaps[shrank]} ms) is shorter than gap ${shrank} (${gaps[shrank - 1]} ms) in ${gaps.join(', ')} ms; back off exponentially`);
  if (gaps.length >= 3 && gaps[gaps.length - 1] < gaps[0] * GROWTH_OVER_SERIES) {
    problems.push(`the spacing between retries hardly grows: the last gap (${gaps[gaps.length - 1]} ms) is under ${GROWTH_OVER_SERIES}× the first (${gaps[0]} ms) over ${gaps.length} gaps (${gaps.join(', ')} ms): a fixed interval, with or without jitter, is not a backoff`);
  }
  return problems;
}

/** The calls a cause made at an endpoint, and where the first answer with `status` sits among them. */
function afterFirst(ctx: RunContext, spec: Cause & { endpoint: RetryEndpoint; status: number }) {
  const label = LABEL[spec.endpoint];
  const caused = causedBy(ctx, spec);
  const first = caused.tl.findIndex((e) => e.status === spec.status);
  const seen = `${label} timeline: ${timeline(caused.tl)}`;
  const unmet = first < 0 ? `no ${label} was answered ${spec.status}: the case did not exercise the fault (${seen})` : undefined;
  return { ...caused, label, seen, unmet, after: first < 0 ? [] : caused.tl.slice(first + 1), refused: caused.tl[first] };
}

const stopped: Check<Spec<'stopped'>> = (ctx, spec) => {
  const o = outcome();
  const { tl, label, seen, unmet, after } = afterFirst(ctx, spec);
  o.exchanges.push(...tl);
  if (unmet) return { ...o, violations: [unmet] };
  o.culprit = after[0];
  if (after.length) o.violations.push(`kept calling ${label} ${after.length} more time(s) after ${spec.status}${spec.status === 404 ? ' (the user was removed)' : ''}; it must stop (${seen})`);
  else o.notes.push(`stopped after the ${spec.status}; ${seen}`);
  return o;
};

const refusalHandled: Check<Spec<'refusal-handled'>> = (ctx, spec) => {
  const o = outcome();
  const r = afterFirst(ctx, spec);
  const tokens = patExchanges(ctx.entries).filter((x) => x.sub === r.sub && at(x.entry) >= r.since).map((x) => x.entry);
  o.exchanges.push(...r.tl, ...tokens);
  const seen = `${r.seen}; PAT exchanges: ${tokens.map(describe).join('; ') || 'none'}`;
  if (r.unmet) return { ...o, violations: [r.unmet] };
  o.culprit = r.after[1] ?? r.after[0];
  if (r.after.length > 1) o.violations.push(`called ${r.label} ${r.after.length} more times after a ${spec.status}: a refused PAT is renewed once at most, not retried in a loop (${seen})`);
  if (r.after.length === 1 && !tokens.some((t) => at(t) > at(r.refused) && at(t) < at(r.after[0]))) {
    o.violations.push(`sent ${r.label} again after a ${spec.status} without exchanging the user token for a PAT first (${seen})`);
  }
  if (!o.violations.length) o.notes.push(r.after.length ? `renewed the PAT once and tried again; ${seen}` : `stopped after the ${spec.status}; ${seen}`);
  return o;
};

const noRegistrationWithoutPat: Check<Spec<'no-registration-without-pat'>> = (ctx, spec) => {
  const o = outcome();
  const f = findByName(ctx, spec.find);
  const tokens = attemptsFor(ctx, f, 'token');
  const regs = registrations(ctx.entries).filter((e) => at(e) >= f.sentAt && bodyOf(e).inbound_request_id === f.request.requestId);
  o.exchanges.push(...tokens, ...regs);
  const seen = `POST /token timeline: ${timeline(tokens)}`;
  const max = spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!tokens.length) o.violations.push('the provider never asked /token for a PAT with the find’s user token: the case did not exercise the fault');
  const got = tokens.find((e) => e.status === 200);
  o.culprit = regs[0] ?? got ?? tokens[max];
  if (got) o.violations.push(`the C&A issued a PAT (${describe(got)}), so the case did not exercise the failure (${seen})`);
  if (regs.length) o.violations.push(`sent a registration although no PAT could be obtained: ${regs.map(describe).join('; ')} (${seen})`);
  if (tokens.length > max) o.violations.push(`not bounded: ${tokens.length} /token attempts, more than ${max} (${seen})`);
  if (!o.violations.length) o.notes.push(`no PAT, and nothing registered; ${seen}`);
  return o;
};

const noDataOnCaFailure: Check<Spec<'no-data-on-ca-failure'>> = (ctx, spec) => {
  const o = outcome();
  const v = viewByName(ctx, spec.view);
  const viewCalls = ctx.entries.filter((e) => e.direction === 'out' && e.requestId && v.requestIds.includes(e.requestId));
  const path = `/${spec.endpoint}`;
  // /introspect: the calls about the RPT this view presented; /perm: the calls made while a view call was open.
  // /perm: also made for this view's user (or for nobody cda-sim can tell), as other cases may be viewing at the same time.
  const during = caCalls(ctx.entries).filter((e) =>
    e.path !== path ? false : spec.endpoint === 'introspect' ? !!v.rpt && tokenParams(e).token === v.rpt : viewCalls.some((c) => within(e, at(c), endOf(c) + 2)) && madeFor(ctx, e, v.user.sub),
  );
  o.exchanges.push(...viewCalls, ...during);
  const statuses = during.map((e) => e.status).join(', ') || 'no call';
  const final = v.final;
  o.culprit = final && (final.status === 200 || v.viewDataToken) ? viewCalls[viewCalls.length - 1] : during[0];
  if (!during.length) o.violations.push(`the provider never called ${path} while answering the view: the case did not exercise the fault`);
  else if (!during.some((e) => e.status >= 400)) o.violations.push(`${path} answered ${statuses}: the injected failure was not met`);
  if (final && (final.status === 200 || v.viewDataToken)) o.violations.push(`returned view data (${final.status}) although ${path} answered ${statuses}: fail safe, no data`);
  if (!o.violations.length) o.notes.push(`no data: ${path} answered ${statuses}, the view was answered ${final ? final.status : `with a refused connection (${v.errors.join('; ')})`}`);
  return o;
};

const mtlsRefused: Check<Spec<'mtls-refused'>> = (ctx, spec) => {
  const o = outcome();
  const p = probeByName(ctx, spec.probe);
  const what = `${p.target === 'ca' ? 'cda-sim’s own C&A listener' : `the provider’s ${p.target} endpoint`} with ${describeClientCert(p.cert)}`;
  o.exchanges.push(...ctx.entries.filter((e) => e.direction === 'out' && e.requestId === p.requestId));
  if (p.error) {
    o.notes.push(`${what}: refused (${p.error.code}: ${p.error.message})`);
    return o;
  }
  const status = p.response!.status;
  // Whatever the answer, nothing may have been acted on: no C&A call caused by the probe.
  const acted = caCalls(ctx.entries).filter((e) => {
    if (p.target === 'find') return at(e) >= p.sentAt && bodyOf(e).inbound_request_id === p.requestId;
    if (p.target === 'view') return (e.path === '/perm' || e.path === '/introspect') && within(e, p.sentAt - 5, p.sentAt + p.response!.durationMs + 5) && madeFor(ctx, e, p.sub);
    return false;
  });
  o.exchanges.push(...acted);
  o.culprit = acted[0] ?? o.exchanges[0];
  if (status !== 401 && status !== 403) o.violations.push(`${what}: the connection was accepted and answered ${status}; the handshake must be refused (or 401/403, acting on nothing)`);
  if (acted.length) o.violations.push(`${what}: the provider acted on the request: ${acted.map(describe).join('; ')}`);
  if (!o.violations.length) o.notes.push(`${what}: answered ${status}, nothing acted on`);
  return o;
};

const registeredOnce: Check<Spec<'registered-once'>> = (ctx, spec) => {
  const o = outcome();
  const f = findByName(ctx, spec.find);
  const names = expectationFor(ctx, f.user.id).records.map((id) => expectedPei(ctx, recordById(ctx, id)));
  const regs = registrations(ctx.entries).filter((e) => at(e) >= f.sentAt && names.includes(String(bodyOf(e).name)));
  o.exchanges.push(...regs);
  const refused = regs.filter((e) => e.status >= 300);
  o.culprit = refused[0];
  if (refused.length) o.violations.push(`registrations were refused: ${refused.map(describe).join('; ')} (a 409 means an X-Request-ID was reused: every call needs its own)`);
  for (const name of names) {
    const live = ctx.sim.store.resources().filter((r) => r.name === name && !r.deleted_at);
    if (live.length !== 1) o.violations.push(`${name}: ${live.length} live PeIs at the C&A; expected exactly one`);
    else if (live[0].owner !== f.user.sub) o.violations.push(`${name} is registered to another user`);
  }
  if (!o.violations.length) o.notes.push(`${regs.length} registration call(s), all accepted; one live PeI per pension (${names.length})`);
  return o;
};

export const SYSTEM_CHECKS = {
  retried: retried as Check<never>,
  stopped: stopped as Check<never>,
  'refusal-handled': refusalHandled as Check<never>,
  'no-registration-without-pat': noRegistrationWithoutPat as Check<never>,
  'no-data-on-ca-failure': noDataOnCaFailure as Check<never>,
  'mtls-refused': mtlsRefused as Check<never>,
  'registered-once': registeredOnce as Check<never>,
};
