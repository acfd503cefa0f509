// State, journal, runs and bundles hold full PATs, RPTs and user tokens: everything cda-sim writes
// there is private to its user, directories 0700 and files 0600 (the lock file and temp files too),
// after `cda-sim start` and after a rehearsal (its run folder, reports and exported bundle).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { rehearse } from './helpers/rehearse.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { patFor, spawnSim } from './helpers/spawn-sim.js';
import { runCli } from './helpers/cli-in-process.js';

/** Every directory under `dir` (itself included) 0700, every file 0600. */
function assertPrivate(dir: string): number {
  assert.is(fs.statSync(dir).mode & 0o777, 0o700, dir);
  let files = 0;
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) files += assertPrivate(p);
    else {
      assert.is(fs.statSync(p).mode & 0o777, 0o600, p);
      files++;
    }
  }
  return files;
}

test('what start writes is private: the state directory 0700, its files 0600 (lock file included)', async () => {
  const { dir } = await sharedMaterial();
  const state = path.join(tempDir(), 'state');
  const sim = await spawnSim(['--state-dir', state, '--certs-dir', dir, '--https-port', '0', '--http-port', '0', '--admin-port', '0']);
  try {
    assert.ok(await patFor(sim, 'IT01'), 'a PAT: a state write');
    const files = fs.readdirSync(state);
    for (const f of ['simulator.lock', 'journal.ndjson', 'reporting-submissions.ndjson']) assert.ok(files.includes(f), f);
    assert.ok(files.some((f) => f.startsWith('wal-')), 'the write-ahead log');
    assertPrivate(state);
  } finally {
    assert.is(await sim.stop(), 0);
  }
  assert.ok(fs.existsSync(path.join(state, 'state.json')), 'the snapshot written on stop');
  assertPrivate(state);
});

test('what a rehearsal writes is private: its run folder, reports and journal copy; an exported bundle too', async () => {
  const { dir } = await sharedMaterial();
  const base = tempDir();
  const state = path.join(base, 'state');
  const outcome = await rehearse({ stateDir: state, certsDir: dir, scenarios: ['connection-proving'], progress: () => {} });
  assert.is(outcome.exitCode, 0);
  const runs = fs.readdirSync(path.join(state, 'runs'));
  assert.is(runs.length, 1);
  for (const f of ['results.json', 'junit.xml', 'report.html', 'report.pdf', 'journal.ndjson']) assert.ok(fs.existsSync(path.join(state, 'runs', runs[0], f)), f);
  assertPrivate(state);
  const bundle = path.join(base, 'run.tar.gz');
  const exported = await runCli(['export', runs[0], '--state-dir', state, '--out', bundle]);
  assert.is(exported.code, 0, exported.out);
  assert.is(fs.statSync(bundle).mode & 0o777, 0o600);
});

test.run();
