// The title of an injected problem, as MaPS's harness words it (reporting-api.md §9): the C&A and
// the reporting service both answer injected faults from the one registry (registry.ts), alike.

/** "TOO_MANY_REQUESTS" → "Too Many Requests", the harness's title for an injected problem. */
export function titleCase(code: string): string {
  return code
    .toLowerCase()
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}
