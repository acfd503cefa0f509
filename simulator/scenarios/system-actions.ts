// The steps of the system-test scenarios (scenarios/system-test.json, oat.json): set and clear C&A
// faults, wait for a provider that may be retrying, misbehave as the PFS (driver faults), and
// connect with a wrong client certificate (mTLS cases). Registered in ACTIONS (actions.ts).
import { watched } from '../core/waiting.js';
import { randomUUID } from 'node:crypto';
import { validateFaultRule, type FaultRule } from '../faults/registry.js';
import { call, CallFailed, type CallResult, type TlsClientOptions } from '../http/client.js';
import { checkDriverFault, playDriverFault } from '../pfs/driver-faults.js';
import type { SentFind } from '../pfs/pfs-driver.js';
import { UPDATE_ACTIONS, type UpdateAction } from './update-file.js';
import type { TestUser } from '../testdata/users.js';
import { expectationFor, expectedPei, findByName, QUIET_MS, recordById, userById, registrationsOf, waitUntil, type RunContext } from './context.js';
import { at, bodyOf, lastCaCallEnd, lastCaCallFor, lastCaCallOf, registrations } from './correlation.js';
import { DEFAULT_SYSTEM_TIMING } from './system-timing.js';
import { CLIENT_CERT_CHOICES, type ClientCertChoice, type SystemStepSpec } from './types.js';

/** How a probe's certificate reads in a reason. */
export function describeClientCert(cert: ClientCertChoice): string {
  const words: Record<ClientCertChoice, string> = {
    expired: 'an expired client certificate',
    foreign: 'a foreign-CA client certificate',
    'no-client-auth': 'a client certificate without clientAuth (serverAuth only)',
    'rsa-1024': 'an RSA-1024 client certificate',
    none: 'no client certificate',
  };
  return words[cert];
}

/** What an mTLS probe met: an answer, or a refused connection. */
export interface TlsProbe {
  target: 'find' | 'view' | 'ca';
  cert: ClientCertChoice;
  url: string;
  sentAt: number;
  requestId: string;
  response?: CallResult;
  error?: { code: string; message: string };
  /** For a view probe, the PeI it asked about, and its owner (sub). */
  pei?: string;
  sub?: string;
}

// Kept per run (its map of finds, which every group of cases shares), so a later case can name them.
const probes = new WeakMap<object, Map<string, TlsProbe>>();

/** An update instruction given to the provider, and what it said of it. */
export interface SentUpdate {
  user: TestUser;
  pei: string;
  action: string;
  sentAt: number;
  result?: { ok: boolean; why?: string };
}
const updates = new WeakMap<object, Map<string, SentUpdate>>();

export function updateByName(ctx: RunContext, name: string): SentUpdate {
  const u = updates.get(ctx.finds)?.get(name);
  if (!u) throw new Error(`no update named "${name}" was given earlier in this run`);
  return u;
}

export function probeByName(ctx: RunContext, name: string): TlsProbe {
  const p = probes.get(ctx.finds)?.get(name);
  if (!p) throw new Error(`no mTLS probe named "${name}" was made earlier in this run`);
  return p;
}

type Action<S> = (ctx: RunContext, step: S, tags: Record<string, string>) => Promise<void>;
type Step<K extends SystemStepSpec['do']> = Extract<SystemStepSpec, { do: K }>;

const fault: Action<Step<'fault'>> = async (ctx, step) => {
  const { do: _do, forMs, user, ...rest } = step;
  const rule: Record<string, unknown> = { ...rest };
  if (user !== undefined) rule.user = userById(ctx, user).sub;
  if (forMs !== undefined) {
    if (!(Number.isInteger(forMs) && forMs >= 1)) throw new Error(`fault step: forMs must be a whole number of milliseconds ≥ 1, not ${JSON.stringify(forMs)}`);
    rule.until = new Date(ctx.clock.now() + forMs).toISOString();
  }
  // cda-sim's own tests shorten the harness's 2–10 s so the suite stays fast.
  if (rule.status === 429 && rule.retryAfterSeconds === undefined && ctx.systemTest?.retryAfterSeconds !== undefined) rule.retryAfterSeconds = ctx.systemTest.retryAfterSeconds;
  const problems = validateFaultRule(rule, ctx.clock.now());
  if (problems.length) throw new Error(`fault step: ${problems.map((p) => `${p.field} ${p.detail}`).join('; ')}`);
  ctx.sim.faults.add(rule as unknown as FaultRule);
  ctx.progress(`    fault: ${JSON.stringify({ ...step, do: undefined })}`);
};

