// Expected failures, after the OpenID conformance suite's allow-lists: test ids a team knows fail
// (and is fixing) do not fail the CI run, but are still reported; one that now passes is flagged,
// so the list stays honest. File format: one test id per line; `#` starts a comment.
import fs from 'node:fs';
import path from 'node:path';
import { CliError, EXIT } from '../core/exit-codes.js';
import { scenariosDir } from '../core/paths.js';
import { didYouMean } from '../core/did-you-mean.js';
import { reportingTestCases } from '../scenarios/reporting-pipeline.js';
import type { RunResults } from '../scenarios/run-results.js';

export function loadExpectedFailures(file: string): Set<string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the expected-failures file ${file}: ${(err as Error).message}`, EXIT.usage);
  }
  const ids = new Set<string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    // The shape of an id (S1-02, SYS-05a); whether cda-sim knows it is checked against the scenarios.
    if (!/^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9-]+$/.test(line)) throw new CliError(`${file} line ${i + 1}: "${line}" is not a test id (like CP-03)`, EXIT.usage);
    ids.add(line);
  }
  return ids;
}

/** Every test id cda-sim knows: the shipped scenario files, any others given, and reporting's. */
export function knownTestIds(scenarioFiles: string[] = []): Set<string> {
  const shipped = fs.readdirSync(scenariosDir).filter((f) => f.endsWith('.json')).map((f) => path.join(scenariosDir, f));
  const ids = new Set(reportingTestCases().map((t) => t.id));
  for (const file of [...shipped, ...scenarioFiles.filter((f) => fs.existsSync(f))]) {
    // Test users and the test data pack sit beside the scenarios; only files with test cases count.
    try {
      const cases = (JSON.parse(fs.readFileSync(file, 'utf8')) as { testCases?: { id?: unknown }[] }).testCases;
      for (const tc of Array.isArray(cases) ? cases : []) if (typeof tc?.id === 'string') ids.add(tc.id);
    } catch {
      // An unreadable scenario file is reported when it is loaded to be played.
    }
  }
  return ids;
}

/** Every id listed must be a test case cda-sim knows: a mistyped one would otherwise hide a real failure. */
export function checkListedIds(listed: Set<string>, known: Set<string>, file: string): void {
  const unknown = [...listed].filter((id) => !known.has(id));
  if (!unknown.length) return;
  const lines = unknown.map((id) => {
    const near = didYouMean(id, known);
    return `  ${id}${near ? `: did you mean ${near}?` : ''}`;
  });
  throw new CliError(`${file} lists test id(s) that match no test case of any scenario:\n${lines.join('\n')}`, EXIT.usage);
}

/** Read, check and name the expected-failures list, as a run carries it. */
export function expectedFailuresFor(file: string, scenarioFiles: string[] = []): { file: string; ids: string[] } {
  const listed = loadExpectedFailures(file);
  checkListedIds(listed, knownTestIds(scenarioFiles), file);
  return { file, ids: [...listed] };
}

export interface ExpectedFailureOutcome {
  /** Failed, and listed: reported, but not failing the run. */
  expected: string[];
  /** Failed, and not listed: these fail the run. */
  unexpected: string[];
  /** Listed, but passed now: take them off the list. */
  nowPassing: string[];
  /** Listed, but no such test case ran. */
  unknown: string[];
}

export function applyExpectedFailures(results: RunResults, listed: Set<string>): ExpectedFailureOutcome {
  // Not run and not applicable are neither passes nor failures.
  const failed = results.testCases.filter((t) => t.verdict === 'fail' || t.verdict === 'error').map((t) => t.id);
  const ran = new Set(results.testCases.map((t) => t.id));
  return {
    expected: failed.filter((id) => listed.has(id)),
    unexpected: failed.filter((id) => !listed.has(id)),
    nowPassing: results.testCases.filter((t) => t.verdict === 'pass' && listed.has(t.id)).map((t) => t.id),
    unknown: [...listed].filter((id) => !ran.has(id)),
  };
}
