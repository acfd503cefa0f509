// What `rehearse` and `stage2` print when a run ends: the summary table and where the reports are.
import fs from 'node:fs';
import path from 'node:path';
import type { RehearsalOutcome } from '../rehearsal/rehearse.js';
import { summaryTable } from '../reports/results.js';
import { writeFileAtomic } from '../runs/run-record.js';

export function printRunOutcome(o: RehearsalOutcome, junit?: string): void {
  console.log(`\n${summaryTable(o.results, process.stdout.columns ?? 120)}`);
  console.log(`results: ${o.reports.json}\nreports: ${o.reports.pdf}, ${o.reports.html}, ${o.reports.junit}`);
  if (o.paused) console.log(`PAUSED after Stage 1: apply ${o.paused.updateFile.json} (or .csv), then run: cda-sim stage2 --run ${o.paused.runId}`);
  else console.log(`run ${o.results.run.id} is kept; \`cda-sim export ${o.results.run.id} --out run.tar.gz\` bundles it for someone else`);
  if (junit) writeFileAtomic(path.resolve(junit), fs.readFileSync(o.reports.junit));
}
