// CI output: --junit and --expected-failures on `cda-sim rehearse`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { applyExpectedFailures, loadExpectedFailures } from '../simulator/reports/expected-failures.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { rehearse } from './helpers/rehearse.js';
import { CLI } from './helpers/spawn-sim.js';

function results(verdicts: Record<string, 'pass' | 'fail' | 'error'>): RunResults {
  const testCases = Object.entries(verdicts).map(([id, verdict]) => ({ id, title: id, rule: '', reference: '', scenario: 's', phase: 'p', verdict, reasons: [], exchanges: [], startedAt: '', durationMs: 0 }));
  return { run: {} as RunResults['run'], summary: { total: testCases.length, passed: 0, failed: 0, errors: 0, notRun: 0, notApplicable: 0 }, testCases };
}

test('listed failures are expected, unlisted ones are not, listed passes are flagged, unknown ids noted', () => {
  const o = applyExpectedFailures(results({ 'CP-01': 'pass', 'CP-03': 'fail', 'CP-05': 'error', 'CP-06': 'pass' }), new Set(['CP-03', 'CP-06', 'S1-99']));
  assert.equal(o, { expected: ['CP-03'], unexpected: ['CP-05'], nowPassing: ['CP-06'], unknown: ['S1-99'] });
});

test('the list file: one id a line, comments allowed, anything else named with its line', () => {
  const dir = tempDir();
  const good = path.join(dir, 'ok.txt');
  fs.writeFileSync(good, '# known issues\nCP-03  # registration description, ticket 42\n\nREP-04\n');
  assert.equal([...loadExpectedFailures(good)], ['CP-03', 'REP-04']);
  const bad = path.join(dir, 'bad.txt');
  fs.writeFileSync(bad, 'CP-03\nall of them\n');
  try {
    loadExpectedFailures(bad);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /line 2: "all of them" is not a test id/);
  }
});

test('rehearse --junit --expected-failures: the JUnit file is written, and a listed id that passes is a failure saying so', async () => {
  const { dir } = await sharedMaterial();
  const cwd = tempDir();
  fs.writeFileSync(path.join(cwd, 'expected.txt'), 'CP-03\n');
  const r = spawnSync(process.execPath, [CLI, 'rehearse', '--ci', '--certs-dir', dir, '--junit', 'out/junit.xml', '--expected-failures', 'expected.txt'], { cwd, encoding: 'utf8', timeout: 120000 });
  // The list must stay honest: a listed id that passes fails the run until it is taken off.
  assert.is(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /NOW PASSING, take them off expected\.txt \(until then they fail the run\): CP-03/);
  const xml = fs.readFileSync(path.join(cwd, 'out', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuite[^>]*name="connection-proving"[^>]*failures="1"/);
  assert.match(xml, /name="CP-03 [^"]*"[^>]*>\s*<failure message="listed as an expected failure in expected\.txt, but it passed: take it off the list"/);
  assert.match(xml, /CP-09/);
});

test('a listed failure does not fail the run: the case still fails in results.json, and JUnit skips it with the real reason', async () => {
  const { dir } = await sharedMaterial();
  const o = await rehearse({ stateDir: tempDir(), certsDir: dir, scenarios: ['connection-proving'], referenceFaults: ['skip-introspection'], expectedFailures: { file: 'known.txt', ids: ['CP-05', 'CP-08'] }, progress: () => {} });
  assert.equal(o.results.testCases.filter((t) => t.verdict !== 'pass').map((t) => `${t.id} ${t.verdict}`), ['CP-05 fail', 'CP-08 fail']);
  assert.is(o.exitCode, 0);
  const xml = fs.readFileSync(o.reports.junit, 'utf8');
  assert.match(xml, /<testcase [^>]*name="CP-05 [^"]*"[^>]*>\s*<skipped message="expected failure: [^"]*introspect/);
  assert.match(xml, /<testsuites [^>]*failures="0" errors="0" skipped="2"/);
  // Without the list the same run fails.
  const plain = await rehearse({ stateDir: tempDir(), certsDir: dir, scenarios: ['connection-proving'], referenceFaults: ['skip-introspection'], progress: () => {} });
  assert.is(plain.exitCode, 1);
});

test.run();
