// The steps integration Stage 1 and Stage 2 add to the scenario vocabulary (test-phases §3.5–3.7).
import { viewLegs } from './view-legs.js';
import { watched } from '../core/waiting.js';
import { randomUUID } from 'node:crypto';
import { call } from '../http/client.js';
import { INTROSPECTION_FIXTURES } from '../faults/registry.js';
import { QUIET_MS } from './context.js';
import { at, caCalls, lastCaCallEnd } from './correlation.js';
import { expectationFor, expectedPei, recordById, userById, waitUntil, type RunContext } from './context.js';
import type { StageStepSpec } from './types.js';
import type { PensionRecord } from '../testdata/records.js';
import type { TestUser } from '../testdata/users.js';

type Action<S> = (ctx: RunContext, step: S, tags: Record<string, string>) => Promise<void>;
type Step<K extends StageStepSpec['do']> = Extract<StageStepSpec, { do: K }>;

/**
 * A C&A fault rule for the user's next introspection, set over the admin API as a tester would:
 * a fixture (a 200 body with one thing inconsistent, test-phases §2.9) or an error status.
 */
const introspectionFault: Action<Step<'introspection-fault'>> = async (ctx, step) => {
  if ((step.fixture === undefined) === (step.status === undefined)) throw new Error('introspection-fault needs exactly one of "fixture" or "status"');
  if (step.fixture !== undefined && !(INTROSPECTION_FIXTURES as readonly string[]).includes(step.fixture)) {
    throw new Error(`unknown introspection fixture "${step.fixture}"; known: ${INTROSPECTION_FIXTURES.join(', ')}`);
  }
  const admin = ctx.sim.endpoints.admin;
  if (!admin) throw new Error('this step needs the simulator’s admin API, which is turned off (simulator.adminPort)');
  const user = userById(ctx, step.user);
  const rule = { endpoint: 'introspect', user: user.sub, count: 1, ...(step.fixture ? { fixture: step.fixture } : { status: step.status }) };
  const res = await call({ method: 'POST', url: `${admin}/admin/faults`, headers: { ...ctx.sim.adminHeaders, 'Content-Type': 'application/json' }, body: JSON.stringify(rule), timeoutMs: 10000 });
  if (res.status !== 201) throw new Error(`the admin API refused the fault rule: ${res.status} ${res.text}`);
  ctx.progress(`    the C&A will answer ${user.id}'s next /introspect with ${step.fixture ?? `HTTP ${step.status}`}`);
};

async function viewRecord(ctx: RunContext, user: TestUser, record: PensionRecord, as: string, expectedStatus: 'match-yes' | 'match-possible', tags: Record<string, string>): Promise<void> {
  const outcome = await watched(ctx.waiting, `the view of ${record.recordId} (the provider's answers)`, undefined, () => ctx.dashboard.view(ctx.config.provider.viewUrl, record.assetGuid, { tags }));
  ctx.views.set(as, { ...outcome, user, record, pei: expectedPei(ctx, record), expectedStatus });
  ctx.progress(`    view ${as} (${record.recordId}): ${viewLegs(outcome)}`);
}

const viewUnknownAsset: Action<Step<'view-unknown-asset'>> = async (ctx, step, tags) => {
  const user = userById(ctx, step.user);
  const own = recordById(ctx, expectationFor(ctx, user.id).records[0] ?? '');
  // The user's own record with an asset GUID nobody holds.
  const unknown: PensionRecord = { ...own, recordId: `${own.recordId}-UNKNOWN`, assetGuid: randomUUID() };
  await viewRecord(ctx, user, unknown, step.as, 'match-yes', tags);
};

/** By user, not by find: Stage 2 may run in a later process than the finds of Stage 1. */
const viewPei: Action<Step<'view-pei'>> = async (ctx, step, tags) => {
  const user = userById(ctx, step.user);
  const expectation = expectationFor(ctx, user.id);
  const recordId = expectation.records[step.record ?? 0];
  if (!recordId) throw new Error(`the test data pack expects no record number ${step.record ?? 0} for ${user.id}`);
  const confirmed = ctx.updates !== undefined && expectation.stage2 === 'confirm-match';
  await viewRecord(ctx, user, recordById(ctx, recordId), step.as, confirmed || expectation.outcome !== 'match-possible' ? 'match-yes' : 'match-possible', tags);
};

/** The PATCH / DELETE calls on a resource since the update file was issued. */
export function updateCallsOn(ctx: RunContext, resourceId: string, sinceMs: number) {
  return caCalls(ctx.entries).filter((e) => (e.method === 'PATCH' || e.method === 'DELETE') && e.path === `/rreguri/${resourceId}` && at(e) >= sinceMs);
}

const awaitUpdates: Action<Step<'await-updates'>> = async (ctx) => {
  const round = ctx.updates;
  if (!round) throw new Error('no update file has been issued in this run (Stage 1 must end first)');
  const due = round.file.instructions.filter((i) => !!i.resource_id);
  const pending = () => due.filter((i) => !updateCallsOn(ctx, i.resource_id!, round.issuedAtMs).some((e) => e.status < 300));
  const lastCall = () => Math.max(round.issuedAtMs, lastCaCallEnd(ctx.entries));
  if (round.applyFailed) {
    // Nobody is applying the file any more: only let the last calls land, then say what is missing.
    await waitUntil(ctx, 'the C&A to go quiet', () => Date.now() - lastCall() >= QUIET_MS, QUIET_MS * 2);
    const missing = pending();
    ctx.progress(`    ${round.applyFailed}: Stage 2 does not wait for the updates; ${missing.length ? `not applied: ${missing.map((i) => `${i.test_id} (${i.user} ${i.action}: ${i.expected_call})`).join(', ')}` : 'every update the file asks for reached the C&A all the same'}`);
    return;
  }
  const window = ctx.config.budgets.updateWindowMs;
  const started = Date.now();
  const all = await waitUntil(ctx, `the ${due.length} update(s) the update file asks for`, () => pending().length === 0, window);
  ctx.progress(`    ${all ? 'every' : 'NOT every'} update the file asks for reached the C&A (${((Date.now() - started) / 1000).toFixed(1)} s; window ${window / 1000} s)`);
  // Then a quiet moment, so late or extra calls are seen too.
  await waitUntil(ctx, 'the C&A to go quiet after the updates', () => Date.now() - lastCall() >= QUIET_MS, Math.max(QUIET_MS * 4, window - (Date.now() - started)));
};

export const STAGE_ACTIONS: Record<StageStepSpec['do'], Action<never>> = {
  'introspection-fault': introspectionFault as Action<never>,
  'view-unknown-asset': viewUnknownAsset as Action<never>,
  'view-pei': viewPei as Action<never>,
  'await-updates': awaitUpdates as Action<never>,
};
