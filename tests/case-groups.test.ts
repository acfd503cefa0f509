// Groups of test cases played side by side: which may overlap (no shared test user, no shared name,
// nothing everyone shares), the bound on how many play at once, and the system test itself played
// both ways: the same verdicts, with groups overlapping only when they share no user.
// @judges-timing: the system test judges retry spacing; the runner keeps this file at normal priority.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { caseGroups, playGroups, type CaseGroup } from '../simulator/scenarios/case-groups.js';
import { concurrencyOf, loadScenario, validateScenario } from '../simulator/scenarios/engine.js';
import { FaultRegistry, type FaultRule } from '../simulator/faults/registry.js';
import { systemClock } from '../simulator/core/clock.js';
import type { ScenarioFile, TestCaseSpec } from '../simulator/scenarios/types.js';
import type { RunEvent } from '../simulator/scenarios/events.js';
import { rehearse } from './helpers/rehearse.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

const tc = (id: string, steps?: unknown[], expect: unknown[] = [{ check: 'find-acknowledged', find: 'x' }]): TestCaseSpec => ({ id, title: id, rule: 'r', reference: 'ref', ...(steps ? { steps } : {}), expect }) as TestCaseSpec;
const scenario = (cases: TestCaseSpec[]): ScenarioFile => ({ id: 's', title: 's', phase: 'system-test', testCases: cases });
const after = (s: ScenarioFile) => caseGroups(s).map((g) => g.after);

test('a case with steps starts a group; the step-less cases after it are judged on its steps and belong to it', () => {
  const groups = caseGroups(scenario([tc('A', [{ do: 'find', user: 'U1', as: 'a' }]), tc('A2'), tc('B', [{ do: 'find', user: 'U2', as: 'b' }]), tc('B2'), tc('B3')]));
  assert.equal(groups.map((g) => g.cases.map((c) => c.tc.id)), [['A', 'A2'], ['B', 'B2', 'B3']]);
  assert.equal(groups.map((g) => [...g.users]), [['U1'], ['U2']]);
  assert.equal(groups.map((g) => g.after), [[], []], 'different users: free to overlap');
});

test('groups wait for every earlier group that shares a user, a name, or something everyone shares', () => {
  const s = scenario([
    tc('A', [{ do: 'find', user: 'U1', as: 'a' }]),
    tc('B', [{ do: 'view', find: 'a', as: 'v' }]),
    tc('C', [{ do: 'fault', endpoint: 'token', status: 500, user: 'U3' }, { do: 'find', user: 'U3', as: 'c' }]),
    tc('D', [{ do: 'update', updates: [{ user: 'U3', action: 'delete', as: 'u' }] }]),
    tc('E', [{ do: 'fault', endpoint: 'token', status: 500 }]),
    tc('F', [{ do: 'tls-probe', target: 'ca', cert: 'none', as: 'p' }]),
    tc('G', [{ do: 'clear-faults' }, { do: 'tls-probe', target: 'ca', cert: 'none', as: 'q' }]),
    tc('H', [{ do: 'find', user: 'U9', as: 'h' }], [{ check: 'no-unexpected-calls' }]),
  ]);
  const groups = caseGroups(s);
  assert.equal(after(s), [[], [0], [], [2], [0, 1, 2, 3], [4], [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5, 6]]);
  assert.equal([...groups[1].users], ['U1'], "a view of A's find is a view of A's user");
  assert.equal(groups.map((g) => g.exclusive), [false, false, false, false, true, false, true, true], 'a fault for everyone, a clear-down with no user of its own and a check over every call play alone');
});

test('playGroups keeps to its bound and to the order groups wait for, and starts nothing after a failure', async () => {
  const g = (after: number[]): CaseGroup => ({ cases: [], users: new Set(), defines: new Set(), uses: new Set(), exclusive: false, after });
  const groups = [g([]), g([]), g([]), g([0]), g([]), g([3])];
  let running = 0;
  let most = 0;
  const ended: number[] = [];
  const started: number[] = [];
  await playGroups(groups, 2, async (_, i) => {
    started.push(i);
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 20 + 10 * (i % 3)));
    running--;
    ended.push(i);
  });
  assert.is(most, 2);
  assert.equal([...started].sort(), [0, 1, 2, 3, 4, 5]);
  assert.ok(started.indexOf(3) > ended.indexOf(0) && ended.indexOf(0) >= 0, 'group 3 starts after group 0 ends');
  assert.ok(started.indexOf(5) > ended.indexOf(3), 'group 5 starts after group 3 ends');

  const tried: number[] = [];
  const boom = new Error('interrupted');
  const failed = await playGroups([g([]), g([]), g([]), g([])], 1, async (_, i) => {
    tried.push(i);
    if (i === 1) throw boom;
  }).catch((e) => e);
  assert.is(failed, boom);
  assert.equal(tried, [0, 1], 'nothing starts once a group has failed');
});

