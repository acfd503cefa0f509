// What every check shares: the outcome a check returns, and the journal look-ups the connection-
// proving, Stage 1/2 and system checks all make. The checks themselves: checks.ts (the registry,
// CHECKS), stage-checks.ts, system-checks.ts.
import type { JournalEntry } from '../store/journal.js';
import { at, callOwner, caCalls, endOf, responseOf, within } from './correlation.js';
import type { RunContext, ViewRecord } from './context.js';

export interface CheckOutcome {
  violations: string[];
  notes: string[];
  exchanges: JournalEntry[];
  /** The exchange that broke the rule, when the check can name it (else its last cited exchange stands in). */
  culprit?: JournalEntry;
}

export type Check<S> = (ctx: RunContext, spec: S) => CheckOutcome;

export const outcome = (): CheckOutcome => ({ violations: [], notes: [], exchanges: [] });

/** Outbound entries of a driver call, by X-Request-ID. */
export function outbound(ctx: RunContext, requestIds: (string | undefined)[]): JournalEntry[] {
  const ids = new Set(requestIds.filter(Boolean));
  return ctx.entries.filter((e) => e.direction === 'out' && e.requestId && ids.has(e.requestId));
}

/** The PAT the C&A issued to a user (PATs are per user). */
export function patOf(ctx: RunContext, sub: string): string | undefined {
  return ctx.sim.store.patForUser(sub)?.token;
}

/**
 * A C&A call made for this user, or for nobody cda-sim can tell (so never overlooked). Only asked
 * while groups of cases play side by side: one at a time, every call of the moment counts, as before.
 */
export function madeFor(ctx: RunContext, e: JournalEntry, sub: string | undefined): boolean {
  if (!ctx.scope) return true;
  const owner = callOwner(ctx.entries, e);
  return owner === undefined || sub === undefined || owner === sub;
}

/**
 * The C&A calls made while a view call was being answered, for the viewing user `sub` when given
 * (another group of test cases may be calling the C&A at the same time).
 */
export function duringCall(ctx: RunContext, viewCall: JournalEntry | undefined, path: string, sub?: string): JournalEntry[] {
  if (!viewCall) return [];
  return caCalls(ctx.entries).filter((e) => e.path === path && within(e, at(viewCall) - 5, endOf(viewCall) + 5) && madeFor(ctx, e, sub));
}

/**
 * The C&A calls made while answering one view call, by journal order as well as time: a call the
 * provider made for it is journalled after cda-sim's previous exchange ended and before this one's
 * answer, so the leg just before (a few ms earlier) cannot lend it its calls.
 */
export function duringLeg(ctx: RunContext, viewCall: JournalEntry | undefined, path: string, sub?: string): JournalEntry[] {
  if (!viewCall) return [];
  const previous = Math.max(0, ...ctx.entries.filter((e) => e.direction === 'out' && e.seq < viewCall.seq).map((e) => e.seq));
  return duringCall(ctx, viewCall, path, sub).filter((e) => e.seq > previous && e.seq < viewCall.seq);
}

export function viewEntries(ctx: RunContext, v: ViewRecord): JournalEntry[] {
  return outbound(ctx, v.requestIds).sort((a, b) => a.seq - b.seq);
}

/** Why a view must give no data: the RPT it presented covers another PeI, or what introspection answered. */
export function whyNoData(ctx: RunContext, v: ViewRecord, intro: JournalEntry[]): string {
  if (v.rptFrom) {
    const other = ctx.views.get(v.rptFrom);
    return `the RPT presented was issued for ${other?.pei ?? `the view "${v.rptFrom}"`}, not for ${v.pei}, and introspection names the resource it covers`;
  }
  const answer = intro[intro.length - 1];
  if (!answer) return 'the RPT was never introspected, and data may only follow a successful introspection';
  if (answer.status !== 200) return `the C&A's introspection answered ${answer.status}, so the RPT could not be shown to be valid`;
  return `the C&A's introspection answered ${JSON.stringify(responseOf(answer)).slice(0, 160)}, which does not permit this view`;
}
