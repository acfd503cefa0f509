// `cda-sim runs`: the runs kept in the state directory, newest first, with their verdicts.
import { defineCommand, withDirs } from '../command.js';
import { EXIT } from '../../core/exit-codes.js';
import { listRuns, runsDir, type RunListing } from '../../runs/run-store.js';
import { runVerdict as verdictOf } from '../../reports/results.js';

/** PASSED, FAILED, PAUSED (after Stage 1) or INCOMPLETE (cut short, stopped by the environment, or no results). */
export function runVerdict(r: RunListing): string {
  if (!r.results) return 'INCOMPLETE';
  return verdictOf(r.results.run, r.results.testCases);
}

export function runsTable(runs: RunListing[]): string {
  const rows = runs.map((r) => {
    const res = r.results;
    const failing = res?.testCases.filter((t) => t.verdict === 'fail' || t.verdict === 'error').map((t) => t.id) ?? [];
    const notRun = res?.summary.notRun ?? 0;
    return [
      r.id,
      res ? res.run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '',
      res?.run.provider ?? '',
      runVerdict(r),
      res ? `${res.summary.passed}/${res.summary.total}` : '',
      [r.state === 'incomplete' ? 'under way or cut short' : failing.length > 6 ? `${failing.slice(0, 6).join(' ')} +${failing.length - 6}` : failing.join(' '), notRun ? `(${notRun} not run)` : ''].filter(Boolean).join(' '),
    ];
  });
  const head = ['run id', 'started', 'provider', 'verdict', 'passed', 'failing'];
  const widths = head.map((h, i) => Math.min(i === 2 ? 32 : 60, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const line = (r: string[]) => r.map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export const runsCommand = defineCommand({
  command: 'runs',
  describe: 'List the kept runs (newest first) with their verdicts',
  builder: (y) =>
    withDirs(y)
      .option('limit', { type: 'number', describe: 'Only the newest N runs' })
      .option('json', { type: 'boolean', default: false, describe: 'One JSON object a line: id, state, verdict, summary, failing test ids' }),
  run: async (args) => {
    const runs = listRuns(args['state-dir']).slice(0, args.limit ?? undefined);
    if (args.json) {
      for (const r of runs) {
        console.log(JSON.stringify({ id: r.id, state: r.state, verdict: runVerdict(r).toLowerCase(), provider: r.results?.run.provider, startedAt: r.results?.run.startedAt, summary: r.results?.summary, failing: r.results?.testCases.filter((t) => t.verdict === 'fail' || t.verdict === 'error').map((t) => t.id) }));
      }
      return EXIT.ok;
    }
    if (!runs.length) {
      console.log(`no runs kept in ${runsDir(args['state-dir'])} yet (\`cda-sim rehearse\` makes one)`);
      return EXIT.ok;
    }
    console.log(runsTable(runs));
    console.error(`${runs.length} run(s) in ${runsDir(args['state-dir'])}; \`cda-sim export <run id> --out FILE\` bundles one`);
    return EXIT.ok;
  },
});