test('only a scenario that allows it plays groups at once, however many the run asks for', () => {
  const s = scenario([tc('A', [{ do: 'find', user: 'U1', as: 'a' }])]);
  assert.is(concurrencyOf({ caseConcurrency: 6 }, s), 1);
  assert.is(concurrencyOf({}, { ...s, concurrency: 4 }), 4);
  assert.is(concurrencyOf({ caseConcurrency: 1 }, { ...s, concurrency: 4 }), 1);
});

test('a group clears its own users’ faults and the ones for everyone; other users’ stay', () => {
  const faults = new FaultRegistry({ clock: systemClock });
  faults.add({ endpoint: 'token', status: 500, user: 'mine' } as FaultRule);
  faults.add({ endpoint: 'token', status: 503, user: 'theirs' } as FaultRule);
  faults.add({ endpoint: 'token', delayMs: 200 } as FaultRule);
  assert.is(faults.clearFor(new Set(['mine'])), 2);
  assert.equal(faults.list().map((r) => r.user), ['theirs']);
});

test('a scenario’s concurrency is checked, naming the rule', () => {
  const s = { ...scenario([tc('A', [{ do: 'find', user: 'U1', as: 'x' }])]), concurrency: 0 };
  assert.throws(() => validateScenario(s, 'bad.json'), /"concurrency" must be a whole number of groups of test cases, 1–32/);
});

test('the shipped system test: groups that may overlap share no test user, and several may', () => {
  const groups = caseGroups(loadScenario('system-test'));
  let free = 0;
  groups.forEach((g, i) =>
    groups.slice(0, i).forEach((h, j) => {
      if (g.after.includes(j)) return;
      free++;
      for (const u of g.users) assert.not.ok(h.users.has(u), `${g.cases[0].tc.id} and ${h.cases[0].tc.id} may overlap but share ${u}`);
    }),
  );
  assert.ok(free > 50, `${free} pairs of groups may overlap`);
  assert.is(loadScenario('system-test').concurrency, 6);
});

// Both ways at short timings (as system-test.test.ts, with a second more of quiet: this test judges
// verdicts, not how tight a margin a loaded machine keeps): the verdicts must not depend on the overlap.
const FAST = { retryAfterSeconds: 1, settleQuietMs: 3500 };
interface Span { id: string; start: number; end: number }

async function playSystemTest(caseConcurrency?: number) {
  const { dir } = await sharedMaterial();
  const spans = new Map<string, Span>();
  const outcome = await rehearse({
    stateDir: tempDir(),
    certsDir: dir,
    scenarios: ['system-test'],
    systemTest: FAST,
    caseConcurrency,
    progress: () => {},
    onEvent: (e: RunEvent) => {
      if (e.type === 'test-start') spans.set(e.id, { id: e.id, start: Date.parse(e.time), end: Infinity });
      if (e.type === 'test-end') spans.get(e.result.id)!.end = Date.parse(e.time);
    },
  });
  return { outcome, spans };
}

/** Pairs of groups (by their first case) that were playing at the same moment. */
function overlapping(spans: Map<string, Span>): [CaseGroup, CaseGroup][] {
  const groups = caseGroups(loadScenario('system-test'));
  const span = (g: CaseGroup) => ({ start: spans.get(g.cases[0].tc.id)!.start, end: spans.get(g.cases[g.cases.length - 1].tc.id)!.end });
  const pairs: [CaseGroup, CaseGroup][] = [];
  groups.forEach((g, i) => groups.slice(0, i).forEach((h) => span(g).start < span(h).end && span(h).start < span(g).end && pairs.push([g, h])));
  return pairs;
}

test('the system test gives the same verdicts one group at a time and six at once; only groups without a shared user overlap', async () => {
  // One after the other: two rehearsals in one process would delay each other's timers.
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  const together = await playSystemTest();
  process.off('warning', onWarning);
  assert.equal(warnings, [], 'many cases and retries waiting at once are expected: no listener-leak warning');
  const alone = await playSystemTest(1);
  const verdicts = (o: typeof together) => o.outcome.results.testCases.map((t) => `${t.id} ${t.verdict}`);
  const failures = (o: typeof together) => o.outcome.results.testCases.filter((t) => t.verdict !== 'pass').map((t) => `${t.id}: ${t.reasons.join(' | ')}`).join('\n');
  assert.equal(verdicts(together), verdicts(alone), `six at once:\n${failures(together)}\none at a time:\n${failures(alone)}`);
  assert.ok(verdicts(together).every((v) => v.endsWith(' pass')), verdicts(together).join('\n'));
  assert.equal(overlapping(alone.spans).length, 0, 'with --concurrency 1 no two groups overlap');
  const pairs = overlapping(together.spans);
  assert.ok(pairs.length >= 5, `only ${pairs.length} pairs of groups overlapped`);
  for (const [g, h] of pairs) for (const u of g.users) assert.not.ok(h.users.has(u), `${g.cases[0].tc.id} overlapped ${h.cases[0].tc.id}, sharing ${u}`);
});

test.run();