// Beside other groups of cases, only this group's users' faults are cleared.
const clearFaults: Action<Step<'clear-faults'>> = async (ctx) => {
  if (ctx.scope) ctx.sim.faults.clearFor(ctx.scope.subs);
  else ctx.sim.faults.clear();
};

/**
 * When the C&A last answered a call for one of these users (or `since`, if later). Beside other
 * groups of cases, their users' calls do not count; a call nobody's credential explains always does.
 * Without a scope (cases played alone), any call counts.
 */
function lastCaCall(ctx: RunContext, since: number, subs: string[], callsExpectedFrom?: number): number {
  const anyone = () => Math.max(since, lastCaCallEnd(ctx.entries));
  if (!ctx.scope) return anyone();
  // A provider working through a backlog may not have reached these users yet: until it has called
  // the C&A for one of them (since `callsExpectedFrom`), everyone's calls keep the wait open.
  if (callsExpectedFrom !== undefined && !subs.some((sub) => lastCaCallOf(ctx.entries, sub) >= callsExpectedFrom)) return anyone();
  return Math.max(since, lastCaCallFor(ctx.entries, subs));
}

const awaitSettled: Action<Step<'await-settled'>> = async (ctx, step) => {
  const f = findByName(ctx, step.find);
  const quiet = step.quietMs ?? ctx.systemTest?.settleQuietMs ?? DEFAULT_SYSTEM_TIMING.settleQuietMs;
  const expected = f.request.variant === 'valid' ? expectationFor(ctx, f.user.id).records.map((id) => expectedPei(ctx, recordById(ctx, id))) : [];
  const registered = () => new Set(registrations(ctx.entries).filter((e) => e.status < 300 && at(e) >= f.sentAt).map((e) => String(bodyOf(e).name)));
  // An acknowledged valid find will make the provider call the C&A for its user (a refused one will not).
  const expectsCalls = f.request.variant === 'valid' && f.response?.status === 202;
  const lastCall = () => lastCaCall(ctx, f.sentAt + (f.ackMs ?? 0), [f.user.sub], expectsCalls ? f.sentAt : undefined);
  const done = () => {
    const silent = Date.now() - lastCall();
    return (expected.length > 0 && expected.every((n) => registered().has(n)) && silent >= QUIET_MS) || silent >= quiet;
  };
  const what = expected.length ? `${registrationsOf(f.user.id, expected.length)}, or ${quiet / 1000} s of quiet at the C&A` : `${quiet / 1000} s of quiet at the C&A after ${f.user.id}'s find`;
  await waitUntil(ctx, what, done, ctx.config.budgets.registrationWindowMs, 50);
};

const driverFault: Action<Step<'driver-fault'>> = async (ctx, step, tags) => {
  const f = checkDriverFault({ name: step.fault, delayMs: step.delayMs, count: step.count }, 'driver-fault step');
  const user = userById(ctx, step.user);
  const sent = await watched(ctx.waiting, `${user.id}'s find${f.name === 'delayed-find' ? ' (sent late, as the fault asks)' : ''} and the provider's answer`, undefined, () => playDriverFault(ctx.pfs, ctx.sim.faults, user, f, tags, ctx.scope !== undefined));
  sent.forEach((s, i) => ctx.finds.set(i === 0 ? step.as : `${step.as}-${i + 1}`, s));
  ctx.progress(`    ${f.name}: ${sent.map((s) => s.response?.status ?? s.error?.code).join(', ')}`);
};

function clientCert(ctx: RunContext, cert: ClientCertChoice): { cert?: string; key?: string } {
  const m = ctx.sim.material;
  const pair = { expired: m.expiredClient, foreign: m.foreignClient, 'no-client-auth': m.noClientAuthClient, 'rsa-1024': m.weakKeyClient, none: undefined }[cert];
  return pair ? { cert: pair.cert, key: pair.key } : {};
}

