// Groups of test cases and which may play at once. A test case with steps starts a group; the
// cases after it without steps are judged on its steps and belong to it. Two groups may overlap in
// time only when nothing one does can be seen by the other: no test user in common, no name one
// defines that the other uses, and neither touches what every user shares (a C&A fault for
// everyone, the update file, a check over every call of the run). A scenario says how many groups
// may play at once (`concurrency`); by default one, in file order.
import type { ScenarioFile, TestCaseSpec } from './types.js';
import { concurrencyLimit } from '../core/concurrency-limit.js';

/** Groups of test cases at once, at most: each holds a few finds, waits and connections open. */
export const MAX_CONCURRENCY = 32;
/** A number of groups at once that a scenario, the command line or a bundle may ask for. */
export function isCaseConcurrency(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_CONCURRENCY;
}

/** What the shipped system test allows (scenarios/system-test.json); the CLI's help names it. */
export const SYSTEM_TEST_CONCURRENCY = 6;

export interface CaseGroup {
  /** The group's test cases with their position (from 0) in the scenario. */
  cases: { tc: TestCaseSpec; index: number }[];
  /** Test user ids it sends finds for, views, probes, updates or faults. */
  users: Set<string>;
  /** Names its steps define (`as`) and names its steps and checks refer to. */
  defines: Set<string>;
  uses: Set<string>;
  /** Touches what every user shares: plays alone. */
  exclusive: boolean;
  /** Earlier groups (by position) that must have finished first. */
  after: number[];
}

/** Steps and checks that act on, or look at, everything at once. */
const SHARED_STEPS = new Set(['await-updates']);
const SHARED_CHECKS = new Set(['no-unexpected-calls', 'fresh-request-ids', 'slow-views-reportable']);
/** Fields that refer to something named earlier in the run. */
const REFERENCES = ['find', 'view', 'rptFrom', 'probe', 'update'] as const;

type Fields = Record<string, unknown>;

function readItem(g: CaseGroup, item: Fields, usersOfName: Map<string, Set<string>>): void {
  const users = new Set<string>();
  if (typeof item.user === 'string') users.add(item.user);
  if (Array.isArray(item.updates)) for (const u of item.updates as Fields[]) if (typeof u?.user === 'string') users.add(u.user);
  for (const k of REFERENCES) {
    const name = item[k];
    if (typeof name !== 'string') continue;
    g.uses.add(name);
    for (const u of usersOfName.get(name) ?? []) users.add(u);
  }
  for (const name of [item.as, ...(Array.isArray(item.updates) ? (item.updates as Fields[]).map((u) => u?.as) : [])]) {
    if (typeof name !== 'string') continue;
    g.defines.add(name);
    usersOfName.set(name, users);
  }
  for (const u of users) g.users.add(u);
  // A C&A fault with no user, or a clear-down of faults with no user of its own to scope it, is everyone's.
  if (item.do === 'fault' && item.user === undefined) g.exclusive = true;
  if (typeof item.do === 'string' && SHARED_STEPS.has(item.do)) g.exclusive = true;
  if (typeof item.check === 'string' && SHARED_CHECKS.has(item.check)) g.exclusive = true;
}

function overlaps(a: CaseGroup, b: CaseGroup): boolean {
  if (a.exclusive || b.exclusive) return true;
  for (const u of a.users) if (b.users.has(u)) return true;
  for (const n of a.uses) if (b.defines.has(n)) return true;
  return false;
}

/** The scenario's groups in file order, each with the earlier groups it must wait for. */
export function caseGroups(scenario: ScenarioFile): CaseGroup[] {
  const groups: CaseGroup[] = [];
  const usersOfName = new Map<string, Set<string>>();
  scenario.testCases.forEach((tc, index) => {
    if (tc.steps?.length || !groups.length) groups.push({ cases: [], users: new Set(), defines: new Set(), uses: new Set(), exclusive: false, after: [] });
    const g = groups[groups.length - 1];
    g.cases.push({ tc, index });
    for (const step of tc.steps ?? []) readItem(g, step as unknown as Fields, usersOfName);
    for (const check of tc.expect ?? []) readItem(g, check as unknown as Fields, usersOfName);
  });
  for (const g of groups) if (g.users.size === 0 && g.cases.some((c) => c.tc.steps?.some((s) => s.do === 'clear-faults'))) g.exclusive = true;
  groups.forEach((g, i) => (g.after = groups.slice(0, i).flatMap((h, j) => (overlaps(g, h) ? [j] : []))));
  return groups;
}

/**
 * Play every group, at most `limit` at once, each as soon as the groups it waits for have finished
 * (in the order they become ready). Once one fails (an interrupt), no other starts; the ones under
 * way are let finish or fail, and then the first failure is thrown.
 */
export async function playGroups(groups: CaseGroup[], limit: number, play: (g: CaseGroup, i: number) => Promise<void>): Promise<void> {
  // One at a time is file order: a group that is ready never overtakes one still waiting.
  if (limit <= 1) {
    for (const [i, g] of groups.entries()) await play(g, i);
    return;
  }
  const limited = concurrencyLimit(limit);
  const finished: Promise<void>[] = [];
  let failure: { reason: unknown } | undefined;
  groups.forEach((g, i) => {
    finished[i] = (async () => {
      await Promise.all(g.after.map((j) => finished[j]));
      await limited(async () => {
        if (failure) throw failure.reason;
        try {
          await play(g, i);
        } catch (err) {
          failure ??= { reason: err };
          throw err;
        }
      });
    })();
  });
  await Promise.allSettled(finished);
  if (failure) throw failure.reason;
}
