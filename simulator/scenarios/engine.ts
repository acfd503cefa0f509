// The scenario engine: loads scenario files (data), plays each test case's steps, judges its
// expectations, and collects every violation. A test case whose steps throw is an error, not a pass.
import fs from 'node:fs';
import { getMaxListeners, setMaxListeners } from 'node:events';
import path from 'node:path';
import { scenariosDir } from '../core/paths.js';
import { CliError, EXIT } from '../core/exit-codes.js';
import { ACTIONS } from './actions.js';
import { CHECKS } from './checks.js';
import type { CheckOutcome } from './check-kit.js';
import { summarise } from './correlation.js';
import { CHECK_SHAPES, shapeProblems, STEP_SHAPES } from './vocabulary.js';
import { notApplicableReason } from './matching-policy.js';
import { scenarioNames } from './names.js';
import { didYouMean } from '../core/did-you-mean.js';
import { userById, type RunContext } from './context.js';
import type { Decision, ScenarioFile, TestCaseResult } from './types.js';
import { decisionLine } from './decision.js';
import { caseGroups, isCaseConcurrency, MAX_CONCURRENCY, playGroups, type CaseGroup } from './case-groups.js';

/**
 * Check a scenario file's shape before anything runs: every problem is collected (not only the
 * first), each naming the test case, the position and the field, and the rule it breaks.
 */
export function validateScenario(s: ScenarioFile, file: string): void {
  const problems: string[] = [];
  for (const k of ['id', 'title', 'phase'] as const) if (typeof s[k] !== 'string' || !s[k]) problems.push(`"${k}" is required`);
  if (s.concurrency !== undefined && !isCaseConcurrency(s.concurrency)) problems.push(`"concurrency" must be a whole number of groups of test cases, 1–${MAX_CONCURRENCY}`);
  if (!Array.isArray(s.testCases) || s.testCases.length === 0) problems.push('"testCases" must list at least one test case');
  const ids = new Set<string>();
  for (const [i, tc] of (Array.isArray(s.testCases) ? s.testCases : []).entries()) {
    const where = `testCases[${i}]${tc?.id ? ` (${tc.id})` : ''}`;
    for (const k of ['id', 'title', 'rule', 'reference'] as const) if (typeof tc[k] !== 'string' || !tc[k]) problems.push(`${where}.${k} is required`);
    if (tc.policyDependent !== undefined && (typeof tc.policyDependent !== 'string' || !tc.policyDependent)) problems.push(`${where}.policyDependent must be a non-empty string: the matching rule the expected outcome assumes`);
    if (ids.has(tc.id)) problems.push(`${where}: the id ${tc.id} is used twice`);
    ids.add(tc.id);
    for (const [j, step] of (tc.steps ?? []).entries()) {
      const at = `${where}.steps[${j}]`;
      if (!(step.do in ACTIONS)) problems.push(`${at}.do "${step.do}" is not a step; known: ${Object.keys(ACTIONS).join(', ')}`);
      else for (const p of shapeProblems(step as unknown as Record<string, unknown>, 'do', shapeOf(STEP_SHAPES, step.do))) problems.push(`${at} (${step.do}): ${p}`);
    }
    if (!Array.isArray(tc.expect) || tc.expect.length === 0) problems.push(`${where}.expect must list at least one check`);
    for (const [j, e] of (Array.isArray(tc.expect) ? tc.expect : []).entries()) {
      const at = `${where}.expect[${j}]`;
      if (!(e.check in CHECKS)) problems.push(`${at}.check "${e.check}" is not a check; known: ${Object.keys(CHECKS).join(', ')}`);
      else for (const p of shapeProblems(e as unknown as Record<string, unknown>, 'check', shapeOf(CHECK_SHAPES, e.check))) problems.push(`${at} (${e.check}): ${p}`);
    }
  }
  if (problems.length) throw new CliError(`scenario ${file}:\n  ${problems.join('\n  ')}`, EXIT.usage);
}

/** A step or check the engine knows must have its fields described (vocabulary.ts). */
function shapeOf<T>(shapes: Record<string, T>, kind: string): T {
  const shape = shapes[kind];
  if (!shape) throw new Error(`"${kind}" has no field description in scenarios/vocabulary.ts`);
  return shape;
}

/** A name that is neither a shipped scenario nor a file: the names there are, and the nearest. */
function unknownScenario(name: string): string {
  const names = scenarioNames();
  const near = didYouMean(name, names);
  return `--scenario: no scenario "${name}"${near ? ` (did you mean ${near}?)` : ''}; the scenarios are ${names.join(', ')}, or give the path of a scenario file`;
}

export function loadScenario(nameOrFile: string): ScenarioFile {
  const file = fs.existsSync(nameOrFile) ? nameOrFile : path.join(scenariosDir, `${nameOrFile}.json`);
  if (!fs.existsSync(file)) throw new CliError(unknownScenario(nameOrFile), EXIT.usage);
  let s: ScenarioFile;
  try {
    s = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`scenario ${file} is not valid JSON: ${(err as Error).message}`, EXIT.usage);
  }
  validateScenario(s, file);
  return s;
}

/**
 * `work`, or the signal's reason as soon as it is aborted (Ctrl+C): the run does not wait for a step
 * to finish. The work cut short is left to settle on its own; a failure it meets then is nobody's.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  work.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** The deciding reason of one check, with the exchange it names (its culprit, else the last it cites). */
function checkDecision(check: string, reason: string, o: CheckOutcome): Decision {
  const e = o.culprit ?? o.exchanges[o.exchanges.length - 1];
  return { check, reason, ...(e ? { exchange: summarise(e) } : {}) };
}

