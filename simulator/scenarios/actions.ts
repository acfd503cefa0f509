// The steps a scenario can play. Each is a value (after MSW's handlers): the engine looks it up by name.
import { viewLegs } from './view-legs.js';
import { watched } from '../core/waiting.js';
import type { FirstLeg } from '../dashboard/dashboard-driver.js';
import { findVariantFrom, variantLabel } from '../pfs/find-request.js';
import { registrations, at, bodyOf, lastCaCallEnd } from './correlation.js';
import { expectationFor, expectedPei, findByName, QUIET_MS, recordById, userById, viewByName, registrationsOf, waitUntil, type RunContext } from './context.js';
import { SYSTEM_ACTIONS } from './system-actions.js';
import type { StepSpec } from './types.js';
import { STAGE_ACTIONS } from './stage-actions.js';

export { QUIET_MS } from './context.js';

type Action<S> = (ctx: RunContext, step: S, tags: Record<string, string>) => Promise<void>;

const find: Action<Extract<StepSpec, { do: 'find' }>> = async (ctx, step, tags) => {
  const variant = findVariantFrom(step);
  const user = userById(ctx, step.user);
  const sent = await watched(ctx.waiting, `the provider's answer to ${user.id}'s find`, ctx.config.budgets.requestTimeoutMs, () => ctx.pfs.sendFind(user, variant, tags));
  ctx.finds.set(step.as, sent);
  ctx.progress(`    find ${step.as} (${user.id}, ${variantLabel(variant)}) → ${sent.response?.status ?? sent.error?.code} in ${sent.ackMs.toFixed(0)} ms`);
};

/**
 * Wait until every registration the find should cause has arrived, then until the provider has
 * been quiet at the C&A for a moment (so late or extra calls are seen), within the registration window.
 */
const awaitMatching: Action<Extract<StepSpec, { do: 'await-matching' }>> = async (ctx, step) => {
  const f = findByName(ctx, step.find);
  const expected = f.request.variant === 'valid' ? expectationFor(ctx, f.user.id).records.map((id) => expectedPei(ctx, recordById(ctx, id))) : [];
  const window = ctx.config.budgets.registrationWindowMs;
  const registered = () =>
    new Set(registrations(ctx.entries).filter((e) => e.status < 300 && at(e) >= f.sentAt).map((e) => String(bodyOf(e).name)));
  const started = Date.now();
  await waitUntil(ctx, registrationsOf(f.user.id, expected.length), () => expected.every((n) => registered().has(n)), window);
  const lastCall = () => Math.max(f.sentAt + (f.ackMs ?? 0), lastCaCallEnd(ctx.entries));
  await waitUntil(ctx, `the provider to go quiet at the C&A after ${f.user.id}'s find`, () => Date.now() - lastCall() >= QUIET_MS, Math.max(0, window - (Date.now() - started)));
};

const view: Action<Extract<StepSpec, { do: 'view' }>> = async (ctx, step, tags) => {
  const f = findByName(ctx, step.find);
  const expectation = expectationFor(ctx, f.user.id);
  const recordId = expectation.records[step.record ?? 0];
  if (!recordId) throw new Error(`the find "${step.find}" (${f.user.id}) has no expected record number ${step.record ?? 0}`);
  const record = recordById(ctx, recordId);
  const rpt = step.rptFrom ? viewByName(ctx, step.rptFrom).rpt : undefined;
  if (step.rptFrom && !rpt) throw new Error(`the view "${step.rptFrom}" obtained no RPT to present`);
  const outcome = await watched(ctx.waiting, `the view of ${record.recordId} (the provider's answers)`, undefined, () => ctx.dashboard.view(ctx.config.provider.viewUrl, record.assetGuid, { rpt, firstLeg: step.firstLeg as FirstLeg | undefined, tags }));
  ctx.views.set(step.as, {
    ...outcome,
    user: f.user,
    record,
    pei: expectedPei(ctx, record),
    expectedStatus: expectation.outcome === 'match-possible' ? 'match-possible' : 'match-yes',
    ...(step.rptFrom ? { rptFrom: step.rptFrom } : {}),
  });
  ctx.progress(`    view ${step.as} (${record.recordId}): ${viewLegs(outcome)}`);
};

export const ACTIONS: Record<StepSpec['do'], Action<never>> = {
  find: find as Action<never>,
  'await-matching': awaitMatching as Action<never>,
  view: view as Action<never>,
  ...STAGE_ACTIONS,
  ...SYSTEM_ACTIONS,
};
