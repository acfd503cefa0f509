// The pause between Stage 1 and Stage 2: the update file is written, then applied by a command
// (--apply-updates), or the run is persisted and `cda-sim stage2` resumes it later, in another
// process, against the same state. All over real sockets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rehearse } from './helpers/rehearse.js';
import { listRuns, runDir as runFolder } from '../simulator/runs/run-store.js';
import { readUpdateFile } from '../simulator/scenarios/update-file.js';
import { runCli as cli } from './helpers/cli-in-process.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { CLI } from './helpers/spawn-sim.js';
import { freePort, ownProviderSection, spawnProvider } from './helpers/spawn-provider.js';

/** The CLI in a child process, without blocking this one (it serves the clear-down URL meanwhile). */
function cliProcess(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120000);
    child.on('close', (status) => (clearTimeout(timer), resolve({ status, stdout, stderr })));
  });
}

const S2 = ['S2-01', 'S2-02', 'S2-03', 'S2-04', 'S2-05', 'S2-06', 'S2-07', 'S2-08'];


test('with nobody to apply the update file the run pauses after Stage 1; `cda-sim stage2` resumes it', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const stateDir = tempDir();
  const reportsDir = tempDir();
  const first = await rehearse({ stateDir, certsDir, reportsDir, applyUpdates: { stop: true }, only: ['S1-01', 'S1-04', ...S2], budgets: { updateWindowMs: 3000 }, progress: () => {} });
  assert.ok(first.paused, 'paused');
  // Paused before every phase asked for was played: never 0.
  assert.is(first.exitCode, 4);
  assert.is(first.results.run.status, 'paused');
  // What was not played is listed, not-run: Stage 2 and reporting.
  assert.equal(first.results.testCases.filter((t) => t.verdict !== 'not-run').map((t) => t.id), ['S1-01', 'S1-04']);
  assert.equal(first.results.testCases.filter((t) => t.verdict === 'not-run').map((t) => t.id), [...S2, 'REP-01', 'REP-02', 'REP-03', 'REP-04', 'REP-05', 'REP-06', 'REP-07']);
  assert.equal(first.results.run.window!.phases.map((p) => p.name), ['clear-down', 'Integration Stage 1', 'update file']);
  const pausedFile = path.join(runFolder(stateDir, first.paused!.runId), 'paused.json');
  assert.ok(fs.existsSync(pausedFile));
  assert.equal(fs.readdirSync(path.dirname(pausedFile)).filter((f) => f.endsWith('.tmp')), [], 'written through a temporary file, then renamed');
  assert.is(readUpdateFile(first.paused!.updateFile.json).instructions.length, 5);
  assert.ok(fs.existsSync(first.reports.pdf), 'Stage 1 evidence is written at the pause');
  assert.equal(listRuns(stateDir).map((r) => r.state), ['paused']);
  assert.ok(fs.existsSync(path.join(reportsDir, first.paused!.runId, 'results.json')), '--reports-dir keeps results.json beside the update file');

  // Later, another command: the simulator restarts on the same state; the reference provider applies the file.
  const resumed = await cli(['stage2', '--state-dir', stateDir, '--certs-dir', certsDir, '--ci']);
  assert.is(resumed.code, 0, resumed.out);
  assert.match(resumed.out, /Integration Stage 2/);
  const results = JSON.parse(fs.readFileSync(first.reports.json, 'utf8')) as RunResults;
  assert.is(results.run.id, first.paused!.runId);
  assert.is(results.run.status, 'complete');
  const ids = results.testCases.map((t) => t.id);
  for (const id of ['S1-01', 'S1-04', ...S2, 'REP-01']) assert.ok(ids.includes(id), id);
  assert.equal(results.testCases.filter((t) => t.verdict !== 'pass').map((t) => `${t.id}: ${t.reasons.join(' | ')}`), []);
  assert.equal(results.run.window!.phases.map((p) => p.name), ['clear-down', 'Integration Stage 1', 'update file', 'update file (resumed)', 'Integration Stage 2', 'soak', 'reporting']);
  assert.ok(!fs.existsSync(pausedFile), 'no longer paused');
  assert.equal(listRuns(stateDir).map((r) => r.state), ['complete']);
  const again = await cli(['stage2', '--state-dir', stateDir, '--certs-dir', certsDir, '--ci']);
  assert.is(again.code, 2);
  assert.match(again.out, /no paused run/);
});

