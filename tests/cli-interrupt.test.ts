// Ctrl+C during a rehearsal, from the outside: SIGINT to `cda-sim rehearse --ci` in a child process.
// The run stops at once, prints the summary so far, writes its reports marked INTERRUPTED (the cases
// not reached NOT RUN), is kept so `cda-sim runs` lists it, and exits 130. SIGTERM (a cancelled CI
// job, `docker stop`) stops it the same way, and the reports say it was SIGTERM.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { CLI } from './helpers/spawn-sim.js';
import { cliProcess } from './helpers/cli-process.js';
import { pdfText } from './helpers/pdf.js';
import { freePort, ownProviderSection, spawnProvider } from './helpers/spawn-provider.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';

/** Run the CLI; once its output matches `when`, send it SIGINT (or `signal`). Resolves with what it printed, its exit code and how long it took to stop. */
function interruptWhen(args: string[], cwd: string, when: RegExp, signal: NodeJS.Signals = 'SIGINT'): Promise<{ code: number | null; stdout: string; stderr: string; stopMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`${sentAt ? 'still running 120 s after SIGINT' : `no ${when} within 120 s`}:\n${stdout}\n${stderr}`))), 120000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sentAt && when.test(stdout)) {
        sentAt = Date.now();
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr, stopMs: Date.now() - sentAt })));
  });
}

test('Ctrl+C: the summary so far, reports marked INTERRUPTED, the run kept and listed, exit 130', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const work = tempDir();
  const dirs = ['--state-dir', path.join(work, 'state'), '--certs-dir', certsDir];
  // Stopped in Stage 1, after connection proving passed.
  const r = await interruptWhen(['rehearse', '--ci', ...dirs], work, /\[\d+\/\d+\] S1-0[2-5] /);
  const out = `${r.stdout}\n${r.stderr}`;
  assert.is(r.code, 130, out);
  assert.ok(r.stopMs < 10000, `stopped ${r.stopMs} ms after Ctrl+C`);
  assert.match(r.stderr, /interrupted \(Ctrl\+C\): stopping and writing the reports/);
  assert.match(r.stdout, /INTERRUPTED: \d+ passed/, 'the summary so far, with the run’s verdict');
  assert.match(r.stdout, /CP-01\s+.*PASS/);
  assert.match(r.stdout, /INTERRUPTED \(Ctrl\+C\) after \d+ test case\(s\): the rest were not played/);
  const results = JSON.parse(fs.readFileSync(/results: (\S+)/.exec(r.stdout)![1], 'utf8')) as RunResults;
  assert.is(results.run.status, 'interrupted');
  const byVerdict = (v: string) => results.testCases.filter((t) => t.verdict === v);
  assert.ok(results.testCases.filter((t) => t.id.startsWith('CP-')).every((t) => t.verdict === 'pass'), 'connection proving was played');
  assert.ok(byVerdict('not-run').length > 50, 'Stage 1’s later cases, Stage 2 and reporting were not reached');
  for (const id of ['S1-27', 'S2-01', 'REP-01']) assert.match(results.testCases.find((t) => t.id === id)!.reasons.join(), /interrupted \(Ctrl\+C\)/, id);
  const ids = results.testCases.map((t) => t.id);
  assert.is(new Set(ids).size, ids.length, 'each case once');
  // Every report is written and says so.
  const folder = path.dirname(/results: (\S+)/.exec(r.stdout)![1]);
  const html = fs.readFileSync(path.join(folder, 'report.html'), 'utf8');
  assert.match(html, /INTERRUPTED/);
  assert.match(html, /NOT RUN/);
  assert.match(fs.readFileSync(path.join(folder, 'junit.xml'), 'utf8'), /<skipped message="not run: not played: the run was interrupted \(Ctrl\+C\)/);
  assert.match(await pdfText(path.join(folder, 'report.pdf')), /INTERRUPTED/);
  // Kept, and listed as such.
  const runs = await cliProcess(['runs', ...dirs], work);
  assert.is(runs.code, 0, runs.stderr);
  assert.match(runs.stdout, new RegExp(`${results.run.id}\\s.*INTERRUPTED`));
  const json = await cliProcess(['runs', '--json', ...dirs], work);
  assert.is(JSON.parse(json.stdout.trim().split('\n')[0]).verdict, 'interrupted');
});

