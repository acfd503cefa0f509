// What `rehearse` and `stage2` print when a run ends: the summary table and where the reports are.
import fs from 'node:fs';
import path from 'node:path';
import type { RehearsalOutcome } from '../rehearsal/rehearse.js';
import { summaryTable } from '../reports/results.js';

export function printRunOutcome(o: RehearsalOutcome, junit?: string): void {
  console.log(`\n${summaryTable(o.results, process.stdout.columns ?? 120)}`);
  console.log(`results: ${o.reports.json}\nreports: ${o.reports.pdf}, ${o.reports.html}, ${o.reports.junit}`);
  if (o.paused) console.log(`PAUSED after Stage 1: apply ${o.paused.updateFile.json} (or .csv), then run: cda-sim stage2 --run ${o.paused.runId}`);
  if (junit) {
    fs.mkdirSync(path.dirname(path.resolve(junit)), { recursive: true });
    fs.copyFileSync(o.reports.junit, junit);
  }
}
