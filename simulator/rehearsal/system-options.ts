// Rehearsal options the system-test phase brings: run only some test cases (--only), and play
// driver faults on every find of the run (--fault).
import { CliError, EXIT } from '../core/exit-codes.js';
import { parseDriverFault, playDriverFault, slowCa, DEFAULT_DELAY_MS, type DriverFault } from '../pfs/driver-faults.js';
import type { RunContext } from '../scenarios/context.js';
import type { ScenarioFile } from '../scenarios/types.js';

/**
 * Keep the test cases whose id is, or starts with, one of `only` (SYS-05 keeps SYS-05a…d). A case
 * without steps is judged on the steps of the nearest case before it that has them: that one is kept too.
 */
export function selectTestCases(scenarios: ScenarioFile[], only: string[] | undefined): ScenarioFile[] {
  if (!only?.length) return scenarios;
  const matches = (id: string, o: string) => id === o || id.startsWith(o);
  // Every id asked for must mean something: a mistyped one is not silently skipped.
  const unmatched = only.filter((o) => !scenarios.some((s) => s.testCases.some((tc) => matches(tc.id, o))));
  if (unmatched.length) throw new CliError(`--only ${unmatched.join(' ')} matches no test case of the scenarios chosen (${scenarios.map((s) => s.id).join(', ')})`, EXIT.usage);
  const wanted = (id: string) => only.some((o) => matches(id, o));
  const keep = (s: ScenarioFile) => {
    const kept = new Set<number>();
    s.testCases.forEach((tc, i) => {
      if (!wanted(tc.id)) return;
      kept.add(i);
      if (!tc.steps?.length) for (let j = i - 1; j >= 0; j--) if (s.testCases[j].steps?.length) { kept.add(j); break; }
    });
    return s.testCases.filter((_, i) => kept.has(i));
  };
  const picked = scenarios.map((s) => ({ ...s, testCases: keep(s) })).filter((s) => s.testCases.length > 0);
  if (!picked.length) throw new CliError(`--only ${only.join(' ')} matches no test case of the scenarios chosen (${scenarios.map((s) => s.id).join(', ')})`, EXIT.usage);
  return picked;
}

/** Parse --fault flags up front, so a bad one is a usage error before anything starts. */
export function parseDriverFaults(flags: string[] | undefined): DriverFault[] {
  const faults: DriverFault[] = [];
  for (const f of flags ?? []) {
    try {
      faults.push(parseDriverFault(f));
    } catch (err) {
      throw new CliError((err as Error).message, EXIT.usage);
    }
  }
  const shaping = faults.filter((f) => f.name !== 'slow-ca');
  if (shaping.length > 1) throw new CliError(`--fault: one way of sending finds at a time, not ${shaping.map((f) => f.name).join(' and ')} (slow-ca combines with any)`, EXIT.usage);
  return faults;
}

/**
 * Every valid find the scenarios send goes out the faulty way; the extra finds a fault adds are
 * named "~<fault>-<n>" in the run, so checks know them. slow-ca slows the C&A for the whole run.
 */
export function installDriverFaults(ctx: RunContext, faults: DriverFault[]): void {
  for (const f of faults.filter((x) => x.name === 'slow-ca')) slowCa(ctx.sim.faults, f.delayMs ?? DEFAULT_DELAY_MS, ctx.clock.now());
  const shaping = faults.find((f) => f.name !== 'slow-ca');
  if (!shaping) return;
  const pfs = ctx.pfs;
  const plain = pfs.sendFind.bind(pfs);
  let extra = 0;
  pfs.sendFind = async (user, variant = 'valid', tags) => {
    if (variant !== 'valid') return plain(user, variant, tags);
    const [first, ...more] = await playDriverFault(pfs, ctx.sim.faults, user, shaping, tags);
    for (const m of more) ctx.finds.set(`~${shaping.name}-${++extra}`, m);
    return first;
  };
  ctx.progress(`driver fault on every find: ${shaping.name}${shaping.delayMs ? `=${shaping.delayMs}` : shaping.count ? `=${shaping.count}` : ''}`);
}
