// A provider's own matching policy. PDP leaves matching to each provider ("the matching criteria,
// including when to make a possible match, is the responsibility of the pension provider or
// scheme": data-standards.md §0.2 DATA), so a test case whose expected outcome rests on one such
// choice is marked `policyDependent` in the scenario data. A provider whose written policy differs
// names the case in its config with its reason; the case is then reported not-applicable, with
// that reason, in every report. Any other case stays judged: a config cannot waive it.
import { CliError, EXIT } from '../core/exit-codes.js';
import type { ProviderConfig } from '../config/provider-config.js';
import type { ScenarioFile, TestCaseSpec } from './types.js';

export type NotApplicable = NonNullable<ProviderConfig['matchingPolicy']>['notApplicable'][number];

/** Every id the config marks not applicable must be a policy-dependent case of these scenarios; exit 2 otherwise. */
export function checkMatchingPolicy(policy: ProviderConfig['matchingPolicy'], scenarios: ScenarioFile[]): void {
  const cases = new Map(scenarios.flatMap((s) => s.testCases.map((tc) => [tc.id, tc] as const)));
  const problems: string[] = [];
  for (const { id, why } of policy?.notApplicable ?? []) {
    const tc = cases.get(id);
    if (!tc) problems.push(`${id}: no such test case`);
    else if (!tc.policyDependent) problems.push(`${id}: its expected outcome does not depend on a matching policy, so it cannot be marked not applicable (only cases marked policyDependent in the scenario data can: ${policyDependentIds(cases)})`);
    if (!why?.trim()) problems.push(`${id}: give the reason ("why") your matching policy makes it not applicable`);
  }
  if (problems.length) throw new CliError(`matchingPolicy.notApplicable in the config:\n  - ${problems.join('\n  - ')}`, EXIT.usage);
}

function policyDependentIds(cases: Map<string, TestCaseSpec>): string {
  return [...cases.values()].filter((tc) => tc.policyDependent).map((tc) => tc.id).join(', ');
}

/** The reason a case is not applicable to this provider, or undefined when it is judged. */
export function notApplicableReason(config: Pick<ProviderConfig, 'matchingPolicy'>, tc: TestCaseSpec): string | undefined {
  const marked = config.matchingPolicy?.notApplicable.find((x) => x.id === tc.id);
  if (!marked || !tc.policyDependent) return undefined;
  return `not applicable: the provider's matching policy differs: ${marked.why} (this case assumes: ${tc.policyDependent})`;
}
