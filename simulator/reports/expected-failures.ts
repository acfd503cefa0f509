// Expected failures, after the OpenID conformance suite's allow-lists: test ids a team knows fail
// (and is fixing) do not fail the CI run, but are still reported; one that now passes is flagged,
// so the list stays honest. File format: one test id per line; `#` starts a comment.
import fs from 'node:fs';
import { CliError, EXIT } from '../cli/exit-codes.js';
import type { RunResults } from './results.js';

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
    if (!/^[A-Z]+-[A-Z0-9-]+$/.test(line)) throw new CliError(`${file} line ${i + 1}: "${line}" is not a test id (like CP-03)`, EXIT.usage);
    ids.add(line);
  }
  return ids;
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
  const failed = results.testCases.filter((t) => t.verdict !== 'pass').map((t) => t.id);
  const ran = new Set(results.testCases.map((t) => t.id));
  return {
    expected: failed.filter((id) => listed.has(id)),
    unexpected: failed.filter((id) => !listed.has(id)),
    nowPassing: results.testCases.filter((t) => t.verdict === 'pass' && listed.has(t.id)).map((t) => t.id),
    unknown: [...listed].filter((id) => !ran.has(id)),
  };
}
