// Every report of a run, side by side in its run folder: results.json (the record every other
// report is drawn from), junit.xml for CI, report.html and report.pdf for people.
import fs from 'node:fs';
import path from 'node:path';
import { writeResults } from './results.js';
import type { RunResults } from '../scenarios/run-results.js';
import { toJUnitXml } from './junit.js';
import { toHtml } from './html.js';
import { writePdf } from './pdf.js';

/** Write through a temp file, so a reader never sees half a report. */
function writeAtomic(file: string, text: string): string {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return file;
}

export async function writeReports(dir: string, results: RunResults): Promise<{ json: string; junit: string; html: string; pdf: string }> {
  // JSON and JUnit first: they are what CI reads, and they must exist even if the PDF cannot be made.
  const json = writeResults(dir, results);
  const junit = writeAtomic(path.join(dir, 'junit.xml'), toJUnitXml(results));
  const html = writeAtomic(path.join(dir, 'report.html'), toHtml(results));
  const pdf = path.join(dir, 'report.pdf');
  await writePdf(results, pdf);
  return { json, junit, html, pdf };
}

/** A copy of a run's reports elsewhere (`--reports-dir`); the run itself stays in the run store. */
export function copyReports(files: string[] | Record<string, string>, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const file of Array.isArray(files) ? files : Object.values(files)) fs.copyFileSync(file, path.join(dir, path.basename(file)));
}