const tlsProbe: Action<Step<'tls-probe'>> = async (ctx, step, tags) => {
  if (!CLIENT_CERT_CHOICES.includes(step.cert)) throw new Error(`tls-probe step: cert must be one of ${CLIENT_CERT_CHOICES.join(', ')}, not "${step.cert}"`);
  const requestId = randomUUID();
  const sentAt = ctx.clock.now();
  let url: string;
  let tls: TlsClientOptions;
  let method = 'GET';
  let body: string | undefined;
  let headers: Record<string, string> = { 'X-Request-ID': requestId };
  let pei: string | undefined;
  let sub: string | undefined;
  let find: SentFind | undefined;
  if (step.target === 'ca') {
    if (!ctx.sim.endpoints.https) throw new Error('tls-probe step: the simulator has no HTTPS listener to probe');
    url = `${ctx.sim.endpoints.https}/jwk_uri`;
    tls = { ca: ctx.sim.material.ca.cert, ...clientCert(ctx, step.cert) };
  } else {
    if (!step.user) throw new Error(`tls-probe step: a ${step.target} probe names the test user it is for`);
    const user = userById(ctx, step.user);
    tls = { ...(ctx.providerTls ?? {}), cert: undefined, key: undefined, ...clientCert(ctx, step.cert) };
    if (step.target === 'find') {
      const request = await ctx.pfs.build(user);
      url = request.url;
      method = 'POST';
      body = request.body;
      headers = request.headers;
      find = { user, request, sentAt, ackMs: 0 };
    } else {
      const recordId = expectationFor(ctx, user.id).records[0];
      if (!recordId) throw new Error(`tls-probe step: test user ${user.id} has no pension record to view`);
      const record = recordById(ctx, recordId);
      pei = expectedPei(ctx, record);
      sub = user.sub;
      url = `${ctx.config.provider.viewUrl.replace(/\/$/, '')}/${record.assetGuid}?scope=owner`;
    }
  }
  const probe: TlsProbe = { target: step.target, cert: step.cert, url, sentAt, requestId: headers['X-Request-ID'] ?? requestId, ...(pei ? { pei, sub } : {}) };
  try {
    probe.response = await call({ method, url, headers, body, tls, freshConnection: true, timeoutMs: 10_000, journal: ctx.sim.journal, role: 'mtls-probe', tags: { ...tags, cert: step.cert }, now: () => ctx.clock.now() });
  } catch (err) {
    const e = err as CallFailed;
    probe.error = { code: e.code ?? 'ERROR', message: e.message };
  }
  if (find) ctx.finds.set(step.as, { ...find, response: probe.response, error: probe.error, ackMs: probe.response?.durationMs ?? 0 });
  if (!probes.has(ctx.finds)) probes.set(ctx.finds, new Map());
  probes.get(ctx.finds)!.set(step.as, probe);
  ctx.progress(`    ${step.target} with ${describeClientCert(step.cert)} → ${probe.response?.status ?? probe.error?.code}`);
};

const update: Action<Step<'update'>> = async (ctx, step) => {
  const apply = ctx.applyUpdate;
  if (!apply) throw new Error('this case needs the provider to apply a Stage 2 update instruction: give `--apply-updates "<command>"` (it gets a file with the one instruction, in the update file format), or run it against the reference provider');
  if (!updates.has(ctx.finds)) updates.set(ctx.finds, new Map());
  await Promise.all(
    step.updates.map(async (u) => {
      if (!UPDATE_ACTIONS.includes(u.action as UpdateAction)) throw new Error(`update step: action must be one of ${UPDATE_ACTIONS.join(', ')}, not "${u.action}"`);
      const user = userById(ctx, u.user);
      const record = recordById(ctx, expectationFor(ctx, user.id).records[0]);
      const sent: SentUpdate = { user, pei: expectedPei(ctx, record), action: u.action, sentAt: ctx.clock.now() };
      updates.get(ctx.finds)!.set(u.as, sent);
      const window = ctx.config.budgets.registrationWindowMs;
      sent.result = await Promise.race([apply({ assetGuid: record.assetGuid, action: u.action as UpdateAction }), new Promise<{ ok: boolean; why: string }>((r) => setTimeout(() => r({ ok: false, why: `not done within ${window} ms` }), window).unref())]);
      ctx.progress(`    update ${u.as} (${u.user}, ${u.action}) → ${sent.result.ok ? 'applied' : `not applied: ${sent.result.why}`}`);
    }),
  );
  // The C&A journals an exchange as it closes: a moment of quiet lets the last ones (and any late extra call) land.
  const done = Date.now();
  const subs = step.updates.map((u) => userById(ctx, u.user).sub);
  await waitUntil(ctx, 'the C&A to go quiet after the updates', () => Date.now() - lastCaCall(ctx, done, subs) >= QUIET_MS, ctx.config.budgets.registrationWindowMs, 50);
};

export const SYSTEM_ACTIONS = {
  update: update as Action<never>,
  fault: fault as Action<never>,
  'clear-faults': clearFaults as Action<never>,
  'await-settled': awaitSettled as Action<never>,
  'driver-fault': driverFault as Action<never>,
  'tls-probe': tlsProbe as Action<never>,
};
