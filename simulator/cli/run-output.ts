// What `rehearse` and `stage2` print when a run ends: the summary table, where the reports are, the
// expected failures, and what to do about a paused or stopped run.
import fs from 'node:fs';
import path from 'node:path';
import type { RehearsalOutcome } from '../rehearsal/rehearse.js';
import { summaryTable } from '../reports/results.js';
import type { RunResults } from '../scenarios/run-results.js';
import { applyExpectedFailures } from '../reports/expected-failures.js';
import { writeFileAtomic } from '../runs/run-record.js';

function printExpectedFailures(results: RunResults): void {
  const list = results.run.expectedFailures;
  if (!list) return;
  const o = applyExpectedFailures(results, new Set(list.ids));
  if (o.expected.length) console.log(`expected failures (listed, not failing the run): ${o.expected.join(', ')}`);
  if (o.nowPassing.length) console.log(`NOW PASSING, take them off ${list.file} (until then they fail the run): ${o.nowPassing.join(', ')}`);
  if (o.unknown.length) console.log(`listed but not played in this run: ${o.unknown.join(', ')}`);
  if (o.unexpected.length) console.log(`unexpected failures: ${o.unexpected.join(', ')}`);
}

export function printRunOutcome(o: RehearsalOutcome, junit?: string): void {
  const id = o.results.run.id;
  console.log(`\n${summaryTable(o.results, process.stdout.columns ?? 120)}`);
  console.log(`results: ${o.reports.json}\nreports: ${o.reports.pdf}, ${o.reports.html}, ${o.reports.junit}`);
  printExpectedFailures(o.results);
  // The C&A stops with the run, and applying the file means calling it: say how to have it up.
  if (o.paused && o.results.run.status === 'paused') console.log(`PAUSED after Stage 1 (exit ${o.exitCode}): the update file is ${o.paused.updateFile.json} (or .csv). Applying it calls the C&A, which stopped with the run: \`cda-sim stage2 --run ${o.paused.runId} --apply-updates "<your command>"\` starts it and runs the command with the file; or apply it while \`cda-sim start\` runs, then run: cda-sim stage2 --run ${o.paused.runId}`);
  else if (o.paused) console.log(`Stage 1 only, as asked (--stage1-only): the update file is ${o.paused.updateFile.json}; \`cda-sim stage2 --run ${o.paused.runId}\` plays Stage 2 later`);
  if (o.aborted) console.error(`cda-sim: ${o.aborted.reason}`);
  console.log(`run ${id} is kept; \`cda-sim export ${id} --out run.tar.gz\` bundles it for someone else`);
  if (junit) writeFileAtomic(path.resolve(junit), fs.readFileSync(o.reports.junit));
}
