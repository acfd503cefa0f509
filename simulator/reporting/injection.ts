// Error injection on the reporting endpoints, as MaPS's harness offers it with POST /configuration
// (reporting-api.md §9): the rules live in the simulator's one fault registry
// (simulator/faults/registry.ts, simulator/faults/configuration.ts). Test use only.

/** "TOO_MANY_REQUESTS" → "Too Many Requests", the harness's title for an injected problem. */
export function titleCase(code: string): string {
  return code
    .toLowerCase()
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}
