// Every run leaves evidence: a provider that cannot be reached is an environment failure (exit 3),
// yet the JUnit file is written (the cases not played as errors naming the cause), the run is kept
// with its results and reports, and `cda-sim export latest` bundles that run, not an older one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { freePort } from './helpers/spawn-provider.js';
import { loadTestData } from '../simulator/testdata/records.js';
import { runResults, writeResults } from '../simulator/reports/results.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import { runDir } from '../simulator/runs/run-store.js';
import { readBundle } from '../simulator/runs/bundle.js';

test('an unreachable provider: exit 3, a JUnit file of errors naming the cause, a kept run that `export latest` bundles', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const [httpsPort, httpPort, adminPort, deadPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const cwd = tempDir();
  const state = path.join(cwd, 'state');
  const cfg = path.join(cwd, 'cda-sim.config.json');
  const dead = `https://localhost:${deadPort}`;
  fs.writeFileSync(cfg, JSON.stringify({
    provider: { findUrl: `${dead}/find`, viewUrl: `${dead}/view-data`, holdernameGuids: [loadTestData().holdernames[0].holdernameGuid], viewTokenKey: { jwksUrl: `${dead}/jwks` } },
    simulator: { httpsPort, httpPort, adminPort },
  }));
  // An older, unrelated run that passed: `export latest` must not hand this one on as the evidence.
  const older = '20200101T000000Z-0ld0ld00';
  writeResults(runDir(state, older), runResults({ id: older, cdaSimVersion: '0.1.0', profile: 'p', provider: 'another', configDigest: '0', startedAt: '2020-01-01T00:00:00.000Z', finishedAt: '2020-01-01T00:01:00.000Z', scenarios: ['connection-proving'], status: 'complete' }, []));

  const r = await cliProcess(['rehearse', '--ci', '--config', cfg, '--scenario', 'connection-proving', '--certs-dir', certsDir, '--state-dir', state, '--junit', 'out/junit.xml', '--reports-dir', 'reports'], cwd);
  assert.is(r.code, 3, `${r.stdout}\n${r.stderr}`);
  const cause = new RegExp(`find endpoint ${dead}/find cannot be reached \\(ECONNREFUSED\\)`);
  assert.match(r.stderr, cause);

  const xml = fs.readFileSync(path.join(cwd, 'out', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites [^>]*tests="10" failures="0" errors="10" skipped="0"/);
  const errors = [...xml.matchAll(/<error message="([^"]*)" type="cda-sim.not-run"/g)].map((m) => m[1]);
  assert.is(errors.length, 10);
  for (const e of errors) assert.match(e, cause);

  const runId = /^run (\S+) is kept/m.exec(r.stdout)![1];
  const results = JSON.parse(fs.readFileSync(path.join(runDir(state, runId), 'results.json'), 'utf8')) as RunResults;
  assert.is(results.run.status, 'aborted');
  assert.match(results.run.stopReason!, cause);
  assert.equal(results.summary.notRun, 10);
  for (const f of ['junit.xml', 'report.html', 'report.pdf', 'results.json']) assert.ok(fs.existsSync(path.join(cwd, 'reports', runId, f)), f);
  assert.match(fs.readFileSync(path.join(runDir(state, runId), 'report.html'), 'utf8'), /INCOMPLETE: 0 passed, 0 failed \(10 test cases, 10 not run\)/);

  const runs = await cliProcess(['runs', '--state-dir', state], cwd);
  assert.match(runs.stdout, new RegExp(`^${runId}\\s.*INCOMPLETE\\s+0/10`, 'm'), runs.stdout);
  const exported = await cliProcess(['export', 'latest', '--state-dir', state, '--out', 'run.tar.gz'], cwd);
  assert.is(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, new RegExp(`run ${runId}`));
  const bundle = readBundle(path.join(cwd, 'run.tar.gz'));
  assert.is(bundle.results.run.id, runId);
  // The run kept its inputs: what it would have sent can be inspected and replayed elsewhere.
  assert.ok(bundle.scenarios.length > 0, 'the scenario files are in the bundle');
});

test.run();