test('SIGTERM stops a rehearsal as Ctrl+C does: the reports are written, say SIGTERM, and the run is kept; exit 130', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const work = tempDir();
  const dirs = ['--state-dir', path.join(work, 'state'), '--certs-dir', certsDir];
  const r = await interruptWhen(['rehearse', '--ci', ...dirs], work, /\[\d+\/\d+\] CP-0[2-5] /, 'SIGTERM');
  const out = `${r.stdout}\n${r.stderr}`;
  assert.is(r.code, 130, out);
  assert.ok(r.stopMs < 10000, `stopped ${r.stopMs} ms after SIGTERM`);
  assert.match(r.stderr, /interrupted \(SIGTERM\): stopping and writing the reports/);
  assert.match(r.stdout, /INTERRUPTED \(SIGTERM\) after \d+ test case\(s\): the rest were not played/);
  const results = JSON.parse(fs.readFileSync(/results: (\S+)/.exec(r.stdout)![1], 'utf8')) as RunResults;
  assert.is(results.run.status, 'interrupted');
  assert.match(results.testCases.find((t) => t.id === 'S2-01')!.reasons.join(), /interrupted \(SIGTERM\)/);
  assert.not.match(JSON.stringify(results), /Ctrl\+C/, 'nothing says Ctrl+C');
  const folder = path.dirname(/results: (\S+)/.exec(r.stdout)![1]);
  assert.match(await pdfText(path.join(folder, 'report.pdf')), /INTERRUPTED/);
  const runs = await cliProcess(['runs', ...dirs], work);
  assert.match(runs.stdout, new RegExp(`${results.run.id}\\s.*INTERRUPTED`));
});

test('Ctrl+C while the --apply-updates command runs: the wait was said, the command is stopped, Stage 2 NOT RUN, exit 130', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const [httpsPort, httpPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const provider = await spawnProvider({ httpsPort, httpPort, certsDir, stateDir: tempDir() });
  const work = tempDir();
  try {
    const cfg = path.join(work, 'cda-sim.config.json');
    fs.writeFileSync(cfg, JSON.stringify({ provider: ownProviderSection(provider), simulator: { httpsPort, httpPort, adminPort } }));
    // A command that never finishes by itself; it says who it is, so the test can see it stopped.
    const pidFile = path.join(work, 'apply.pid');
    const slow = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(`require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 30000)`)}`;
    const r = await interruptWhen(['rehearse', '--ci', '--config', cfg, '--apply-updates', slow, '--only', 'S1-01', 'S2-01', '--state-dir', path.join(work, 'state'), '--certs-dir', certsDir], work, /waiting for the --apply-updates command to finish: 5 s\n/);
    const out = `${r.stdout}\n${r.stderr}`;
    assert.is(r.code, 130, out);
    assert.ok(r.stopMs < 10000, `stopped ${r.stopMs} ms after Ctrl+C`);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 40 && alive(); i++) await new Promise((res) => setTimeout(res, 50));
    assert.not.ok(alive(), 'the --apply-updates command was stopped with the run');
    const results = JSON.parse(fs.readFileSync(/results: (\S+)/.exec(r.stdout)![1], 'utf8')) as RunResults;
    assert.is(results.run.status, 'interrupted');
    assert.is(results.testCases.find((t) => t.id === 'S1-01')!.verdict, 'pass');
    assert.is(results.testCases.find((t) => t.id === 'S2-01')!.verdict, 'not-run');
  } finally {
    provider.stop();
  }
});

test.run();
