// `cda-sim runs` and the commands' usage errors, through the command line's own entry (in-process,
// output captured, real files); --help as a user runs it, in a child process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeResults } from '../simulator/reports/results.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import { runDir } from '../simulator/runs/run-store.js';
import type { TestCaseResult } from '../simulator/scenarios/types.js';
import { main } from '../simulator/cli/main.js';
import { tempDir } from './helpers/fixtures.js';
import { CLI } from './helpers/spawn-sim.js';

/** Run a command in-process, capturing what it prints (these commands start no servers). */
async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await main(args);
    return { code, stdout: out.join('\n') + '\n', stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const tc = (id: string, verdict: TestCaseResult['verdict']): TestCaseResult => ({ id, title: id, rule: 'r', reference: 'ref', scenario: 's', phase: 'p', verdict, reasons: [], exchanges: [], startedAt: '2026-11-24T10:00:00.000Z', durationMs: 1 });

function keep(state: string, id: string, cases: TestCaseResult[], provider = 'Example Pensions (test)', run: Partial<RunResults['run']> = {}): void {
  const results: RunResults = {
    run: { id, cdaSimVersion: '0.1.0', profile: 'p', provider, configDigest: '0', startedAt: `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}.000Z`, finishedAt: '', scenarios: ['s'], ...run },
    summary: { total: cases.length, passed: cases.filter((c) => c.verdict === 'pass').length, failed: cases.filter((c) => c.verdict === 'fail').length, errors: cases.filter((c) => c.verdict === 'error').length, notRun: cases.filter((c) => c.verdict === 'not-run').length, notApplicable: 0 },
    testCases: cases,
  };
  writeResults(runDir(state, id), results);
}

test('runs: newest first, with verdict, passed of total and the failing ids; a run without results is incomplete', async () => {
  const state = tempDir();
  keep(state, '20261124T090000Z-aaaaaaaa', [tc('CP-01', 'pass'), tc('CP-02', 'pass')]);
  keep(state, '20261124T100000Z-bbbbbbbb', [tc('CP-01', 'pass'), tc('CP-03', 'fail'), tc('CP-05', 'error')]);
  keep(state, '20261124T103000Z-dddddddd', []);
  fs.mkdirSync(runDir(state, '20261124T110000Z-cccccccc'), { recursive: true });
  const r = await cli(['runs', '--state-dir', state]);
  assert.is(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n');
  assert.match(rows[0], /^run id\s+started\s+provider\s+verdict\s+passed\s+failing$/);
  assert.match(rows[1], /^20261124T110000Z-cccccccc\s+INCOMPLETE\s+under way or cut short$/);
  // A run that executed nothing is never a pass.
  assert.match(rows[2], /^20261124T103000Z-dddddddd\s+2026-11-24 10:30:00Z\s+Example Pensions \(test\)\s+FAILED\s+0\/0$/);
  assert.match(rows[3], /^20261124T100000Z-bbbbbbbb\s+2026-11-24 10:00:00Z\s+Example Pensions \(test\)\s+FAILED\s+1\/3\s+CP-03 CP-05$/);
  assert.match(rows[4], /^20261124T090000Z-aaaaaaaa\s+.*PASSED\s+2\/2$/);
  assert.match(r.stderr, /4 run\(s\) in /);

  // Paused after Stage 1, or stopped by the environment: never PASSED, however many passed so far.
  keep(state, '20261124T120000Z-eeeeeeee', [tc('S1-01', 'pass'), tc('S2-01', 'not-run')], 'Example Pensions (test)', { status: 'paused' });
  keep(state, '20261124T130000Z-ffffffff', [tc('CP-01', 'not-run')], 'Example Pensions (test)', { status: 'aborted' });
  const later = (await cli(['runs', '--state-dir', state])).stdout.trim().split('\n');
  assert.match(later[1], /^20261124T130000Z-ffffffff\s+.*INCOMPLETE\s+0\/1\s+\(1 not run\)$/);
  assert.match(later[2], /^20261124T120000Z-eeeeeeee\s+.*PAUSED\s+1\/2\s+\(1 not run\)$/);
  const json = (await cli(['runs', '--state-dir', state, '--json', '--limit', '2'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(json.map((j) => [j.state, j.verdict]), [['aborted', 'incomplete'], ['paused', 'paused']]);
  assert.is((await cli(['runs', '--state-dir', state, '--limit', '1'])).stdout.trim().split('\n').length, 2);
});

test('runs with nothing kept says how to make one', async () => {
  const r = await cli(['runs', '--state-dir', path.join(tempDir(), 'none')]);
  assert.is(r.code, 0);
  assert.match(r.stdout, /no runs kept in .* yet \(`cda-sim rehearse` makes one\)/);
});

test('usage errors name the field and the rule: export of an incomplete run, inspect or replay of a non-bundle', async () => {
  const state = tempDir();
  fs.mkdirSync(runDir(state, '20261124T110000Z-cccccccc'), { recursive: true });
  const incomplete = await cli(['export', '20261124T110000Z-cccccccc', '--state-dir', state, '--out', path.join(state, 'x.tar.gz')]);
  assert.is(incomplete.code, 2);
  assert.match(incomplete.stderr, /has no results\.json: it is under way or was cut short/);
  const none = await cli(['export', 'latest', '--state-dir', path.join(state, 'empty')]);
  assert.is(none.code, 2);
  assert.match(none.stderr, /"latest": no run with results is kept/);
  const badId = await cli(['export', '../etc', '--state-dir', state]);
  assert.is(badId.code, 2);
  assert.match(badId.stderr, /"\.\.\/etc" is not a run id/);
  const notBundle = path.join(state, 'notes.txt');
  fs.writeFileSync(notBundle, 'hello');
  const inspect = await cli(['inspect', notBundle]);
  assert.is(inspect.code, 2);
  assert.match(inspect.stderr, /notes\.txt is not a readable cda-sim bundle: it is not a gzip file/);
  const replay = await cli(['replay', path.join(state, 'missing.tar.gz')]);
  assert.is(replay.code, 2);
  assert.match(replay.stderr, /missing\.tar\.gz is not a readable cda-sim bundle: the file does not exist/);
  const both = await cli(['replay', path.join(state, 'missing.tar.gz'), '--config', 'c.yaml', '--reference-fault', 'ack-200']);
  assert.is(both.code, 2);
  assert.match(both.stderr, /--reference-fault gives the built-in reference provider defects; with --config/);
});

test('--help lists runs, export, inspect and replay', () => {
  const r = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8', timeout: 30000 });
  for (const c of ['runs', 'export <run>', 'inspect <file>', 'replay <file>']) assert.match(r.stdout, new RegExp(`cda-sim ${c}`));
});

test.run();