/** Everything one test case's play needs to say where it sits in the scenario. */
interface CasePlace {
  scenario: ScenarioFile;
  index: number;
}

/** Play one test case's steps and judge its expectations: the result, never a throw (but an interrupt). */
async function playCase(ctx: RunContext, { scenario, index }: CasePlace): Promise<TestCaseResult> {
  const tc = scenario.testCases[index];
  const total = scenario.testCases.length;
  const emit = ctx.emit ?? (() => {});
  const started = Date.now();
  const tags = { testCase: tc.id, scenario: scenario.id };
  ctx.progress(`  [${index + 1}/${total}] ${tc.id} ${tc.title}`);
  emit({ type: 'test-start', id: tc.id, title: tc.title, scenario: scenario.id, phase: scenario.phase, index: index + 1, total, time: new Date().toISOString() });
  const reasons: string[] = [];
  const notes: string[] = [];
  const exchanges = new Map<number, ReturnType<typeof summarise>>();
  let decision: Decision | undefined;
  let lastPass: Decision | undefined;
  let verdict: TestCaseResult['verdict'] = 'pass';
  // Not applicable to this provider's matching policy: its steps still run (later cases build on
  // them), but nothing is judged.
  const notApplicable = notApplicableReason(ctx.config, tc);
  try {
    for (const step of tc.steps ?? []) await untilAborted(ACTIONS[step.do](ctx, step as never, tags), ctx.signal);
    ctx.signal?.throwIfAborted();
    for (const spec of notApplicable ? [] : tc.expect) {
      const o = CHECKS[spec.check](ctx, spec as never);
      reasons.push(...o.violations);
      notes.push(...o.notes);
      if (o.violations.length) decision ??= checkDecision(spec.check, o.violations[0], o);
      else if (o.notes.length) lastPass = checkDecision(spec.check, o.notes[0], o);
      for (const e of o.exchanges) exchanges.set(e.seq * 10 + (e.direction === 'in' ? 0 : 1), summarise(e));
    }
    if (reasons.length) verdict = 'fail';
  } catch (err) {
    // Interrupted: the case is not judged at all (the run lists it as not played).
    if (ctx.signal?.aborted) throw err;
    verdict = 'error';
    reasons.push(`the test case could not run: ${(err as Error).message}`);
    decision = { check: '', reason: reasons[reasons.length - 1] };
  }
  if (notApplicable) {
    verdict = 'not-applicable';
    reasons.unshift(notApplicable);
    decision = { check: '', reason: notApplicable };
  }
  if (verdict === 'pass') decision = lastPass;
  const result: TestCaseResult = {
    id: tc.id,
    title: tc.title,
    rule: tc.rule,
    reference: tc.reference,
    scenario: scenario.id,
    phase: scenario.phase,
    verdict,
    reasons: verdict === 'pass' ? notes : reasons,
    ...(decision ? { decision } : {}),
    exchanges: [...exchanges.values()].sort((a, b) => a.time.localeCompare(b.time)),
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
  };
  ctx.progress(`        ${verdict.toUpperCase()}${verdict === 'pass' ? '' : `: ${decisionLine(result)}`}`);
  emit({ type: 'test-end', result, index: index + 1, total, time: new Date().toISOString() });
  return result;
}

/**
 * How many groups of test cases play at once: one, unless the scenario allows more (its
 * `concurrency`); then the run's choice (`--concurrency`), else the scenario's.
 */
export function concurrencyOf(ctx: Pick<RunContext, 'caseConcurrency'>, scenario: ScenarioFile): number {
  return scenario.concurrency === undefined ? 1 : (ctx.caseConcurrency ?? scenario.concurrency);
}

/**
 * A group's own view of the run when groups play at once: its users scope fault clear-downs, quiet
 * at the C&A and the calls a view check counts, and its progress lines are held and printed
 * together when it ends, so each reads as one block. One at a time, the run is the group's alone,
 * as it always was.
 */
function groupContext(ctx: RunContext, g: CaseGroup, together: boolean): { ctx: RunContext; flush: () => void } {
  if (!together) return { ctx, flush: () => {} };
  const subs = g.exclusive ? undefined : new Set([...g.users].map((id) => userById(ctx, id).sub));
  const lines: string[] = [];
  return { ctx: { ...ctx, scope: subs && { subs }, progress: (line) => lines.push(line) }, flush: () => lines.forEach((l) => ctx.progress(l)) };
}

export async function runScenario(ctx: RunContext, scenario: ScenarioFile): Promise<TestCaseResult[]> {
  const results: TestCaseResult[] = [];
  const groups = caseGroups(scenario);
  const limit = Math.min(concurrencyOf(ctx, scenario), groups.length);
  // Phase events come from the integration window that plays this scenario (rehearsal/window.ts).
  ctx.progress(`${scenario.title} (${scenario.id}): ${scenario.testCases.length} test case(s)${limit > 1 ? `, up to ${limit} groups of cases at once (each block below is one group)` : ''}`);
  // Each case playing waits on the interrupt signal: several at once are expected, not a leak.
  if (ctx.signal && limit > 1) setMaxListeners(Math.max(getMaxListeners(ctx.signal), 10 + 4 * limit), ctx.signal);
  await playGroups(groups, limit, async (g) => {
    const own = groupContext(ctx, g, limit > 1);
    try {
      for (const { index } of g.cases) results[index] = await playCase(own.ctx, { scenario, index });
    } finally {
      // Faults a group armed and its provider never met end with it: no later group inherits them.
      if (own.ctx.scope) ctx.sim.faults.clearFor(own.ctx.scope.subs);
      own.flush();
    }
  });
  return results;
}