test('--apply-updates runs the command with the update file’s path, then Stage 2 judges what reached the C&A', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const marker = path.join(tempDir(), 'applied.txt');
  // A command that receives the file and applies nothing: Stage 2 must notice.
  const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, process.argv[1] + '\\n' + process.env.CDA_SIM_UPDATE_FILE_CSV)`;
  const command = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}`;
  const lines: string[] = [];
  const o = await rehearse({ stateDir: tempDir(), certsDir, reportsDir: tempDir(), applyUpdates: { stop: true, command }, only: ['S1-01', 'S2-01', 'S2-06'], budgets: { updateWindowMs: 1000 }, progress: (l) => lines.push(l) });
  assert.ok(!o.paused);
  const [jsonPath, csvPath] = fs.readFileSync(marker, 'utf8').split('\n');
  assert.is(jsonPath, path.join(path.dirname(o.reports.json), 'update-file.json'));
  assert.is(csvPath, path.join(path.dirname(o.reports.json), 'update-file.csv'));
  assert.ok(lines.some((l) => l.startsWith('applying the updates: ') && l.endsWith(`'${jsonPath}'`)), lines.join('\n'));
  const verdict = (id: string) => o.results.testCases.find((t) => t.id === id)!;
  assert.is(verdict('S2-01').verdict, 'fail');
  assert.match(verdict('S2-01').reasons.join(), /no PATCH .* reached the C&A within 1 s/);
  assert.is(verdict('S2-06').verdict, 'pass');
  assert.is(o.exitCode, 1);
});

test('against a provider in its own process: clear-down command and URL, pause after Stage 1, `cda-sim stage2` in a later process', async () => {
  const { dir: certsDir } = await sharedMaterial();
  // The provider's clear-down URL: cda-sim must POST to it before anything else.
  const clearDowns: string[] = [];
  const clearDownServer = http.createServer((req, res) => {
    clearDowns.push(`${req.method} ${req.url} ${req.headers['x-request-id'] ? 'with' : 'without'} X-Request-ID`);
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => clearDownServer.listen(0, '127.0.0.1', resolve));
  const clearDownUrl = `http://127.0.0.1:${(clearDownServer.address() as AddressInfo).port}/test/clear-down`;
  const [httpsPort, httpPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const provider = await spawnProvider({ httpsPort, httpPort, certsDir, stateDir: tempDir() });
  const work = tempDir();
  const clearedMarker = path.join(work, 'cleared.txt');
  try {
    const cfg = path.join(work, 'cda-sim.config.json');
    fs.writeFileSync(
      cfg,
      JSON.stringify({
        provider: ownProviderSection(provider, {
          clearDown: { command: `${JSON.stringify(process.execPath)} -e ${JSON.stringify(`require('fs').writeFileSync(${JSON.stringify(clearedMarker)}, 'cleared')`)}`, url: clearDownUrl },
        }),
        budgets: { updateWindowMs: 1000 },
        simulator: { httpsPort, httpPort, adminPort },
      }),
    );
    const state = path.join(work, 'state');
    const common = ['--certs-dir', certsDir, '--state-dir', state];
    const stage1 = await cliProcess(['rehearse', '--ci', '--config', cfg, '--only', 'S1-01', 'S1-02', 'S2-01', 'S2-06', ...common], work);
    assert.is(stage1.status, 4, `${stage1.stdout}\n${stage1.stderr}`);
    assert.ok(fs.existsSync(clearedMarker), 'the provider clear-down command ran');
    assert.match(stage1.stdout, /provider clear-down: /);
    assert.equal(clearDowns, ['POST /test/clear-down with X-Request-ID'], 'the clear-down URL was called once');
    const resume = /cda-sim stage2 --run (\S+)/.exec(stage1.stdout)?.[1];
    assert.ok(resume, stage1.stdout);
    assert.match(stage1.stdout, /PAUSED: 2 passed, 0 failed/);

    // The provider (which cannot read the file) applies nothing; Stage 2, in another process, says so.
    const stage2 = await cliProcess(['stage2', '--ci', '--run', resume!, ...common], work);
    assert.is(stage2.status, 1, `${stage2.stdout}\n${stage2.stderr}`);
    assert.match(stage2.stdout, /S2-01\s+The possible match IT03 is confirmed.*FAIL/);
    assert.match(stage2.stdout, /S2-06\s+Nothing else changed\s+PASS/);
    assert.match(stage2.stdout, /S1-02\s+IT01, a single definite match.*PASS/);
  } finally {
    provider.stop();
    clearDownServer.close();
  }
});

test.run();
